//! CreateRule, ModifyRule, DeleteRule and SetRulePriorities.

use super::parse::{actions, codec, conditions, int, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::Elbv2;
use crate::services::elbv2::service::Elbv2Service;

fn render_rules(m: &Elbv2, arns: &[String]) -> String {
    let rules: Vec<_> = arns.iter().filter_map(|a| m.rules.get(a)).collect();
    let mut w = XmlWriter::new();
    w.list("Rules", &rules, |x, r| render::rule(x, r));
    w.finish()
}

fn priority(p: &QueryParams, name: &str) -> Result<u32, ElbError> {
    let v = int(p, name)?.ok_or_else(|| {
        ElbError::Validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            name.to_ascii_lowercase()
        ))
    })?;
    u32::try_from(v).map_err(|_| {
        ElbError::Validation(format!("Priority must be between 1 and 50000, but was {v}"))
    })
}

/// CreateRule.
pub fn create(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let listener = required(p, "ListenerArn")?.to_string();
    let conds = conditions(p)?.unwrap_or_default();
    let action = actions(p, "Actions")?.ok_or_else(|| {
        ElbError::Validation(
            "1 validation error detected: Value null at 'actions' failed to satisfy constraint: Member must not be null".into(),
        )
    })?;
    let prio = priority(p, "Priority")?;
    let tags = super::tags::parse(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        let arn = m.create_rule(&listener, prio, conds, action)?;
        if !tags.is_empty() {
            m.tags.insert(arn.clone(), tags);
        }
        Ok(render_rules(m, &[arn]))
    })
}

/// ModifyRule: given lists replace the stored ones.
pub fn modify(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "RuleArn")?.to_string();
    let conds = conditions(p)?;
    let action = actions(p, "Actions")?;
    svc.write(&ctx.account, &ctx.region, |m| {
        m.modify_rule(&arn, conds, action)?;
        Ok(render_rules(m, std::slice::from_ref(&arn)))
    })
}

/// DeleteRule.
pub fn delete(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "RuleArn")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| {
        m.delete_rule(&arn)?;
        m.tags.remove(&arn);
        Ok(String::new())
    })
}

/// SetRulePriorities.
pub fn set_priorities(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let members = p
        .members("RulePriorities")
        .map_err(codec)?
        .unwrap_or_default();
    if members.is_empty() {
        required(p, "RulePriorities")?;
    }
    let changes = members
        .iter()
        .map(|m| {
            Ok((
                required(m, "RuleArn")?.to_string(),
                priority(m, "Priority")?,
            ))
        })
        .collect::<Result<Vec<_>, ElbError>>()?;
    svc.write(&ctx.account, &ctx.region, |m| {
        m.set_rule_priorities(&changes)?;
        let arns: Vec<String> = changes.iter().map(|(a, _)| a.clone()).collect();
        Ok(render_rules(m, &arns))
    })
}
