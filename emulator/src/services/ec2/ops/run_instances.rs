//! `RunInstances` / `TerminateInstances`: instance records (control plane
//! only: no VM starts, [`crate::services::ec2::instances`]).

use std::net::Ipv4Addr;

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::instance_types;
use crate::services::ec2::instances::{InstanceState, Launch};
use crate::services::ec2::live::Interface;
use crate::services::ec2::model::Network;

use super::{items, tags_for};

/// The time now, ms since the epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A positive count parameter (`MinCount`, `MaxCount`).
fn count(params: &QueryParams, name: &str) -> Result<u32, AwsError> {
    let raw = params.get(name).ok_or_else(|| errors::missing(name))?;
    raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
        AwsError::client(
            "InvalidParameterValue",
            format!("Value ({raw}) for parameter {name} is invalid. Expected a positive integer."),
        )
    })
}

/// RunInstances' request, checked.
fn launch(params: &QueryParams) -> Result<Launch, AwsError> {
    let image_id = params
        .get("ImageId")
        .ok_or_else(|| errors::missing("ImageId"))?
        .to_string();
    let ami_ok = image_id
        .strip_prefix("ami-")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !ami_ok {
        return Err(AwsError::client(
            "InvalidAMIID.Malformed",
            format!("Invalid id: \"{image_id}\" (expecting \"ami-...\")"),
        ));
    }
    let instance_type = params
        .get("InstanceType")
        .unwrap_or(instance_types::DEFAULT)
        .to_string();
    if !instance_types::well_formed(&instance_type) {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!("Invalid value '{instance_type}' for InstanceType."),
        ));
    }
    let min_count = count(params, "MinCount")?;
    let max_count = count(params, "MaxCount")?;
    if min_count > max_count {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!(
                "Invalid value '{min_count}' for minCount. Must be less than or equal to maxCount."
            ),
        ));
    }
    // The first network interface may carry the subnet, groups and address.
    let nic = params
        .ec2_list("NetworkInterface")?
        .into_iter()
        .find(|n| n.get("DeviceIndex").is_none_or(|d| d == "0"));
    let from_nic = |key: &str| nic.as_ref().and_then(|n| n.get(key).map(String::from));
    let mut group_ids = params.ec2_strings("SecurityGroupId")?;
    if let Some(n) = &nic {
        group_ids.extend(n.ec2_strings("SecurityGroupId")?);
    }
    let private_ip = match params
        .get("PrivateIpAddress")
        .map(String::from)
        .or_else(|| from_nic("PrivateIpAddress"))
    {
        Some(ip) => Some(ip.parse::<Ipv4Addr>().map_err(|_| {
            errors::invalid_value("PrivateIpAddress", &ip, "It is not a valid IPv4 address.")
        })?),
        None => None,
    };
    Ok(Launch {
        image_id,
        instance_type,
        min_count,
        max_count,
        subnet_id: params
            .get("SubnetId")
            .map(String::from)
            .or_else(|| from_nic("SubnetId")),
        zone: params.get("Placement.AvailabilityZone").map(String::from),
        group_ids,
        group_names: params.ec2_strings("SecurityGroup")?,
        private_ip,
        key_name: params.get("KeyName").map(String::from),
        tags: tags_for(params, "instance")?,
        client_token: params.get("ClientToken").map(String::from),
    })
}

pub(super) fn run(
    net: &mut Network,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    let launch = launch(params)?;
    let taken: Vec<Ipv4Addr> = enis().iter().map(|e| e.ip).collect();
    let (reservation, ids) = net.run_instances(launch, &taken, now_ms())?;
    let made: Vec<_> = ids.iter().filter_map(|id| net.instance(id)).collect();
    let mut w = XmlWriter::new();
    // AWS answers with the instances still `pending`.
    super::describe_instances::render_reservation(&mut w, net, &reservation, &made, |_| {
        InstanceState::Pending
    });
    Ok(w.finish())
}

pub(super) fn terminate(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = params.ec2_strings("InstanceId")?;
    if ids.is_empty() {
        return Err(errors::missing("InstanceId"));
    }
    let changes = net.terminate_instances(&ids, now_ms())?;
    let state = |w: &mut XmlWriter, name: &str, s: InstanceState| {
        w.node(name, |n| {
            n.leaf("code", &s.code().to_string()).leaf("name", s.name());
        });
    };
    let mut w = XmlWriter::new();
    items(
        &mut w,
        "instancesSet",
        &changes,
        |i, (id, previous, current)| {
            i.leaf("instanceId", id);
            state(i, "currentState", *current);
            state(i, "previousState", *previous);
        },
    );
    Ok(w.finish())
}
