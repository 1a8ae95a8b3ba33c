//! The task set operations of EXTERNAL-controller services: CreateTaskSet,
//! DescribeTaskSets, UpdateTaskSet, DeleteTaskSet and
//! UpdateServicePrimaryTaskSet.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::capacity_provider::check_launch_type;
use crate::services::ecs::model::task_set::NewTaskSet;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    service: Option<String>,
    cluster: Option<String>,
    external_id: Option<String>,
    task_definition: Option<String>,
    network_configuration: Option<Value>,
    load_balancers: Option<Value>,
    service_registries: Option<Value>,
    launch_type: Option<String>,
    capacity_provider_strategy: Option<Value>,
    platform_version: Option<String>,
    scale: Option<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// `scale{value,unit}`: the unit can only be PERCENT.
fn scale_value(scale: &Value) -> Result<f64, EcsError> {
    if let Some(unit) = scale.get("unit").and_then(Value::as_str)
        && unit != "PERCENT"
    {
        return Err(EcsError::InvalidParameter(
            "scale.unit should be one of [PERCENT]".into(),
        ));
    }
    Ok(scale.get("value").and_then(Value::as_f64).unwrap_or(0.0))
}

/// CreateTaskSet → `taskSet`.
pub(super) fn create(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: CreateRequest = parse(body)?;
    let service = required(req.service, "service")?;
    let cluster = required(req.cluster, "cluster")?;
    let task_definition = required(req.task_definition, "taskDefinition")?;
    if let Some(lt) = &req.launch_type {
        check_launch_type(lt, false)?;
    }
    let scale = req.scale.as_ref().map(scale_value).transpose()?;
    ecs.check_network(scope, req.network_configuration.as_ref())?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(Some(&cluster))?.name.clone();
        let strategy = region.resolve_strategy(
            &cluster,
            req.capacity_provider_strategy.as_ref(),
            req.launch_type.as_deref(),
        )?;
        let at = now();
        let id = region.create_task_set(
            &cluster,
            &service,
            NewTaskSet {
                task_definition,
                external_id: req.external_id,
                launch_type: req.launch_type,
                capacity_provider_strategy: strategy,
                platform_version: req.platform_version,
                network_configuration: req.network_configuration,
                load_balancers: req.load_balancers,
                service_registries: req.service_registries,
                scale,
                tags: req.tags,
            },
            at,
        )?;
        let ts = region.task_set(&cluster, &service, &id)?;
        Ok(json!({"taskSet": region.render_task_set(ts, true)}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    cluster: Option<String>,
    service: Option<String>,
    task_sets: Option<Vec<String>>,
    include: Option<Vec<String>>,
}

/// DescribeTaskSets: `cluster`, `service`, `taskSets[]` (all when absent),
/// `include[]` → `taskSets[]`, `failures[]` (`MISSING`).
pub(super) fn describe(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DescribeRequest = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    let service = required(req.service, "service")?;
    let tags = includes(&req.include, "TAGS");
    ecs.read(scope, |region| {
        let cluster = region.active_cluster(Some(&cluster))?.name.clone();
        let mut sets = Vec::new();
        let mut failures = Vec::new();
        match req.task_sets.filter(|t| !t.is_empty()) {
            Some(wanted) => {
                for param in wanted {
                    match region.task_set(&cluster, &service, &param) {
                        Ok(ts) => sets.push(region.render_task_set(ts, tags)),
                        Err(EcsError::TaskSetNotFound) => {
                            failures.push(json!({"arn": param, "reason": "MISSING"}))
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            None => {
                for ts in region.task_sets_of(&cluster, &service)? {
                    sets.push(region.render_task_set(ts, tags));
                }
            }
        }
        Ok(json!({"taskSets": sets, "failures": failures}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    cluster: Option<String>,
    service: Option<String>,
    task_set: Option<String>,
    scale: Option<Value>,
}

/// UpdateTaskSet: `scale` → `taskSet`.
pub(super) fn update(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: UpdateRequest = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    let service = required(req.service, "service")?;
    let task_set = required(req.task_set, "taskSet")?;
    let scale = scale_value(&required(req.scale, "scale")?)?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(Some(&cluster))?.name.clone();
        let id = region.update_task_set(&cluster, &service, &task_set, scale, now())?;
        let ts = region.task_set(&cluster, &service, &id)?;
        Ok(json!({"taskSet": region.render_task_set(ts, false)}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    cluster: Option<String>,
    service: Option<String>,
    task_set: Option<String>,
}

/// DeleteTaskSet → `taskSet` (DRAINING).
pub(super) fn delete(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DeleteRequest = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    let service = required(req.service, "service")?;
    let task_set = required(req.task_set, "taskSet")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(Some(&cluster))?.name.clone();
        let ts = region.delete_task_set(&cluster, &service, &task_set, now())?;
        Ok(json!({"taskSet": ts}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PrimaryRequest {
    cluster: Option<String>,
    service: Option<String>,
    primary_task_set: Option<String>,
}

/// UpdateServicePrimaryTaskSet: `primaryTaskSet` → `taskSet`.
pub(super) fn update_primary(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: PrimaryRequest = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    let service = required(req.service, "service")?;
    let task_set = required(req.primary_task_set, "primaryTaskSet")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(Some(&cluster))?.name.clone();
        let id = region.set_primary_task_set(&cluster, &service, &task_set, now())?;
        let ts = region.task_set(&cluster, &service, &id)?;
        Ok(json!({"taskSet": region.render_task_set(ts, false)}))
    })
}
