//! [`CloudWatchLogs`]: the model behind a lock, made durable in one record
//! log, plugged into the gateway; plus the library API the awslogs driver
//! uses ([`CloudWatchLogs::put_lines`]).
//!
//! Durability (docs/decisions/0012-cloudwatch-logs.md): every operation's
//! changes are one record (a JSON list) in
//! `<state-dir>/cloudwatchlogs/logs.log` (`state::RecordLog`).
//! A writer validates against the model, writes its record unsynced,
//! applies it, and then waits for an fsync covering it before answering:
//! one fsync acknowledges every record written before it (group commit),
//! so concurrent PutLogEvents calls share fsyncs. A reader may see events
//! of a call that has not been acknowledged yet (unlike Secrets Manager,
//! which publishes after the fsync: copying whole log groups per write to
//! do so would cost more than it is worth for logs).
//!
//! Bounded disk: events beyond retention or the per-stream cap
//! ([`model::MAX_STREAM_BYTES`]) and deleted groups/streams stay in the
//! file only until the next compaction, which rewrites the log as a
//! snapshot of what is live whenever the records written since the last
//! one (at start-up: what the file holds beyond the live data) exceed
//! twice the live data and at least [`COMPACT_MIN_BYTES`].

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::LogsError;
use super::model::events::{self, InputEvent};
use super::model::{self, Change, Millis, Region, Scope};
use super::ops;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::state::{RecordLog, StateError};

/// The directory under the state directory.
pub const DIR: &str = "cloudwatchlogs";
/// The log file in it.
pub const LOG_FILE: &str = "logs.log";
/// Compaction never runs for less than this much written since the last.
pub const COMPACT_MIN_BYTES: u64 = 64 * 1024 * 1024;
/// Events per snapshot record, by size.
const SNAPSHOT_CHUNK: usize = 512 * 1024;

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// The CloudWatch Logs service.
pub struct CloudWatchLogs {
    /// Every region's groups: what readers see.
    model: RwLock<HashMap<Scope, Region>>,
    /// The log side; its mutex serialises writers.
    writer: Mutex<Writer>,
    /// The fsync side of group commit (and compaction).
    syncer: Mutex<Syncer>,
    /// Set when a write failed on disk (`degraded` in health).
    degraded: AtomicBool,
    /// Where the log lives (for messages).
    log_path: Option<PathBuf>,
    /// Compaction's floor ([`COMPACT_MIN_BYTES`]; tests lower it).
    compact_min_bytes: u64,
}

/// What the writer mutex protects.
struct Writer {
    /// The durable log; `None` in memory.
    log: Option<RecordLog>,
    /// Sequence number of the last record written.
    written: u64,
    /// Payload bytes written since the last compaction.
    since_compaction: u64,
}

/// What the syncer mutex protects.
struct Syncer {
    /// The last record known durable.
    synced: u64,
    /// A second handle on the log file, to fsync without the writer mutex.
    file: Option<File>,
    /// Set after a failed fsync: nothing is acknowledged any more.
    failed: bool,
}

impl CloudWatchLogs {
    /// A service that keeps nothing on disk (tests, embedders).
    pub fn in_memory() -> Self {
        CloudWatchLogs {
            model: RwLock::default(),
            writer: Mutex::new(Writer {
                log: None,
                written: 0,
                since_compaction: 0,
            }),
            syncer: Mutex::new(Syncer {
                synced: 0,
                file: None,
                failed: false,
            }),
            degraded: AtomicBool::new(false),
            log_path: None,
            compact_min_bytes: COMPACT_MIN_BYTES,
        }
    }

    /// Opens (or creates) the store under `<state_dir>/cloudwatchlogs/`,
    /// replays it and compacts it (dropping what expired while emul was
    /// down).
    pub fn open(state_dir: &Path) -> Result<Self, StateError> {
        let path = state_dir.join(DIR).join(LOG_FILE);
        let opened = RecordLog::open(&path)?;
        let model = replay(&path, &opened.payloads, &opened.offsets)?;
        let mut log = opened.log;
        // What the file holds beyond the live data counts as written since
        // the last compaction: the first write compacts when that is due,
        // by the same rule as while running (so a start does not rewrite
        // a file that holds little besides live data).
        let on_file: u64 = opened.payloads.iter().map(|p| p.len() as u64).sum();
        let live = live_bytes(&model);
        let mut since_compaction = on_file.saturating_sub(live);
        if since_compaction > COMPACT_MIN_BYTES.max(2 * live) {
            let snapshot = snapshot(&model, now_ms());
            tracing::info!(path = %path.display(), before = log.records(), after = snapshot.len(), "compacting the CloudWatch Logs store");
            log.rewrite(&snapshot)?;
            since_compaction = 0;
        }
        let file = log.sync_handle()?;
        Ok(CloudWatchLogs {
            model: RwLock::new(model),
            writer: Mutex::new(Writer {
                log: Some(log),
                written: 0,
                since_compaction,
            }),
            syncer: Mutex::new(Syncer {
                synced: 0,
                file: Some(file),
                failed: false,
            }),
            degraded: AtomicBool::new(false),
            log_path: Some(path),
            compact_min_bytes: COMPACT_MIN_BYTES,
        })
    }

    /// The store as its file holds it, read without the lock and without
    /// compacting or repairing anything: for `emul logs` in another process
    /// while no daemon runs. Read-only (nothing it is asked is written).
    pub fn read_only(state_dir: &Path) -> Result<Self, StateError> {
        let path = state_dir.join(DIR).join(LOG_FILE);
        let (payloads, offsets) = crate::state::log::read_records(&path)?;
        let me = CloudWatchLogs::in_memory();
        *me.model.write().unwrap_or_else(|p| p.into_inner()) = replay(&path, &payloads, &offsets)?;
        Ok(me)
    }

    /// Runs a read-only operation on `scope`'s region.
    pub fn read<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&Region) -> Result<T, LogsError>,
    ) -> Result<T, LogsError> {
        let model = self.model.read().unwrap_or_else(|p| p.into_inner());
        match model.get(scope) {
            Some(region) => f(region),
            None => f(&Region::default()),
        }
    }

    /// Runs a changing operation: `f` validates against the region and
    /// returns its result and the changes; they are logged, applied, and
    /// acknowledged once durable. Nothing changes when `f` fails.
    pub fn write<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&Region) -> Result<(T, Vec<Change>), LogsError>,
    ) -> Result<T, LogsError> {
        let seq = {
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let mut model = self.model.write().unwrap_or_else(|p| p.into_inner());
            let (out, changes) = {
                let empty = Region::default();
                f(model.get(scope).unwrap_or(&empty))?
            };
            if changes.is_empty() {
                return Ok(out);
            }
            if let Some(log) = w.log.as_mut() {
                // One record per operation: its changes land (and replay)
                // together or not at all.
                let payload = serde_json::to_vec(&changes).expect("changes serialize");
                if let Err(e) = log.write_unsynced(&payload) {
                    return Err(self.failed_write(e));
                }
                w.since_compaction += payload.len() as u64;
            }
            let region = model.entry(scope.clone()).or_default();
            for c in changes {
                region.apply(c).map_err(|e| {
                    LogsError::Internal(format!("emul could not apply a change: {e}"))
                })?;
            }
            if w.log.is_none() {
                return Ok(out);
            }
            w.written += 1;
            (w.written, out)
        };
        self.sync_to(seq.0)?;
        Ok(seq.1)
    }

    /// Returns once record `seq` is durable; compacts when due.
    fn sync_to(&self, seq: u64) -> Result<(), LogsError> {
        let mut s = self.syncer.lock().unwrap_or_else(|p| p.into_inner());
        if s.synced >= seq {
            return Ok(());
        }
        if s.failed {
            return Err(LogsError::Internal(
                "emul could not persist the change: an earlier fsync of the logs store failed"
                    .into(),
            ));
        }
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let target = w.written;
        let live = live_bytes(&self.model.read().unwrap_or_else(|p| p.into_inner()));
        if w.since_compaction > self.compact_min_bytes.max(2 * live) {
            // The snapshot holds every applied change, and rewrite fsyncs it.
            let payloads = {
                let model = self.model.read().unwrap_or_else(|p| p.into_inner());
                snapshot(&model, now_ms())
            };
            let log = w.log.as_mut().expect("a durable store has a log");
            let result = log.rewrite(&payloads).and_then(|()| log.sync_handle());
            match result {
                Ok(file) => {
                    s.file = Some(file);
                    w.since_compaction = 0;
                    s.synced = target;
                    return Ok(());
                }
                Err(e) => {
                    s.failed = true;
                    log.poison();
                    return Err(self.failed_write(e));
                }
            }
        }
        drop(w);
        let file = s.file.as_ref().expect("a durable store has a sync handle");
        if let Err(e) = file.sync_data() {
            s.failed = true;
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(log) = w.log.as_mut() {
                log.poison();
            }
            let path = self.log_path.clone().unwrap_or_default();
            return Err(self.failed_write(StateError::Io { path, source: e }));
        }
        s.synced = target;
        Ok(())
    }

    fn failed_write(&self, e: StateError) -> LogsError {
        self.degraded.store(true, Ordering::Relaxed);
        tracing::error!(error = %e, "could not persist a CloudWatch Logs change; it was not acknowledged");
        LogsError::Internal(format!("emul could not persist the change: {e}"))
    }

    /// The log file, if durable.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    /// Makes sure `group`/`stream` exist for the awslogs driver: the group
    /// is created when `create_group` (`awslogs-create-group: "true"`),
    /// otherwise a missing group is [`LogsError::GroupNotFound`]; the
    /// stream is created when missing.
    pub fn ensure_stream(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        create_group: bool,
    ) -> Result<(), LogsError> {
        model::validate_group_name(group, "logGroupName")?;
        model::validate_stream_name(stream, "logStreamName")?;
        let now = now_ms();
        self.write(scope, |r| {
            let mut changes = Vec::new();
            let has_group = r.groups.contains_key(group);
            if !has_group {
                if !create_group {
                    return Err(LogsError::GroupNotFound);
                }
                changes.push(Change::CreateGroup {
                    scope: scope.clone(),
                    name: group.into(),
                    created: now,
                    tags: Default::default(),
                    kms_key_id: None,
                    class: "STANDARD".into(),
                    retention_days: None,
                });
            }
            let has_stream = r
                .groups
                .get(group)
                .is_some_and(|g| g.streams.contains_key(stream));
            if !has_stream {
                changes.push(Change::CreateStream {
                    scope: scope.clone(),
                    group: group.into(),
                    name: stream.into(),
                    created: now,
                    uploads: 0,
                    last_ingestion: None,
                });
            }
            Ok(((), changes))
        })
    }

    /// Stores lines of a container's output as events (the awslogs
    /// driver), split into batches AWS would accept. Returns how many were
    /// stored.
    pub fn put_lines(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        lines: Vec<(Millis, String)>,
    ) -> Result<usize, LogsError> {
        let mut stored = 0;
        let mut batch: Vec<InputEvent> = Vec::new();
        let mut size = 0;
        let mut flush = |batch: &mut Vec<InputEvent>| -> Result<(), LogsError> {
            if batch.is_empty() {
                return Ok(());
            }
            let input = std::mem::take(batch);
            let now = now_ms();
            stored += self.write(scope, |r| {
                let (g, _) = r.stream(group, stream)?;
                let (accepted, _) = events::accept(g, &input, now)?;
                let n = accepted.len();
                Ok((
                    n,
                    vec![Change::Events {
                        scope: scope.clone(),
                        group: group.into(),
                        stream: stream.into(),
                        events: accepted,
                        upload: true,
                        ingested: Some(now),
                    }],
                ))
            })?;
            Ok(())
        };
        for (timestamp, mut message) in lines {
            if message.is_empty() {
                continue;
            }
            truncate_utf8(
                &mut message,
                events::MAX_BATCH_BYTES - model::EVENT_OVERHEAD,
            );
            let bytes = message.len() + model::EVENT_OVERHEAD;
            if batch.len() == events::MAX_BATCH_EVENTS || size + bytes > events::MAX_BATCH_BYTES {
                flush(&mut batch)?;
                size = 0;
            }
            size += bytes;
            batch.push(InputEvent { timestamp, message });
        }
        flush(&mut batch)?;
        Ok(stored)
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut at = max;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
}

/// Every live change of every region, serialized (compaction).
/// The bytes of every stored event (what a snapshot holds, roughly).
fn live_bytes(model: &HashMap<Scope, Region>) -> u64 {
    model
        .values()
        .flat_map(|r| r.groups.values())
        .map(|g| g.stored_bytes() as u64)
        .sum()
}

/// Rebuilds the model from the log's records (each a JSON list of
/// changes); a record that does not apply is corruption at its offset.
fn replay(
    path: &Path,
    payloads: &[Vec<u8>],
    offsets: &[u64],
) -> Result<HashMap<Scope, Region>, StateError> {
    let mut model: HashMap<Scope, Region> = HashMap::new();
    for (index, payload) in payloads.iter().enumerate() {
        let corrupt = |reason: String| StateError::Corrupt {
            path: path.to_path_buf(),
            offset: offsets[index],
            reason: format!("record {}: {reason}", index + 1),
        };
        let changes: Vec<Change> =
            serde_json::from_slice(payload).map_err(|e| corrupt(e.to_string()))?;
        for change in changes {
            model
                .entry(change.scope().clone())
                .or_default()
                .apply(change)
                .map_err(&corrupt)?;
        }
    }
    Ok(model)
}

fn snapshot(model: &HashMap<Scope, Region>, now: Millis) -> Vec<Vec<u8>> {
    let mut scopes: Vec<&Scope> = model.keys().collect();
    scopes.sort();
    scopes
        .into_iter()
        .flat_map(|scope| model[scope].snapshot(scope, now, SNAPSHOT_CHUNK))
        .map(|c| serde_json::to_vec(&[c]).expect("changes serialize"))
        .collect()
}

impl AwsService for CloudWatchLogs {
    fn name(&self) -> &'static str {
        "logs"
    }

    fn signing_name(&self) -> &'static str {
        "logs"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: "Logs_20140328",
            message_key: "message",
        }
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Json(body) = input else {
            return Err(AwsError::unknown_operation(operation));
        };
        let scope = Scope {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
        };
        tracing::debug!(request_id = %ctx.request_id, operation, "logs call");
        ops::dispatch(self, &scope, operation, body).map(Output::Json)
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        // Reads take the model's read lock only, which writers hold just to
        // apply (never across an fsync). Event queries scan streams, so
        // they stay on the blocking pool.
        matches!(
            operation,
            "DescribeLogGroups" | "DescribeLogStreams" | "ListTagsForResource" | "ListTagsLogGroup"
        )
    }

    fn health(&self) -> ServiceHealth {
        if self.degraded.load(Ordering::Relaxed) {
            ServiceHealth::Degraded
        } else {
            ServiceHealth::Running
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    fn call(logs: &CloudWatchLogs, op: &str, body: serde_json::Value) -> serde_json::Value {
        ops::dispatch(logs, &scope(), op, body).unwrap_or_else(|e| panic!("{op}: {e:?}"))
    }

    /// What is acknowledged survives a reopen; a failed call leaves no
    /// record behind; a read-only reader sees the same.
    #[test]
    fn acknowledged_changes_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let now = now_ms();
        {
            let logs = CloudWatchLogs::open(dir.path()).unwrap();
            call(
                &logs,
                "CreateLogGroup",
                json!({"logGroupName": "/g", "tags": {"a": "1"}}),
            );
            logs.ensure_stream(&scope(), "/g", "s", false).unwrap();
            logs.ensure_stream(&scope(), "/new", "s", true).unwrap();
            assert_eq!(
                logs.ensure_stream(&scope(), "/absent", "s", false),
                Err(LogsError::GroupNotFound)
            );
            call(
                &logs,
                "PutLogEvents",
                json!({"logGroupName": "/g", "logStreamName": "s",
                "logEvents": [{"timestamp": now, "message": "one"}, {"timestamp": now + 1, "message": "two"}]}),
            );
            assert!(
                ops::dispatch(
                    &logs,
                    &scope(),
                    "PutLogEvents",
                    json!({"logGroupName": "/g",
                    "logStreamName": "s", "logEvents": [{"timestamp": now, "message": "b"},
                    {"timestamp": now - 1, "message": "a"}]})
                )
                .is_err()
            );
            call(
                &logs,
                "PutRetentionPolicy",
                json!({"logGroupName": "/g", "retentionInDays": 30}),
            );
        }
        let logs = CloudWatchLogs::open(dir.path()).unwrap();
        let got = call(
            &logs,
            "GetLogEvents",
            json!({"logGroupName": "/g", "logStreamName": "s", "startFromHead": true}),
        );
        let messages: Vec<&str> = got["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["one", "two"]);
        let groups = call(&logs, "DescribeLogGroups", json!({}));
        assert_eq!(groups["logGroups"][0]["logGroupName"], "/g");
        assert_eq!(groups["logGroups"][0]["retentionInDays"], 30);
        assert_eq!(groups["logGroups"][1]["logGroupName"], "/new");
        assert_eq!(groups["logGroups"].as_array().unwrap().len(), 2);
        let tags = call(&logs, "ListTagsLogGroup", json!({"logGroupName": "/g"}));
        assert_eq!(tags["tags"], json!({"a": "1"}));
        let streams = call(&logs, "DescribeLogStreams", json!({"logGroupName": "/g"}));
        assert_eq!(
            streams["logStreams"][0]["uploadSequenceToken"],
            format!("{:056}", 1)
        );
        // Another emul on the same directory is refused while this one runs.
        assert!(matches!(
            CloudWatchLogs::open(dir.path()),
            Err(StateError::InUse { .. })
        ));
        // A reader beside it (`emul logs`) sees what is acknowledged and
        // leaves the file as it is.
        let before = std::fs::read(dir.path().join(DIR).join(LOG_FILE)).unwrap();
        let reader = CloudWatchLogs::read_only(dir.path()).unwrap();
        let read = call(
            &reader,
            "GetLogEvents",
            json!({"logGroupName": "/g", "logStreamName": "s", "startFromHead": true}),
        );
        assert_eq!(read["events"], got["events"]);
        assert_eq!(
            std::fs::read(dir.path().join(DIR).join(LOG_FILE)).unwrap(),
            before
        );
    }

    /// A store written past twice its live data is rewritten as a snapshot
    /// while running: deleted events leave the file, the rest reopen.
    #[test]
    fn the_file_is_compacted_while_running() {
        let dir = tempfile::tempdir().unwrap();
        let mut logs = CloudWatchLogs::open(dir.path()).unwrap();
        logs.compact_min_bytes = 64 * 1024;
        let path = logs.log_path().unwrap().to_path_buf();
        let now = now_ms();
        let put = |logs: &CloudWatchLogs, stream: &str, n: usize| {
            logs.ensure_stream(&scope(), "/g", stream, true).unwrap();
            let lines = (0..n)
                .map(|i| (now, format!("{stream} line {i:04} {}", "x".repeat(100))))
                .collect();
            logs.put_lines(&scope(), "/g", stream, lines).unwrap();
        };
        put(&logs, "big", 1000);
        let before = std::fs::metadata(&path).unwrap().len();
        assert!(before > 100_000, "{before}");
        call(
            &logs,
            "DeleteLogStream",
            json!({"logGroupName": "/g", "logStreamName": "big"}),
        );
        // The next write crosses the threshold: the file shrinks to what is live.
        put(&logs, "small", 10);
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after < 10_000, "{before} → {after}");
        drop(logs);
        let logs = CloudWatchLogs::open(dir.path()).unwrap();
        let got = call(
            &logs,
            "GetLogEvents",
            json!({"logGroupName": "/g", "logStreamName": "small"}),
        );
        assert_eq!(got["events"].as_array().unwrap().len(), 10);
        let gone = ops::dispatch(
            &logs,
            &scope(),
            "GetLogEvents",
            json!({"logGroupName": "/g", "logStreamName": "big"}),
        );
        assert_eq!(gone.unwrap_err().code, "ResourceNotFoundException");
    }
}
