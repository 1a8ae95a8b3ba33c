//! FilterLogEvents: matching events across a group's streams, oldest
//! first, with AWS's filter-pattern syntax (`model::pattern`).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{event_limit, group_name, parse, time};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::Scope;
use crate::services::logs::model::events::{self, FilterQuery};
use crate::services::logs::model::pattern::Pattern;
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group, by name.
    log_group_name: Option<String>,
    /// The group, by name or ARN.
    log_group_identifier: Option<String>,
    /// Only these streams.
    log_stream_names: Option<Vec<String>>,
    /// Only streams whose names start with it.
    log_stream_name_prefix: Option<String>,
    /// Inclusive lower time bound.
    start_time: Option<i64>,
    /// Exclusive upper time bound.
    end_time: Option<i64>,
    /// The filter pattern.
    filter_pattern: Option<String>,
    /// Where the previous page ended.
    next_token: Option<String>,
    /// Most events returned (1–10,000).
    limit: Option<i64>,
    /// Deprecated; accepted.
    #[allow(dead_code)]
    interleaved: Option<bool>,
    /// Accepted; emul has no field indexes to unmask.
    #[allow(dead_code)]
    unmask: Option<bool>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = group_name(scope, req.log_group_name, req.log_group_identifier)?;
    if req.log_stream_names.is_some() && req.log_stream_name_prefix.is_some() {
        return Err(LogsError::InvalidParameter(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.".into(),
        ));
    }
    let pattern = Pattern::parse(req.filter_pattern.as_deref().unwrap_or(""))
        .map_err(LogsError::InvalidParameter)?;
    let q = FilterQuery {
        start: time(req.start_time, "startTime")?,
        end: time(req.end_time, "endTime")?,
        limit: event_limit(req.limit)?,
        pattern,
        after: req
            .next_token
            .as_deref()
            .map(events::parse_filter_token)
            .transpose()?,
    };
    let now = now_ms();
    logs.read(scope, |r| {
        let g = r.group(&group)?;
        let streams: Vec<_> = match (&req.log_stream_names, &req.log_stream_name_prefix) {
            (Some(names), _) => {
                let mut out = Vec::new();
                for n in names {
                    out.push(g.streams.get(n).ok_or(LogsError::StreamNotFound)?);
                }
                out
            }
            (None, Some(p)) => g
                .streams
                .values()
                .filter(|s| s.name.starts_with(p.as_str()))
                .collect(),
            (None, None) => g.streams.values().collect(),
        };
        let page = events::filter(g, &streams, &q, now);
        let rendered: Vec<Value> = page
            .events
            .iter()
            .map(|(stream, e)| {
                json!({
                    "logStreamName": stream,
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingested,
                    "eventId": format!("{:020}{:020}", e.timestamp, e.seq),
                })
            })
            .collect();
        let mut out = Map::new();
        out.insert("events".into(), rendered.into());
        out.insert("searchedLogStreams".into(), Value::Array(vec![]));
        if let Some(t) = page.next {
            out.insert("nextToken".into(), t.into());
        }
        Ok(Value::Object(out))
    })
}
