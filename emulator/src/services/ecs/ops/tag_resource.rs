//! TagResource: `resourceArn`, `tags[]` → `{}`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    resource_arn: Option<String>,
    tags: Option<Vec<Tag>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let arn = required(req.resource_arn, "resourceArn")?;
    let tags = required(req.tags, "tags")?;
    ecs.write(scope, |region| {
        super::untag_resource::check_exists(region, &arn)?;
        if region.tags_of(&arn).len() + tags.len() > 50 {
            return Err(EcsError::InvalidParameter(
                "A resource can have at most 50 tags.".into(),
            ));
        }
        region.merge_tags(&arn, tags);
        Ok(json!({}))
    })
}
