//! `emul validate --topology FILE`: parse and check a topology, print every
//! problem as `FILE:LINE:COLUMN: what is wrong` plus a hint.
//! Exit 0 when valid, 2 ([`super::exit::INVALID_INPUT`]) when not.

use std::path::PathBuf;

/// Arguments of `emul validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The topology file to check.
    #[arg(
        long,
        short = 't',
        env = "EMUL_TOPOLOGY",
        default_value = "topology.yaml"
    )]
    pub topology: PathBuf,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    eprintln!("emul validate: not built yet ({})", args.topology.display());
    super::exit::FAILURE
}
