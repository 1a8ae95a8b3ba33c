//! TestFailover: the group becomes `modifying` at once; a replica of node
//! group `0001` is promoted in the background and the group is
//! `available` again after, the promoted node its primary.

use super::render::replication_group;
use super::required;
use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elasticache::ElastiCacheService;
use crate::services::rds::service::now_ms;

/// Runs TestFailover.
pub fn run(
    svc: &ElastiCacheService,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, AwsError> {
    let id = required(p, "ReplicationGroupId")?;
    let node_group = required(p, "NodeGroupId")?;
    let (shown, plan) = svc.write(ctx, |m| m.begin_test_failover(id, node_group, now_ms()))?;
    svc.run_failover(plan);
    let mut w = XmlWriter::new();
    w.node("ReplicationGroup", |g| replication_group(g, &shown));
    Ok(w.finish())
}
