//! RegisterTaskDefinition: the task definition members → `taskDefinition`
//! (with ECS's defaults filled in) and `tags`.

use serde_json::{Value, json};

use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::{Ecs, now};

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    // The members are kept as given (normalised by the model) and echoed.
    let Value::Object(body) = body else {
        return Err(EcsError::Serialization(
            "the request body must be an object".into(),
        ));
    };
    ecs.write(scope, |region| {
        let arn = region.register_task_definition(body, now())?;
        let td = region.task_definition(&arn)?;
        Ok(json!({"taskDefinition": td.render(), "tags": region.tags_of(&arn)}))
    })
}
