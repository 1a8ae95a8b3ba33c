//! DescribeScalingActivities: `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension`, `IncludeNotScaledActivities`, `MaxResults`,
//! `NextToken` → `ScalingActivities`, newest first.

use serde::Deserialize;
use serde_json::Value;

use super::{namespace, page, paged, parse, render_activity};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    #[serde(default)]
    include_not_scaled_activities: bool,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub(super) fn run(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    body: Value,
) -> Result<Value, ScalingError> {
    let req: Request = parse(body)?;
    let ns = namespace(req.service_namespace)?;
    let (start, max) = page(req.max_results, req.next_token.as_deref())?;
    let items = aas.read(&ctx.account, &ctx.region, |r| {
        r.activities
            .iter()
            .rev()
            .filter(|a| a.key.namespace == ns)
            .filter(|a| {
                req.resource_id
                    .as_ref()
                    .is_none_or(|id| *id == a.key.resource_id)
            })
            .filter(|a| {
                req.scalable_dimension
                    .as_ref()
                    .is_none_or(|d| *d == a.key.dimension)
            })
            .filter(|a| req.include_not_scaled_activities || a.not_scaled.is_none())
            .map(render_activity)
            .collect::<Vec<_>>()
    });
    Ok(paged("ScalingActivities", items, start, max))
}
