//! UntagResource: `resourceArn`, `tagKeys[]` → `{}`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Region, Scope, arns};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    resource_arn: Option<String>,
    tag_keys: Option<Vec<String>>,
}

/// The tag operations' existence check: an unknown cluster, service or task
/// definition gets that resource's own not-found error (as its describe
/// call would), anything else unknown `ResourceNotFoundException`.
pub(super) fn check_exists(region: &Region, arn: &str) -> Result<(), EcsError> {
    if region.resource_exists(arn) {
        return Ok(());
    }
    let resource = arns::resource(arn).unwrap_or_default();
    if resource.starts_with("cluster/") {
        return Err(EcsError::ClusterNotFound);
    }
    if resource.starts_with("service/") {
        return Err(EcsError::ServiceNotFound);
    }
    if resource.starts_with("task-definition/") {
        return Err(EcsError::TaskDefinitionNotFound);
    }
    Err(EcsError::ResourceNotFound)
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let arn = required(req.resource_arn, "resourceArn")?;
    let keys = required(req.tag_keys, "tagKeys")?;
    ecs.write(scope, |region| {
        check_exists(region, &arn)?;
        region.remove_tags(&arn, &keys);
        Ok(json!({}))
    })
}
