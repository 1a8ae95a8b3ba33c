//! The wire operations: each `run(svc, ctx, params) -> XML` parses the
//! query parameters, applies them to the model through
//! [`ElastiCacheService::read`]/[`ElastiCacheService::write`], and renders
//! the inner XML of `<{Op}Result>`; [`render`] holds the shared
//! `ReplicationGroup` rendering.

pub mod describe_cache_clusters;
pub mod describe_events;
pub mod describe_replication_groups;
pub mod render;
pub mod test_failover;

use super::errors::CacheError;
use super::service::ElastiCacheService;
use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "DescribeCacheClusters",
    "DescribeEvents",
    "DescribeReplicationGroups",
    "TestFailover",
];

/// Runs `operation`.
pub fn dispatch(
    svc: &ElastiCacheService,
    ctx: &RequestContext,
    operation: &str,
    p: &QueryParams,
) -> Result<String, AwsError> {
    match operation {
        "DescribeCacheClusters" => describe_cache_clusters::run(svc, ctx, p),
        "DescribeEvents" => describe_events::run(svc, ctx, p),
        "DescribeReplicationGroups" => describe_replication_groups::run(svc, ctx, p),
        "TestFailover" => test_failover::run(svc, ctx, p),
        other => Err(AwsError::invalid_action(other)),
    }
}

/// A required string parameter.
pub fn required<'a>(p: &'a QueryParams, name: &str) -> Result<&'a str, CacheError> {
    p.get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CacheError::missing(name))
}
