//! The topology's ElastiCache replication groups as the model shows them
//! (pure): node names, zones and endpoints as the runtime places and names
//! them ([`crate::runtime::datastores::elasticache_redis`]: node `n` in
//! subnet `n mod len`, primary first).

use std::collections::BTreeMap;

use super::model::{ElastiCache, GroupStatus, Node, ReplicationGroup};
use crate::runtime::datastores::elasticache_endpoints;
use crate::services::ec2::model::Network;
use crate::topology::Topology;

/// The ElastiCache model of topology `t` (endpoint names carry `suffix`),
/// created at `now_ms`.
pub fn from_topology(t: &Topology, suffix: &str, now_ms: i64) -> ElastiCache {
    let net = Network::from_topology(t);
    let region = t.region.value.as_str();
    let account = t.account_id.value.as_str();
    let zone_of = |name: &str| {
        net.subnets
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.availability_zone.clone())
            .unwrap_or_else(|| format!("{region}a"))
    };
    let groups = t
        .elasticache_clusters
        .iter()
        .map(|c| {
            let id = c.name.value.clone();
            let (primary_endpoint, reader_endpoint) = elasticache_endpoints(&id, suffix, region);
            let base = primary_endpoint.trim_start_matches("master.").to_string();
            let count = usize::try_from(*c.num_cache_clusters).unwrap_or(1).max(1);
            let nodes = (1..=count)
                .map(|n| {
                    let cluster_id = format!("{id}-{n:03}");
                    Node {
                        address: format!("{cluster_id}.{base}"),
                        availability_zone: c
                            .subnets
                            .get((n - 1) % c.subnets.len().max(1))
                            .map(|s| zone_of(s))
                            .unwrap_or_else(|| format!("{region}a")),
                        cluster_id,
                    }
                })
                .collect();
            let g = ReplicationGroup {
                description: c
                    .description
                    .as_ref()
                    .map(|d| d.value.clone())
                    .unwrap_or_else(|| id.clone()),
                arn: format!("arn:aws:elasticache:{region}:{account}:replicationgroup:{id}"),
                cluster_arn_prefix: format!("arn:aws:elasticache:{region}:{account}:cluster:"),
                engine_version: c.engine_version.value.clone(),
                node_type: c.node_type.value.clone(),
                port: u16::try_from(*c.port).unwrap_or(6379),
                automatic_failover: *c.automatic_failover_enabled,
                multi_az: *c.multi_az_enabled,
                auth_token: c.auth_token_secret.is_some(),
                primary_endpoint,
                reader_endpoint,
                nodes,
                primary: 0,
                status: GroupStatus::Available,
                subnet_group: id.clone(),
                security_groups: c
                    .security_groups
                    .iter()
                    .filter_map(|g| net.group_named(g).map(|g| g.id.clone()))
                    .collect(),
                created_ms: now_ms,
                id: id.clone(),
            };
            (id, g)
        })
        .collect::<BTreeMap<_, _>>();
    ElastiCache {
        groups,
        ..Default::default()
    }
}
