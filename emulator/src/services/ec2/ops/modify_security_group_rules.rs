//! `ModifySecurityGroupRules`: replaces what rules admit, by id
//! (`SecurityGroupRule.N.SecurityGroupRuleId` with the new
//! `SecurityGroupRule.N.SecurityGroupRule.*`); ids and directions stay.
//! All or nothing: the service applies the whole call to a copy.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;
use crate::services::ec2::rules::{RulePeer, RuleSpec};

use super::ip_permissions::{cidr4, cidr6, peer_group, protocol_and_ports, target_group};

pub(super) fn run(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let group = target_group(net, params)?;
    let changes = params.ec2_list("SecurityGroupRule")?;
    if changes.is_empty() {
        return Err(errors::missing("SecurityGroupRule"));
    }
    for (n, c) in changes.iter().enumerate() {
        let rule_id = c.get("SecurityGroupRuleId").ok_or_else(|| {
            errors::missing(&format!("SecurityGroupRule.{}.SecurityGroupRuleId", n + 1))
        })?;
        let r = c.sub("SecurityGroupRule");
        let at = format!("SecurityGroupRule.{}.SecurityGroupRule", n + 1);
        let (protocol, from_port, to_port) = protocol_and_ports(&r, &at)?;
        let peer = if r.get("CidrIpv4").is_some() {
            RulePeer::Cidr4(cidr4(r.get("CidrIpv4"))?)
        } else if r.get("CidrIpv6").is_some() {
            RulePeer::Cidr6(cidr6(r.get("CidrIpv6"))?)
        } else if let Some(g) = r.get("ReferencedGroupId") {
            RulePeer::Group(peer_group(net, Some(g), None)?)
        } else {
            return Err(errors::missing(&format!("{at}.CidrIpv4")));
        };
        let spec = RuleSpec {
            protocol,
            from_port,
            to_port,
            peer,
            description: r.get("Description").map(str::to_string),
        };
        net.modify_rule(&group, rule_id, spec)?;
    }
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
