//! The `ReplicationGroup` structure, as DescribeReplicationGroups and
//! TestFailover render it.

use super::super::model::{NODE_GROUP, ReplicationGroup};
use crate::gateway::query::{XmlWriter, iso8601};
use crate::services::rds::ops::render::named_list;

/// `<Endpoint>`-shaped `Address` and `Port`.
pub fn endpoint(w: &mut XmlWriter, name: &str, address: &str, port: u16) {
    w.node(name, |e| {
        e.leaf("Address", address).leaf("Port", &port.to_string());
    });
}

fn enabled(on: bool) -> &'static str {
    if on { "enabled" } else { "disabled" }
}

/// The members of one `ReplicationGroup`.
pub fn replication_group(w: &mut XmlWriter, g: &ReplicationGroup) {
    w.leaf("ReplicationGroupId", &g.id)
        .leaf("Description", &g.description)
        .leaf("Status", g.status.as_str())
        .node("PendingModifiedValues", |_| {});
    let members: Vec<&str> = g.nodes.iter().map(|n| n.cluster_id.as_str()).collect();
    w.node("MemberClusters", |m| {
        for id in &members {
            m.leaf("ClusterId", id);
        }
    });
    named_list(w, "NodeGroups", "NodeGroup", &[g], |ng, g| {
        ng.leaf("NodeGroupId", NODE_GROUP)
            .leaf("Status", g.status.as_str());
        endpoint(ng, "PrimaryEndpoint", &g.primary_endpoint, g.port);
        endpoint(ng, "ReaderEndpoint", &g.reader_endpoint, g.port);
        let nodes: Vec<usize> = (0..g.nodes.len()).collect();
        named_list(ng, "NodeGroupMembers", "NodeGroupMember", &nodes, |m, i| {
            let n = &g.nodes[*i];
            m.leaf("CacheClusterId", &n.cluster_id)
                .leaf("CacheNodeId", NODE_GROUP);
            endpoint(m, "ReadEndpoint", &n.address, g.port);
            m.leaf("PreferredAvailabilityZone", &n.availability_zone)
                .leaf(
                    "CurrentRole",
                    if *i == g.primary {
                        "primary"
                    } else {
                        "replica"
                    },
                );
        });
    });
    w.leaf("AutomaticFailover", enabled(g.automatic_failover))
        .leaf("MultiAZ", enabled(g.multi_az))
        .leaf("SnapshotRetentionLimit", "0")
        .leaf("ClusterEnabled", "false")
        .leaf("CacheNodeType", &g.node_type)
        .leaf(
            "AuthTokenEnabled",
            if g.auth_token { "true" } else { "false" },
        )
        .leaf("TransitEncryptionEnabled", "false")
        .leaf("AtRestEncryptionEnabled", "false")
        .leaf("ARN", &g.arn)
        .leaf("ReplicationGroupCreateTime", &iso8601(g.created_ms))
        .leaf("AutoMinorVersionUpgrade", "true")
        .leaf("NetworkType", "ipv4")
        .leaf("IpDiscovery", "ipv4")
        .leaf("ClusterMode", "disabled")
        .leaf("Engine", "redis");
}
