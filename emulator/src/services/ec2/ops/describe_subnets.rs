//! `DescribeSubnets`: the subnets of every VPC.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::model::{Network, Subnet};

use super::{paged, require_ids, tag_set};

/// The filters AWS documents for DescribeSubnets that apply here.
const FILTERS: &[&str] = &[
    "availability-zone",
    "availability-zone-id",
    "available-ip-address-count",
    "cidr-block",
    "cidr",
    "cidrBlock",
    "default-for-az",
    "defaultForAz",
    "map-public-ip-on-launch",
    "owner-id",
    "state",
    "subnet-arn",
    "subnet-id",
    "vpc-id",
];

struct Row<'a>(&'a Subnet, &'a Network);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let Row(s, net) = self;
        match name {
            "availability-zone" => vec![s.availability_zone.clone()],
            "availability-zone-id" => vec![s.availability_zone_id.clone()],
            "available-ip-address-count" => vec![s.available_ip_count().to_string()],
            "cidr-block" | "cidr" | "cidrBlock" => vec![s.cidr.to_string()],
            "default-for-az" | "defaultForAz" => vec![s.default_for_az.to_string()],
            "map-public-ip-on-launch" => vec![s.public.to_string()],
            "owner-id" => vec![net.owner.clone()],
            "state" => vec!["available".into()],
            "subnet-arn" => vec![arn(net, s)],
            "subnet-id" => vec![s.id.clone()],
            "vpc-id" => vec![s.vpc_id.clone()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &self.0.tags
    }
}

fn arn(net: &Network, s: &Subnet) -> String {
    format!("arn:aws:ec2:{}:{}:subnet/{}", net.region, net.owner, s.id)
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = require_ids(
        params,
        "SubnetId",
        |id| net.subnets.iter().any(|s| s.id == id),
        crate::services::ec2::errors::subnet_not_found,
    )?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<&Subnet> = net
        .subnets
        .iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| filters::passes(&filters, &Row(s, net)))
        .collect();
    let mut w = XmlWriter::new();
    paged(&mut w, "subnetSet", &shown, params, |i, s| {
        render(i, net, s)
    })?;
    Ok(w.finish())
}

/// One subnet's fields (a `subnetSet` item, CreateSubnet's `subnet`).
pub(super) fn render(i: &mut XmlWriter, net: &Network, s: &Subnet) {
    i.leaf("subnetId", &s.id)
        .leaf("subnetArn", &arn(net, s))
        .leaf("state", "available")
        .leaf("ownerId", &net.owner)
        .leaf("vpcId", &s.vpc_id)
        .leaf("cidrBlock", &s.cidr.to_string())
        .node("ipv6CidrBlockAssociationSet", |_| {})
        .leaf(
            "availableIpAddressCount",
            &s.available_ip_count().to_string(),
        )
        .leaf("availabilityZone", &s.availability_zone)
        .leaf("availabilityZoneId", &s.availability_zone_id)
        .leaf("defaultForAz", &s.default_for_az.to_string())
        .leaf("mapPublicIpOnLaunch", &s.public.to_string())
        .leaf("assignIpv6AddressOnCreation", "false")
        .leaf("ipv6Native", "false");
    tag_set(i, &s.tags);
}
