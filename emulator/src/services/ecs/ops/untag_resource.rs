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

/// The tag operations' existence check: an unknown cluster ARN is
/// `ClusterNotFoundException`, anything else unknown `ResourceNotFoundException`.
pub(super) fn check_exists(region: &Region, arn: &str) -> Result<(), EcsError> {
    if region.resource_exists(arn) {
        return Ok(());
    }
    if arns::resource(arn).is_some_and(|r| r.starts_with("cluster/")) {
        return Err(EcsError::ClusterNotFound);
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
