//! The ElastiCache model: Redis replication groups (cluster mode
//! disabled: one node group, `0001`), their nodes' roles, and events
//! (pure, no I/O).
//!
//! TestFailover, as AWS runs it: only an `available` group with automatic
//! failover enabled (which needs a replica) can be tested, at most
//! [`TEST_FAILOVER_LIMIT`] times in any rolling 24 hours; the group is
//! `modifying` while the runtime promotes the replica, `available` after,
//! with the promoted node as primary.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::errors::CacheError;

/// The one node group of a cluster-mode-disabled group.
pub const NODE_GROUP: &str = "0001";
/// Node groups TestFailover may test in any rolling 24 hours.
pub const TEST_FAILOVER_LIMIT: usize = 15;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// How long ElastiCache keeps events (14 days).
pub const EVENT_RETENTION_MS: i64 = 14 * DAY_MS;

/// A replication group's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// `available`.
    Available,
    /// `modifying` (a failover is under way).
    Modifying,
}

impl GroupStatus {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::Available => "available",
            GroupStatus::Modifying => "modifying",
        }
    }
}

/// One node (a single-node cache cluster `<group>-00N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `CacheClusterId`, e.g. `sessions-002`.
    pub cluster_id: String,
    /// The node's own endpoint address.
    pub address: String,
    /// Its availability zone.
    pub availability_zone: String,
}

/// One replication group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationGroup {
    /// `ReplicationGroupId`.
    pub id: String,
    /// `Description`.
    pub description: String,
    /// `arn:aws:elasticache:<region>:<account>:replicationgroup:<id>`.
    pub arn: String,
    /// The ARN prefix of its clusters (`…:cluster:`).
    pub cluster_arn_prefix: String,
    /// As the topology asks.
    pub engine_version: String,
    /// `cache.t3.micro`.
    pub node_type: String,
    /// The port every node listens on.
    pub port: u16,
    /// `AutomaticFailover` enabled.
    pub automatic_failover: bool,
    /// `MultiAZ` enabled.
    pub multi_az: bool,
    /// AUTH token configured.
    pub auth_token: bool,
    /// The primary endpoint (follows the primary).
    pub primary_endpoint: String,
    /// The reader endpoint.
    pub reader_endpoint: String,
    /// Nodes in id order.
    pub nodes: Vec<Node>,
    /// Index in `nodes` of the primary.
    pub primary: usize,
    /// Current status.
    pub status: GroupStatus,
    /// `CacheSubnetGroupName`.
    pub subnet_group: String,
    /// `sg-…` ids.
    pub security_groups: Vec<String>,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

impl ReplicationGroup {
    /// The current primary node.
    pub fn primary_node(&self) -> &Node {
        &self.nodes[self.primary]
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `SourceIdentifier`.
    pub source_id: String,
    /// `SourceType` (`replication-group`, `cache-cluster`).
    pub source_type: &'static str,
    /// AWS's message text.
    pub message: String,
    /// `Date`, ms since the epoch.
    pub date_ms: i64,
}

/// What TestFailover asks of the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverPlan {
    /// The group.
    pub group: String,
    /// The primary now.
    pub from: String,
    /// The replica to promote.
    pub to: String,
}

/// The ElastiCache state of one account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElastiCache {
    /// Groups by id.
    pub groups: BTreeMap<String, ReplicationGroup>,
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// When TestFailover was accepted, for the rolling-day limit.
    pub tests_ms: Vec<i64>,
}

impl ElastiCache {
    /// A group, or `ReplicationGroupNotFoundFault`.
    pub fn group(&self, id: &str) -> Result<&ReplicationGroup, CacheError> {
        self.groups
            .get(id)
            .ok_or_else(|| CacheError::ReplicationGroupNotFound(id.to_string()))
    }

    /// DescribeReplicationGroups: one group or all.
    pub fn describe_groups(&self, id: Option<&str>) -> Result<Vec<ReplicationGroup>, CacheError> {
        match id {
            Some(id) => Ok(vec![self.group(id)?.clone()]),
            None => Ok(self.groups.values().cloned().collect()),
        }
    }

    /// DescribeCacheClusters: every node as `(group, node index)`, or the
    /// one cluster `id` names (`CacheClusterNotFound` otherwise).
    pub fn describe_clusters(
        &self,
        id: Option<&str>,
    ) -> Result<Vec<(&ReplicationGroup, usize)>, CacheError> {
        let all: Vec<(&ReplicationGroup, usize)> = self
            .groups
            .values()
            .flat_map(|g| (0..g.nodes.len()).map(move |i| (g, i)))
            .collect();
        match id {
            None => Ok(all),
            Some(id) => {
                let one: Vec<_> = all
                    .into_iter()
                    .filter(|(g, i)| g.nodes[*i].cluster_id == id)
                    .collect();
                if one.is_empty() {
                    Err(CacheError::CacheClusterNotFound(id.to_string()))
                } else {
                    Ok(one)
                }
            }
        }
    }

    fn record(&mut self, source_id: &str, source_type: &'static str, message: String, now_ms: i64) {
        self.events
            .retain(|e| now_ms - e.date_ms <= EVENT_RETENTION_MS);
        self.events.push(Event {
            source_id: source_id.to_string(),
            source_type,
            message,
            date_ms: now_ms,
        });
    }

    /// TestFailover: checks AWS's rules, marks the group `modifying` and
    /// picks the replica to promote (the first in node order).
    pub fn begin_test_failover(
        &mut self,
        id: &str,
        node_group: &str,
        now_ms: i64,
    ) -> Result<(ReplicationGroup, FailoverPlan), CacheError> {
        let g = self.group(id)?;
        if node_group != NODE_GROUP {
            return Err(CacheError::NodeGroupNotFound(format!(
                "The node group {node_group} was not found in replication group {id}."
            )));
        }
        if g.status != GroupStatus::Available {
            return Err(CacheError::InvalidReplicationGroupState(format!(
                "Replication group {id} is not in available state."
            )));
        }
        if g.nodes.len() < 2 {
            return Err(CacheError::InvalidReplicationGroupState(format!(
                "Replication group {id} has no replica to fail over to."
            )));
        }
        if !g.automatic_failover {
            return Err(CacheError::InvalidReplicationGroupState(format!(
                "Test failover is not available for replication group {id} because automatic failover is disabled."
            )));
        }
        self.tests_ms.retain(|t| now_ms - t < DAY_MS);
        if self.tests_ms.len() >= TEST_FAILOVER_LIMIT {
            return Err(CacheError::TestFailoverNotAvailable(format!(
                "Test failover is not available: at most {TEST_FAILOVER_LIMIT} node groups can be tested in any rolling 24-hour period."
            )));
        }
        self.tests_ms.push(now_ms);
        let g = self.groups.get_mut(id).expect("checked above");
        g.status = GroupStatus::Modifying;
        let to = (0..g.nodes.len())
            .find(|i| *i != g.primary)
            .expect("two nodes or more");
        let plan = FailoverPlan {
            group: id.to_string(),
            from: g.primary_node().cluster_id.clone(),
            to: g.nodes[to].cluster_id.clone(),
        };
        let shown = g.clone();
        self.record(
            id,
            "replication-group",
            format!("Test Failover API called for node group {NODE_GROUP}"),
            now_ms,
        );
        Ok((shown, plan))
    }

    /// The runtime finished: the promoted node is primary (when it
    /// succeeded), the group `available`, the events AWS sends recorded.
    pub fn finish_test_failover(&mut self, plan: &FailoverPlan, succeeded: bool, now_ms: i64) {
        let Some(g) = self.groups.get_mut(&plan.group) else {
            return;
        };
        g.status = GroupStatus::Available;
        if !succeeded {
            return;
        }
        if let Some(i) = g.nodes.iter().position(|n| n.cluster_id == plan.to) {
            g.primary = i;
        }
        self.record(
            &plan.group,
            "replication-group",
            format!(
                "Failover from master node {} to replica node {} completed",
                plan.from, plan.to
            ),
            now_ms,
        );
        self.record(
            &plan.to,
            "cache-cluster",
            format!("Failover to replica node {} completed", plan.to),
            now_ms,
        );
        self.record(
            &plan.from,
            "cache-cluster",
            format!("Recovering cache nodes {NODE_GROUP}"),
            now_ms,
        );
        self.record(
            &plan.from,
            "cache-cluster",
            format!("Finished recovery for cache nodes {NODE_GROUP}"),
            now_ms,
        );
    }

    /// DescribeEvents, oldest first.
    pub fn events(
        &self,
        source_id: Option<&str>,
        source_type: Option<&str>,
        (start_ms, end_ms): (i64, i64),
    ) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| source_id.is_none_or(|s| s == e.source_id))
            .filter(|e| source_type.is_none_or(|t| t == e.source_type))
            .filter(|e| e.date_ms >= start_ms && e.date_ms <= end_ms)
            .cloned()
            .collect()
    }
}

/// `SourceType` values DescribeEvents accepts.
pub const SOURCE_TYPES: &[&str] = &[
    "cache-cluster",
    "cache-parameter-group",
    "cache-security-group",
    "cache-subnet-group",
    "replication-group",
    "serverless-cache",
    "serverless-cache-snapshot",
    "user",
    "user-group",
];
