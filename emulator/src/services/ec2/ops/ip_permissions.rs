//! The rule parameters the security-group writes share: `IpPermissions.N`
//! (and the old top-level `IpProtocol`/`FromPort`/`ToPort`/`CidrIp`/
//! `SourceSecurityGroupName` form) parsed into one [`RuleSpec`] per peer,
//! and a rule rendered as a `SecurityGroupRule` item.

use ipnet::{Ipv4Net, Ipv6Net};

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors::{self, group_not_found, invalid_value};
use crate::services::ec2::model::Network;
use crate::services::ec2::rules::{GroupRule, RulePeer, RuleSpec};

/// The group a write names: `GroupId`, or `GroupName` looked up in the VPC.
pub(super) fn target_group(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    peer_group(net, params.get("GroupId"), params.get("GroupName"))
}

/// The rules a request states, one per peer (none when it states none).
pub(super) fn parse(net: &Network, params: &QueryParams) -> Result<Vec<RuleSpec>, AwsError> {
    let mut out = Vec::new();
    for (n, p) in params.ec2_list("IpPermissions")?.iter().enumerate() {
        let at = format!("IpPermissions.{}", n + 1);
        let (protocol, from_port, to_port) = protocol_and_ports(p, &at)?;
        let mut peers: Vec<(RulePeer, Option<String>)> = Vec::new();
        for r in p.ec2_list("IpRanges")? {
            peers.push((RulePeer::Cidr4(cidr4(r.get("CidrIp"))?), description(&r)));
        }
        for r in p.ec2_list("Ipv6Ranges")? {
            peers.push((RulePeer::Cidr6(cidr6(r.get("CidrIpv6"))?), description(&r)));
        }
        for g in p.ec2_list("Groups")? {
            let id = peer_group(net, g.get("GroupId"), g.get("GroupName"))?;
            peers.push((RulePeer::Group(id), description(&g)));
        }
        if let Some(pl) = p.ec2_list("PrefixListIds")?.first() {
            let id = pl.get("PrefixListId").unwrap_or_default();
            return Err(AwsError::client(
                "InvalidPrefixListId.NotFound",
                format!("The prefix list '{id}' does not exist (emul has no prefix lists)"),
            ));
        }
        if peers.is_empty() {
            return Err(AwsError::client(
                "InvalidParameterValue",
                format!(
                    "{at} names no peer: give IpRanges, Ipv6Ranges or Groups (UserIdGroupPairs)"
                ),
            ));
        }
        out.extend(peers.into_iter().map(|(peer, description)| RuleSpec {
            protocol: protocol.clone(),
            from_port,
            to_port,
            peer,
            description,
        }));
    }
    // The older flat form: one permission, one peer.
    if params.get("IpProtocol").is_some()
        || params.get("CidrIp").is_some()
        || params.get("SourceSecurityGroupName").is_some()
    {
        let (protocol, from_port, to_port) = if params.get("IpProtocol").is_some() {
            protocol_and_ports(params, "the request")?
        } else {
            ("-1".to_string(), None, None)
        };
        let peer = match (params.get("CidrIp"), params.get("SourceSecurityGroupName")) {
            (Some(c), _) => RulePeer::Cidr4(cidr4(Some(c))?),
            (None, Some(name)) => RulePeer::Group(peer_group(net, None, Some(name))?),
            (None, None) => return Err(errors::missing("CidrIp")),
        };
        out.push(RuleSpec {
            protocol,
            from_port,
            to_port,
            peer,
            description: None,
        });
    }
    Ok(out)
}

/// `IpProtocol`, `FromPort`, `ToPort` of one permission, as AWS stores
/// them: protocol numbers 6/17/1 become names, `-1` has no ports, TCP and
/// UDP need both ports in 0..=65535, ICMP takes -1 for "any".
pub(super) fn protocol_and_ports(
    p: &QueryParams,
    at: &str,
) -> Result<(String, Option<i32>, Option<i32>), AwsError> {
    let raw = p
        .get("IpProtocol")
        .ok_or_else(|| errors::missing(&format!("{at}.IpProtocol")))?;
    let protocol = match raw.to_ascii_lowercase().as_str() {
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "-1" | "all" => return Ok(("-1".into(), None, None)),
        _ => {
            return Err(invalid_value(
                "IP protocol",
                raw,
                "emul enforces tcp, udp, icmp and -1 (all).",
            ));
        }
    };
    let port = |name: &str| -> Result<i32, AwsError> {
        let v = p
            .get(name)
            .ok_or_else(|| errors::missing(&format!("{at}.{name}")))?;
        let n: i32 = v
            .parse()
            .map_err(|_| invalid_value(name, v, "It must be an integer."))?;
        let lowest = if protocol == "icmp" { -1 } else { 0 };
        if !(lowest..=65535).contains(&n) {
            return Err(invalid_value(name, v, "It must be a valid port."));
        }
        Ok(n)
    };
    let (from, to) = (port("FromPort")?, port("ToPort")?);
    if protocol != "icmp" && from > to {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!("Invalid TCP/UDP port range {from}-{to}: FromPort must not exceed ToPort."),
        ));
    }
    Ok((protocol.into(), Some(from), Some(to)))
}

fn description(p: &QueryParams) -> Option<String> {
    p.get("Description").map(str::to_string)
}

/// An IPv4 range, host bits cleared (AWS stores the network).
pub(super) fn cidr4(v: Option<&str>) -> Result<Ipv4Net, AwsError> {
    let v = v.ok_or_else(|| errors::missing("CidrIp"))?;
    v.parse::<Ipv4Net>()
        .map(|n| n.trunc())
        .map_err(|_| invalid_value("CidrIp", v, "CIDR block is malformed."))
}

/// An IPv6 range, host bits cleared.
pub(super) fn cidr6(v: Option<&str>) -> Result<Ipv6Net, AwsError> {
    let v = v.ok_or_else(|| errors::missing("CidrIpv6"))?;
    v.parse::<Ipv6Net>()
        .map(|n| n.trunc())
        .map_err(|_| invalid_value("CidrIpv6", v, "CIDR block is malformed."))
}

/// The required IPv4 range `param` (CreateVpc, CreateSubnet): a network
/// address with its prefix.
pub(super) fn cidr4_param(params: &QueryParams, param: &str) -> Result<Ipv4Net, AwsError> {
    let v = params.get(param).ok_or_else(|| errors::missing(param))?;
    match v.parse::<Ipv4Net>() {
        Ok(n) if n.trunc() == n => Ok(n),
        _ => Err(AwsError::client(
            "InvalidParameterValue",
            format!(
                "Value ({v}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
            ),
        )),
    }
}

/// A peer group by id or by name.
pub(super) fn peer_group(
    net: &Network,
    id: Option<&str>,
    name: Option<&str>,
) -> Result<String, AwsError> {
    match (id, name) {
        (Some(id), _) => net
            .group(id)
            .map(|g| g.id.clone())
            .ok_or_else(|| group_not_found(id)),
        (None, Some(name)) => net
            .group_named(name)
            .map(|g| g.id.clone())
            .ok_or_else(|| group_not_found(name)),
        (None, None) => Err(errors::missing("GroupId")),
    }
}

/// One `SecurityGroupRule` item (AuthorizeSecurityGroup*,
/// DescribeSecurityGroupRules).
pub(super) fn render_rule(w: &mut XmlWriter, net: &Network, group: &str, r: &GroupRule) {
    let s = &r.spec;
    w.leaf("securityGroupRuleId", &r.id)
        .leaf("groupId", group)
        .leaf("groupOwnerId", &net.owner)
        .leaf("isEgress", if r.egress { "true" } else { "false" })
        .leaf("ipProtocol", &s.protocol)
        .leaf("fromPort", &s.from_port.unwrap_or(-1).to_string())
        .leaf("toPort", &s.to_port.unwrap_or(-1).to_string());
    match &s.peer {
        RulePeer::Cidr4(c) => {
            w.leaf("cidrIpv4", &c.to_string());
        }
        RulePeer::Cidr6(c) => {
            w.leaf("cidrIpv6", &c.to_string());
        }
        RulePeer::Group(g) => {
            w.node("referencedGroupInfo", |i| {
                i.leaf("groupId", g).leaf("userId", &net.owner);
            });
        }
    }
    if let Some(d) = &s.description {
        w.leaf("description", d);
    }
    w.node("tagSet", |_| {});
    w.leaf(
        "securityGroupRuleArn",
        &format!(
            "arn:aws:ec2:{}:{}:security-group-rule/{}",
            net.region, net.owner, r.id
        ),
    );
}

/// One `RevokedSecurityGroupRule` item.
pub(super) fn render_revoked(w: &mut XmlWriter, group: &str, r: &GroupRule) {
    let s = &r.spec;
    w.leaf("securityGroupRuleId", &r.id)
        .leaf("groupId", group)
        .leaf("isEgress", if r.egress { "true" } else { "false" })
        .leaf("ipProtocol", &s.protocol)
        .leaf("fromPort", &s.from_port.unwrap_or(-1).to_string())
        .leaf("toPort", &s.to_port.unwrap_or(-1).to_string());
    match &s.peer {
        RulePeer::Cidr4(c) => w.leaf("cidrIpv4", &c.to_string()),
        RulePeer::Cidr6(c) => w.leaf("cidrIpv6", &c.to_string()),
        RulePeer::Group(g) => w.leaf("referencedGroupId", g),
    };
    if let Some(d) = &s.description {
        w.leaf("description", d);
    }
}
