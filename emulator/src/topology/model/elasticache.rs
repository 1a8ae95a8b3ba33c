//! ElastiCache Redis replication groups (`aws_elasticache_replication_group`,
//! cluster mode disabled, + parameter group and cache subnet group).

use super::secrets::ValueFrom;
use crate::string_enum;
use crate::topology::decode::{Cx, Decode, FreeMap, Scalar, free_map};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;

string_enum! {
    /// The cache engine. Only Redis is emulated.
    pub enum CacheEngine: "engine" {
        /// Redis OSS.
        Redis = ["redis"],
    }
}

/// One replication group: a primary and `num_cache_clusters - 1` replicas.
#[derive(Debug, Clone, Default)]
pub struct ReplicationGroup {
    /// `replication_group_id`; also the DNS name of the primary endpoint.
    pub name: Spanned<String>,
    /// Always Redis.
    pub engine: Spanned<CacheEngine>,
    /// Version as written: `7.0`, `6.2`, or Terraform's `6.x` (latest 6);
    /// the major picks the image.
    pub engine_version: Spanned<String>,
    /// `description` (`ReplicationGroupDescription`, which Terraform
    /// requires); free text, kept for the user.
    pub description: Option<Spanned<String>>,
    /// `cache.*` node type; informational.
    pub node_type: Spanned<String>,
    /// Nodes: primary + replicas (1..6).
    pub num_cache_clusters: Spanned<i64>,
    /// Promote a replica when the primary fails.
    pub automatic_failover_enabled: Spanned<bool>,
    /// Spread nodes over AZs.
    pub multi_az_enabled: Spanned<bool>,
    /// Listening port.
    pub port: Spanned<i64>,
    /// Secret holding the `AUTH` token (`requirepass`).
    pub auth_token_secret: Option<Spanned<ValueFrom>>,
    /// Parameter group settings (`maxmemory-policy`...), passed to
    /// `redis-server --name value`.
    pub parameters: FreeMap<Scalar>,
    /// Cache subnet group (subnet names).
    pub subnets: Vec<Spanned<String>>,
    /// Security group names.
    pub security_groups: Vec<Spanned<String>>,
    /// Where the group's mapping starts.
    pub span: Span,
}

impl Decode for ReplicationGroup {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "an ElastiCache cluster");
        let s = node.span;
        let r = ReplicationGroup {
            name: m.req(cx, "name"),
            engine: m.or(cx, "engine", Spanned::new(CacheEngine::Redis, s)),
            engine_version: m.req(cx, "engine_version"),
            description: m.opt(cx, "description"),
            node_type: m.or(cx, "node_type", Spanned::new("cache.t3.micro".into(), s)),
            num_cache_clusters: m.or(cx, "num_cache_clusters", Spanned::new(1, s)),
            automatic_failover_enabled: m.or(
                cx,
                "automatic_failover_enabled",
                Spanned::new(false, s),
            ),
            multi_az_enabled: m.or(cx, "multi_az_enabled", Spanned::new(false, s)),
            port: m.or(cx, "port", Spanned::new(6379, s)),
            auth_token_secret: m.opt(cx, "auth_token_secret"),
            parameters: m
                .node("parameters")
                .map(|n| free_map(n, cx, "`parameters`"))
                .unwrap_or_default(),
            subnets: m.req(cx, "subnets"),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            span: s,
        };
        m.finish(cx);
        r
    }
}
