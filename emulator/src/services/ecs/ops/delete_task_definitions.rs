//! DeleteTaskDefinitions: `taskDefinitions` (1 to 10 `family:revision` or
//! ARNs) → the deregistered ones now DELETE_IN_PROGRESS, and a failure (with
//! AWS's reason) for each that is invalid, missing or still ACTIVE.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definitions: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let asked = required(req.task_definitions, "taskDefinitions")?;
    if asked.is_empty() || asked.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "taskDefinitions must hold between 1 and 10 task definitions.".into(),
        ));
    }
    ecs.write(scope, |region| {
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for reference in &asked {
            match region.delete_task_definition(reference) {
                Ok(arn) => deleted.push(region.task_definition(&arn)?.render()),
                Err(reason) => failures.push(json!({"arn": reference, "reason": reason})),
            }
        }
        Ok(json!({"taskDefinitions": deleted, "failures": failures}))
    })
}
