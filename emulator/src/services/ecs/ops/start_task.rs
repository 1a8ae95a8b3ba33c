//! StartTask: one task on each of the named `containerInstances` (1–10,
//! ids or ARNs), EC2 launch type, with `overrides`, `group`, `startedBy`,
//! `tags`, `networkConfiguration` → `tasks[]`, `failures[]`. An instance
//! the cluster does not have is `MISSING`; one that is not ACTIVE fails
//! with its status; one without room fails with AWS's `RESOURCE:*` reason.
//! No placement constraint or strategy applies: the caller chose.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::awsvpc::AwsVpc;
use crate::services::ecs::model::container_instance::{self, Placement, Reservation};
use crate::services::ecs::model::task::NewTask;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definition: Option<String>,
    cluster: Option<String>,
    container_instances: Option<Vec<String>>,
    overrides: Option<Value>,
    group: Option<String>,
    started_by: Option<String>,
    network_configuration: Option<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
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
    ecs.check_network(scope, req.network_configuration.as_ref())?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let td = region.active_task_definition(&reference)?.clone();
        let network = AwsVpc::required(td.network_mode(), req.network_configuration.as_ref());
        let reservation = Reservation::of(&td, req.overrides.as_ref());
        let at = now();
        let mut tasks = Vec::new();
        let mut failures = Vec::new();
        for param in &instances {
            let fail = |reason: &str, arn: String| json!({"arn": arn, "reason": reason});
            let Some(ci) = region.container_instance_in(&cluster, param) else {
                let id = container_instance::id_of(param);
                failures.push(fail(
                    "MISSING",
                    container_instance::arn(region, &cluster, &id),
                ));
                continue;
            };
            if ci.status != "ACTIVE" {
                failures.push(fail(&ci.status, ci.arn.clone()));
                continue;
            }
            if let Err(reason) = region.fits(ci, &reservation) {
                failures.push(fail(reason, ci.arn.clone()));
                continue;
            }
            // Checked once a task would start: unknown instances are
            // reported whatever the definition.
            network.clone()?;
            let placement = Placement {
                container_instance_arn: ci.arn.clone(),
                availability_zone: ci.availability_zone.clone(),
                reserved: reservation.clone(),
            };
            let id = region.create_task(
                &td,
                NewTask {
                    cluster: cluster.clone(),
                    group: req.group.clone(),
                    started_by: req.started_by.clone(),
                    service: None,
                    launch_type: Some("EC2".into()),
                    capacity_provider: None,
                    overrides: req.overrides.clone(),
                    network_configuration: req.network_configuration.clone(),
                    placement: Some(placement),
                },
                at,
            );
            let arn = region.tasks[&id].arn.clone();
            region.merge_tags(&arn, req.tags.clone());
            tasks.push(id);
        }
        let rendered: Vec<Value> = tasks
            .iter()
            .map(|id| {
                let t = &region.tasks[id];
                let mut v = t.render(&scope.region);
                v["tags"] = json!(region.tags_of(&t.arn));
                v
            })
            .collect();
        Ok(json!({"tasks": rendered, "failures": failures}))
    })
}
