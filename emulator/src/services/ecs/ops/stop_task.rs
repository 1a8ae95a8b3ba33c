//! StopTask: `task` (ARN or id), `cluster`, `reason` → `task` with
//! desiredStatus STOPPED, stopCode `UserInitiated` and stoppedReason set
//! while lastStatus is still what it was (the agent stops it afterwards).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
struct Request {
    task: Option<String>,
    cluster: Option<String>,
    reason: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let task = required(req.task, "task")?;
    // Render before the no-runtime settling completes the stop, so the
    // answer shows the task as StopTask leaves it (still its last status).
    let rendered = std::cell::RefCell::new(Value::Null);
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let id = region.stop_task(&cluster, &task, req.reason.as_deref(), now())?;
        *rendered.borrow_mut() = region.tasks[&id].render(&scope.region);
        Ok::<_, EcsError>(())
    })?;
    Ok(json!({"task": rendered.into_inner()}))
}
