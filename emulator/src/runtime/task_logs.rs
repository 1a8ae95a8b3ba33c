//! ECS task container logs kept on disk, per task, so they outlive the
//! containers (which are removed at STOPPED) and the daemon that ran them;
//! `emul logs --service NAME` / `--task ID` reads them.
//!
//! # Layout (under the project's state directory)
//!
//! ```text
//! <state>/logs/ecs/<cluster>/<task-id>/task.json       which task: ARN, service, family, containers, times
//! <state>/logs/ecs/<cluster>/<task-id>/<container>.log  stdout and stderr, interleaved as Docker saw them
//! <state>/logs/ecs/<cluster>/<task-id>/<container>.log.1  the previous generation, after a rotation
//! ```
//!
//! A [`LogPump`] per container follows Docker's log stream from the
//! container's start. A container with the `awslogs` driver has a
//! [`LogForward`]: each complete line goes to its CloudWatch Logs stream as
//! one event, timestamped when the pump received it, through the
//! [`crate::wiring::TaskLogSink`] seam (this module never sees the
//! service), and nowhere else: CloudWatch Logs is the one store of its
//! output, and `task.json` names the stream ([`TaskLogInfo::awslogs`]).
//! Any other container's chunks are appended to its file, unchanged (emul
//! adds nothing: the task's output is the user's own, and emul never
//! writes a secret there).
//!
//! # Disk bound
//!
//! A container's file rotates at [`MAX_FILE_BYTES`] (8 MiB) into `.log.1`,
//! replacing the previous generation, so one container keeps at most
//! 16 MiB. Per cluster, at most [`MAX_STOPPED_TASKS`] stopped tasks are kept:
//! creating a new task directory removes the oldest stopped ones beyond that.
//!
//! # Reading
//!
//! [`LogArchive`] finds tasks (by id, ARN or service) and where each
//! container's output is ([`LogSource`]); [`LogTail`] prints a file's
//! history (`--tail N` per container) and then, when following, the lines
//! appended since, handling rotation. CloudWatch Logs streams are read by
//! the CLI through the service (`cli/logs_cloudwatch.rs`).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::docker::Engine;
use crate::wiring::{LogDestination, TaskLogSink};

/// A container's log file rotates beyond this size.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Stopped tasks whose logs are kept per cluster (the oldest go first).
pub const MAX_STOPPED_TASKS: usize = 100;

/// The task description file in each task directory.
const INFO_FILE: &str = "task.json";

/// `<state>/logs/ecs`: the root of every task's logs.
pub fn root(state_dir: &Path) -> PathBuf {
    state_dir.join("logs").join("ecs")
}

/// What `task.json` records about a task, for finding it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskLogInfo {
    /// The task ARN (`emul logs --task` accepts it).
    pub task_arn: String,
    /// The cluster's name (the directory above the task's).
    pub cluster: String,
    /// The service that started it (`emul logs --service`), if any.
    pub service: Option<String>,
    /// The task definition family (shown when listing).
    pub family: String,
    /// Container names in task-definition order (the order they print in).
    pub containers: Vec<String>,
    /// When the task was launched (ms since the epoch): orders a service's tasks.
    pub started_at_ms: u64,
    /// When it stopped; stopped tasks are the ones pruning may remove.
    pub stopped_at_ms: Option<u64>,
    /// The containers with the `awslogs` driver and their streams: their
    /// output is in CloudWatch Logs, not in a file here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub awslogs: BTreeMap<String, LogDestination>,
}

impl TaskLogInfo {
    /// The task id: the ARN's last path segment.
    pub fn task_id(&self) -> &str {
        self.task_arn.rsplit('/').next().unwrap_or(&self.task_arn)
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// One task's log directory, as the launcher writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLogDir {
    /// `<root>/<cluster>/<task-id>`.
    dir: PathBuf,
}

impl TaskLogDir {
    /// Creates the task's directory with its `task.json`, pruning the
    /// cluster's oldest stopped tasks beyond [`MAX_STOPPED_TASKS`].
    pub fn create(root: &Path, info: &TaskLogInfo) -> std::io::Result<TaskLogDir> {
        let cluster_dir = root.join(&info.cluster);
        prune(&cluster_dir, MAX_STOPPED_TASKS);
        let dir = cluster_dir.join(info.task_id());
        std::fs::create_dir_all(&dir)?;
        let me = TaskLogDir { dir };
        me.write_info(info)?;
        Ok(me)
    }

    /// The directory of a task launched earlier (by this or a previous
    /// daemon), which may not exist.
    pub fn existing(root: &Path, cluster: &str, task_id: &str) -> TaskLogDir {
        TaskLogDir {
            dir: root.join(cluster).join(task_id),
        }
    }

    fn write_info(&self, info: &TaskLogInfo) -> std::io::Result<()> {
        let tmp = self.dir.join(format!("{INFO_FILE}.tmp"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(info)?)?;
        std::fs::rename(tmp, self.dir.join(INFO_FILE))
    }

    /// Records that the task stopped (so pruning may take it later).
    pub fn mark_stopped(&self) -> std::io::Result<()> {
        let mut info = read_info(&self.dir)?;
        info.stopped_at_ms.get_or_insert_with(now_ms);
        self.write_info(&info)
    }

    /// The file container `name` appends to.
    pub fn container_file(&self, name: &str) -> PathBuf {
        container_file(&self.dir, name)
    }
}

fn container_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.log"))
}

/// The previous generation of a container's file.
fn rotated(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".1");
    PathBuf::from(s)
}

fn read_info(dir: &Path) -> std::io::Result<TaskLogInfo> {
    let bytes = std::fs::read(dir.join(INFO_FILE))?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

/// Removes the oldest stopped task directories of a cluster so at most
/// `keep` stopped ones remain. Running tasks are never removed.
fn prune(cluster_dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(cluster_dir) else {
        return;
    };
    let mut stopped: Vec<(u64, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let info = read_info(&e.path()).ok()?;
            Some((info.stopped_at_ms?, e.path()))
        })
        .collect();
    if stopped.len() <= keep {
        return;
    }
    stopped.sort();
    let excess = stopped.len() - keep;
    for (_, dir) in stopped.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "pruning old task logs failed");
        }
    }
}

/// A container's CloudWatch Logs destination and the sink that writes it.
#[derive(Clone)]
pub struct LogForward {
    /// The CloudWatch Logs side (opened by the scheduler before the
    /// container started).
    pub sink: std::sync::Arc<dyn TaskLogSink>,
    /// The group and stream.
    pub dest: LogDestination,
}

impl std::fmt::Debug for LogForward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogForward")
            .field("dest", &self.dest)
            .finish()
    }
}

impl PartialEq for LogForward {
    fn eq(&self, other: &Self) -> bool {
        self.dest == other.dest
    }
}

/// Copies one container's Docker log stream into its file or its
/// CloudWatch Logs stream. Cloneable handle on the copy:
/// [`LogPump::finished`] waits until the stream ended (the container
/// stopped) and every chunk is stored.
#[derive(Debug, Clone)]
pub struct LogPump {
    /// Flips to `true` when the copy ended.
    done: tokio::sync::watch::Receiver<bool>,
}

impl LogPump {
    /// Starts following container `id` (from its first line) into its
    /// CloudWatch Logs stream when `forward` is set, else into `file`.
    pub fn spawn(
        engine: &Engine,
        id: &str,
        file: Option<PathBuf>,
        forward: Option<LogForward>,
    ) -> LogPump {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let stream = engine.logs(id, true, "all");
        let id = id.to_string();
        tokio::spawn(async move {
            match (&forward, &file) {
                (Some(f), _) => forward_all(stream, f).await,
                (None, Some(file)) => {
                    if let Err(e) = copy(stream, file, MAX_FILE_BYTES).await {
                        tracing::warn!(container = id, file = %file.display(), error = %e, "task log copy failed");
                    }
                }
                (None, None) => {}
            }
            let _ = tx.send(true);
        });
        LogPump { done: rx }
    }

    /// Waits (at most `timeout`) for the copy to end.
    pub async fn finished(&self, timeout: Duration) {
        let mut done = self.done.clone();
        let _ = tokio::time::timeout(timeout, done.wait_for(|d| *d)).await;
    }
}

/// Sends complete lines to CloudWatch Logs (off the reactor: the sink may
/// fsync). A failure is logged, never fatal to the file copy.
async fn forward_lines(forward: &LogForward, lines: Vec<(i64, String)>) {
    if lines.is_empty() {
        return;
    }
    let f = forward.clone();
    let result = tokio::task::spawn_blocking(move || f.sink.put(&f.dest, lines)).await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(group = forward.dest.group, stream = forward.dest.stream, error = %e, "awslogs: events not stored")
        }
        Err(e) => tracing::warn!(error = %e, "awslogs: the store call panicked"),
    }
}

/// Splits `partial + bytes` into complete lines (without `\n` or a
/// trailing `\r`), keeping the incomplete tail in `partial`.
fn take_lines(partial: &mut Vec<u8>, bytes: &[u8], now: i64) -> Vec<(i64, String)> {
    partial.extend_from_slice(bytes);
    let Some(end) = partial.iter().rposition(|b| *b == b'\n') else {
        return Vec::new();
    };
    let rest = partial.split_off(end + 1);
    let complete = std::mem::replace(partial, rest);
    String::from_utf8_lossy(&complete[..end])
        .split('\n')
        .map(|l| (now, l.strip_suffix('\r').unwrap_or(l).to_string()))
        .collect()
}

/// Sends every line of `stream` to CloudWatch Logs as it completes (a
/// last line without its newline when the stream ends).
async fn forward_all(
    stream: impl futures::Stream<Item = Result<bytes::Bytes, super::EngineError>>,
    forward: &LogForward,
) {
    let mut stream = std::pin::pin!(stream);
    let mut partial = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(bytes) = chunk else { break };
        forward_lines(forward, take_lines(&mut partial, &bytes, now_ms() as i64)).await;
    }
    if !partial.is_empty() {
        let line = String::from_utf8_lossy(&partial).into_owned();
        forward_lines(forward, vec![(now_ms() as i64, line)]).await;
    }
}

/// Appends every chunk of `stream` to `file`, rotating at `cap` bytes.
async fn copy(
    stream: impl futures::Stream<Item = Result<bytes::Bytes, super::EngineError>>,
    file: &Path,
    cap: u64,
) -> std::io::Result<()> {
    let open = |path: PathBuf| async move {
        tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await
    };
    let mut out = open(file.to_path_buf()).await?;
    let mut size = out.metadata().await?.len();
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let Ok(bytes) = chunk else { break };
        if size > 0 && size + bytes.len() as u64 > cap {
            out.flush().await?;
            tokio::fs::rename(file, rotated(file)).await?;
            out = open(file.to_path_buf()).await?;
            size = 0;
        }
        out.write_all(&bytes).await?;
        size += bytes.len() as u64;
    }
    out.flush().await
}

/// One task found in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedTask {
    /// Its `task.json`.
    pub info: TaskLogInfo,
    /// Its directory.
    pub dir: PathBuf,
}

/// Where one container's output is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// A file under the state directory (read with [`LogTail`]).
    File(PathBuf),
    /// A CloudWatch Logs stream (the `awslogs` driver).
    CloudWatch(LogDestination),
}

impl ArchivedTask {
    /// (container name, where its output is) in task-definition order,
    /// plus any file of a container `task.json` does not list.
    pub fn sources(&self) -> Vec<(String, LogSource)> {
        let mut names = self.info.containers.clone();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            let mut extra: Vec<String> = entries
                .flatten()
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.strip_suffix(".log").map(String::from)
                })
                .filter(|n| !names.contains(n))
                .collect();
            extra.sort();
            names.extend(extra);
        }
        names
            .into_iter()
            .map(|n| {
                let source = match self.info.awslogs.get(&n) {
                    Some(dest) => LogSource::CloudWatch(dest.clone()),
                    None => LogSource::File(container_file(&self.dir, &n)),
                };
                (n, source)
            })
            .collect()
    }
}

/// Which tasks' logs to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// One task, by id or ARN.
    Task(String),
    /// Every task (running or stopped) a service started.
    Service(String),
}

/// The task logs of one project, for reading.
#[derive(Debug, Clone)]
pub struct LogArchive {
    /// `<state>/logs/ecs`.
    root: PathBuf,
}

impl LogArchive {
    /// The archive under a project's state directory.
    pub fn open(state_dir: &Path) -> LogArchive {
        LogArchive {
            root: root(state_dir),
        }
    }

    /// Every task with logs, oldest launch first.
    pub fn tasks(&self) -> Vec<ArchivedTask> {
        let mut all = Vec::new();
        for cluster in std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
        {
            for task in std::fs::read_dir(cluster.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if let Ok(info) = read_info(&task.path()) {
                    all.push(ArchivedTask {
                        info,
                        dir: task.path(),
                    });
                }
            }
        }
        all.sort_by(|a, b| {
            (a.info.started_at_ms, &a.info.task_arn).cmp(&(b.info.started_at_ms, &b.info.task_arn))
        });
        all
    }

    /// The tasks a selection names (empty when none matches).
    pub fn select(&self, selection: &Selection) -> Vec<ArchivedTask> {
        self.tasks()
            .into_iter()
            .filter(|t| match selection {
                Selection::Task(id) => {
                    t.info.task_arn == *id
                        || t.info.task_id() == id.rsplit('/').next().unwrap_or(id)
                }
                Selection::Service(name) => t.info.service.as_deref() == Some(name.as_str()),
            })
            .collect()
    }

    /// What to print for a selection, each with its line prefix:
    /// `<task-id-short>/<container> | ` for a service, and for a task only
    /// when it has more than one container.
    pub fn streams(&self, selection: &Selection) -> Vec<(String, LogSource)> {
        let mut out = Vec::new();
        for task in self.select(selection) {
            let sources = task.sources();
            let prefixed = matches!(selection, Selection::Service(_)) || sources.len() > 1;
            let short: String = task.info.task_id().chars().take(12).collect();
            for (name, source) in sources {
                let prefix = if prefixed {
                    format!("{short}/{name} | ")
                } else {
                    String::new()
                };
                out.push((prefix, source));
            }
        }
        out
    }
}

/// Where one followed file was read up to.
#[derive(Debug, Clone)]
struct Cursor {
    /// Printed before each of its lines.
    prefix: String,
    /// Bytes of the current file already read.
    offset: u64,
    /// A trailing line without its newline yet (printed once complete).
    partial: Vec<u8>,
}

/// Prints files' history, then what is appended to them (`-f`).
#[derive(Debug, Default)]
pub struct LogTail {
    /// Followed files and how far they were read.
    cursors: BTreeMap<PathBuf, Cursor>,
}

impl LogTail {
    /// Whether `file` is already followed.
    pub fn contains(&self, file: &Path) -> bool {
        self.cursors.contains_key(file)
    }

    /// Starts following `file`; returns its history: every complete line
    /// (the last `tail` of them when set; the rotated generation first),
    /// prefixed. A trailing incomplete line waits for its newline.
    pub fn add(&mut self, prefix: &str, file: &Path, tail: Option<usize>) -> Vec<String> {
        let mut bytes = std::fs::read(rotated(file)).unwrap_or_default();
        let current = std::fs::read(file).unwrap_or_default();
        let offset = current.len() as u64;
        bytes.extend(current);
        let mut cursor = Cursor {
            prefix: prefix.to_string(),
            offset,
            partial: Vec::new(),
        };
        let mut lines = split_lines(&mut cursor, bytes);
        if let Some(n) = tail {
            lines.drain(..lines.len().saturating_sub(n));
        }
        self.cursors.insert(file.to_path_buf(), cursor);
        lines
    }

    /// The complete lines appended to every followed file since the last
    /// call. A file that shrank was rotated: the rest of the old generation
    /// is read first.
    pub fn poll(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for (file, cursor) in &mut self.cursors {
            let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            let mut fresh = Vec::new();
            if len < cursor.offset {
                fresh.extend(read_from(&rotated(file), cursor.offset));
                cursor.offset = 0;
            }
            if len > cursor.offset {
                let bytes = read_from(file, cursor.offset);
                cursor.offset += bytes.len() as u64;
                fresh.extend(bytes);
            }
            if !fresh.is_empty() {
                out.extend(split_lines(cursor, fresh));
            }
        }
        out
    }

    /// Every incomplete trailing line, completed (for a one-shot print).
    pub fn flush(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for cursor in self.cursors.values_mut() {
            if !cursor.partial.is_empty() {
                let line = String::from_utf8_lossy(&cursor.partial).into_owned();
                out.push(format!("{}{line}\n", cursor.prefix));
                cursor.partial.clear();
            }
        }
        out
    }
}

/// `file`'s bytes from `offset` to its end (empty when unreadable).
fn read_from(file: &Path, offset: u64) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(mut f) = std::fs::File::open(file)
        && f.seek(SeekFrom::Start(offset)).is_ok()
    {
        let _ = f.read_to_end(&mut out);
    }
    out
}

/// Splits `cursor.partial + bytes` into complete prefixed lines (each
/// ending in `\n`), keeping the incomplete tail in `cursor.partial`.
fn split_lines(cursor: &mut Cursor, bytes: Vec<u8>) -> Vec<String> {
    let mut all = std::mem::take(&mut cursor.partial);
    all.extend(bytes);
    let complete = all.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    cursor.partial = all.split_off(complete);
    String::from_utf8_lossy(&all)
        .split_inclusive('\n')
        .map(|line| format!("{}{line}", cursor.prefix))
        .collect()
}

/// `--tail` as a count: `all` (or anything not a number) is everything.
pub fn parse_tail(tail: &str) -> Option<usize> {
    tail.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(cluster: &str, id: &str, service: Option<&str>, started: u64) -> TaskLogInfo {
        TaskLogInfo {
            task_arn: format!("arn:aws:ecs:us-east-1:000000000000:task/{cluster}/{id}"),
            cluster: cluster.into(),
            service: service.map(String::from),
            family: "web".into(),
            containers: vec!["app".into(), "sidecar".into()],
            started_at_ms: started,
            stopped_at_ms: None,
            awslogs: BTreeMap::new(),
        }
    }

    #[test]
    fn tasks_are_found_by_id_arn_and_service_with_prefixes() {
        let state = tempfile::tempdir().unwrap();
        let root = root(state.path());
        let a = TaskLogDir::create(&root, &info("prod", &"a".repeat(32), Some("web"), 1)).unwrap();
        let b = TaskLogDir::create(&root, &info("prod", &"b".repeat(32), Some("web"), 2)).unwrap();
        TaskLogDir::create(&root, &info("prod", &"c".repeat(32), None, 3)).unwrap();
        std::fs::write(a.container_file("app"), "a1\na2\n").unwrap();
        std::fs::write(b.container_file("app"), "b1\n").unwrap();
        let archive = LogArchive::open(state.path());
        let by_service = archive.streams(&Selection::Service("web".into()));
        let prefixes: Vec<&str> = by_service.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            prefixes,
            [
                "aaaaaaaaaaaa/app | ",
                "aaaaaaaaaaaa/sidecar | ",
                "bbbbbbbbbbbb/app | ",
                "bbbbbbbbbbbb/sidecar | "
            ]
        );
        let arn = format!(
            "arn:aws:ecs:us-east-1:000000000000:task/prod/{}",
            "b".repeat(32)
        );
        assert_eq!(archive.select(&Selection::Task(arn)).len(), 1);
        assert_eq!(
            archive.select(&Selection::Task("c".repeat(32)))[0]
                .info
                .service,
            None
        );
        assert!(archive.select(&Selection::Task("d".repeat(32))).is_empty());
        let mut tail = LogTail::default();
        let lines: Vec<String> = by_service
            .iter()
            .flat_map(|(p, source)| match source {
                LogSource::File(f) => tail.add(p, f, None),
                LogSource::CloudWatch(_) => panic!("no awslogs container here"),
            })
            .collect();
        assert_eq!(
            lines,
            [
                "aaaaaaaaaaaa/app | a1\n",
                "aaaaaaaaaaaa/app | a2\n",
                "bbbbbbbbbbbb/app | b1\n"
            ]
        );
    }

    #[test]
    fn tail_limits_history_and_follow_sees_appends_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.log");
        std::fs::write(rotated(&file), "old1\nold2\n").unwrap();
        std::fs::write(&file, "new1\nnew2\npart").unwrap();
        let mut tail = LogTail::default();
        assert_eq!(tail.add("", &file, Some(3)), ["old2\n", "new1\n", "new2\n"]);
        assert!(tail.poll().is_empty());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"ial\nnew3\n"))
            .unwrap();
        assert_eq!(tail.poll(), ["partial\n", "new3\n"]);
        // Rotation: the current file becomes `.1` (with one more line), a new one starts.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"last-of-old\n"))
            .unwrap();
        std::fs::rename(&file, rotated(&file)).unwrap();
        std::fs::write(&file, "fresh\n").unwrap();
        assert_eq!(tail.poll(), ["last-of-old\n", "fresh\n"]);
        std::fs::write(&file, "fresh\nend").unwrap();
        assert!(tail.poll().is_empty());
        assert_eq!(tail.flush(), ["end\n"]);
    }

    #[tokio::test]
    async fn copy_rotates_at_the_cap_keeping_one_generation() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.log");
        let chunks: Vec<Result<bytes::Bytes, super::super::EngineError>> = (0..5)
            .map(|i| Ok(bytes::Bytes::from(format!("line {i}\n"))))
            .collect();
        copy(futures::stream::iter(chunks), &file, 14)
            .await
            .unwrap();
        // 7 bytes a line, 14 bytes a file: lines 0-1, 2-3 (rotated away twice), 4.
        assert_eq!(
            std::fs::read_to_string(rotated(&file)).unwrap(),
            "line 2\nline 3\n"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "line 4\n");
    }

    #[test]
    fn lines_are_split_across_chunks() {
        let mut partial = Vec::new();
        assert!(take_lines(&mut partial, b"hel", 1).is_empty());
        assert_eq!(
            take_lines(&mut partial, b"lo\r\nworld\n\npar", 2),
            [
                (2, "hello".to_string()),
                (2, "world".into()),
                (2, String::new())
            ]
        );
        assert_eq!(partial, b"par");
    }

    /// A sink double recording what it is given.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    impl TaskLogSink for Recorder {
        fn open(&self, _: &LogDestination) -> Result<(), crate::wiring::WiringError> {
            Ok(())
        }
        fn put(
            &self,
            _: &LogDestination,
            lines: Vec<(i64, String)>,
        ) -> Result<(), crate::wiring::WiringError> {
            self.0
                .lock()
                .unwrap()
                .extend(lines.into_iter().map(|(_, l)| l));
            Ok(())
        }
    }

    #[tokio::test]
    async fn forward_sends_each_line_and_the_unterminated_last_one() {
        let recorder = std::sync::Arc::new(Recorder::default());
        let forward = LogForward {
            sink: recorder.clone(),
            dest: LogDestination {
                account: "000000000000".into(),
                region: "us-east-1".into(),
                group: "g".into(),
                stream: "s".into(),
                create_group: false,
            },
        };
        let chunks: Vec<Result<bytes::Bytes, super::super::EngineError>> =
            ["one\ntw", "o\n", "three"]
                .into_iter()
                .map(|c| Ok(bytes::Bytes::from(c)))
                .collect();
        forward_all(futures::stream::iter(chunks), &forward).await;
        assert_eq!(*recorder.0.lock().unwrap(), ["one", "two", "three"]);
    }

    /// An awslogs container's output is in its stream, named in
    /// `task.json`, and not in a file.
    #[test]
    fn awslogs_containers_are_read_from_their_stream() {
        let state = tempfile::tempdir().unwrap();
        let root = root(state.path());
        let dest = LogDestination {
            account: "000000000000".into(),
            region: "eu-west-1".into(),
            group: "/ecs/web".into(),
            stream: format!("ecs/app/{}", "a".repeat(32)),
            create_group: true,
        };
        let mut task = info("prod", &"a".repeat(32), Some("web"), 1);
        task.awslogs.insert("app".into(), dest.clone());
        let dir = TaskLogDir::create(&root, &task).unwrap();
        std::fs::write(dir.container_file("sidecar"), "s1\n").unwrap();
        let archive = LogArchive::open(state.path());
        assert_eq!(archive.tasks()[0].info, task);
        assert_eq!(
            archive.streams(&Selection::Task("a".repeat(32))),
            [
                (
                    "aaaaaaaaaaaa/app | ".to_string(),
                    LogSource::CloudWatch(dest)
                ),
                (
                    "aaaaaaaaaaaa/sidecar | ".to_string(),
                    LogSource::File(dir.container_file("sidecar"))
                ),
            ]
        );
    }

    #[test]
    fn pruning_keeps_running_tasks_and_the_newest_stopped_ones() {
        let state = tempfile::tempdir().unwrap();
        let root = root(state.path());
        for (i, stopped) in [(1u64, true), (2, false), (3, true), (4, true)] {
            let d = TaskLogDir::create(&root, &info("prod", &format!("{i:032}"), None, i)).unwrap();
            if stopped {
                d.mark_stopped().unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        prune(&root.join("prod"), 1);
        let left: Vec<u64> = LogArchive::open(state.path())
            .tasks()
            .iter()
            .map(|t| t.info.started_at_ms)
            .collect();
        assert_eq!(left, [2, 4]);
    }
}
