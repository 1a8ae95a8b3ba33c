//! GetLogEvents: one stream's events, newest page first unless
//! `startFromHead`, with `f/…` / `b/…` tokens (`model::events::get`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{event_limit, group_name, parse, required, time};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::Scope;
use crate::services::logs::model::events::{self, GetQuery, Token};
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group, by name.
    log_group_name: Option<String>,
    /// The group, by name or ARN.
    log_group_identifier: Option<String>,
    /// The stream.
    log_stream_name: Option<String>,
    /// Inclusive lower time bound.
    start_time: Option<i64>,
    /// Exclusive upper time bound.
    end_time: Option<i64>,
    /// A token from an earlier call.
    next_token: Option<String>,
    /// Most events returned (1–10,000).
    limit: Option<i64>,
    /// Oldest first when there is no token.
    start_from_head: Option<bool>,
    /// Accepted; emul has no field indexes to unmask.
    #[allow(dead_code)]
    unmask: Option<bool>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = group_name(scope, req.log_group_name, req.log_group_identifier)?;
    let stream = required(req.log_stream_name, "logStreamName")?;
    let q = GetQuery {
        start: time(req.start_time, "startTime")?,
        end: time(req.end_time, "endTime")?,
        limit: event_limit(req.limit)?,
        from_head: req.start_from_head.unwrap_or(false),
        token: req.next_token.as_deref().map(Token::parse).transpose()?,
    };
    let now = now_ms();
    logs.read(scope, |r| {
        let (g, s) = r.stream(&group, &stream)?;
        let page = events::get(s, &q, g.retained_from(now));
        let events: Vec<Value> = page
            .events
            .iter()
            .map(|e| json!({"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingested}))
            .collect();
        Ok(json!({
            "events": events,
            "nextForwardToken": page.forward,
            "nextBackwardToken": page.backward,
        }))
    })
}
