//! CreateLogGroup: a new, empty group (tags, kmsKeyId, logGroupClass).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{empty, parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::{self, Change, Scope};
use crate::services::logs::service::{CloudWatchLogs, now_ms};

/// The request members emul reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// The new group's name.
    log_group_name: Option<String>,
    /// Tags to attach.
    tags: Option<BTreeMap<String, String>>,
    /// KMS key (recorded only).
    kms_key_id: Option<String>,
    /// `STANDARD` or `INFREQUENT_ACCESS` (recorded only).
    log_group_class: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let name = required(req.log_group_name, "logGroupName")?;
    model::validate_group_name(&name, "logGroupName")?;
    let class = req.log_group_class.unwrap_or_else(|| "STANDARD".into());
    if !matches!(
        class.as_str(),
        "STANDARD" | "INFREQUENT_ACCESS" | "DELIVERY"
    ) {
        return Err(LogsError::Validation(format!(
            "1 validation error detected: Value '{class}' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [DELIVERY, STANDARD, INFREQUENT_ACCESS]"
        )));
    }
    let now = now_ms();
    logs.write(scope, |r| {
        if r.groups.contains_key(&name) {
            return Err(LogsError::GroupExists);
        }
        Ok((
            (),
            vec![Change::CreateGroup {
                scope: scope.clone(),
                name: name.clone(),
                created: now,
                tags: req.tags.unwrap_or_default(),
                kms_key_id: req.kms_key_id,
                class,
                retention_days: None,
            }],
        ))
    })?;
    Ok(empty())
}
