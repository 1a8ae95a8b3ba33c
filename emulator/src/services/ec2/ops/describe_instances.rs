//! `DescribeInstances`: the instances RunInstances made, by reservation,
//! terminated ones included (AWS lists them for a while after), with
//! `InstanceId.N`, AWS's filters and paging.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter, iso8601};
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::instances::{Instance, InstanceState};
use crate::services::ec2::model::{Network, private_dns_name};

use super::{items, paged, tag_set};

/// The filters AWS documents for DescribeInstances that apply here.
const FILTERS: &[&str] = &[
    "architecture",
    "availability-zone",
    "image-id",
    "instance-id",
    "instance-state-code",
    "instance-state-name",
    "instance-type",
    "instance.group-id",
    "instance.group-name",
    "key-name",
    "launch-index",
    "network-interface.network-interface-id",
    "network-interface.subnet-id",
    "network-interface.vpc-id",
    "owner-id",
    "placement-group-name",
    "private-dns-name",
    "private-ip-address",
    "reservation-id",
    "root-device-type",
    "subnet-id",
    "tenancy",
    "vpc-id",
];

struct Row<'a>(&'a Instance, &'a Network);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        let Row(i, net) = self;
        match name {
            "architecture" => vec!["x86_64".into()],
            "availability-zone" => vec![i.availability_zone.clone()],
            "image-id" => vec![i.image_id.clone()],
            "instance-id" => vec![i.id.clone()],
            "instance-state-code" => vec![i.state.code().to_string()],
            "instance-state-name" => vec![i.state.name().into()],
            "instance-type" => vec![i.instance_type.clone()],
            "instance.group-id" => i.groups.clone(),
            "instance.group-name" => i.groups.iter().map(|g| net.group_name(g)).collect(),
            "key-name" => i.key_name.iter().cloned().collect(),
            "launch-index" => vec![i.launch_index.to_string()],
            "network-interface.network-interface-id" => vec![i.eni_id.clone()],
            "network-interface.subnet-id" | "subnet-id" => vec![i.subnet_id.clone()],
            "network-interface.vpc-id" | "vpc-id" => vec![i.vpc_id.clone()],
            "owner-id" => vec![net.owner.clone()],
            "private-dns-name" => vec![private_dns_name(&net.region, i.private_ip)],
            "private-ip-address" => vec![i.private_ip.to_string()],
            "reservation-id" => vec![i.reservation_id.clone()],
            "root-device-type" => vec!["ebs".into()],
            "tenancy" => vec!["default".into()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &self.0.tags
    }
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = params.ec2_strings("InstanceId")?;
    net.check_instance_ids(&ids)?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<&Instance> = net
        .instances
        .iter()
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| filters::passes(&filters, &Row(i, net)))
        .collect();
    // One reservation per RunInstances call, in launch order.
    let mut reservations: Vec<Vec<&Instance>> = Vec::new();
    for i in shown {
        match reservations
            .iter_mut()
            .find(|r| r[0].reservation_id == i.reservation_id)
        {
            Some(r) => r.push(i),
            None => reservations.push(vec![i]),
        }
    }
    let mut w = XmlWriter::new();
    paged(
        &mut w,
        "reservationSet",
        &reservations,
        params,
        |item, r| render_reservation(item, net, &r[0].reservation_id, r, |i| i.state),
    )?;
    Ok(w.finish())
}

/// One reservation's fields (a `reservationSet` item; RunInstances'
/// answer), each instance shown in the state `state` gives.
pub(super) fn render_reservation(
    w: &mut XmlWriter,
    net: &Network,
    reservation: &str,
    instances: &[&Instance],
    state: impl Fn(&Instance) -> InstanceState,
) {
    w.leaf("reservationId", reservation)
        .leaf("ownerId", &net.owner)
        .node("groupSet", |_| {});
    items(w, "instancesSet", instances, |item, i| {
        render(item, net, i, state(i))
    });
}

/// One instance's fields (an `instancesSet` item), in state `state`.
fn render(w: &mut XmlWriter, net: &Network, i: &Instance, state: InstanceState) {
    let live = state != InstanceState::Terminated;
    let dns = private_dns_name(&net.region, i.private_ip);
    let groups = |w: &mut XmlWriter| {
        items(w, "groupSet", &i.groups, |g, id| {
            g.leaf("groupId", id).leaf("groupName", &net.group_name(id));
        });
    };
    w.leaf("instanceId", &i.id)
        .leaf("imageId", &i.image_id)
        .node("instanceState", |s| {
            s.leaf("code", &state.code().to_string())
                .leaf("name", state.name());
        })
        .leaf("privateDnsName", if live { &dns } else { "" })
        .leaf("dnsName", "");
    match i.terminated_ms {
        Some(at) => {
            let when = iso8601(at);
            let stamp = format!("{} {} GMT", &when[..10], &when[11..19]);
            w.leaf("reason", &format!("User initiated ({stamp})"));
        }
        None => {
            w.leaf("reason", "");
        }
    }
    if let Some(k) = &i.key_name {
        w.leaf("keyName", k);
    }
    w.leaf("amiLaunchIndex", &i.launch_index.to_string())
        .node("productCodes", |_| {})
        .leaf("instanceType", &i.instance_type)
        .leaf("launchTime", &iso8601(i.launch_time_ms))
        .node("placement", |p| {
            p.leaf("availabilityZone", &i.availability_zone)
                .leaf("groupName", "")
                .leaf("tenancy", "default");
        })
        .node("monitoring", |m| {
            m.leaf("state", "disabled");
        });
    if live {
        w.leaf("subnetId", &i.subnet_id)
            .leaf("vpcId", &i.vpc_id)
            .leaf("privateIpAddress", &i.private_ip.to_string());
    }
    w.leaf("sourceDestCheck", "true");
    groups(w);
    if i.terminated_ms.is_some() {
        w.node("stateReason", |r| {
            r.leaf("code", "Client.UserInitiatedShutdown").leaf(
                "message",
                "Client.UserInitiatedShutdown: User initiated shutdown",
            );
        });
    }
    w.leaf("architecture", "x86_64")
        .leaf("rootDeviceType", "ebs")
        .leaf("rootDeviceName", "/dev/xvda")
        .node("blockDeviceMapping", |_| {})
        .leaf("virtualizationType", "hvm")
        .leaf("clientToken", i.client_token.as_deref().unwrap_or_default());
    tag_set(w, &i.tags);
    w.leaf("hypervisor", "xen");
    let enis: &[&Instance] = if live { &[i] } else { &[] };
    items(w, "networkInterfaceSet", enis, |n, i| {
        n.leaf("networkInterfaceId", &i.eni_id)
            .leaf("subnetId", &i.subnet_id)
            .leaf("vpcId", &i.vpc_id)
            .leaf("description", "")
            .leaf("ownerId", &net.owner)
            .leaf("status", "in-use")
            .leaf("macAddress", &i.mac())
            .leaf("privateIpAddress", &i.private_ip.to_string())
            .leaf("privateDnsName", &dns)
            .leaf("sourceDestCheck", "true");
        groups(n);
        n.node("attachment", |a| {
            a.leaf("attachmentId", &i.eni_id.replacen("eni-", "eni-attach-", 1))
                .leaf("deviceIndex", "0")
                .leaf("status", "attached")
                .leaf("attachTime", &iso8601(i.launch_time_ms))
                .leaf("deleteOnTermination", "true")
                .leaf("networkCardIndex", "0");
        });
        n.node("privateIpAddressesSet", |s| {
            s.node("item", |p| {
                p.leaf("privateIpAddress", &i.private_ip.to_string())
                    .leaf("privateDnsName", &dns)
                    .leaf("primary", "true");
            });
        })
        .node("ipv6AddressesSet", |_| {})
        .leaf("interfaceType", "interface");
    });
    w.leaf("ebsOptimized", "false")
        .leaf("enaSupport", "true")
        .node("cpuOptions", |c| {
            let vcpus = crate::services::ec2::instance_types::lookup(&i.instance_type)
                .map_or(1, |t| t.vcpus);
            let threads = if vcpus > 1 { 2 } else { 1 };
            c.leaf("coreCount", &(vcpus / threads).max(1).to_string())
                .leaf("threadsPerCore", &threads.to_string());
        })
        .node("metadataOptions", |m| {
            m.leaf("state", "applied")
                .leaf("httpTokens", "optional")
                .leaf("httpPutResponseHopLimit", "1")
                .leaf("httpEndpoint", "enabled");
        })
        .leaf("platformDetails", "Linux/UNIX")
        .leaf("usageOperation", "RunInstances");
}
