//! `DescribeSecurityGroups`: the VPC's groups (the topology's, as the API
//! left them) with their rules as `IpPermission`s (peer groups by id,
//! AWS's default egress written out).
//!
//! `GroupName.N` is answered from every VPC's groups (AWS takes names only
//! for a default VPC, which the topology's VPC is not; scripts use them
//! anyway).

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors::group_not_found;
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::model::{Network, Permission, SecurityGroup};

use super::{items, paged, require_ids, tag_set};

/// The filters AWS documents for DescribeSecurityGroups that apply here.
const FILTERS: &[&str] = &[
    "description",
    "group-id",
    "group-name",
    "owner-id",
    "vpc-id",
    "ip-permission.cidr",
    "ip-permission.from-port",
    "ip-permission.group-id",
    "ip-permission.group-name",
    "ip-permission.ipv6-cidr",
    "ip-permission.protocol",
    "ip-permission.to-port",
    "egress.ip-permission.cidr",
    "egress.ip-permission.from-port",
    "egress.ip-permission.group-id",
    "egress.ip-permission.group-name",
    "egress.ip-permission.ipv6-cidr",
    "egress.ip-permission.protocol",
    "egress.ip-permission.to-port",
];

struct Row<'a>(&'a SecurityGroup, &'a Network);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let Row(g, net) = self;
        let (perms, field) = match name.strip_prefix("egress.ip-permission.") {
            Some(f) => (g.permissions(true), f),
            None => match name.strip_prefix("ip-permission.") {
                Some(f) => (g.permissions(false), f),
                None => {
                    return match name {
                        "description" => vec![g.description.clone()],
                        "group-id" => vec![g.id.clone()],
                        "group-name" => vec![g.name.clone()],
                        "owner-id" => vec![net.owner.clone()],
                        "vpc-id" => vec![g.vpc_id.clone()],
                        _ => vec![],
                    };
                }
            },
        };
        perms
            .iter()
            .flat_map(|p| field_values(p, field, net))
            .collect()
    }
    fn tags(&self) -> &[(String, String)] {
        &self.0.tags
    }
}

/// One `ip-permission.<field>` of a permission.
fn field_values(p: &Permission, field: &str, net: &Network) -> Vec<String> {
    let port = |v: Option<i32>| v.map(|p| p.to_string()).into_iter().collect();
    match field {
        "cidr" => p.ipv4.iter().map(|(c, _)| c.to_string()).collect(),
        "ipv6-cidr" => p.ipv6.iter().map(|(c, _)| c.to_string()).collect(),
        "from-port" => port(p.from_port),
        "to-port" => port(p.to_port),
        "protocol" => vec![p.protocol.clone()],
        "group-id" => p.groups.iter().map(|(g, _)| g.clone()).collect(),
        "group-name" => p
            .groups
            .iter()
            .filter_map(|(g, _)| net.group(g).map(|g| g.name.clone()))
            .collect(),
        _ => vec![],
    }
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = require_ids(
        params,
        "GroupId",
        |id| net.group(id).is_some(),
        group_not_found,
    )?;
    let names = require_ids(
        params,
        "GroupName",
        |n| net.groups.iter().any(|g| g.name == n),
        group_not_found,
    )?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<&SecurityGroup> = net
        .groups
        .iter()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| names.is_empty() || names.contains(&g.name))
        .filter(|g| filters::passes(&filters, &Row(g, net)))
        .collect();
    let mut w = XmlWriter::new();
    paged(&mut w, "securityGroupInfo", &shown, params, |i, g| {
        i.leaf("ownerId", &net.owner)
            .leaf("groupId", &g.id)
            .leaf("groupName", &g.name)
            .leaf("groupDescription", &g.description)
            .leaf("vpcId", &g.vpc_id)
            .leaf(
                "securityGroupArn",
                &format!(
                    "arn:aws:ec2:{}:{}:security-group/{}",
                    net.region, net.owner, g.id
                ),
            );
        permissions(i, "ipPermissions", &g.permissions(false), net);
        permissions(i, "ipPermissionsEgress", &g.permissions(true), net);
        tag_set(i, &g.tags);
    })?;
    Ok(w.finish())
}

/// `<ipPermissions>` / `<ipPermissionsEgress>`.
fn permissions(w: &mut XmlWriter, name: &str, perms: &[Permission], net: &Network) {
    items(w, name, perms, |i, p| {
        i.leaf("ipProtocol", &p.protocol);
        if let Some(f) = p.from_port {
            i.leaf("fromPort", &f.to_string());
        }
        if let Some(t) = p.to_port {
            i.leaf("toPort", &t.to_string());
        }
        items(i, "groups", &p.groups, |g, (id, d)| {
            if let Some(d) = d {
                g.leaf("description", d);
            }
            g.leaf("groupId", id).leaf("userId", &net.owner);
        });
        items(i, "ipRanges", &p.ipv4, |r, (c, d)| {
            r.leaf("cidrIp", &c.to_string());
            if let Some(d) = d {
                r.leaf("description", d);
            }
        });
        items(i, "ipv6Ranges", &p.ipv6, |r, (c, d)| {
            r.leaf("cidrIpv6", &c.to_string());
            if let Some(d) = d {
                r.leaf("description", d);
            }
        });
        i.node("prefixListIds", |_| {});
    });
}
