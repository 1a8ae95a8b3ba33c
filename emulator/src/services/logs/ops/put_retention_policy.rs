//! PutRetentionPolicy: events older than the retention are dropped now
//! and no longer accepted or returned.

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
    /// One of AWS's retention values.
    retention_in_days: Option<i64>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = required(req.log_group_name, "logGroupName")?;
    let days = model::validate_retention(required(req.retention_in_days, "retentionInDays")?)?;
    let now = now_ms();
    logs.write(scope, |r| {
        r.group(&group)?;
        Ok((
            (),
            vec![Change::Retention {
                scope: scope.clone(),
                name: group.clone(),
                days: Some(days),
                at: now,
            }],
        ))
    })?;
    Ok(empty())
}
