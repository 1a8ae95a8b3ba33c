//! `DescribeVpcs`: the topology's VPC (or the default VPC) and those
//! CreateVpc made.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::model::{Network, Vpc};

use super::{items, paged, require_ids, tag_set};

/// The filters AWS documents for DescribeVpcs that apply here.
const FILTERS: &[&str] = &[
    "cidr",
    "cidr-block-association.cidr-block",
    "cidr-block-association.state",
    "dhcp-options-id",
    "is-default",
    // Terraform's `aws_vpc` data source asks for the default VPC by this
    // spelling, which EC2 takes too.
    "isDefault",
    "owner-id",
    "state",
    "vpc-id",
];

struct Row<'a>(&'a Vpc, &'a Network);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let Row(v, net) = self;
        match name {
            "cidr" | "cidr-block-association.cidr-block" => vec![v.cidr.to_string()],
            "cidr-block-association.state" => vec!["associated".into()],
            "dhcp-options-id" => vec![dhcp_options_id(v)],
            "is-default" | "isDefault" => vec![v.is_default.to_string()],
            "owner-id" => vec![net.owner.clone()],
            "state" => vec!["available".into()],
            "vpc-id" => vec![v.id.clone()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &self.0.tags
    }
}

fn dhcp_options_id(v: &Vpc) -> String {
    v.id.replacen("vpc-", "dopt-", 1)
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = require_ids(
        params,
        "VpcId",
        |id| net.vpc(id).is_some(),
        crate::services::ec2::errors::vpc_not_found,
    )?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<&Vpc> = net
        .vpcs
        .iter()
        .filter(|v| ids.is_empty() || ids.contains(&v.id))
        .filter(|v| filters::passes(&filters, &Row(v, net)))
        .collect();
    let mut w = XmlWriter::new();
    paged(&mut w, "vpcSet", &shown, params, |i, v| render(i, net, v))?;
    Ok(w.finish())
}

/// One VPC's fields (a `vpcSet` item, CreateVpc's `vpc`).
pub(super) fn render(i: &mut XmlWriter, net: &Network, v: &Vpc) {
    i.leaf("cidrBlock", &v.cidr.to_string())
        .leaf("dhcpOptionsId", &dhcp_options_id(v))
        .leaf("state", "available")
        .leaf("vpcId", &v.id)
        .leaf("ownerId", &net.owner)
        .leaf("instanceTenancy", "default");
    items(i, "cidrBlockAssociationSet", &[v.cidr], |a, cidr| {
        a.leaf(
            "associationId",
            &v.id.replacen("vpc-", "vpc-cidr-assoc-", 1),
        )
        .leaf("cidrBlock", &cidr.to_string())
        .node("cidrBlockState", |s| {
            s.leaf("state", "associated");
        });
    });
    i.leaf("isDefault", &v.is_default.to_string());
    tag_set(i, &v.tags);
}
