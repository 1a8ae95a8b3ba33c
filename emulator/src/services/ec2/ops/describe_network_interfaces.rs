//! `DescribeNetworkInterfaces`: every ENI emul runs (tasks, ALB nodes, RDS
//! instances and standbys, cache nodes) with its subnet, address and
//! groups, as the requester-managed interfaces AWS shows for them.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::live::Interface;
use crate::services::ec2::model::{Network, Subnet, private_dns_name};

use super::{items, paged, tag_set};

/// The filters AWS documents for DescribeNetworkInterfaces that apply here.
const FILTERS: &[&str] = &[
    "addresses.private-ip-address",
    // Terraform waits on these after deleting a load balancer or a group.
    "attachment.instance-owner-id",
    "attachment.status",
    "availability-zone",
    "description",
    "group-id",
    "group-name",
    "interface-type",
    "network-interface-id",
    "owner-id",
    "private-ip-address",
    "requester-id",
    "requester-managed",
    "status",
    "subnet-id",
    "vpc-id",
];

/// One ENI with what it shows.
struct Shown<'a> {
    eni: &'a Interface,
    id: String,
    subnet: Option<&'a Subnet>,
    /// (id, name) of its groups.
    groups: Vec<(String, String)>,
    description: String,
    requester: &'static str,
}

impl<'a> Shown<'a> {
    fn of(net: &'a Network, eni: &'a Interface) -> Shown<'a> {
        let kind = eni.logical.split('/').nth(1).unwrap_or_default();
        let name = eni.logical.split('/').nth(2).unwrap_or_default();
        let (description, requester) = match kind {
            "ecs" => (
                format!(
                    "arn:aws:ecs:{}:{}:attachment/{}",
                    net.region,
                    net.owner,
                    eni.logical.rsplit('/').next().unwrap_or_default()
                ),
                "amazon-ecs",
            ),
            "alb" => (format!("ELB app/{name}"), "amazon-elb"),
            "rds" => ("RDSNetworkInterface".to_string(), "amazon-rds"),
            "elasticache" => (format!("ElastiCache {name}"), "amazon-elasticache"),
            _ => (eni.logical.clone(), "amazon-aws"),
        };
        Shown {
            eni,
            id: eni.eni_id(&net.project),
            subnet: net.subnets.iter().find(|s| s.name == eni.subnet),
            groups: eni
                .groups
                .iter()
                .map(|n| {
                    let id = net
                        .group_named(n)
                        .map_or_else(|| n.clone(), |g| g.id.clone());
                    (id, n.clone())
                })
                .collect(),
            description,
            requester,
        }
    }
}

struct Row<'a>(&'a Shown<'a>, &'a Network);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let Row(s, net) = self;
        match name {
            "addresses.private-ip-address" | "private-ip-address" => vec![s.eni.ip.to_string()],
            "availability-zone" => s
                .subnet
                .map(|x| x.availability_zone.clone())
                .into_iter()
                .collect(),
            "attachment.instance-owner-id" => vec![s.requester.into()],
            "attachment.status" => vec!["attached".into()],
            "description" => vec![s.description.clone()],
            "group-id" => s.groups.iter().map(|(id, _)| id.clone()).collect(),
            "group-name" => s.groups.iter().map(|(_, n)| n.clone()).collect(),
            "interface-type" => vec!["interface".into()],
            "network-interface-id" => vec![s.id.clone()],
            "owner-id" => vec![net.owner.clone()],
            "requester-id" => vec![s.requester.into()],
            "requester-managed" => vec!["true".into()],
            "status" => vec!["in-use".into()],
            "subnet-id" => s.subnet.map(|x| x.id.clone()).into_iter().collect(),
            "vpc-id" => vec![net.home_vpc().id.clone()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &[]
    }
}

pub(super) fn run(
    net: &Network,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    let running = enis();
    let shown: Vec<Shown> = running.iter().map(|e| Shown::of(net, e)).collect();
    let ids = params.ec2_strings("NetworkInterfaceId")?;
    if let Some(missing) = ids.iter().find(|id| !shown.iter().any(|s| &s.id == *id)) {
        return Err(AwsError::client(
            "InvalidNetworkInterfaceID.NotFound",
            format!("The networkInterface ID '{missing}' does not exist"),
        ));
    }
    let filters = filters::parse(params, FILTERS)?;
    let mut picked: Vec<&Shown> = shown
        .iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| filters::passes(&filters, &Row(s, net)))
        .collect();
    picked.sort_by(|a, b| a.id.cmp(&b.id));
    let mut w = XmlWriter::new();
    paged(&mut w, "networkInterfaceSet", &picked, params, |i, s| {
        let dns = private_dns_name(&net.region, s.eni.ip);
        i.leaf("networkInterfaceId", &s.id);
        if let Some(sub) = s.subnet {
            i.leaf("subnetId", &sub.id);
        }
        i.leaf("vpcId", &net.home_vpc().id);
        if let Some(sub) = s.subnet {
            i.leaf("availabilityZone", &sub.availability_zone)
                .leaf("availabilityZoneId", &sub.availability_zone_id);
        }
        i.leaf("description", &s.description)
            .leaf("ownerId", &net.owner)
            .leaf("requesterId", s.requester)
            .leaf("requesterManaged", "true")
            .leaf("status", "in-use")
            .leaf("macAddress", &mac(s.eni.ip))
            .leaf("privateIpAddress", &s.eni.ip.to_string())
            .leaf("privateDnsName", &dns)
            .leaf("sourceDestCheck", "true");
        items(i, "groupSet", &s.groups, |g, (id, name)| {
            g.leaf("groupId", id).leaf("groupName", name);
        });
        i.node("attachment", |a| {
            a.leaf("attachmentId", &s.id.replacen("eni-", "eni-attach-", 1))
                .leaf("deviceIndex", "1")
                .leaf("networkCardIndex", "0")
                .leaf("instanceOwnerId", s.requester)
                .leaf("status", "attached")
                .leaf("deleteOnTermination", "false");
        });
        i.leaf("interfaceType", "interface");
        items(i, "privateIpAddressesSet", &[s.eni.ip], |p, ip| {
            p.leaf("privateIpAddress", &ip.to_string())
                .leaf("privateDnsName", &dns)
                .leaf("primary", "true");
        });
        i.node("ipv6AddressesSet", |_| {});
        tag_set(i, &[]);
    })?;
    Ok(w.finish())
}

/// A locally administered MAC derived from the address (stable per ENI).
fn mac(ip: std::net::Ipv4Addr) -> String {
    let o = ip.octets();
    format!("0e:{:02x}:{:02x}:{:02x}:{:02x}:01", o[0], o[1], o[2], o[3])
}
