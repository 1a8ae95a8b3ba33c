//! DescribeTasks: `cluster`, `tasks[]` (≤100 ids or ARNs), `include[]` →
//! `tasks[]`, `failures[]` (`MISSING`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, arns};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
struct Request {
    cluster: Option<String>,
    tasks: Option<Vec<String>>,
    include: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let tags = includes(&req.include, "TAGS");
    ecs.read(scope, |region| {
        // ECS looks the cluster up before it checks the task list.
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let wanted = required(req.tasks, "tasks")?;
        if wanted.is_empty() || wanted.len() > 100 {
            return Err(EcsError::InvalidParameter(
                "tasks can have between 1 and 100 items.".into(),
            ));
        }
        let mut tasks = Vec::new();
        let mut failures = Vec::new();
        for param in &wanted {
            match region.task_in(&cluster, param) {
                Some(t) => {
                    let mut v = t.render(&scope.region);
                    if tags {
                        v["tags"] = json!(region.tags_of(&t.arn));
                    }
                    tasks.push(v);
                }
                None => failures.push(json!({
                    "arn": arns::task(scope, &cluster, &arns::task_id(param)),
                    "reason": "MISSING",
                })),
            }
        }
        Ok(json!({"tasks": tasks, "failures": failures}))
    })
}
