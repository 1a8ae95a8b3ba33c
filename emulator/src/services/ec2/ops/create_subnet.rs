//! `CreateSubnet` / `DeleteSubnet`: subnets for API-only use in any VPC
//! (control plane: no ENI is ever placed in them).

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::live::Interface;
use crate::services::ec2::model::Network;

use super::ip_permissions::cidr4_param;
use super::tags_for;

pub(super) fn create(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let vpc = params
        .get("VpcId")
        .ok_or_else(|| errors::missing("VpcId"))?;
    let cidr = cidr4_param(params, "CidrBlock")?;
    let zone = match (
        params.get("AvailabilityZone"),
        params.get("AvailabilityZoneId"),
    ) {
        (Some(z), _) => Some(z.to_string()),
        (None, Some(id)) => Some(
            crate::services::ec2::model::availability_zones(&net.region, &[])
                .into_iter()
                .find(|z| crate::services::ec2::model::availability_zone_id(z) == id)
                .ok_or_else(|| crate::services::ec2::errors::zone_not_found(id))?,
        ),
        (None, None) => None,
    };
    let tags = tags_for(params, "subnet")?;
    let id = net.create_subnet(vpc, cidr, zone.as_deref(), tags)?;
    let subnet = net.subnets.iter().find(|s| s.id == id).expect("just made");
    let mut w = XmlWriter::new();
    w.node("subnet", |i| {
        super::describe_subnets::render(i, net, subnet)
    });
    Ok(w.finish())
}

pub(super) fn delete(
    net: &mut Network,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    let id = params
        .get("SubnetId")
        .ok_or_else(|| errors::missing("SubnetId"))?;
    let name = net
        .subnets
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let in_use = enis().iter().any(|e| e.subnet == name) || net.subnet_has_instances(id);
    net.delete_subnet(id, in_use)?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
