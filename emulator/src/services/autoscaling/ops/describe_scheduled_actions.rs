//! DescribeScheduledActions: `ServiceNamespace`, `ScheduledActionNames`,
//! `ResourceId`, `ScalableDimension`, `MaxResults`, `NextToken` →
//! `ScheduledActions`.

use serde::Deserialize;
use serde_json::Value;

use super::{namespace, page, paged, parse, render_scheduled_action};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::service::ApplicationAutoScaling;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    #[serde(default)]
    scheduled_action_names: Vec<String>,
    resource_id: Option<String>,
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
        r.scheduled
            .values()
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
            .filter(|a| {
                req.scheduled_action_names.is_empty()
                    || req.scheduled_action_names.contains(&a.name)
            })
            .map(render_scheduled_action)
            .collect::<Vec<_>>()
    });
    Ok(paged("ScheduledActions", items, start, max))
}
