//! ModifyListener: port, protocol and default actions.

use super::parse::{actions, int, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::service::Elbv2Service;

/// ModifyListener.
pub fn modify(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "ListenerArn")?.to_string();
    let port = int(p, "Port")?
        .map(|v| {
            u16::try_from(v).ok().filter(|p| *p >= 1).ok_or_else(|| {
                ElbError::Validation(format!(
                    "Listener port must be between 1 and 65535, but was {v}"
                ))
            })
        })
        .transpose()?;
    let protocol = p.get("Protocol").map(str::to_string);
    let default_action = actions(p, "DefaultActions")?;
    svc.write(&ctx.account, &ctx.region, |m| {
        m.modify_listener(&arn, port, protocol, default_action)?;
        let l = m.listener(&arn)?;
        let mut w = XmlWriter::new();
        w.list("Listeners", &[l], |x, l| render::listener(x, m, l));
        Ok(w.finish())
    })
}
