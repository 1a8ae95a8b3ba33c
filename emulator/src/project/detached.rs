//! What a background daemon (`emul up -d`) does before anything else: leave
//! the caller's session and let go of the caller's file descriptors.
//!
//! `up -d` returns while its daemon runs on until `emul down`. Whatever the
//! calling shell had open beyond stdin, stdout and stderr (a CI step's
//! pipe, a `flock` held on fd 9, a wrapper's status fd) is inherited by
//! the daemon unless it closes it, and a caller that waits for that
//! descriptor to close (`x=$(emul up -d …)` with a pipe on fd 3, a lock
//! held until every holder exits) would hang until `down`. So the daemon
//! closes every descriptor above 2 that it inherited and starts its own
//! session (no controlling terminal, its own process group: Ctrl-C in the
//! caller's terminal does not reach it), as a classic daemon does.
//! The daemon's 0/1/2 are already /dev/null and its log file (`up -d`
//! sets them), so nothing of the caller's is left.

use std::io;

/// Leaves the caller's session and closes every inherited descriptor
/// above 2. Call it first thing in the daemon, before any thread or
/// runtime opens descriptors of its own (they would be closed too).
pub fn detach_from_caller() -> io::Result<()> {
    nix::unistd::setsid().map_err(io::Error::from)?;
    for fd in inherited_descriptors()? {
        // EBADF: the directory listing's own descriptor, gone by now.
        let _ = nix::unistd::close(fd);
    }
    Ok(())
}

/// The open descriptors above 2, read from `/dev/fd` (Linux's view of
/// `/proc/self/fd`; macOS has it too). The listing's own descriptor is
/// among them; it is closed when the listing ends, before the caller
/// closes the rest.
fn inherited_descriptors() -> io::Result<Vec<i32>> {
    let mut fds = Vec::new();
    for entry in std::fs::read_dir("/dev/fd")? {
        let name = entry?.file_name();
        if let Some(fd) = name.to_str().and_then(|n| n.parse::<i32>().ok())
            && fd > 2
        {
            fds.push(fd);
        }
    }
    Ok(fds)
}
