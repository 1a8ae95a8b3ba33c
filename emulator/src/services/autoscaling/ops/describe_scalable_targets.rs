//! DescribeScalableTargets: `ServiceNamespace`, `ResourceIds`,
//! `ScalableDimension`, `MaxResults`, `NextToken` → `ScalableTargets`.

use serde::Deserialize;
use serde_json::Value;

use super::{namespace, page, paged, parse, render_target};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    #[serde(default)]
    resource_ids: Vec<String>,
    scalable_dimension: Option<String>,
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
        r.targets
            .values()
            .filter(|t| t.key.namespace == ns)
            .filter(|t| {
                req.resource_ids.is_empty() || req.resource_ids.contains(&t.key.resource_id)
            })
            .filter(|t| {
                req.scalable_dimension
                    .as_ref()
                    .is_none_or(|d| *d == t.key.dimension)
            })
            .map(render_target)
            .collect::<Vec<_>>()
    });
    Ok(paged("ScalableTargets", items, start, max))
}
