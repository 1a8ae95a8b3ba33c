//! `CreateVpc` / `DeleteVpc`: VPCs for API-only use (control plane: emul
//! runs nothing in them), each with its `default` group.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;

use super::ip_permissions::cidr4_param;
use super::tags_for;

pub(super) fn create(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let cidr = cidr4_param(params, "CidrBlock")?;
    let tags = tags_for(params, "vpc")?;
    let id = net.create_vpc(cidr, tags)?;
    let vpc = net.vpc(&id).expect("just made");
    let mut w = XmlWriter::new();
    w.node("vpc", |i| super::describe_vpcs::render(i, net, vpc));
    Ok(w.finish())
}

/// DeleteVpc. The topology's VPC, which emul runs, is never deleted.
pub(super) fn delete(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let id = params
        .get("VpcId")
        .ok_or_else(|| errors::missing("VpcId"))?;
    let runs = net.home_vpc().id == id && !net.home_vpc().is_default;
    net.delete_vpc(id, runs)?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
