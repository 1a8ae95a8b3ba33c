//! CreateLogStream: a new, empty stream in an existing group.

use serde::Deserialize;
use serde_json::Value;

use super::{empty, parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::{self, Change, Scope};
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group.
    log_group_name: Option<String>,
    /// The new stream's name.
    log_stream_name: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = required(req.log_group_name, "logGroupName")?;
    let name = required(req.log_stream_name, "logStreamName")?;
    model::validate_stream_name(&name, "logStreamName")?;
    let now = now_ms();
    logs.write(scope, |r| {
        if r.group(&group)?.streams.contains_key(&name) {
            return Err(LogsError::StreamExists);
        }
        Ok((
            (),
            vec![Change::CreateStream {
                scope: scope.clone(),
                group: group.clone(),
                name: name.clone(),
                created: now,
                uploads: 0,
                last_ingestion: None,
            }],
        ))
    })?;
    Ok(empty())
}
