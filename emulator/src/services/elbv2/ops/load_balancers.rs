//! ModifyLoadBalancerAttributes (returns the full current attribute set,
//! takes effect on the next request) and DeleteLoadBalancer (its listeners
//! close at once).

use super::parse::{attributes, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::service::Elbv2Service;

/// ModifyLoadBalancerAttributes.
pub fn modify_attributes(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    let pairs = attributes(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        let lb = m
            .load_balancers
            .get_mut(&arn)
            .ok_or_else(|| ElbError::load_balancer_not_found(&arn))?;
        lb.set_attributes(&pairs)?;
        let mut w = XmlWriter::new();
        render::attributes(&mut w, lb.attributes.iter());
        Ok(w.finish())
    })
}

/// DeleteLoadBalancer.
pub fn delete(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| m.delete_load_balancer(&arn))?;
    Ok(String::new())
}
