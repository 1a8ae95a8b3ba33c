//! DescribeSSLPolicies and DescribeAccountLimits: AWS's fixed catalogues
//! (the predefined security policies, the default quotas), paged like the
//! other Describe* lists.

use super::describe::{next_marker, page};
use super::parse::strings;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::{limits, ssl_policies};

/// `LoadBalancerType` values (the model's enum).
const LB_TYPES: &[&str] = &["application", "network", "gateway"];

/// DescribeSSLPolicies.
pub fn ssl_policies(p: &QueryParams) -> Result<String, ElbError> {
    let names = strings(p, "Names")?;
    let lb_type = p.get("LoadBalancerType");
    if let Some(t) = lb_type.filter(|t| !LB_TYPES.contains(t)) {
        return Err(super::create::enum_error(t, "loadBalancerType", LB_TYPES));
    }
    let policies = ssl_policies::describe(&names, lb_type)?;
    let (items, next) = page(policies, p)?;
    let mut w = XmlWriter::new();
    w.list("SslPolicies", &items, |x, pol| {
        x.node("SslProtocols", |l| {
            for proto in pol.protocols {
                l.leaf("member", proto);
            }
        });
        x.list(
            "Ciphers",
            &pol.ciphers.iter().enumerate().collect::<Vec<_>>(),
            |c, (i, name)| {
                c.leaf("Name", name).leaf("Priority", &(i + 1).to_string());
            },
        );
        x.leaf("Name", pol.name);
        x.node("SupportedLoadBalancerTypes", |l| {
            for t in ssl_policies::SUPPORTED_TYPES {
                l.leaf("member", t);
            }
        });
    });
    next_marker(&mut w, next);
    Ok(w.finish())
}

/// DescribeAccountLimits.
pub fn account_limits(p: &QueryParams) -> Result<String, ElbError> {
    let (items, next) = page(limits::ACCOUNT_LIMITS.to_vec(), p)?;
    let mut w = XmlWriter::new();
    w.list("Limits", &items, |x, (name, max)| {
        x.leaf("Name", name).leaf("Max", &max.to_string());
    });
    next_marker(&mut w, next);
    Ok(w.finish())
}
