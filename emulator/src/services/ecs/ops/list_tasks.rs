//! ListTasks: `cluster`, `family`, `serviceName`, `startedBy`,
//! `containerInstance`, `desiredStatus` (RUNNING by default — tasks whose *desired* status is
//! RUNNING, pending ones included), `launchType`, paging → `taskArns`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{paginate, parse};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, TaskStatus, arns, container_instance};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    cluster: Option<String>,
    family: Option<String>,
    service_name: Option<String>,
    started_by: Option<String>,
    desired_status: Option<String>,
    launch_type: Option<String>,
    container_instance: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let desired = match req.desired_status.as_deref() {
        None | Some("RUNNING") => Some(TaskStatus::Running),
        Some("STOPPED") => Some(TaskStatus::Stopped),
        // ECS never sets desiredStatus to PENDING, so nothing matches.
        Some("PENDING") => None,
        Some(other) => {
            return Err(EcsError::InvalidParameter(format!(
                "Invalid desiredStatus: {other}"
            )));
        }
    };
    let arns_out: Vec<String> = ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        if let Some(s) = &req.service_name
            && region.service(&cluster, s).is_none()
        {
            return Err(EcsError::ServiceNotFound);
        }
        let mut tasks: Vec<_> = region
            .tasks
            .values()
            .filter(|t| t.cluster == cluster)
            .filter(|t| Some(t.desired_status) == desired)
            .filter(|t| {
                req.container_instance.as_deref().is_none_or(|ci| {
                    t.placement.as_ref().is_some_and(|p| {
                        container_instance::id_of(&p.container_instance_arn)
                            == container_instance::id_of(ci)
                    })
                })
            })
            .filter(|t| {
                req.family.as_deref().is_none_or(|f| {
                    t.task_definition_arn
                        .rsplit_once(":task-definition/")
                        .and_then(|(_, r)| r.rsplit_once(':'))
                        .is_some_and(|(family, _)| family == f)
                })
            })
            .filter(|t| {
                req.service_name
                    .as_deref()
                    .is_none_or(|s| t.service.as_deref() == Some(&arns::service_name(s)))
            })
            .filter(|t| {
                req.started_by
                    .as_deref()
                    .is_none_or(|s| t.started_by.as_deref() == Some(s))
            })
            .filter(|t| {
                req.launch_type
                    .as_deref()
                    .is_none_or(|l| t.launch_type == l)
            })
            .collect();
        tasks.sort_by(|a, b| a.created_at.total_cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(tasks.into_iter().map(|t| t.arn.clone()).collect())
    })?;
    let (page, token) = paginate(arns_out, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"taskArns": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
