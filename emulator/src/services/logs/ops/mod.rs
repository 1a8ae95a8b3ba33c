//! The wire operations, one file each, all shaped
//! `run(logs, scope, body)`: parse the JSON request → apply it through
//! [`CloudWatchLogs::read`] / [`CloudWatchLogs::write`] → render the JSON
//! response. This file holds the dispatch table and what the operations
//! share (request parsing, group lookup by name or ARN, rendering).

mod create_log_group;
mod create_log_stream;
mod delete_log_group;
mod delete_log_stream;
mod delete_retention_policy;
mod describe_log_groups;
mod describe_log_streams;
mod filter_log_events;
mod get_log_events;
mod put_log_events;
mod put_retention_policy;
mod tags;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::errors::LogsError;
use super::model::{self, LogGroup, LogStream, Scope};
use super::service::CloudWatchLogs;
use crate::gateway::AwsError;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "CreateLogGroup",
    "CreateLogStream",
    "DeleteLogGroup",
    "DeleteLogStream",
    "DeleteRetentionPolicy",
    "DescribeLogGroups",
    "DescribeLogStreams",
    "FilterLogEvents",
    "GetLogEvents",
    "ListTagsForResource",
    "ListTagsLogGroup",
    "PutLogEvents",
    "PutRetentionPolicy",
    "TagLogGroup",
    "TagResource",
    "UntagLogGroup",
    "UntagResource",
];

/// Runs `operation`.
pub fn dispatch(
    logs: &CloudWatchLogs,
    scope: &Scope,
    operation: &str,
    body: Value,
) -> Result<Value, AwsError> {
    let result = match operation {
        "CreateLogGroup" => create_log_group::run(logs, scope, body),
        "CreateLogStream" => create_log_stream::run(logs, scope, body),
        "DeleteLogGroup" => delete_log_group::run(logs, scope, body),
        "DeleteLogStream" => delete_log_stream::run(logs, scope, body),
        "DeleteRetentionPolicy" => delete_retention_policy::run(logs, scope, body),
        "DescribeLogGroups" => describe_log_groups::run(logs, scope, body),
        "DescribeLogStreams" => describe_log_streams::run(logs, scope, body),
        "FilterLogEvents" => filter_log_events::run(logs, scope, body),
        "GetLogEvents" => get_log_events::run(logs, scope, body),
        "ListTagsForResource" => tags::list_tags_for_resource(logs, scope, body),
        "ListTagsLogGroup" => tags::list_tags_log_group(logs, scope, body),
        "PutLogEvents" => put_log_events::run(logs, scope, body),
        "PutRetentionPolicy" => put_retention_policy::run(logs, scope, body),
        "TagLogGroup" => tags::tag_log_group(logs, scope, body),
        "TagResource" => tags::tag_resource(logs, scope, body),
        "UntagLogGroup" => tags::untag_log_group(logs, scope, body),
        "UntagResource" => tags::untag_resource(logs, scope, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// Decodes the request body into an operation's input struct.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, LogsError> {
    serde_json::from_value(body)
        .map_err(|e| LogsError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or AWS's "Member must not be null" error.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, LogsError> {
    value.ok_or_else(|| LogsError::missing(member))
}

/// The group named by `logGroupName` or `logGroupIdentifier` (a name or
/// an ARN), exactly one of them.
pub(crate) fn group_name(
    scope: &Scope,
    name: Option<String>,
    identifier: Option<String>,
) -> Result<String, LogsError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(LogsError::InvalidParameter(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.".into(),
        )),
        (Some(n), None) => Ok(n),
        (None, Some(id)) if id.starts_with("arn:") => model::group_from_arn(scope, &id),
        (None, Some(id)) => Ok(id),
        (None, None) => Err(LogsError::InvalidParameter(
            "Should provide either name or ARN of the LogGroup.".into(),
        )),
    }
}

/// A `limit` of event queries: 1–10,000, default 10,000.
pub(crate) fn event_limit(limit: Option<i64>) -> Result<usize, LogsError> {
    match limit {
        None => Ok(10_000),
        Some(n) if (1..=10_000).contains(&n) => Ok(n as usize),
        Some(n) => Err(LogsError::range("limit", n, 1, 10_000)),
    }
}

/// A start/end time: not negative.
pub(crate) fn time(value: Option<i64>, member: &str) -> Result<Option<i64>, LogsError> {
    match value {
        Some(t) if t < 0 => Err(LogsError::range(member, t, 0, i64::MAX)),
        other => Ok(other),
    }
}

/// The LogGroup shape of DescribeLogGroups.
pub(crate) fn render_group(scope: &Scope, g: &LogGroup) -> Value {
    let mut out = Map::new();
    out.insert("logGroupName".into(), g.name.clone().into());
    out.insert("creationTime".into(), g.created.into());
    if let Some(d) = g.retention_days {
        out.insert("retentionInDays".into(), d.into());
    }
    out.insert("metricFilterCount".into(), 0.into());
    out.insert("arn".into(), model::group_arn(scope, &g.name).into());
    out.insert("storedBytes".into(), g.stored_bytes().into());
    if let Some(k) = &g.kms_key_id {
        out.insert("kmsKeyId".into(), k.clone().into());
    }
    out.insert("logGroupClass".into(), g.class.clone().into());
    out.insert(
        "logGroupArn".into(),
        model::group_arn_bare(scope, &g.name).into(),
    );
    Value::Object(out)
}

/// The LogStream shape of DescribeLogStreams (`storedBytes` is 0, as AWS
/// reports it since it deprecated the member).
pub(crate) fn render_stream(scope: &Scope, group: &str, s: &LogStream) -> Value {
    let mut out = Map::new();
    out.insert("logStreamName".into(), s.name.clone().into());
    out.insert("creationTime".into(), s.created.into());
    if let Some(t) = s.first_event() {
        out.insert("firstEventTimestamp".into(), t.into());
    }
    if let Some(t) = s.last_event() {
        out.insert("lastEventTimestamp".into(), t.into());
    }
    if let Some(t) = s.last_ingestion {
        out.insert("lastIngestionTime".into(), t.into());
    }
    if s.uploads > 0 {
        out.insert("uploadSequenceToken".into(), s.sequence_token().into());
    }
    out.insert(
        "arn".into(),
        model::stream_arn(scope, group, &s.name).into(),
    );
    out.insert("storedBytes".into(), 0.into());
    Value::Object(out)
}

/// The response of operations with an empty body.
pub(crate) fn empty() -> Value {
    json!({})
}
