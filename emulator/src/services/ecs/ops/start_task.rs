//! StartTask: places tasks on the named `containerInstances`. emul runs
//! every task like Fargate and registers no container instances, so each
//! named instance is reported in `failures[]` with reason `MISSING` and no
//! task starts; the cluster and task definition are still validated.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definition: Option<String>,
    cluster: Option<String>,
    container_instances: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let reference = required(req.task_definition, "taskDefinition")?;
    let instances = required(req.container_instances, "containerInstances")?;
    if instances.is_empty() || instances.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "containerInstances can have between 1 and 10 items.".into(),
        ));
    }
    ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        region.active_task_definition(&reference)?;
        let failures: Vec<Value> = instances
            .iter()
            .map(|i| {
                let arn = if i.starts_with("arn:") {
                    i.clone()
                } else {
                    format!(
                        "arn:aws:ecs:{}:{}:container-instance/{cluster}/{i}",
                        scope.region, scope.account
                    )
                };
                json!({"arn": arn, "reason": "MISSING"})
            })
            .collect();
        Ok(json!({"tasks": [], "failures": failures}))
    })
}
