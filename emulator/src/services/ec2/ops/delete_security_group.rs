//! `DeleteSecurityGroup`: by `GroupId` (or `GroupName`); refused with
//! `DependencyViolation` while an ENI or a live instance is in the group or another group's
//! rule refers to it.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::live::Interface;
use crate::services::ec2::model::Network;

use super::ip_permissions::target_group;

pub(super) fn run(
    net: &mut Network,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    let id = target_group(net, params)?;
    let name = net.group_name(&id);
    let in_use = enis().iter().any(|e| e.groups.contains(&name)) || net.group_has_instances(&id);
    net.delete_group(&id, in_use)?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true").leaf("groupId", &id);
    Ok(w.finish())
}
