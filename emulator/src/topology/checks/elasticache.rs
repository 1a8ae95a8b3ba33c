//! ElastiCache checks: replication group id, engine version, node count and
//! failover rules, `maxmemory-policy`, auth token secret, references,
//! duplicate names.

use super::{duplicates, range};
use crate::topology::decode::Scalar;
use crate::topology::model::secrets::SecretSource;
use crate::topology::{Diagnostic, Topology};

/// Replication group id rule: 1..40 letters, digits, hyphens; starts with a
/// letter; no `--`; no trailing `-`.
pub fn id_ok(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// Redis's eviction policies.
pub const MAXMEMORY_POLICIES: &[&str] = &[
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
];

/// ElastiCache `AUTH` token rule: 16..128 printable ASCII, no `@`, `"`, `/`
/// or space.
pub fn auth_token_ok(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@\"/".contains(c))
}

/// A Redis engine version: `7.1`, `6.2`, `5.0.6`, or `<major>.x` from 6 on
/// (Terraform's "latest minor of this major", e.g. `6.x`).
pub fn engine_version_ok(v: &str) -> bool {
    match v.strip_suffix(".x") {
        Some(major) => major.parse::<u32>().is_ok_and(|m| m >= 6) && !major.starts_with('+'),
        None => super::rds::engine_version_ok(v),
    }
}

/// Runs the ElastiCache checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates(
        "ElastiCache cluster",
        t.elasticache_clusters.iter().map(|c| &c.name),
        out,
    );
    for c in &t.elasticache_clusters {
        if !id_ok(&c.name) {
            out.push(Diagnostic::new(
                c.name.span,
                format!("invalid replication group id `{}`", *c.name),
                "use 1 to 40 letters, digits and hyphens, starting with a letter, no `--`, no trailing `-`",
            ));
        }
        if !engine_version_ok(&c.engine_version) {
            out.push(Diagnostic::new(
                c.engine_version.span,
                format!("invalid engine version `{}`", *c.engine_version),
                "write the Redis version as MAJOR.MINOR, e.g. \"7.0\", or MAJOR.x from 6 on, e.g. \"6.x\" (quoted)",
            ));
        }
        if !c.node_type.starts_with("cache.") {
            out.push(Diagnostic::new(
                c.node_type.span,
                format!("invalid node type `{}`", *c.node_type),
                "ElastiCache node types start with `cache.`, e.g. cache.t3.micro",
            ));
        }
        range("num_cache_clusters", &c.num_cache_clusters, 1, 6, out);
        range("port", &c.port, 1, 65535, out);
        if *c.automatic_failover_enabled
            && !c.num_cache_clusters.is_placeholder()
            && *c.num_cache_clusters < 2
        {
            out.push(Diagnostic::new(
                c.automatic_failover_enabled.span,
                "automatic failover needs at least two nodes",
                "set `num_cache_clusters: 2` or more, or turn `automatic_failover_enabled` off",
            ));
        }
        if *c.multi_az_enabled && !*c.automatic_failover_enabled {
            out.push(Diagnostic::new(
                c.multi_az_enabled.span,
                "Multi-AZ needs automatic failover",
                "set `automatic_failover_enabled: true`",
            ));
        }
        for (k, v) in &c.parameters {
            if k.as_str() == "maxmemory-policy" {
                let text = v.as_text();
                if !MAXMEMORY_POLICIES.contains(&text.as_str()) {
                    out.push(Diagnostic::new(
                        v.span,
                        format!("unknown maxmemory-policy `{text}`"),
                        format!("use one of: {}", MAXMEMORY_POLICIES.join(", ")),
                    ));
                }
            } else if matches!(**v, Scalar::Null) {
                out.push(Diagnostic::new(
                    v.span,
                    format!("parameter `{}` has no value", **k),
                    "give it a value or remove it",
                ));
            }
        }
        if let Some(s) = &c.auth_token_secret {
            super::secrets::check_reference(t, s, out);
            if s.json_key.is_none()
                && let Some(SecretSource::String(v)) = t.resolve_secret(s).map(|x| &x.source)
                && !auth_token_ok(v)
            {
                out.push(Diagnostic::new(
                            v.span,
                            "this secret is used as an ElastiCache AUTH token, which must be 16 to 128 printable characters without @, \" or /",
                            "make the token longer or remove the forbidden characters",
                        ));
            }
        }
        super::rds::check_refs(t, &c.subnets, &c.security_groups, out);
        super::rds::no_subnets("ElastiCache cluster", &c.name, &c.subnets, c.span, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    #[test]
    fn syntax_tables() {
        for (id, ok) in [
            ("cache", true),
            ("a-1", true),
            ("1a", false),
            ("a--b", false),
            ("a-", false),
            (&"a".repeat(41) as &str, false),
        ] {
            assert_eq!(id_ok(id), ok, "{id}");
        }
        for (v, ok) in [
            ("7.1", true),
            ("6.2", true),
            ("5.0.6", true),
            ("6.x", true),
            ("7.x", true),
            ("5.x", false),
            ("x", false),
            ("6.y", false),
            ("+6.x", false),
        ] {
            assert_eq!(engine_version_ok(v), ok, "{v}");
        }
        for (tok, ok) in [
            ("0123456789abcdef", true),
            ("short", false),
            ("0123456789abcde@", false),
            ("0123456789 abcdef", false),
        ] {
            assert_eq!(auth_token_ok(tok), ok, "{tok}");
        }
    }

    const C: &str = "elasticache_clusters:\n  - name: cache\n    engine_version: \"7.0\"\n    subnets: [a, b]\n    security_groups: [sg]\n";

    #[test]
    fn topology_level_table() {
        let token = "secrets:\n  - { name: tok, secret_string: short }\n";
        let cases = [
            (C.to_string(), ""),
            (C.replace("name: cache", "name: cache\n    num_cache_clusters: 7"), "num_cache_clusters 7 is out of range"),
            (C.replace("name: cache", "name: cache\n    automatic_failover_enabled: true"), "needs at least two nodes"),
            (C.replace("name: cache", "name: cache\n    num_cache_clusters: 2\n    automatic_failover_enabled: true\n    multi_az_enabled: true"), ""),
            (C.replace("name: cache", "name: cache\n    multi_az_enabled: true"), "Multi-AZ needs automatic failover"),
            (C.replace("name: cache", "name: cache\n    parameters: { maxmemory-policy: lru }"), "unknown maxmemory-policy `lru`"),
            (C.replace("name: cache", "name: cache\n    auth_token_secret: tok"), "unknown secret `tok`"),
            (format!("{token}{}", C.replace("name: cache", "name: cache\n    auth_token_secret: tok")), "AUTH token"),
            (C.replace("name: cache", "name: cache\n    node_type: t3.micro"), "invalid node type"),
            (C.replace("[sg]", "[nope]"), "unknown security group `nope`"),
            (C.replace("\"7.0\"", "\"6.x\"\n    description: Sessions and the Celery broker"), ""),
            (C.replace("\"7.0\"", "\"7.x\""), ""),
            (C.replace("\"7.0\"", "\"6.2\""), ""),
            (C.replace("\"7.0\"", "\"5.x\""), "invalid engine version `5.x`"),
            (C.replace("name: cache", "name: cache\n    port: 6380"), ""),
            (C.replace("name: cache", "name: cache\n    port: 0"), "port 0 is out of range"),
        ];
        for (extra, want) in cases {
            expect(&extra, want);
        }
    }
}
