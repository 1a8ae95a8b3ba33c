//! The CloudWatch Logs model: log groups, their streams and events, and
//! every rule AWS applies to them. Pure: no I/O, no clock (callers pass
//! `now`), no async.
//!
//! Changes are [`Change`] values: the store logs each one before applying
//! it with [`Region::apply`], and replays them in order at start-up, so
//! `apply` must be deterministic (times and sequence numbers travel in the
//! change itself).
//!
//! | file | what it owns |
//! |---|---|
//! | this file | the types, [`Change`], [`Region::apply`], names and ARNs |
//! | [`events`] | PutLogEvents' rules; GetLogEvents / FilterLogEvents queries and tokens |
//! | [`listing`] | DescribeLogGroups / DescribeLogStreams filters, order and pages |
//! | [`pattern`] | the filter-pattern language |

pub mod events;
pub mod listing;
pub mod pattern;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::errors::LogsError;

/// Milliseconds since the epoch.
pub type Millis = i64;

/// One day in milliseconds.
pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// Bytes AWS counts per event on top of its UTF-8 message (batch size and
/// stored bytes).
pub const EVENT_OVERHEAD: usize = 26;

/// The most event bytes (message + [`EVENT_OVERHEAD`]) one stream keeps:
/// beyond it the oldest events are dropped. emul's own bound on disk and
/// memory (AWS keeps everything until retention ends).
pub const MAX_STREAM_BYTES: usize = 32 * 1024 * 1024;

/// The `retentionInDays` values AWS accepts, in its order.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Which account and region a request acts in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `timestamp`: when it happened (the writer's clock).
    #[serde(rename = "t")]
    pub timestamp: Millis,
    /// `ingestionTime`: when emul received it.
    #[serde(rename = "i")]
    pub ingested: Millis,
    /// A per-group sequence number: orders events with equal timestamps
    /// and makes every event's key `(timestamp, seq)` unique, which is
    /// what tokens point at.
    #[serde(rename = "s")]
    pub seq: u64,
    /// The message.
    #[serde(rename = "m")]
    pub message: String,
}

impl Event {
    /// The key events are ordered by and tokens point at.
    pub fn key(&self) -> (Millis, u64) {
        (self.timestamp, self.seq)
    }

    /// The bytes AWS counts for it.
    pub fn size(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD
    }
}

/// One log stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogStream {
    /// Its name.
    pub name: String,
    /// `creationTime`.
    pub created: Millis,
    /// Events in `(timestamp, seq)` order.
    pub events: VecDeque<Event>,
    /// Sum of the events' sizes (for the per-stream cap).
    pub bytes: usize,
    /// `lastIngestionTime`.
    pub last_ingestion: Option<Millis>,
    /// How many PutLogEvents calls it received (`uploadSequenceToken`).
    pub uploads: u64,
}

impl LogStream {
    /// `firstEventTimestamp`.
    pub fn first_event(&self) -> Option<Millis> {
        self.events.front().map(|e| e.timestamp)
    }

    /// `lastEventTimestamp`.
    pub fn last_event(&self) -> Option<Millis> {
        self.events.back().map(|e| e.timestamp)
    }

    /// The sequence token PutLogEvents returns (ignored when sent back,
    /// as AWS does today), 56 digits like AWS's.
    pub fn sequence_token(&self) -> String {
        format!("{:056}", self.uploads)
    }

    /// The token PutLogEvents returns for the upload being made now.
    pub fn sequence_token_after_upload(&self) -> String {
        format!("{:056}", self.uploads + 1)
    }
}

/// One log group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogGroup {
    /// Its name.
    pub name: String,
    /// `creationTime`.
    pub created: Millis,
    /// `retentionInDays`; `None` keeps events forever (up to the cap).
    pub retention_days: Option<u32>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// `kmsKeyId` (stored and shown; nothing is encrypted).
    pub kms_key_id: Option<String>,
    /// `logGroupClass` (`STANDARD` unless given).
    pub class: String,
    /// Streams by name (DescribeLogStreams' default order).
    pub streams: BTreeMap<String, LogStream>,
    /// The next event sequence number.
    pub next_seq: u64,
}

impl LogGroup {
    /// The oldest timestamp still retained at `now` (`None`: no retention).
    pub fn retained_from(&self, now: Millis) -> Option<Millis> {
        self.retention_days.map(|d| now - Millis::from(d) * DAY_MS)
    }

    /// `storedBytes`: the sizes of every event kept.
    pub fn stored_bytes(&self) -> usize {
        self.streams.values().map(|s| s.bytes).sum()
    }
}

/// One account's groups in one region.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Region {
    /// Groups by name (DescribeLogGroups' order).
    pub groups: BTreeMap<String, LogGroup>,
}

/// One durable change: what the store logs and replays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Change {
    /// CreateLogGroup.
    CreateGroup {
        /// Where.
        scope: Scope,
        /// The name.
        name: String,
        /// When.
        created: Millis,
        /// Tags given at creation.
        tags: BTreeMap<String, String>,
        /// `kmsKeyId`.
        kms_key_id: Option<String>,
        /// `logGroupClass`.
        class: String,
        /// Retention (set by snapshots; CreateLogGroup has none).
        retention_days: Option<u32>,
    },
    /// DeleteLogGroup (with its streams and events).
    DeleteGroup {
        /// Where.
        scope: Scope,
        /// The name.
        name: String,
    },
    /// PutRetentionPolicy / DeleteRetentionPolicy (`None`).
    Retention {
        /// Where.
        scope: Scope,
        /// The group.
        name: String,
        /// The new retention.
        days: Option<u32>,
        /// When: events older than the retention at this time are dropped.
        at: Millis,
    },
    /// Tag changes: the group's whole tag set afterwards.
    Tags {
        /// Where.
        scope: Scope,
        /// The group.
        name: String,
        /// Every tag.
        tags: BTreeMap<String, String>,
    },
    /// CreateLogStream.
    CreateStream {
        /// Where.
        scope: Scope,
        /// The group.
        group: String,
        /// The stream.
        name: String,
        /// When.
        created: Millis,
        /// PutLogEvents calls so far (a snapshot carries them; 0 when created).
        #[serde(default)]
        uploads: u64,
        /// `lastIngestionTime` (a snapshot carries it).
        #[serde(default)]
        last_ingestion: Option<Millis>,
    },
    /// DeleteLogStream.
    DeleteStream {
        /// Where.
        scope: Scope,
        /// The group.
        group: String,
        /// The stream.
        name: String,
    },
    /// Accepted events of one PutLogEvents call (or a snapshot's events).
    Events {
        /// Where.
        scope: Scope,
        /// The group.
        group: String,
        /// The stream.
        stream: String,
        /// The events, sequence numbers already assigned.
        events: Vec<Event>,
        /// `true` for a PutLogEvents call (counts an upload), `false` for a
        /// snapshot chunk.
        upload: bool,
        /// The stream's `lastIngestionTime` afterwards.
        ingested: Option<Millis>,
    },
}

impl Change {
    /// The scope it acts in.
    pub fn scope(&self) -> &Scope {
        match self {
            Change::CreateGroup { scope, .. }
            | Change::DeleteGroup { scope, .. }
            | Change::Retention { scope, .. }
            | Change::Tags { scope, .. }
            | Change::CreateStream { scope, .. }
            | Change::DeleteStream { scope, .. }
            | Change::Events { scope, .. } => scope,
        }
    }
}

impl Region {
    /// The group `name`, or AWS's ResourceNotFoundException.
    pub fn group(&self, name: &str) -> Result<&LogGroup, LogsError> {
        self.groups.get(name).ok_or(LogsError::GroupNotFound)
    }

    /// The stream `stream` of group `group`, or the not-found error for
    /// whichever is missing.
    pub fn stream(&self, group: &str, stream: &str) -> Result<(&LogGroup, &LogStream), LogsError> {
        let g = self.group(group)?;
        let s = g.streams.get(stream).ok_or(LogsError::StreamNotFound)?;
        Ok((g, s))
    }

    /// Applies one change. Fails only on a change that does not fit the
    /// state (a corrupt log); the store validated it before logging it.
    pub fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::CreateGroup {
                name,
                created,
                tags,
                kms_key_id,
                class,
                retention_days,
                ..
            } => {
                if self.groups.contains_key(&name) {
                    return Err(format!("log group {name} created twice"));
                }
                self.groups.insert(
                    name.clone(),
                    LogGroup {
                        name,
                        created,
                        retention_days,
                        tags,
                        kms_key_id,
                        class,
                        ..LogGroup::default()
                    },
                );
            }
            Change::DeleteGroup { name, .. } => {
                self.groups
                    .remove(&name)
                    .ok_or_else(|| format!("log group {name} deleted but absent"))?;
            }
            Change::Retention { name, days, at, .. } => {
                let g = self.group_mut(&name)?;
                g.retention_days = days;
                if let Some(from) = g.retained_from(at) {
                    for s in g.streams.values_mut() {
                        drop_before(s, from);
                    }
                }
            }
            Change::Tags { name, tags, .. } => self.group_mut(&name)?.tags = tags,
            Change::CreateStream {
                group,
                name,
                created,
                uploads,
                last_ingestion,
                ..
            } => {
                let g = self.group_mut(&group)?;
                if g.streams.contains_key(&name) {
                    return Err(format!("log stream {group}/{name} created twice"));
                }
                g.streams.insert(
                    name.clone(),
                    LogStream {
                        name,
                        created,
                        uploads,
                        last_ingestion,
                        ..LogStream::default()
                    },
                );
            }
            Change::DeleteStream { group, name, .. } => {
                self.group_mut(&group)?
                    .streams
                    .remove(&name)
                    .ok_or_else(|| format!("log stream {group}/{name} deleted but absent"))?;
            }
            Change::Events {
                group,
                stream,
                events,
                upload,
                ingested,
                ..
            } => {
                let g = self.group_mut(&group)?;
                let retained = ingested.and_then(|at| g.retained_from(at));
                if let Some(last) = events.iter().map(|e| e.seq).max() {
                    g.next_seq = g.next_seq.max(last + 1);
                }
                let s = g
                    .streams
                    .get_mut(&stream)
                    .ok_or_else(|| format!("events for absent log stream {group}/{stream}"))?;
                for e in events {
                    s.bytes += e.size();
                    // Nearly always an append: writers send in time order.
                    if s.events.back().is_none_or(|last| last.key() <= e.key()) {
                        s.events.push_back(e);
                    } else {
                        let at = s.events.partition_point(|x| x.key() <= e.key());
                        s.events.insert(at, e);
                    }
                }
                while s.bytes > MAX_STREAM_BYTES {
                    let Some(e) = s.events.pop_front() else { break };
                    s.bytes -= e.size();
                }
                if let Some(from) = retained {
                    drop_before(s, from);
                }
                if upload {
                    s.uploads += 1;
                }
                if ingested.is_some() {
                    s.last_ingestion = ingested;
                }
            }
        }
        Ok(())
    }

    fn group_mut(&mut self, name: &str) -> Result<&mut LogGroup, String> {
        self.groups
            .get_mut(name)
            .ok_or_else(|| format!("log group {name} is absent"))
    }

    /// The changes that rebuild this region from nothing (compaction),
    /// events in chunks of about `chunk_bytes`. Events past retention at
    /// `now` are left out.
    pub fn snapshot(&self, scope: &Scope, now: Millis, chunk_bytes: usize) -> Vec<Change> {
        let mut out = Vec::new();
        for g in self.groups.values() {
            out.push(Change::CreateGroup {
                scope: scope.clone(),
                name: g.name.clone(),
                created: g.created,
                tags: g.tags.clone(),
                kms_key_id: g.kms_key_id.clone(),
                class: g.class.clone(),
                retention_days: g.retention_days,
            });
            let from = g.retained_from(now).unwrap_or(Millis::MIN);
            for s in g.streams.values() {
                out.push(Change::CreateStream {
                    scope: scope.clone(),
                    group: g.name.clone(),
                    name: s.name.clone(),
                    created: s.created,
                    uploads: s.uploads,
                    last_ingestion: s.last_ingestion,
                });
                let mut chunk = Vec::new();
                let mut size = 0;
                let live = s.events.iter().filter(|e| e.timestamp >= from);
                let mut remaining = live.clone().count();
                for e in live {
                    size += e.size();
                    chunk.push(e.clone());
                    remaining -= 1;
                    if size >= chunk_bytes || remaining == 0 {
                        out.push(Change::Events {
                            scope: scope.clone(),
                            group: g.name.clone(),
                            stream: s.name.clone(),
                            events: std::mem::take(&mut chunk),
                            upload: false,
                            ingested: None,
                        });
                        size = 0;
                    }
                }
            }
        }
        out
    }
}

/// Drops a stream's events older than `from`.
fn drop_before(s: &mut LogStream, from: Millis) {
    while s.events.front().is_some_and(|e| e.timestamp < from) {
        let e = s.events.pop_front().expect("checked");
        s.bytes -= e.size();
    }
}

/// The log group ARN as DescribeLogGroups' `arn` shows it (with `:*`).
pub fn group_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}:*",
        scope.region, scope.account
    )
}

/// The log group ARN without `:*` (`logGroupArn`, tagging).
pub fn group_arn_bare(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}",
        scope.region, scope.account
    )
}

/// The log stream ARN.
pub fn stream_arn(scope: &Scope, group: &str, stream: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{group}:log-stream:{stream}",
        scope.region, scope.account
    )
}

/// The group a tagging ARN names (`…:log-group:NAME` or `…:log-group:NAME:*`).
pub fn group_from_arn(scope: &Scope, arn: &str) -> Result<String, LogsError> {
    let prefix = format!("arn:aws:logs:{}:{}:log-group:", scope.region, scope.account);
    let name = arn
        .strip_prefix(&prefix)
        .map(|rest| rest.strip_suffix(":*").unwrap_or(rest))
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .ok_or_else(|| {
            LogsError::InvalidParameter(format!(
                "Invalid resource ARN '{arn}': emul tags log groups of this account and region only"
            ))
        })?;
    Ok(name.to_string())
}

/// Checks a log group name: 1–512 characters of `[\.\-_/#A-Za-z0-9]`.
pub fn validate_group_name(name: &str, member: &str) -> Result<(), LogsError> {
    if name.is_empty() || name.len() > 512 {
        return Err(LogsError::length(member, name, 1, 512));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#'))
    {
        return Err(LogsError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )));
    }
    Ok(())
}

/// Checks a log stream name: 1–512 characters, no `:` or `*`.
pub fn validate_stream_name(name: &str, member: &str) -> Result<(), LogsError> {
    if name.is_empty() || name.len() > 512 {
        return Err(LogsError::length(member, name, 1, 512));
    }
    if name.contains([':', '*']) {
        return Err(LogsError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"
        )));
    }
    Ok(())
}

/// Checks a retention value against [`RETENTION_DAYS`].
pub fn validate_retention(days: i64) -> Result<u32, LogsError> {
    u32::try_from(days)
        .ok()
        .filter(|d| RETENTION_DAYS.contains(d))
        .ok_or_else(|| {
            let list: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
            LogsError::InvalidParameter(format!(
                "1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                list.join(", ")
            ))
        })
}
