//! DeregisterTaskDefinition: `taskDefinition` (`family:revision` or ARN) →
//! the revision, now INACTIVE. Running tasks and services keep it.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definition: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let reference = required(req.task_definition, "taskDefinition")?;
    ecs.write(scope, |region| {
        let arn = region.deregister_task_definition(&reference, now())?;
        Ok(json!({"taskDefinition": region.task_definition(&arn)?.render()}))
    })
}
