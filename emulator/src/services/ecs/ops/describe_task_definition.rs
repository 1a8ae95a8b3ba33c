//! DescribeTaskDefinition: `taskDefinition` (family, `family:revision` or
//! ARN), `include[]` → `taskDefinition`, `tags` (with `TAGS`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definition: Option<String>,
    include: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let reference = required(req.task_definition, "taskDefinition")?;
    ecs.read(scope, |region| {
        let td = region.task_definition(&reference)?;
        let mut out = json!({"taskDefinition": td.render()});
        if includes(&req.include, "TAGS") {
            out["tags"] = json!(region.tags_of(&td.arn));
        }
        Ok(out)
    })
}
