//! RegisterScalableTarget: `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension`, `MinCapacity`, `MaxCapacity`, `RoleARN`,
//! `SuspendedState` → `ScalableTargetARN`. Registering again updates the
//! bounds; a desired count outside them is brought inside at once.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::model::Suspended;
use crate::services::autoscaling::service::{ApplicationAutoScaling, now};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    min_capacity: Option<i64>,
    max_capacity: Option<i64>,
    #[serde(rename = "RoleARN")]
    role_arn: Option<String>,
    suspended_state: Option<SuspendedState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SuspendedState {
    dynamic_scaling_in_suspended: Option<bool>,
    dynamic_scaling_out_suspended: Option<bool>,
    scheduled_scaling_suspended: Option<bool>,
}

fn capacity(v: Option<i64>, member: &str) -> Result<Option<u32>, ScalingError> {
    match v {
        Some(n) if n < 0 => Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{n}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))),
        Some(n) => Ok(Some(n.min(i64::from(u32::MAX)) as u32)),
        None => Ok(None),
    }
}

pub(super) fn run(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    body: Value,
) -> Result<Value, ScalingError> {
    let req: Request = parse(body)?;
    let key = key(
        req.service_namespace,
        req.resource_id,
        req.scalable_dimension,
    )?;
    let min = capacity(req.min_capacity, "minCapacity")?;
    let max = capacity(req.max_capacity, "maxCapacity")?;
    let (cluster, service) = key.ecs_service().expect("checked by key()");
    if aas
        .resources()
        .desired(&ctx.account, &ctx.region, cluster, service)
        .is_none()
    {
        return Err(ScalingError::Validation(format!(
            "ECS service doesn't exist: {}",
            key.resource_id
        )));
    }
    let suspended = req.suspended_state.map(|s| Suspended {
        dynamic_in: s.dynamic_scaling_in_suspended.unwrap_or(false),
        dynamic_out: s.dynamic_scaling_out_suspended.unwrap_or(false),
        scheduled: s.scheduled_scaling_suspended.unwrap_or(false),
    });
    let arn = aas.write(&ctx.account, &ctx.region, |r| {
        r.register(key.clone(), min, max, req.role_arn, suspended, now())
            .map(|t| t.arn.clone())
    })?;
    aas.enforce_bounds(&ctx.account, &ctx.region, &key);
    Ok(json!({ "ScalableTargetARN": arn }))
}
