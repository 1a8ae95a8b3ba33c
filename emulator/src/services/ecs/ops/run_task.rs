//! RunTask: `taskDefinition`, `cluster`, `count` (1–10), `launchType`,
//! `networkConfiguration` (required for awsvpc), `overrides`, `group`,
//! `startedBy`, `tags` → `tasks[]` (freshly created: PROVISIONING, desired
//! RUNNING), `failures[]`. The scheduler (when attached) launches them.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::capacity_provider::{
    check_launch_type, launch_type_of, pick_provider,
};
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
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let reference = required(req.task_definition, "taskDefinition")?;
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
        if td.network_mode() == "awsvpc"
            && req
                .network_configuration
                .as_ref()
                .and_then(|n| n.pointer("/awsvpcConfiguration/subnets"))
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        {
            return Err(EcsError::InvalidParameter(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                    .into(),
            ));
        }
        let at = now();
        let mut tasks = Vec::new();
        for n in 0..count {
            let provider = pick_provider(&strategy, n as u64);
            let id = region.create_task(
                &td,
                NewTask {
                    cluster: cluster.clone(),
                    group: req.group.clone(),
                    started_by: req.started_by.clone(),
                    service: None,
                    launch_type: req
                        .launch_type
                        .clone()
                        .or_else(|| provider.as_deref().map(|p| launch_type_of(p).to_string())),
                    capacity_provider: provider,
                    overrides: req.overrides.clone(),
                    network_configuration: req.network_configuration.clone(),
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
        Ok(json!({"tasks": rendered, "failures": []}))
    })
}
