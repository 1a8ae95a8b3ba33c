//! DescribeLogStreams: a group's streams by name or last event time.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{group_name, parse, render_stream};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::Scope;
use crate::services::logs::model::listing::{self, StreamOrder, StreamQuery};
use crate::services::logs::service::CloudWatchLogs;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group, by name.
    log_group_name: Option<String>,
    /// The group, by name or ARN.
    log_group_identifier: Option<String>,
    /// Only streams whose names start with it.
    log_stream_name_prefix: Option<String>,
    /// `LogStreamName` or `LastEventTime`.
    order_by: Option<String>,
    /// Reverse order.
    descending: Option<bool>,
    /// Page size (1–50).
    limit: Option<i64>,
    /// Where the previous page ended.
    next_token: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = group_name(scope, req.log_group_name, req.log_group_identifier)?;
    let order = match req.order_by.as_deref() {
        None | Some("LogStreamName") => StreamOrder::Name,
        Some("LastEventTime") => StreamOrder::LastEventTime,
        Some(other) => {
            return Err(LogsError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"
            )));
        }
    };
    let q = StreamQuery {
        prefix: req.log_stream_name_prefix,
        order,
        descending: req.descending.unwrap_or(false),
        limit: listing::page_limit(req.limit)?,
        token: req.next_token,
    };
    logs.read(scope, |r| {
        let g = r.group(&group)?;
        let (page, next) = listing::streams(g, &q)?;
        let mut out = Map::new();
        out.insert(
            "logStreams".into(),
            page.iter()
                .map(|s| render_stream(scope, &g.name, s))
                .collect(),
        );
        if let Some(t) = next {
            out.insert("nextToken".into(), t.into());
        }
        Ok(Value::Object(out))
    })
}
