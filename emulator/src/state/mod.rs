//! Durable state on disk.
//!
//! [`log::RecordLog`] is an append-only, checksummed record log: a write is
//! acknowledged only after its record is `fsync`ed, start-up replays it and
//! refuses corrupt files (naming the file and byte offset), and only a torn
//! final record that can never have been acknowledged is truncated.
//! Format and rules: `docs/decisions/0005-secretsmanager-durable-log.md`.

pub mod crc32;
pub mod log;

pub use log::{OpenedLog, RecordLog, StateError};

use std::io::Write as _;
use std::path::Path;

/// Replaces `path` with `bytes` so that a crash leaves either the old file
/// or the new one, and the new one survives once this returns: a temporary
/// file beside it (mode 0600: state may hold secrets), fsync, rename, fsync
/// of the directory.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}
