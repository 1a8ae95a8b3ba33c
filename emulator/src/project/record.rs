//! `daemon.json`: how `down`, `status`, `env` and a second `up` find the
//! running daemon of a project.
//!
//! The daemon writes it (atomically: temporary file + rename) as soon as it
//! owns its port, with `ready: false`, so `emul down` can stop a daemon that
//! is still coming up; it rewrites it with `ready: true` and the listener
//! URLs once the project runs, and removes it when it stops. A record whose
//! pid is gone (a killed daemon) is stale and ignored.
//!
//! With `up --wait`, `ready` turns true only once the workloads are ready
//! too ([`super::workloads`]); until then `awaiting` names what is not, and
//! `up -d` prints it as it changes. Once running, the daemon refreshes
//! `tasks` (each ECS task's address and health, for `emul status`) and
//! `awaiting` (what is not ready now, for a later `up --wait` against the
//! running daemon) every second.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::plan::Endpoint;
use super::workloads::TaskRecord;

/// One ALB listener as the daemon publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRecord {
    /// The load balancer's name.
    pub alb: String,
    /// The listener's AWS port.
    pub port: u16,
    /// Its loopback URL.
    pub url: String,
}

/// The content of `daemon.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonRecord {
    /// The daemon's process id (SIGTERM stops it).
    pub pid: u32,
    /// The AWS endpoint URL (`http://127.0.0.1:4566`).
    pub endpoint: String,
    /// When the daemon started (RFC 3339, UTC).
    pub started_at: String,
    /// Whether `up` finished (every data store ready; with `--wait`, every
    /// ECS service steady and every registered target healthy too).
    pub ready: bool,
    /// How many reconciles the daemon has finished (SIGUSR1 asks for one
    /// more: a second `up` that finds containers missing or stopped).
    #[serde(default)]
    pub generation: u64,
    /// sha256 of the topology file the daemon runs (a second `up` compares).
    pub topology_hash: String,
    /// ALB listener URLs (those whose data plane runs).
    pub listeners: Vec<ListenerRecord>,
    /// Data-store endpoints.
    pub endpoints: Vec<Endpoint>,
    /// What is not ready (`service web: 1 of 2 running`, …): while the
    /// daemon waits for its workloads, what `up -d --wait` prints; once it
    /// runs, what a later `up --wait` against it waits for.
    #[serde(default)]
    pub awaiting: Vec<String>,
    /// Every ECS task not yet STOPPED, with its address and health:
    /// `emul status` fills its task rows from it.
    #[serde(default)]
    pub tasks: Vec<TaskRecord>,
    /// When the running daemon last judged `awaiting` (unix ms; rewritten
    /// every second): a later `up --wait` trusts `awaiting` only once it
    /// was judged after that `up` started, so an API call made just before
    /// (a StopTask, a forced deployment) is always seen.
    #[serde(default)]
    pub checked_ms: u64,
    /// The ECR registry's `127.0.0.1:<port>` once it listens (`emul env`
    /// exports it as `EMUL_ECR_REGISTRY`: the port may differ from
    /// `--registry-port` when that one was taken).
    #[serde(default)]
    pub registry: Option<String>,
}

/// Unix time in milliseconds (`checked_ms`).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Reads `path`; `None` when absent or unreadable.
pub fn read(path: &Path) -> Option<DaemonRecord> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Reads `path` and keeps the record only when its process still runs.
pub fn read_live(path: &Path) -> Option<DaemonRecord> {
    read(path).filter(|r| pid_alive(r.pid))
}

/// Writes `record` to `path` atomically.
pub fn write(path: &Path, record: &DaemonRecord) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(record).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Removes `path` if it names process `pid` (never another daemon's record).
pub fn remove_if_mine(path: &Path, pid: u32) {
    if read(path).is_some_and(|r| r.pid == pid) {
        let _ = std::fs::remove_file(path);
    }
}

/// Whether process `pid` runs (a zombie counts as gone).
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Field 3, after the parenthesised command name, is the state.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The current time as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_liveness() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.json");
        assert!(read(&path).is_none());
        let r = DaemonRecord {
            pid: std::process::id(),
            endpoint: "http://127.0.0.1:4566".into(),
            started_at: now_rfc3339(),
            ready: true,
            generation: 1,
            topology_hash: "ab".into(),
            listeners: vec![],
            endpoints: vec![],
            awaiting: vec!["service web: 1 of 2 running".into()],
            tasks: vec![],
            checked_ms: now_ms(),
            registry: Some("127.0.0.1:5100".into()),
        };
        write(&path, &r).unwrap();
        assert_eq!(read_live(&path), Some(r.clone()));
        remove_if_mine(&path, r.pid + 1);
        assert!(path.exists());
        remove_if_mine(&path, r.pid);
        assert!(!path.exists());
        assert!(!pid_alive(u32::MAX - 1));
    }
}
