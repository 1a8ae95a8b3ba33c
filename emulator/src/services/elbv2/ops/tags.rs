//! AddTags and RemoveTags, and the `Tags.member.N` list every Create*
//! operation takes.

use super::parse::{codec, required, strings};
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::tags;
use crate::services::elbv2::service::Elbv2Service;

/// The `Tags` list of a request (key, value), checked as AWS checks it.
pub fn parse(p: &QueryParams) -> Result<Vec<(String, String)>, ElbError> {
    let pairs = p
        .members("Tags")
        .map_err(codec)?
        .unwrap_or_default()
        .iter()
        .map(|t| {
            Ok((
                required(t, "Key")?.to_string(),
                t.get("Value").unwrap_or("").to_string(),
            ))
        })
        .collect::<Result<Vec<_>, ElbError>>()?;
    tags::validate(&pairs)?;
    Ok(pairs)
}

/// The `ResourceArns` of a request (at least one, at most 20).
pub(super) fn resource_arns(p: &QueryParams) -> Result<Vec<String>, ElbError> {
    let arns = strings(p, "ResourceArns")?;
    if arns.is_empty() {
        required(p, "ResourceArns")?;
    }
    if arns.len() > 20 {
        return Err(ElbError::Validation(
            "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20".into(),
        ));
    }
    Ok(arns)
}

/// AddTags.
pub fn add(svc: &Elbv2Service, ctx: &RequestContext, p: &QueryParams) -> Result<String, ElbError> {
    let arns = resource_arns(p)?;
    let pairs = parse(p)?;
    if pairs.is_empty() {
        required(p, "Tags")?;
    }
    svc.write(&ctx.account, &ctx.region, |m| m.add_tags(&arns, &pairs))?;
    Ok(String::new())
}

/// RemoveTags.
pub fn remove(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arns = resource_arns(p)?;
    let keys = strings(p, "TagKeys")?;
    if keys.is_empty() {
        required(p, "TagKeys")?;
    }
    svc.write(&ctx.account, &ctx.region, |m| m.remove_tags(&arns, &keys))?;
    Ok(String::new())
}
