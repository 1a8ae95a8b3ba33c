//! `CreateSecurityGroup`: a new group in the VPC with AWS's default
//! outbound rule (all traffic to 0.0.0.0/0) and no inbound rule.
//!
//! A call without `VpcId` creates it in the default VPC; with a topology,
//! in the topology's VPC, which stands in for the default VPC (AWS would
//! answer `VPCIdNotSpecified` in an account without one); see ADR 0014.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;

use super::{tag_set, tags_for};

pub(super) fn run(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let name = params
        .get("GroupName")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| errors::missing("GroupName"))?;
    let description = params
        .get("GroupDescription")
        .ok_or_else(|| errors::missing("GroupDescription"))?;
    let vpc = net.vpc_or_home(params.get("VpcId"))?.id.clone();
    if name.len() > 255 || description.len() > 255 {
        return Err(AwsError::client(
            "InvalidParameterValue",
            "Group name and description are limited to 255 characters.",
        ));
    }
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!(
                "Invalid value '{name}' for GroupName. Group names may not be in the format sg-*."
            ),
        ));
    }
    let tags = tags_for(params, "security-group")?;
    let id = net.create_group(&vpc, name, description, tags.clone())?;
    let mut w = XmlWriter::new();
    w.leaf("return", "true").leaf("groupId", &id);
    tag_set(&mut w, &tags);
    w.leaf(
        "securityGroupArn",
        &format!(
            "arn:aws:ec2:{}:{}:security-group/{id}",
            net.region, net.owner
        ),
    );
    Ok(w.finish())
}
