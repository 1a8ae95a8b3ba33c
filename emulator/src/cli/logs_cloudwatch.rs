//! `emul logs --service/--task` for containers with the `awslogs` driver:
//! their output lives in CloudWatch Logs only, so it is read there, with
//! GetLogEvents (the call `aws logs get-log-events` makes).
//!
//! While the project's daemon runs it owns the store, so the calls go to
//! its AWS endpoint (and `-f` follows with each stream's forward token, as
//! `aws logs tail --follow` does). Without a daemon the store's file is
//! read once, read-only, and the same operation runs in this process;
//! nothing more can arrive then, so those streams are not followed.

use serde_json::{Value, json};

use crate::gateway::client::{self, CallError, JsonService};
use crate::project::{Project, record};
use crate::services::logs::CloudWatchLogs;
use crate::services::logs::model::Scope;
use crate::wiring::LogDestination;

/// CloudWatch Logs on the wire.
const LOGS: JsonService = JsonService {
    target_prefix: "Logs_20140328",
    signing_name: "logs",
};

/// GetLogEvents' largest page.
const PAGE: usize = 10_000;

/// Who answers GetLogEvents.
enum Backend {
    /// The running daemon's AWS endpoint.
    Daemon { endpoint: String },
    /// The store read from its file (no daemon runs).
    File(Box<CloudWatchLogs>),
}

/// One followed stream.
struct Cursor {
    /// Printed before each of its lines.
    prefix: String,
    /// The stream.
    dest: LogDestination,
    /// The forward token after the last event printed.
    token: Option<String>,
}

/// Prints CloudWatch Logs streams' history, then (with a daemon) their new
/// events.
pub struct CloudWatchTail {
    /// Who answers.
    backend: Backend,
    /// The streams added, in order.
    cursors: Vec<Cursor>,
}

impl CloudWatchTail {
    /// Reads through the project's daemon when one runs, else from the
    /// store's file.
    pub fn open(project: &Project) -> Result<CloudWatchTail, String> {
        let backend = match record::read_live(&project.daemon_file()) {
            Some(r) => Backend::Daemon {
                endpoint: r.endpoint,
            },
            None => Backend::File(Box::new(
                CloudWatchLogs::read_only(&project.state_dir).map_err(|e| e.to_string())?,
            )),
        };
        Ok(CloudWatchTail {
            backend,
            cursors: Vec::new(),
        })
    }

    /// Whether new events can still arrive (a daemon runs).
    pub fn follows(&self) -> bool {
        matches!(self.backend, Backend::Daemon { .. })
    }

    /// Whether `dest` was added already.
    pub fn contains(&self, dest: &LogDestination) -> bool {
        self.cursors.iter().any(|c| c.dest == *dest)
    }

    /// Starts following `dest`; returns its history (the last `tail`
    /// events when set), each line prefixed.
    pub async fn add(
        &mut self,
        prefix: &str,
        dest: &LogDestination,
        tail: Option<usize>,
    ) -> Result<Vec<String>, String> {
        let mut cursor = Cursor {
            prefix: prefix.to_string(),
            dest: dest.clone(),
            token: None,
        };
        let lines = match tail {
            Some(n) => {
                let mut lines = Vec::new();
                if n > 0 {
                    let page = self.get(dest, json!({"limit": n.min(PAGE)})).await?;
                    lines = render(prefix, &page);
                    cursor.token = page["nextForwardToken"].as_str().map(String::from);
                } else {
                    // Nothing of the history: follow from the end.
                    let page = self.get(dest, json!({"limit": 1})).await?;
                    cursor.token = page["nextForwardToken"].as_str().map(String::from);
                }
                lines
            }
            None => self.drain(&mut cursor).await?,
        };
        self.cursors.push(cursor);
        Ok(lines)
    }

    /// The events added to every followed stream since the last call.
    /// A stream that fails (its group was deleted) says so once on stderr
    /// and is dropped.
    pub async fn poll(&mut self) -> Vec<String> {
        if !self.follows() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut cursors = std::mem::take(&mut self.cursors);
        let mut kept = Vec::with_capacity(cursors.len());
        for mut cursor in cursors.drain(..) {
            match self.drain(&mut cursor).await {
                Ok(lines) => {
                    out.extend(lines);
                    kept.push(cursor);
                }
                Err(e) => eprintln!("emul logs: {}: {e}", describe(&cursor.dest)),
            }
        }
        self.cursors = kept;
        out
    }

    /// Every event after the cursor's token, page by page, until the same
    /// token comes back (the end of the stream, as AWS signals it).
    async fn drain(&self, cursor: &mut Cursor) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        loop {
            let mut body = json!({"startFromHead": true, "limit": PAGE});
            if let Some(t) = &cursor.token {
                body["nextToken"] = json!(t);
            }
            let page = self.get(&cursor.dest, body).await?;
            lines.extend(render(&cursor.prefix, &page));
            let next = page["nextForwardToken"].as_str().map(String::from);
            let done = next.is_none() || next == cursor.token || page["events"] == json!([]);
            if next.is_some() {
                cursor.token = next;
            }
            if done {
                return Ok(lines);
            }
        }
    }

    /// One GetLogEvents call on `dest`'s stream with `body`'s paging.
    async fn get(&self, dest: &LogDestination, mut body: Value) -> Result<Value, String> {
        body["logGroupName"] = json!(dest.group);
        body["logStreamName"] = json!(dest.stream);
        match &self.backend {
            Backend::Daemon { endpoint } => {
                client::call_json(endpoint, LOGS, &dest.region, "GetLogEvents", &body)
                    .await
                    .map_err(|e| match e {
                        CallError::Aws { code, message } => format!("{code}: {message}"),
                        transport => format!("the daemon did not answer: {transport}"),
                    })
            }
            Backend::File(logs) => {
                let scope = Scope {
                    account: dest.account.clone(),
                    region: dest.region.clone(),
                };
                crate::services::logs::ops::dispatch(logs, &scope, "GetLogEvents", body)
                    .map_err(|e| format!("{}: {}", e.code, e.message))
            }
        }
    }
}

/// The events of a GetLogEvents page as prefixed lines.
fn render(prefix: &str, page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{prefix}{}\n", e["message"].as_str().unwrap_or_default()))
        .collect()
}

/// `group/stream (region)`, for messages.
pub fn describe(dest: &LogDestination) -> String {
    format!(
        "log group {} stream {} ({})",
        dest.group, dest.stream, dest.region
    )
}
