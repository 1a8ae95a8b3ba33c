//! Stable exit codes. Scripts and CI pipelines branch on these, so a code never
//! changes meaning once released; new situations get new numbers.

/// The command did what was asked.
pub const SUCCESS: u8 = 0;
/// The command was valid but failed while running (Docker error, a container
/// that never became ready, an I/O error). The message names the resource.
pub const FAILURE: u8 = 1;
/// The input was wrong: a topology that does not validate, or bad arguments
/// (clap uses 2 for usage errors too, so the two agree).
pub const INVALID_INPUT: u8 = 2;
/// The Docker engine could not be reached.
pub const DOCKER_UNAVAILABLE: u8 = 3;
/// `emul verify` observed reachability that differs from what the security
/// groups say.
pub const VERIFY_MISMATCH: u8 = 4;
/// `emul why`: the security groups refuse the connection asked about
/// (a verdict, not a failure; 4 keeps meaning "verify saw a mismatch").
pub const WHY_REFUSED: u8 = 5;
/// Interrupted by Ctrl-C / SIGINT (the shell convention, 128 + 2).
pub const INTERRUPTED: u8 = 130;
