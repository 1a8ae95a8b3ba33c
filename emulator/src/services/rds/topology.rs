//! The topology's RDS instances as the RDS model shows them (pure): ids,
//! zones and groups as the EC2 API names them
//! ([`crate::services::ec2::model::Network::from_topology`]), endpoints as
//! the runtime names them ([`crate::runtime::datastores::rds_endpoint`]).

use std::collections::BTreeMap;

use super::model::{DbInstance, DbStatus, GroupSubnet, Rds};
use crate::runtime::datastores::rds_endpoint;
use crate::services::ec2::model::Network;
use crate::topology::Topology;

/// RDS's `Endpoint.HostedZoneId` in `region` (us-east-1's for a region
/// not listed).
pub fn hosted_zone_id(region: &str) -> &'static str {
    match region {
        "us-east-2" => "ZTR2ITUGPA61AM",
        "us-west-1" => "Z10WI91S59XXQN",
        "us-west-2" => "Z1PVIF0B656C1W",
        "eu-west-1" => "Z29XKXDKYMONMX",
        "eu-central-1" => "Z1RLNUO7B9Q6NB",
        "ap-southeast-1" => "Z2G0U3KFCY8NZ5",
        "ap-northeast-1" => "Z24O6O9L7SGTNB",
        _ => "Z2R2ITUGPM61AM",
    }
}

/// The RDS model of topology `t`, whose endpoint names carry `suffix`
/// (`runtime::datastores::endpoint_suffix` of the project), created at
/// `now_ms`.
pub fn from_topology(t: &Topology, suffix: &str, now_ms: i64) -> Rds {
    let net = Network::from_topology(t);
    let region = t.region.value.as_str();
    let account = t.account_id.value.as_str();
    let subnet = |name: &str| net.subnets.iter().find(|s| s.name == name);
    let vpc_id = net.home_vpc().id.clone();
    let instances = t
        .rds_instances
        .iter()
        .map(|d| {
            let id = d.name.value.clone();
            let subnets: Vec<GroupSubnet> = d
                .subnets
                .iter()
                .filter_map(|s| subnet(s))
                .map(|s| GroupSubnet {
                    id: s.id.clone(),
                    availability_zone: s.availability_zone.clone(),
                })
                .collect();
            let zone = |i: usize| subnets.get(i).map(|s| s.availability_zone.clone());
            let db = DbInstance {
                arn: format!("arn:aws:rds:{region}:{account}:db:{id}"),
                engine: d.engine.as_str().to_string(),
                engine_version: d.engine_version.value.clone(),
                instance_class: d.instance_class.value.clone(),
                db_name: d.db_name.as_ref().map(|n| n.value.clone()),
                master_username: d.username.value.clone(),
                address: rds_endpoint(&id, suffix, region),
                port: u16::try_from(*d.port).unwrap_or(5432),
                hosted_zone_id: hosted_zone_id(region).to_string(),
                status: DbStatus::Available,
                multi_az: d.multi_az,
                availability_zone: zone(0).unwrap_or_else(|| format!("{region}a")),
                secondary_availability_zone: if d.multi_az { zone(1) } else { None },
                subnet_group: id.clone(),
                vpc_id: vpc_id.clone(),
                subnets,
                security_groups: d
                    .security_groups
                    .iter()
                    .filter_map(|g| net.group_named(g).map(|g| g.id.clone()))
                    .collect(),
                allocated_storage: *d.allocated_storage,
                storage_type: d.storage_type.as_str().to_string(),
                created_ms: now_ms,
                failed_over: false,
                id: id.clone(),
            };
            (id, db)
        })
        .collect::<BTreeMap<_, _>>();
    Rds {
        instances,
        events: vec![],
    }
}
