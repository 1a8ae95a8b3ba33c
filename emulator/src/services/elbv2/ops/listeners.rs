//! ModifyListener and DeleteListener (CreateListener lives with the other
//! creates, the listener attributes with the other attributes). The data
//! plane follows at once: the service's observer re-binds or closes the
//! listener's socket before the call returns.

use super::parse::{actions, codec, int, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::ListenerChange;
use crate::services::elbv2::service::Elbv2Service;

/// `Certificates.member.N.CertificateArn`, if the list was given.
pub fn certificates(p: &QueryParams) -> Result<Option<Vec<String>>, ElbError> {
    let Some(members) = p.members("Certificates").map_err(codec)? else {
        return Ok(None);
    };
    members
        .iter()
        .map(|c| required(c, "CertificateArn").map(str::to_string))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

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
    if let Some(protocol) = p.get("Protocol") {
        super::create::check_listener_protocol(protocol)?;
    }
    let certificate_arns = certificates(p)?;
    let checked = certificate_arns.clone().unwrap_or_default();
    let change = ListenerChange {
        port,
        protocol: p.get("Protocol").map(str::to_string),
        certificate_arns,
        ssl_policy: p.get("SslPolicy").map(str::to_string),
        default_action: actions(p, "DefaultActions")?,
    };
    svc.write(&ctx.account, &ctx.region, |m| {
        // An unknown listener is reported before an unknown certificate.
        m.listener(&arn)?;
        svc.check_certificates(&ctx.account, &ctx.region, &checked)?;
        m.modify_listener(&arn, change)?;
        let l = m.listener(&arn)?;
        // Switched to HTTPS (or left there) without a certificate.
        if l.protocol == "HTTPS" && l.certificate_arns.is_empty() {
            return Err(super::create::no_certificate());
        }
        let mut w = XmlWriter::new();
        w.list("Listeners", &[l], |x, l| render::listener(x, m, l));
        Ok(w.finish())
    })
}

/// DeleteListener.
pub fn delete(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "ListenerArn")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| {
        m.delete_listener(&arn)?;
        Ok(String::new())
    })
}
