//! DeleteScheduledAction: `ServiceNamespace`, `ScheduledActionName`,
//! `ResourceId`, `ScalableDimension` → `{}`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse, required};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
}

pub(super) fn run(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    body: Value,
) -> Result<Value, ScalingError> {
    let req: Request = parse(body)?;
    let name = required(req.scheduled_action_name, "scheduledActionName")?;
    let key = key(
        req.service_namespace,
        req.resource_id,
        req.scalable_dimension,
    )?;
    aas.write(&ctx.account, &ctx.region, |r| {
        r.delete_scheduled(&key, &name)
    })?;
    Ok(json!({}))
}
