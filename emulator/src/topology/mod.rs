//! The topology: the user's YAML file turned into a typed, validated model.
//!
//! This module owns the file format documented in `docs/topology.md`. It is
//! pure: apart from reading the file in [`load`], it does no I/O.
//!
//! The pipeline, one file each:
//! - [`yaml`]: text → a tree of nodes that keep their line and column;
//! - [`decode`]: tree → [`Topology`], collecting *every* type error, missing
//!   key and unknown key (with the nearest known key suggested);
//! - [`checks`]: semantic rules (CIDRs, references, AWS limits), one file per
//!   family of resources;
//! - [`diagnostic`]: `FILE:LINE:COLUMN: error: ...` rendering.
//!
//! Later stages take a [`Topology`] and use its lookup helpers
//! ([`Topology::security_group`], [`Topology::subnet`], ...) and the
//! [`span::Spanned`] positions to point back into the file.

pub mod checks;
pub mod decode;
pub mod diagnostic;
pub mod model;
pub mod span;
pub mod yaml;

use decode::{Cx, Decode};
pub use diagnostic::Diagnostic;
use model::ecs::{Cluster, EfsFileSystem, Service, ServiceDiscoveryNamespace};
use model::elasticache::ReplicationGroup;
use model::elbv2::{LoadBalancer, TargetGroup};
use model::network::{Subnet, Vpc};
use model::rds::DbInstance;
use model::secrets::{Secret, ValueFrom};
use model::security_groups::SecurityGroup;
use span::Spanned;
use std::path::Path;

/// A whole environment, as described by one topology file.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Project name: labels every Docker object.
    pub name: Spanned<String>,
    /// AWS region of every resource.
    pub region: Spanned<String>,
    /// Account ID used in ARNs.
    pub account_id: Spanned<String>,
    /// The VPC and its subnets.
    pub vpc: Vpc,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// Secrets Manager secrets.
    pub secrets: Vec<Secret>,
    /// RDS Postgres instances.
    pub rds_instances: Vec<DbInstance>,
    /// ElastiCache Redis replication groups.
    pub elasticache_clusters: Vec<ReplicationGroup>,
    /// Named persistent volumes.
    pub efs_file_systems: Vec<EfsFileSystem>,
    /// Private DNS namespace for service discovery.
    pub service_discovery_namespace: Option<ServiceDiscoveryNamespace>,
    /// The ECS cluster and its services.
    pub ecs_cluster: Option<Cluster>,
    /// ALB target groups.
    pub target_groups: Vec<TargetGroup>,
    /// Application Load Balancers.
    pub load_balancers: Vec<LoadBalancer>,
    /// ECR repositories, created at `up`.
    pub ecr_repositories: Vec<model::ecr::EcrRepository>,
    /// Seconds of AWS time per real second for metric periods, alarm
    /// evaluation and scaling cooldowns (default 1: AWS's own timing). With
    /// 60, CloudWatch's one-minute periods last a second, so a load test
    /// sees a service scale in seconds rather than minutes.
    pub time_scale: Spanned<i64>,
}

impl Decode for Topology {
    fn decode(node: &yaml::Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "the topology");
        let s = node.span;
        let t = Topology {
            name: m.req(cx, "name"),
            region: m.or(cx, "region", Spanned::new("us-east-1".into(), s)),
            account_id: m.or(cx, "account_id", Spanned::new("000000000000".into(), s)),
            vpc: m.req(cx, "vpc"),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            secrets: m.or(cx, "secrets", Vec::new()),
            rds_instances: m.or(cx, "rds_instances", Vec::new()),
            elasticache_clusters: m.or(cx, "elasticache_clusters", Vec::new()),
            efs_file_systems: m.or(cx, "efs_file_systems", Vec::new()),
            service_discovery_namespace: m.opt(cx, "service_discovery_namespace"),
            ecs_cluster: m.opt(cx, "ecs_cluster"),
            target_groups: m.or(cx, "target_groups", Vec::new()),
            load_balancers: m.or(cx, "load_balancers", Vec::new()),
            ecr_repositories: m.or(cx, "ecr_repositories", Vec::new()),
            time_scale: m.or(cx, "time_scale", Spanned::new(1, s)),
        };
        m.finish(cx);
        t
    }
}

impl Topology {
    /// The subnet called `name`.
    pub fn subnet(&self, name: &str) -> Option<&Subnet> {
        self.vpc.subnets.iter().find(|s| *s.name == name)
    }

    /// The security group called `name`.
    pub fn security_group(&self, name: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| *g.name == name)
    }

    /// The secret called `name`.
    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| *s.name == name)
    }

    /// The secret a `value_from` reference points at (by name, or by ARN with
    /// or without AWS's random suffix).
    pub fn resolve_secret(&self, reference: &ValueFrom) -> Option<&Secret> {
        reference
            .candidate_names()
            .into_iter()
            .find_map(|n| self.secret(n))
    }

    /// The RDS instance called `name`.
    pub fn rds_instance(&self, name: &str) -> Option<&DbInstance> {
        self.rds_instances.iter().find(|d| *d.name == name)
    }

    /// The ElastiCache replication group called `name`.
    pub fn elasticache_cluster(&self, name: &str) -> Option<&ReplicationGroup> {
        self.elasticache_clusters.iter().find(|c| *c.name == name)
    }

    /// The ECS services (empty without a cluster).
    pub fn services(&self) -> &[Service] {
        self.ecs_cluster
            .as_ref()
            .map_or(&[][..], |c| c.services.as_slice())
    }

    /// The ECS service called `name`.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services().iter().find(|s| *s.name == name)
    }

    /// The target group called `name`.
    pub fn target_group(&self, name: &str) -> Option<&TargetGroup> {
        self.target_groups.iter().find(|t| *t.name == name)
    }

    /// The load balancer called `name`.
    pub fn load_balancer(&self, name: &str) -> Option<&LoadBalancer> {
        self.load_balancers.iter().find(|l| *l.name == name)
    }

    /// The EFS file system called `name`.
    pub fn efs_file_system(&self, name: &str) -> Option<&EfsFileSystem> {
        self.efs_file_systems.iter().find(|f| *f.name == name)
    }

    /// Every resource that has a network interface in security group `name`
    /// ("members" of the group), as (kind, resource name) pairs: what a rule
    /// with `security_groups: [name]` as its peer allows.
    pub fn security_group_members(&self, name: &str) -> Vec<(&'static str, &str)> {
        let has = |groups: &[Spanned<String>]| groups.iter().any(|g| **g == name);
        let mut out = Vec::new();
        for s in self.services().iter().filter(|s| has(&s.security_groups)) {
            out.push(("ecs-service", s.name.as_str()));
        }
        for d in self
            .rds_instances
            .iter()
            .filter(|d| has(&d.security_groups))
        {
            out.push(("rds-instance", d.name.as_str()));
        }
        for c in self
            .elasticache_clusters
            .iter()
            .filter(|c| has(&c.security_groups))
        {
            out.push(("elasticache-cluster", c.name.as_str()));
        }
        for l in self
            .load_balancers
            .iter()
            .filter(|l| has(&l.security_groups))
        {
            out.push(("load-balancer", l.name.as_str()));
        }
        out
    }

    /// A one-line summary of what the topology contains.
    pub fn summary(&self) -> String {
        let services = self.services();
        let tasks: i64 = services.iter().map(|s| *s.desired_count).sum();
        let listeners: usize = self.load_balancers.iter().map(|l| l.listeners.len()).sum();
        format!(
            "topology `{}` ({}): VPC {} with {} subnets, {} security groups, {} secrets, {} RDS instances, {} ElastiCache clusters, {} ECS services ({} tasks), {} target groups, {} load balancers ({} listeners)",
            *self.name,
            *self.region,
            *self.vpc.cidr_block,
            self.vpc.subnets.len(),
            self.security_groups.len(),
            self.secrets.len(),
            self.rds_instances.len(),
            self.elasticache_clusters.len(),
            services.len(),
            tasks,
            self.target_groups.len(),
            self.load_balancers.len(),
            listeners,
        )
    }
}

/// Parses and validates topology text. On failure returns every problem,
/// sorted by position.
pub fn parse_str(source: &str) -> Result<Topology, Vec<Diagnostic>> {
    let tree = yaml::parse(source)?;
    let mut cx = Cx::default();
    let topology = Topology::decode(&tree, &mut cx);
    // The checks run even when decoding found problems, so that one run
    // reports everything. What they say about a placeholder (a value that
    // failed to decode, a missing key, a mapping with a problem inside) would
    // only repeat or confuse the decoding error, so it is dropped.
    let mut found = Vec::new();
    checks::run(&topology, &mut found);
    let mut diags = cx.diags;
    if !diags.is_empty() {
        found.retain(|d| {
            d.span.line > 0
                && !cx.tainted.contains(&d.span)
                && !diags.iter().any(|e| e.span == d.span)
        });
    }
    diags.extend(found);
    if diags.is_empty() {
        Ok(topology)
    } else {
        diagnostic::sort_and_dedup(&mut diags);
        Err(diags)
    }
}

/// Why a topology could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file was read but is not a valid topology.
    #[error("{} problem(s) in {file}", diagnostics.len())]
    Invalid {
        /// The file as given.
        file: String,
        /// Its text (for rendering snippets).
        source_text: String,
        /// Every problem, sorted by position.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// Renders the error for the terminal (`FILE:LINE:COLUMN: error: ...`).
    pub fn render(&self) -> String {
        match self {
            LoadError::Io { .. } => format!("error: {self}\n"),
            LoadError::Invalid {
                file,
                source_text,
                diagnostics,
            } => diagnostic::render(file, source_text, diagnostics),
        }
    }
}

/// Reads, parses and validates the topology file at `path`.
pub fn load(path: &Path) -> Result<Topology, LoadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: file.clone(),
        source,
    })?;
    parse_str(&text).map_err(|diagnostics| LoadError::Invalid {
        file,
        source_text: text,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use span::Span;

    const SRC: &str = "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
    - { name: b, cidr_block: 10.0.2.0/24, availability_zone: us-east-1b }
security_groups:
  - name: app
  - name: db
    ingress: [{ port: 5432, security_groups: [app] }]
secrets:
  - { name: prod/db, secret_json: { password: x } }
rds_instances:
  - { name: pg, engine_version: '15', username: u, master_password_secret: 'prod/db:password::', subnets: [a, b], security_groups: [db] }
ecs_cluster:
  name: c
  services:
    - name: api
      subnets: [a]
      security_groups: [app]
      task_definition:
        cpu: 256
        memory: 512
        container_definitions: [{ name: x, image: i }]
";

    #[test]
    fn lookups_and_members() {
        let t = parse_str(SRC).unwrap();
        assert_eq!(t.subnet("b").unwrap().cidr_block.to_string(), "10.0.2.0/24");
        assert!(t.subnet("c").is_none());
        assert_eq!(
            t.service("api").unwrap().task_definition.family.as_str(),
            "api"
        );
        assert_eq!(
            t.security_group_members("app"),
            vec![("ecs-service", "api")]
        );
        assert_eq!(t.security_group_members("db"), vec![("rds-instance", "pg")]);
        let vf =
            ValueFrom::parse("arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf")
                .unwrap();
        assert_eq!(t.resolve_secret(&vf).unwrap().name.as_str(), "prod/db");
        let master = t
            .rds_instance("pg")
            .unwrap()
            .master_password_secret
            .as_ref()
            .unwrap();
        assert_eq!(master.json_key.as_deref(), Some("password"));
        assert_eq!(master.span, Span::new(14, 76));
        assert_eq!(
            t.summary(),
            "topology `t` (us-east-1): VPC 10.0.0.0/16 with 2 subnets, 2 security groups, 1 secrets, 1 RDS instances, 0 ElastiCache clusters, 1 ECS services (1 tasks), 0 target groups, 0 load balancers (0 listeners)"
        );
    }

    #[test]
    fn errors_come_back_sorted_by_position() {
        let src = SRC
            .replace("cidr_block: 10.0.2.0/24", "cidr_block: 10.9.2.0/24")
            .replace("name: t", "name: t\nbogus: 1");
        let errs = parse_str(&src).unwrap_err();
        let at: Vec<(u32, u32)> = errs.iter().map(|d| (d.span.line, d.span.column)).collect();
        assert_eq!(at, vec![(2, 1), (7, 30)]);
    }
}
