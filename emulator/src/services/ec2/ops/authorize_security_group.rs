//! `AuthorizeSecurityGroupIngress` / `AuthorizeSecurityGroupEgress`: adds
//! rules to a group, all or nothing; the answer lists the new rules with
//! their `sgr-` ids. The service enforces the result on every ENI before
//! it answers.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;

use super::ip_permissions::{self, render_rule, target_group};
use super::items;

pub(super) fn run(
    net: &mut Network,
    params: &QueryParams,
    egress: bool,
) -> Result<String, AwsError> {
    let group = target_group(net, params)?;
    let specs = ip_permissions::parse(net, params)?;
    if specs.is_empty() {
        return Err(errors::missing("IpPermissions"));
    }
    let added = net.authorize(&group, egress, specs)?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    items(&mut w, "securityGroupRuleSet", &added, |i, r| {
        render_rule(i, net, &group, r)
    });
    Ok(w.finish())
}
