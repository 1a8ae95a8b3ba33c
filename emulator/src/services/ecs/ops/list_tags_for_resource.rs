//! ListTagsForResource: `resourceArn` → `tags[]`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    resource_arn: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let arn = required(req.resource_arn, "resourceArn")?;
    ecs.read(scope, |region| {
        super::untag_resource::check_exists(region, &arn)?;
        Ok(json!({"tags": region.tags_of(&arn)}))
    })
}
