//! RunTask: `taskDefinition`, `cluster`, `count` (1–10), `launchType`,
//! `networkConfiguration` (required for awsvpc), `overrides`, `group`,
//! `startedBy`, `tags`, `placementConstraints`, `placementStrategy` →
//! `tasks[]` (freshly created: PROVISIONING, desired RUNNING), `failures[]`.
//! The scheduler (when attached) launches them. With the EC2 launch type
//! (asked for, or no launch type and no capacity provider strategy on a
//! cluster with container instances) each task is first placed on a
//! container instance ([`crate::services::ecs::model::placement`]); one
//! that fits nowhere ends the call, its reasons in `failures[]`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::awsvpc::AwsVpc;
use crate::services::ecs::model::capacity_provider::{
    check_launch_type, launch_type_of, pick_provider,
};
use crate::services::ecs::model::container_instance::{Placement, Reservation};
use crate::services::ecs::model::placement::{Constraint, Rules, Strategy};
use crate::services::ecs::model::task::NewTask;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    task_definition: Option<String>,
    cluster: Option<String>,
    count: Option<i64>,
    launch_type: Option<String>,
    network_configuration: Option<Value>,
    overrides: Option<Value>,
    group: Option<String>,
    started_by: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    capacity_provider_strategy: Option<Value>,
    #[serde(default)]
    placement_constraints: Vec<Constraint>,
    #[serde(default)]
    placement_strategy: Vec<Strategy>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let reference = required(req.task_definition, "taskDefinition")?;
    if let Some(l) = &req.launch_type
        && !matches!(l.as_str(), "EC2" | "FARGATE" | "EXTERNAL")
    {
        return Err(EcsError::InvalidParameter(
            "launch type should be one of [EC2,FARGATE,EXTERNAL]".into(),
        ));
    }
    ecs.check_network(scope, req.network_configuration.as_ref())?;
    let count = req.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(EcsError::InvalidParameter(
            "count must be between 1 and 10.".into(),
        ));
    }
    if let Some(s) = &req.started_by
        && (s.len() > 128
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '-')))
    {
        return Err(EcsError::InvalidParameter(
            "startedBy can have up to 128 letters (uppercase and lowercase), numbers, hyphens, underscores and forward slashes.".into(),
        ));
    }
    if let Some(lt) = &req.launch_type {
        check_launch_type(lt, true)?;
    }
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let strategy = region.resolve_strategy(
            &cluster,
            req.capacity_provider_strategy.as_ref(),
            req.launch_type.as_deref(),
        )?;
        let td = region.active_task_definition(&reference)?.clone();
        AwsVpc::required(td.network_mode(), req.network_configuration.as_ref())?;
        let on_instances = region.places_on_instances(
            &cluster,
            req.launch_type.as_deref(),
            !strategy.is_empty(),
        )?;
        let rules = match on_instances {
            true => Some(Rules::new(
                &td,
                &req.placement_constraints,
                &req.placement_strategy,
            )?),
            false => None,
        };
        let group = req
            .group
            .clone()
            .unwrap_or_else(|| format!("family:{}", td.family));
        let reservation = Reservation::of(&td, req.overrides.as_ref());
        let at = now();
        let mut tasks = Vec::new();
        let mut failures = Vec::new();
        for n in 0..count {
            let provider = pick_provider(&strategy, n as u64);
            let placement = match &rules {
                None => None,
                Some(rules) => {
                    match region.choose_instance(&cluster, &reservation, &group, rules) {
                        Ok(ci) => {
                            let ci = &region.container_instances[&ci];
                            Some(Placement {
                                container_instance_arn: ci.arn.clone(),
                                availability_zone: ci.availability_zone.clone(),
                                reserved: reservation.clone(),
                            })
                        }
                        Err(why) => {
                            failures = why
                                .into_iter()
                                .map(|(arn, reason)| json!({"arn": arn, "reason": reason}))
                                .collect();
                            break;
                        }
                    }
                }
            };
            let id = region.create_task(
                &td,
                NewTask {
                    cluster: cluster.clone(),
                    group: Some(group.clone()),
                    started_by: req.started_by.clone(),
                    service: None,
                    launch_type: match on_instances {
                        true => Some("EC2".into()),
                        false => req
                            .launch_type
                            .clone()
                            .or_else(|| provider.as_deref().map(|p| launch_type_of(p).to_string())),
                    },
                    capacity_provider: provider,
                    overrides: req.overrides.clone(),
                    network_configuration: req.network_configuration.clone(),
                    placement,
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
