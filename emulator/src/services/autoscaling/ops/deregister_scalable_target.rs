//! DeregisterScalableTarget: `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension` → `{}`. The target's policies (and their alarms) go
//! with it; the service keeps its current desired count.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
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
    let removed = aas.write(&ctx.account, &ctx.region, |r| r.deregister(&key))?;
    aas.drop_alarms(&ctx.region, &removed);
    Ok(json!({}))
}
