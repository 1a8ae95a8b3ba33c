//! DescribeReplicationGroups: every group, or the one `ReplicationGroupId`
//! names (`ReplicationGroupNotFoundFault` otherwise).

use super::render::replication_group;
use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elasticache::ElastiCacheService;
use crate::services::rds::ops::render::named_list;

/// Runs DescribeReplicationGroups.
pub fn run(
    svc: &ElastiCacheService,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, AwsError> {
    let id = p.get("ReplicationGroupId").filter(|v| !v.is_empty());
    let groups = svc.read(ctx, |m| m.describe_groups(id))?;
    let mut w = XmlWriter::new();
    named_list(
        &mut w,
        "ReplicationGroups",
        "ReplicationGroup",
        &groups,
        replication_group,
    );
    Ok(w.finish())
}
