//! `ModifyNetworkInterfaceAttribute` with `SecurityGroupId.N`: puts a
//! running ENI in other groups of its VPC (they replace its own, as AWS
//! replaces the whole set). The service installs the change before it
//! answers; the ENI keeps it until it goes away. Other attributes
//! (description, source/dest check, attachment) are refused: emul's ENIs
//! have none to change.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors::{self, group_not_found};
use crate::services::ec2::live::Interface;
use crate::services::ec2::model::Network;

pub(super) fn run(
    net: &mut Network,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    let id = params
        .get("NetworkInterfaceId")
        .ok_or_else(|| errors::missing("NetworkInterfaceId"))?;
    let groups = params.ec2_strings("SecurityGroupId")?;
    if groups.is_empty() {
        return Err(AwsError::client(
            "InvalidParameterCombination",
            "emul changes only an ENI's groups: give SecurityGroupId.N",
        ));
    }
    let running = enis();
    let eni = running
        .iter()
        .find(|e| e.eni_id(&net.project) == id)
        .ok_or_else(|| {
            AwsError::client(
                "InvalidNetworkInterfaceID.NotFound",
                format!("The networkInterface ID '{id}' does not exist"),
            )
        })?;
    let home = net.home_vpc().id.clone();
    let mut names = Vec::new();
    for g in &groups {
        let group = net
            .group(g)
            .filter(|x| x.vpc_id == home)
            .ok_or_else(|| group_not_found(g))?;
        if !names.contains(&group.name) {
            names.push(group.name.clone());
        }
    }
    net.eni_groups.insert(eni.logical.clone(), names);
    // ENIs that went away take their groups with them.
    net.eni_groups
        .retain(|logical, _| running.iter().any(|e| &e.logical == logical));
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
