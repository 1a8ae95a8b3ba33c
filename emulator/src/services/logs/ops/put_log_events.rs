//! PutLogEvents: a batch of events into one stream, with today's AWS rules
//! (`model::events::accept`): sequence tokens accepted and ignored.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::events::{self, InputEvent};
use crate::services::logs::model::{Change, Scope};
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group.
    log_group_name: Option<String>,
    /// The stream.
    log_stream_name: Option<String>,
    /// The events, in chronological order.
    log_events: Option<Vec<WireEvent>>,
    /// Ignored, as AWS ignores it today.
    #[allow(dead_code)]
    sequence_token: Option<String>,
}

/// An InputLogEvent.
#[derive(Debug, Deserialize)]
struct WireEvent {
    /// Milliseconds since the epoch.
    timestamp: Option<i64>,
    /// The text.
    message: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = required(req.log_group_name, "logGroupName")?;
    let stream = required(req.log_stream_name, "logStreamName")?;
    let input = required(req.log_events, "logEvents")?
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(InputEvent {
                timestamp: required(
                    e.timestamp,
                    &format!("logEvents.{}.member.timestamp", i + 1),
                )?,
                message: required(e.message, &format!("logEvents.{}.member.message", i + 1))?,
            })
        })
        .collect::<Result<Vec<_>, LogsError>>()?;
    let now = now_ms();
    let (token, rejected) = logs.write(scope, |r| {
        let (g, s) = r.stream(&group, &stream)?;
        let (accepted, rejected) = events::accept(g, &input, now)?;
        Ok((
            (s.sequence_token_after_upload(), rejected),
            vec![Change::Events {
                scope: scope.clone(),
                group: group.clone(),
                stream: stream.clone(),
                events: accepted,
                upload: true,
                ingested: Some(now),
            }],
        ))
    })?;
    let mut out = Map::new();
    out.insert("nextSequenceToken".into(), token.into());
    if rejected.any() {
        let mut info = Map::new();
        if let Some(i) = rejected.too_new_start {
            info.insert("tooNewLogEventStartIndex".into(), i.into());
        }
        if let Some(i) = rejected.too_old_end {
            info.insert("tooOldLogEventEndIndex".into(), i.into());
        }
        if let Some(i) = rejected.expired_end {
            info.insert("expiredLogEventEndIndex".into(), i.into());
        }
        out.insert("rejectedLogEventsInfo".into(), Value::Object(info));
    }
    Ok(Value::Object(out))
}
