//! DeleteLogGroup: the group, its streams and their events.

use serde::Deserialize;
use serde_json::Value;

use super::{empty, parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::{Change, Scope};
use crate::services::logs::service::CloudWatchLogs;

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
    let name = required(req.log_group_name, "logGroupName")?;
    logs.write(scope, |r| {
        r.group(&name)?;
        Ok((
            (),
            vec![Change::DeleteGroup {
                scope: scope.clone(),
                name: name.clone(),
            }],
        ))
    })?;
    Ok(empty())
}
