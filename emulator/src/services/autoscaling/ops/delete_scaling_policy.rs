//! DeleteScalingPolicy: `PolicyName`, `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension` → `{}`. A target-tracking policy's alarms go too.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse, required};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    policy_name: Option<String>,
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
    let name = required(req.policy_name, "policyName")?;
    let key = key(
        req.service_namespace,
        req.resource_id,
        req.scalable_dimension,
    )?;
    let removed = aas.write(&ctx.account, &ctx.region, |r| r.delete_policy(&key, &name))?;
    aas.drop_alarms(&ctx.region, &[removed]);
    Ok(json!({}))
}
