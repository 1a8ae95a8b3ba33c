//! DeleteRetentionPolicy: the group keeps events again (up to emul's
//! per-stream cap).

use serde::Deserialize;
use serde_json::Value;

use super::{empty, parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::{Change, Scope};
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The group.
    log_group_name: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = required(req.log_group_name, "logGroupName")?;
    let now = now_ms();
    logs.write(scope, |r| {
        r.group(&group)?;
        Ok((
            (),
            vec![Change::Retention {
                scope: scope.clone(),
                name: group.clone(),
                days: None,
                at: now,
            }],
        ))
    })?;
    Ok(empty())
}
