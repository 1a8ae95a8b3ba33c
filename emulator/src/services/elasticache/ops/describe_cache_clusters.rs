//! DescribeCacheClusters: each node of each group as a single-node cache
//! cluster (`<group>-00N`), or the one `CacheClusterId` names; its node and
//! endpoint with `ShowCacheNodeInfo=true`.

use super::render::endpoint;
use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter, iso8601};
use crate::gateway::registry::RequestContext;
use crate::services::elasticache::ElastiCacheService;
use crate::services::elasticache::errors::CacheError;
use crate::services::elasticache::model::NODE_GROUP;
use crate::services::rds::ops::render::named_list;

/// Runs DescribeCacheClusters.
pub fn run(
    svc: &ElastiCacheService,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, AwsError> {
    let id = p.get("CacheClusterId").filter(|v| !v.is_empty());
    let show_nodes = match p.get("ShowCacheNodeInfo") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(CacheError::InvalidParameterValue(format!(
                "Value '{v}' for parameter ShowCacheNodeInfo is invalid. Must be a boolean."
            ))
            .into());
        }
    };
    svc.read(ctx, |m| {
        let clusters = m.describe_clusters(id)?;
        let mut w = XmlWriter::new();
        named_list(
            &mut w,
            "CacheClusters",
            "CacheCluster",
            &clusters,
            |c, (g, i)| {
                let n = &g.nodes[*i];
                c.leaf("CacheClusterId", &n.cluster_id)
                    .leaf("CacheNodeType", &g.node_type)
                    .leaf("Engine", "redis")
                    .leaf("EngineVersion", &g.engine_version)
                    .leaf("CacheClusterStatus", "available")
                    .leaf("NumCacheNodes", "1")
                    .leaf("PreferredAvailabilityZone", &n.availability_zone)
                    .leaf("CacheClusterCreateTime", &iso8601(g.created_ms))
                    .leaf("CacheSubnetGroupName", &g.subnet_group);
                if show_nodes {
                    named_list(c, "CacheNodes", "CacheNode", &[n], |cn, n| {
                        cn.leaf("CacheNodeId", NODE_GROUP)
                            .leaf("CacheNodeStatus", "available")
                            .leaf("CacheNodeCreateTime", &iso8601(g.created_ms));
                        endpoint(cn, "Endpoint", &n.address, g.port);
                        cn.leaf("ParameterGroupStatus", "in-sync")
                            .leaf("CustomerAvailabilityZone", &n.availability_zone);
                    });
                }
                c.node("SecurityGroups", |s| {
                    for sg in &g.security_groups {
                        s.node("member", |m| {
                            m.leaf("SecurityGroupId", sg).leaf("Status", "active");
                        });
                    }
                })
                .leaf("ReplicationGroupId", &g.id)
                .leaf(
                    "AuthTokenEnabled",
                    if g.auth_token { "true" } else { "false" },
                )
                .leaf("TransitEncryptionEnabled", "false")
                .leaf("AtRestEncryptionEnabled", "false")
                .leaf("ARN", &format!("{}{}", g.cluster_arn_prefix, n.cluster_id));
            },
        );
        Ok::<_, CacheError>(w.finish())
    })
    .map_err(Into::into)
}
