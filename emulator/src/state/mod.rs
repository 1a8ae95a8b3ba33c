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
