//! `RevokeSecurityGroupIngress` / `RevokeSecurityGroupEgress`: removes
//! rules named by their content (`IpPermissions`, description aside) or by
//! `SecurityGroupRuleId.N`. In a non-default VPC a rule the group does not
//! have fails the call with `InvalidPermission.NotFound` and nothing is
//! revoked.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;

use super::ip_permissions::{self, render_revoked, target_group};
use super::items;

pub(super) fn run(
    net: &mut Network,
    params: &QueryParams,
    egress: bool,
) -> Result<String, AwsError> {
    let group = target_group(net, params)?;
    let specs = ip_permissions::parse(net, params)?;
    let rule_ids = params.ec2_strings("SecurityGroupRuleId")?;
    if specs.is_empty() && rule_ids.is_empty() {
        return Err(errors::missing("IpPermissions"));
    }
    let removed = net.revoke(&group, egress, &specs, &rule_ids)?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    items(&mut w, "revokedSecurityGroupRuleSet", &removed, |i, r| {
        render_revoked(i, &group, r)
    });
    Ok(w.finish())
}
