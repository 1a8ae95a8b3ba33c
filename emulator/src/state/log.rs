//! The append-only record log.
//!
//! File layout:
//! ```text
//! magic  "EMULLOG1"                      8 bytes
//! record*:
//!   len         u32 LE   payload length (> 0)
//!   crc_payload u32 LE   CRC-32 of the payload
//!   crc_header  u32 LE   CRC-32 of the 8 bytes above
//!   payload     len bytes
//! ```
//! Each `append` is one `write` of one whole record followed by `fsync`
//! (`sync_data`); the caller acknowledges the change only after that returns.
//! So a record that is incomplete at the end of the file was never
//! acknowledged: [`RecordLog::open`] truncates such a torn tail with a
//! warning. Everything else that does not check out is corruption and is
//! reported with the file and byte offset; nothing is silently dropped.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::crc32::crc32;

/// The file magic (format version 1).
pub const MAGIC: &[u8; 8] = b"EMULLOG1";
/// Size of a record header.
pub const HEADER_LEN: usize = 12;
/// The largest payload accepted (a guard against garbage lengths).
pub const MAX_PAYLOAD: u32 = 256 * 1024 * 1024;

/// Why the state could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process holds the log open.
    #[error("state file {path} is in use by another emul process (lock file {lock})")]
    InUse {
        /// The log file.
        path: PathBuf,
        /// The lock file that is held.
        lock: PathBuf,
    },
    /// An I/O failure on `path`.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The file does not check out at `offset`.
    #[error("state file {path} is corrupt at byte offset {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the bad record (or header) starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

/// An open log, positioned at its end.
#[derive(Debug)]
pub struct RecordLog {
    /// The log file path (for messages).
    path: PathBuf,
    /// The file, opened for appending.
    file: File,
    /// The length of the valid log: appends go here, and a failed append
    /// truncates back to it.
    len: u64,
    /// Set when a failed append could not be rolled back: every later
    /// append fails rather than write after garbage.
    poisoned: bool,
    /// How many records the file holds (to decide on compaction).
    records: usize,
    /// `<log>.lock`, exclusively locked for as long as this log is open, so
    /// two emul processes never append to the same file.
    _lock: File,
}

/// What [`RecordLog::open`] found.
#[derive(Debug)]
pub struct OpenedLog {
    /// The log, ready for appends.
    pub log: RecordLog,
    /// Every record's payload, in order.
    pub payloads: Vec<Vec<u8>>,
    /// The byte offset of each record (for error messages about payloads).
    pub offsets: Vec<u64>,
    /// `Some((offset, bytes))` when a torn tail was truncated.
    pub truncated_tail: Option<(u64, u64)>,
}

/// Takes the exclusive lock on `<path>.lock`.
fn acquire_lock(path: &Path) -> Result<File, StateError> {
    let lock_path = path.with_extension("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(StateError::InUse {
            path: path.into(),
            lock: lock_path,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(StateError::Io {
            path: lock_path,
            source: e,
        }),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Encodes one record.
pub fn encode_record(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    let header_crc = crc32(&out[..8]);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The records of a log file's bytes (which start with [`MAGIC`]).
struct Records {
    /// Every complete record's payload, in order.
    payloads: Vec<Vec<u8>>,
    /// The byte offset of each.
    offsets: Vec<u64>,
    /// Where the last complete record ends.
    end: usize,
    /// `(offset, bytes, what)` of an incomplete final record.
    torn_tail: Option<(u64, u64, &'static str)>,
}

/// Splits `bytes` (a whole log file, magic included) into records. An
/// incomplete final record is reported, not an error (it was never
/// acknowledged); anything else that does not check out is corruption.
fn parse_records(path: &Path, bytes: &[u8]) -> Result<Records, StateError> {
    let corrupt = |offset: usize, reason: String| StateError::Corrupt {
        path: path.into(),
        offset: offset as u64,
        reason,
    };
    let mut payloads = Vec::new();
    let mut offsets = Vec::new();
    let mut pos = MAGIC.len();
    let mut torn_tail = None;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let torn = |what| Some((pos as u64, rest.len() as u64, what));
        if rest.iter().all(|b| *b == 0) {
            // Space the file system allocated for a write that never landed.
            torn_tail = torn("zero-filled tail");
            break;
        }
        if rest.len() < HEADER_LEN {
            torn_tail = torn("incomplete header");
            break;
        }
        let len = u32::from_le_bytes(rest[0..4].try_into().unwrap());
        let crc_payload = u32::from_le_bytes(rest[4..8].try_into().unwrap());
        let crc_header = u32::from_le_bytes(rest[8..12].try_into().unwrap());
        if crc32(&rest[..8]) != crc_header {
            return Err(corrupt(pos, "record header checksum mismatch".into()));
        }
        if len == 0 || len > MAX_PAYLOAD {
            return Err(corrupt(pos, format!("impossible record length {len}")));
        }
        let end = HEADER_LEN + len as usize;
        if rest.len() < end {
            torn_tail = torn("payload shorter than its header says");
            break;
        }
        let payload = &rest[HEADER_LEN..end];
        if crc32(payload) != crc_payload {
            return Err(corrupt(pos, "record payload checksum mismatch".into()));
        }
        payloads.push(payload.to_vec());
        offsets.push(pos as u64);
        pos += end;
    }
    Ok(Records {
        payloads,
        offsets,
        end: pos,
        torn_tail,
    })
}

/// Reads every acknowledged record of the log at `path` without taking its
/// lock or changing the file: for readers in another process (`emul logs`
/// while no daemon runs). A record still being written is left out; a
/// missing file reads as empty. Returns the payloads and their offsets.
pub fn read_records(path: &Path) -> Result<(Vec<Vec<u8>>, Vec<u64>), StateError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(io_err(path)(e)),
    };
    if bytes.len() < MAGIC.len() && MAGIC.starts_with(&bytes) {
        return Ok((Vec::new(), Vec::new()));
    }
    if &bytes[..MAGIC.len()] != MAGIC {
        return Err(StateError::Corrupt {
            path: path.into(),
            offset: 0,
            reason: "not an emul state log (bad magic)".into(),
        });
    }
    let records = parse_records(path, &bytes)?;
    Ok((records.payloads, records.offsets))
}

impl RecordLog {
    /// Opens (creating if needed) the log at `path` and reads every record.
    pub fn open(path: &Path) -> Result<OpenedLog, StateError> {
        let existed = path.exists();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let lock = acquire_lock(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err(path))?;
        if !existed || file.metadata().map_err(io_err(path))?.len() == 0 {
            file.write_all(MAGIC).map_err(io_err(path))?;
            file.sync_all().map_err(io_err(path))?;
            sync_dir(path)?;
            return Ok(OpenedLog {
                log: RecordLog {
                    path: path.into(),
                    file,
                    len: MAGIC.len() as u64,
                    poisoned: false,
                    records: 0,
                    _lock: lock,
                },
                payloads: Vec::new(),
                offsets: Vec::new(),
                truncated_tail: None,
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_err(path))?;
        let corrupt = |offset: u64, reason: String| StateError::Corrupt {
            path: path.into(),
            offset,
            reason,
        };
        if bytes.len() < MAGIC.len() {
            if MAGIC.starts_with(&bytes) {
                // Crash while creating the file: nothing was ever acknowledged.
                tracing::warn!(path = %path.display(), "state file holds a partial header only; re-initialising it");
                file.set_len(0).map_err(io_err(path))?;
                file.seek(SeekFrom::Start(0)).map_err(io_err(path))?;
                file.write_all(MAGIC).map_err(io_err(path))?;
                file.sync_all().map_err(io_err(path))?;
                return Ok(OpenedLog {
                    log: RecordLog {
                        path: path.into(),
                        file,
                        len: MAGIC.len() as u64,
                        poisoned: false,
                        records: 0,
                        _lock: lock,
                    },
                    payloads: Vec::new(),
                    offsets: Vec::new(),
                    truncated_tail: Some((0, bytes.len() as u64)),
                });
            }
            return Err(corrupt(0, "not an emul state log (bad magic)".into()));
        }
        if &bytes[..MAGIC.len()] != MAGIC {
            return Err(corrupt(0, "not an emul state log (bad magic)".into()));
        }
        let Records {
            payloads,
            offsets,
            end: pos,
            torn_tail,
        } = parse_records(path, &bytes)?;
        let truncated_tail = torn_tail.map(|(offset, bytes, what)| {
            tracing::warn!(
                path = %path.display(), offset, bytes,
                "truncating a torn final record ({what}); it was never acknowledged"
            );
            (offset, bytes)
        });
        if truncated_tail.is_some() {
            file.set_len(pos as u64).map_err(io_err(path))?;
            file.sync_all().map_err(io_err(path))?;
        }
        file.seek(SeekFrom::Start(pos as u64))
            .map_err(io_err(path))?;
        let records = payloads.len();
        Ok(OpenedLog {
            log: RecordLog {
                path: path.into(),
                file,
                len: pos as u64,
                poisoned: false,
                records,
                _lock: lock,
            },
            payloads,
            offsets,
            truncated_tail,
        })
    }

    /// Appends one record and fsyncs it. On failure the file is cut back to
    /// its previous length; if even that fails the log refuses further writes.
    pub fn append(&mut self, payload: &[u8]) -> Result<(), StateError> {
        self.write_unsynced(payload)?;
        self.file.sync_data().map_err(|source| {
            self.poisoned = true;
            StateError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }

    /// Writes one whole record without fsync (group commit: the caller
    /// fsyncs through [`RecordLog::sync_handle`] before acknowledging).
    /// On failure the file is cut back to its previous length; if even that
    /// fails the log refuses further writes.
    pub fn write_unsynced(&mut self, payload: &[u8]) -> Result<(), StateError> {
        if self.poisoned {
            return Err(StateError::Io {
                path: self.path.clone(),
                source: io::Error::other(
                    "an earlier write failed and could not be rolled back; restart emul",
                ),
            });
        }
        let record = encode_record(payload);
        let result = self
            .file
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| self.file.write_all(&record));
        match result {
            Ok(()) => {
                self.len += record.len() as u64;
                self.records += 1;
                Ok(())
            }
            Err(e) => {
                if self.file.set_len(self.len).is_err() {
                    self.poisoned = true;
                }
                Err(StateError::Io {
                    path: self.path.clone(),
                    source: e,
                })
            }
        }
    }

    /// A second handle on the file, for fsync without holding the writer.
    pub fn sync_handle(&self) -> Result<File, StateError> {
        self.file.try_clone().map_err(io_err(&self.path))
    }

    /// Refuses every later write (after an fsync failure: what reached the
    /// disk is unknown, so nothing may be appended behind it).
    pub fn poison(&mut self) {
        self.poisoned = true;
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of records in the file.
    pub fn records(&self) -> usize {
        self.records
    }

    /// `true` once a failed write could not be rolled back.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Replaces the whole log with `payloads` (compaction): writes a new
    /// file beside it, fsyncs it, renames it over the old one and fsyncs the
    /// directory, so a crash leaves either the old or the new log.
    pub fn rewrite(&mut self, payloads: &[Vec<u8>]) -> Result<(), StateError> {
        let tmp = self.path.with_extension("log.compact");
        let mut out = File::create(&tmp).map_err(io_err(&tmp))?;
        let mut buf = MAGIC.to_vec();
        for p in payloads {
            buf.extend_from_slice(&encode_record(p));
        }
        out.write_all(&buf).map_err(io_err(&tmp))?;
        out.sync_all().map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io_err(&self.path))?;
        sync_dir(&self.path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(io_err(&self.path))?;
        file.seek(SeekFrom::End(0)).map_err(io_err(&self.path))?;
        self.file = file;
        self.len = buf.len() as u64;
        self.records = payloads.len();
        Ok(())
    }
}

/// fsyncs the directory holding `path`, so a create or rename is durable.
fn sync_dir(path: &Path) -> Result<(), StateError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path) -> OpenedLog {
        RecordLog::open(path).unwrap()
    }

    #[test]
    fn round_trip_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/x.log");
        let mut o = open(&path);
        assert!(o.payloads.is_empty());
        o.log.append(b"one").unwrap();
        o.log.append(b"two").unwrap();
        drop(o);
        let o = open(&path);
        assert_eq!(o.payloads, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(o.truncated_tail, None);
        assert_eq!(o.log.records(), 2);
    }

    /// Every possible cut of the last record is a torn tail, truncated, and
    /// the earlier records survive; the log stays appendable.
    #[test]
    fn torn_tails_at_every_offset_are_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut o = open(&path);
        o.log.append(b"acknowledged").unwrap();
        o.log.append(b"the torn one").unwrap();
        drop(o);
        let full = std::fs::read(&path).unwrap();
        let first_end = MAGIC.len() + HEADER_LEN + b"acknowledged".len();
        for cut in first_end + 1..full.len() {
            std::fs::write(&path, &full[..cut]).unwrap();
            let mut o = open(&path);
            assert_eq!(o.payloads, vec![b"acknowledged".to_vec()], "cut at {cut}");
            assert_eq!(
                o.truncated_tail,
                Some((first_end as u64, (cut - first_end) as u64))
            );
            o.log.append(b"after").unwrap();
            drop(o);
            assert_eq!(
                open(&path).payloads,
                vec![b"acknowledged".to_vec(), b"after".to_vec()]
            );
        }
    }

    /// The read-only reader sees what is acknowledged, while the log is
    /// open and locked by its writer, and leaves a record being written
    /// (a torn tail) in the file.
    #[test]
    fn read_records_reads_beside_the_writer_without_changing_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        assert_eq!(read_records(&path).unwrap().0, Vec::<Vec<u8>>::new());
        let mut o = open(&path);
        o.log.append(b"one").unwrap();
        o.log.append(b"two").unwrap();
        let (payloads, offsets) = read_records(&path).unwrap();
        assert_eq!(payloads, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(offsets[0], MAGIC.len() as u64);
        let mut bytes = std::fs::read(&path).unwrap();
        let whole = bytes.len();
        bytes.extend_from_slice(&encode_record(b"three")[..7]);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_records(&path).unwrap().0.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole as u64 + 7);
        std::fs::write(&path, b"EMULLOG2").unwrap();
        assert!(matches!(
            read_records(&path),
            Err(StateError::Corrupt { offset: 0, .. })
        ));
    }

    #[test]
    fn zero_filled_tail_is_torn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        open(&path).log.append(b"a").unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[0u8; 40]);
        std::fs::write(&path, &bytes).unwrap();
        let o = open(&path);
        assert_eq!(o.payloads, vec![b"a".to_vec()]);
        assert!(o.truncated_tail.is_some());
    }

    /// A flipped bit anywhere in a complete record is corruption, reported
    /// with the file and the offset of the record: never dropped.
    #[test]
    fn corruption_is_reported_with_file_and_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut o = open(&path);
        o.log.append(b"first record").unwrap();
        o.log.append(b"second record").unwrap();
        drop(o);
        let good = std::fs::read(&path).unwrap();
        let second = MAGIC.len() + HEADER_LEN + b"first record".len();
        for i in MAGIC.len()..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            std::fs::write(&path, &bad).unwrap();
            let record_start = if i < second { MAGIC.len() } else { second };
            match RecordLog::open(&path) {
                Err(StateError::Corrupt {
                    path: p, offset, ..
                }) => {
                    assert_eq!(p, path);
                    assert_eq!(offset, record_start as u64, "flip at {i}");
                }
                Err(e) => panic!("flip at {i}: unexpected {e}"),
                // A flipped length bit can make the last record look longer
                // than the file only if the header CRC also matched, which it
                // cannot: so every flip must be detected.
                Ok(o) => panic!("flip at {i} went unnoticed: {:?}", o.payloads),
            }
        }
        let msg = match RecordLog::open(&path) {
            Err(e) => e.to_string(),
            Ok(_) => unreachable!(),
        };
        assert!(msg.contains("x.log is corrupt at byte offset"), "{msg}");
    }

    #[test]
    fn a_second_opener_is_refused_while_the_first_holds_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let first = open(&path);
        match RecordLog::open(&path) {
            Err(e @ StateError::InUse { .. }) => {
                assert!(
                    e.to_string().contains("in use by another emul process"),
                    "{e}"
                )
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(first);
        open(&path);
    }

    #[test]
    fn bad_magic_is_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, b"something else entirely").unwrap();
        assert!(matches!(
            RecordLog::open(&path),
            Err(StateError::Corrupt { offset: 0, .. })
        ));
        std::fs::write(&path, b"EMUL").unwrap();
        let o = open(&path);
        assert!(
            o.truncated_tail.is_some(),
            "a partial magic is a crash during creation"
        );
    }

    #[test]
    fn rewrite_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut o = open(&path);
        for i in 0..10 {
            o.log.append(format!("r{i}").as_bytes()).unwrap();
        }
        o.log.rewrite(&[b"snapshot".to_vec()]).unwrap();
        o.log.append(b"after").unwrap();
        drop(o);
        let o = open(&path);
        assert_eq!(o.payloads, vec![b"snapshot".to_vec(), b"after".to_vec()]);
        assert!(!path.with_extension("log.compact").exists());
    }
}
