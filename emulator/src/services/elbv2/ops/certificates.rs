//! AddListenerCertificates, RemoveListenerCertificates and
//! DescribeListenerCertificates (see `model::certificates` for what the
//! data plane serves).

use super::describe::{next_marker, page};
use super::listeners::certificates;
use super::parse::required;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::service::Elbv2Service;

/// `Certificates` (required, at least one).
fn certificate_list(p: &QueryParams) -> Result<Vec<String>, ElbError> {
    let arns = certificates(p)?.unwrap_or_default();
    if arns.is_empty() {
        required(p, "Certificates")?;
        return Err(ElbError::Validation(
            "At least one certificate must be specified".into(),
        ));
    }
    Ok(arns)
}

fn render(w: &mut XmlWriter, certs: &[(String, bool)]) {
    w.list("Certificates", certs, |c, (arn, default)| {
        c.leaf("CertificateArn", arn)
            .leaf("IsDefault", if *default { "true" } else { "false" });
    });
}

/// AddListenerCertificates: answers with the certificates added.
pub fn add(svc: &Elbv2Service, ctx: &RequestContext, p: &QueryParams) -> Result<String, ElbError> {
    let arn = required(p, "ListenerArn")?.to_string();
    let certs = certificate_list(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        // An unknown listener is reported before an unknown certificate.
        m.listener(&arn)?;
        svc.check_certificates(&ctx.account, &ctx.region, &certs)?;
        m.add_listener_certificates(&arn, &certs)
    })?;
    let mut added: Vec<(String, bool)> = Vec::new();
    for c in certs {
        if !added.iter().any(|(a, _)| *a == c) {
            added.push((c, false));
        }
    }
    let mut w = XmlWriter::new();
    render(&mut w, &added);
    Ok(w.finish())
}

/// RemoveListenerCertificates.
pub fn remove(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "ListenerArn")?.to_string();
    let certs = certificate_list(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        m.remove_listener_certificates(&arn, &certs)
    })?;
    Ok(String::new())
}

/// DescribeListenerCertificates.
pub fn describe(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "ListenerArn")?.to_string();
    let certs = svc.read(&ctx.account, &ctx.region, |m| m.listener_certificates(&arn))?;
    let (items, next) = page(certs, p)?;
    let mut w = XmlWriter::new();
    render(&mut w, &items);
    next_marker(&mut w, next);
    Ok(w.finish())
}
