//! RegisterTargets and DeregisterTargets (empty results).

use super::parse::{required, targets};
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::service::{Elbv2Service, now_ms};

/// RegisterTargets.
pub fn register(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "TargetGroupArn")?.to_string();
    let list = targets(p)?;
    let now = now_ms();
    svc.write(&ctx.account, &ctx.region, |m| {
        m.register_targets(&arn, &list, now)
    })?;
    Ok(String::new())
}

/// DeregisterTargets (unknown targets succeed, as AWS documents).
pub fn deregister(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "TargetGroupArn")?.to_string();
    let list = targets(p)?;
    let now = now_ms();
    svc.write(&ctx.account, &ctx.region, |m| {
        m.deregister_targets(&arn, &list, now)
    })?;
    Ok(String::new())
}
