//! DescribeScalingPolicies: `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension`, `PolicyNames`, `MaxResults`, `NextToken` →
//! `ScalingPolicies`.

use serde::Deserialize;
use serde_json::Value;

use super::{namespace, page, paged, parse, render_policy};
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
    policy_names: Vec<String>,
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
        r.policies
            .values()
            .filter(|p| p.key.namespace == ns)
            .filter(|p| {
                req.resource_id
                    .as_ref()
                    .is_none_or(|id| *id == p.key.resource_id)
            })
            .filter(|p| {
                req.scalable_dimension
                    .as_ref()
                    .is_none_or(|d| *d == p.key.dimension)
            })
            .filter(|p| req.policy_names.is_empty() || req.policy_names.contains(&p.name))
            .map(|p| render_policy(r, p))
            .collect::<Vec<_>>()
    });
    Ok(paged("ScalingPolicies", items, start, max))
}
