//! Tagging: TagResource / UntagResource / ListTagsForResource (by ARN) and
//! the older TagLogGroup / UntagLogGroup / ListTagsLogGroup (by name).
//! Both act on the same tags; only log groups are taggable in emul.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{empty, parse, required};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::{self, Change, Scope};
use crate::services::logs::service::CloudWatchLogs;

/// The most tags a group may carry.
const MAX_TAGS: usize = 50;

/// Every tagging request's members (each operation reads its own).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// TagResource / UntagResource / ListTagsForResource.
    resource_arn: Option<String>,
    /// TagLogGroup / UntagLogGroup / ListTagsLogGroup.
    log_group_name: Option<String>,
    /// Tags to set (map for both TagResource and TagLogGroup).
    tags: Option<Value>,
    /// UntagResource's keys.
    tag_keys: Option<Vec<String>>,
}

fn tag_map(v: Option<Value>) -> Result<BTreeMap<String, String>, LogsError> {
    serde_json::from_value(required(v, "tags")?)
        .map_err(|e| LogsError::Serialization(format!("Invalid request body: tags: {e}")))
}

fn by_arn(scope: &Scope, req: &Request) -> Result<String, LogsError> {
    model::group_from_arn(scope, &required(req.resource_arn.clone(), "resourceArn")?)
}

fn by_name(req: &Request) -> Result<String, LogsError> {
    required(req.log_group_name.clone(), "logGroupName")
}

fn set(
    logs: &CloudWatchLogs,
    scope: &Scope,
    group: &str,
    f: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<(), LogsError> {
    logs.write(scope, |r| {
        let mut tags = r.group(group)?.tags.clone();
        f(&mut tags);
        if tags.len() > MAX_TAGS {
            return Err(LogsError::InvalidParameter(format!(
                "A log group can have at most {MAX_TAGS} tags."
            )));
        }
        Ok((
            (),
            vec![Change::Tags {
                scope: scope.clone(),
                name: group.into(),
                tags,
            }],
        ))
    })
}

fn list(logs: &CloudWatchLogs, scope: &Scope, group: &str) -> Result<Value, LogsError> {
    logs.read(scope, |r| Ok(json!({"tags": r.group(group)?.tags})))
}

/// TagResource.
pub fn tag_resource(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = by_arn(scope, &req)?;
    let add = tag_map(req.tags)?;
    set(logs, scope, &group, |t| t.extend(add))?;
    Ok(empty())
}

/// TagLogGroup.
pub fn tag_log_group(
    logs: &CloudWatchLogs,
    scope: &Scope,
    body: Value,
) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = by_name(&req)?;
    let add = tag_map(req.tags)?;
    set(logs, scope, &group, |t| t.extend(add))?;
    Ok(empty())
}

/// UntagResource.
pub fn untag_resource(
    logs: &CloudWatchLogs,
    scope: &Scope,
    body: Value,
) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = by_arn(scope, &req)?;
    let keys = required(req.tag_keys, "tagKeys")?;
    set(logs, scope, &group, |t| {
        keys.iter().for_each(|k| drop(t.remove(k)))
    })?;
    Ok(empty())
}

/// UntagLogGroup (its `tags` member is a list of keys).
pub fn untag_log_group(
    logs: &CloudWatchLogs,
    scope: &Scope,
    body: Value,
) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let group = by_name(&req)?;
    let keys: Vec<String> = serde_json::from_value(required(req.tags, "tags")?)
        .map_err(|e| LogsError::Serialization(format!("Invalid request body: tags: {e}")))?;
    set(logs, scope, &group, |t| {
        keys.iter().for_each(|k| drop(t.remove(k)))
    })?;
    Ok(empty())
}

/// ListTagsForResource.
pub fn list_tags_for_resource(
    logs: &CloudWatchLogs,
    scope: &Scope,
    body: Value,
) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    list(logs, scope, &by_arn(scope, &req)?)
}

/// ListTagsLogGroup.
pub fn list_tags_log_group(
    logs: &CloudWatchLogs,
    scope: &Scope,
    body: Value,
) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    list(logs, scope, &by_name(&req)?)
}
