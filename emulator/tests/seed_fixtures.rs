//! The five seed topologies (`fixtures/topologies/*.yaml`) stay faithful to the
//! seed documents they were transcribed from (`/work/shared/seeds/`).
//!
//! Each test loads one fixture through the library entry point
//! ([`emul::topology::load`], which also runs every `emul validate` check) and
//! asserts the facts the seed states: CIDRs, every security-group rule (as an
//! exact set, so an extra or a missing rule fails), engine versions, task sizes
//! and counts, health checks, listeners and routes. Values the seed leaves open
//! (documented as assumptions at the top of each fixture) are asserted only
//! where something else depends on them (a port the security groups open, a
//! secret a task reads).
//!
//! Security-group rules are compared in a flattened text form, one line per
//! (rule, peer): `"tcp 5432 sg:ecs-sg"`, `"-1 all 0.0.0.0/0"`, `"tcp 6379 self"`.

use assert_cmd::cargo::cargo_bin_cmd;
use emul::topology::model::ecs::{ContainerDefinition, LaunchType, Service};
use emul::topology::model::elbv2::{
    Action, Condition, HealthCheckPort, HttpProtocol, Listener, LoadBalancer, RedirectStatus,
    StickinessType, TargetGroup, TargetType,
};
use emul::topology::model::secrets::SecretSource;
use emul::topology::model::security_groups::{PortRange, SecurityGroup, SgRule};
use emul::topology::{self, Topology};
use pretty_assertions::assert_eq;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// ---------------------------------------------------------------------------
// Helpers: load a fixture and flatten the model into comparable values.
// ---------------------------------------------------------------------------

/// `fixtures/topologies/` at the workspace root.
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies")
}

/// Loads and validates `fixtures/topologies/<name>.yaml`, or fails the test
/// with the rendered diagnostics (`FILE:LINE:COLUMN: error: ...`).
fn load(name: &str) -> Topology {
    let path = fixtures_dir().join(format!("{name}.yaml"));
    match topology::load(&path) {
        Ok(t) => t,
        Err(e) => panic!("{} does not validate:\n{}", path.display(), e.render()),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn sg<'a>(t: &'a Topology, name: &str) -> &'a SecurityGroup {
    t.security_group(name)
        .unwrap_or_else(|| panic!("security group `{name}` is not declared"))
}

/// One line per (rule, peer): `"<protocol> <ports> <peer>"`.
fn flatten(rules: &[SgRule]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in rules {
        let ports = match r.port_range() {
            PortRange::All => "all".to_string(),
            PortRange::Range(a, b) if a == b => a.to_string(),
            PortRange::Range(a, b) => format!("{a}-{b}"),
        };
        let proto = r.protocol.as_str();
        for c in &r.cidr_blocks {
            out.insert(format!("{proto} {ports} {}", c.value));
        }
        for g in &r.security_groups {
            out.insert(format!("{proto} {ports} sg:{}", g.value));
        }
        if r.self_ {
            out.insert(format!("{proto} {ports} self"));
        }
    }
    out
}

fn ingress(t: &Topology, name: &str) -> BTreeSet<String> {
    flatten(&sg(t, name).ingress)
}

/// The outbound rules in force (AWS's default allow-all when not written).
fn egress(t: &Topology, name: &str) -> BTreeSet<String> {
    flatten(&sg(t, name).effective_egress())
}

/// The seeds' "Outbound: None": written as `egress: []`, nothing in force.
fn assert_no_egress(t: &Topology, name: &str) {
    let g = sg(t, name);
    assert!(
        matches!(&g.egress, Some(rules) if rules.is_empty()),
        "`{name}` must declare `egress: []` (the seed says no outbound traffic)"
    );
    assert!(g.effective_egress().is_empty());
}

/// Subnet CIDRs (in file order) that are public or private.
fn subnet_cidrs(t: &Topology, public: bool) -> Vec<String> {
    t.vpc
        .subnets
        .iter()
        .filter(|s| s.public == public)
        .map(|s| s.cidr_block.to_string())
        .collect()
}

fn subnet_azs(t: &Topology) -> BTreeSet<String> {
    t.vpc
        .subnets
        .iter()
        .map(|s| s.availability_zone.value.clone())
        .collect()
}

/// The subnets a resource lists, as CIDRs.
fn cidrs_of(t: &Topology, subnets: &[emul::topology::span::Spanned<String>]) -> BTreeSet<String> {
    subnets
        .iter()
        .map(|n| {
            t.subnet(n)
                .unwrap_or_else(|| panic!("subnet `{}` is not declared", n.value))
                .cidr_block
                .to_string()
        })
        .collect()
}

fn names(list: &[emul::topology::span::Spanned<String>]) -> Vec<String> {
    list.iter().map(|s| s.value.clone()).collect()
}

fn svc<'a>(t: &'a Topology, name: &str) -> &'a Service {
    t.service(name)
        .unwrap_or_else(|| panic!("ECS service `{name}` is not declared"))
}

fn container<'a>(s: &'a Service, name: &str) -> &'a ContainerDefinition {
    s.task_definition
        .container_definitions
        .iter()
        .find(|c| *c.name == name)
        .unwrap_or_else(|| panic!("service `{}` has no container `{name}`", s.name.value))
}

/// (task cpu, task memory).
fn task_size(s: &Service) -> (i64, i64) {
    let td = &s.task_definition;
    (
        td.cpu.as_ref().map(|c| c.value).expect("task cpu"),
        td.memory.as_ref().map(|m| m.value).expect("task memory"),
    )
}

/// (min, max) of the service's auto scaling.
fn scaling(s: &Service) -> (i64, i64) {
    let a = s
        .autoscaling
        .as_ref()
        .unwrap_or_else(|| panic!("service `{}` has no autoscaling", s.name.value));
    (a.min_capacity.value, a.max_capacity.value)
}

/// (min healthy %, max %).
fn deployment(s: &Service) -> (i64, i64) {
    (
        s.deployment_minimum_healthy_percent.value,
        s.deployment_maximum_percent.value,
    )
}

/// (target group, container, container port) of every LB attachment.
fn attachments(s: &Service) -> Vec<(String, String, Option<u16>)> {
    s.load_balancers
        .iter()
        .map(|a| {
            (
                a.target_group.value.clone(),
                a.container_name.value.clone(),
                a.container_port.as_ref().map(|p| p.value),
            )
        })
        .collect()
}

fn container_ports(c: &ContainerDefinition) -> Vec<u16> {
    c.port_mappings
        .iter()
        .map(|p| p.container_port.value)
        .collect()
}

fn env(c: &ContainerDefinition) -> BTreeMap<String, String> {
    c.environment
        .iter()
        .map(|(k, v)| (k.value.clone(), v.raw.value.clone()))
        .collect()
}

/// Container secret name → `value_from` exactly as written.
fn secret_refs(c: &ContainerDefinition) -> BTreeMap<String, String> {
    c.secrets
        .iter()
        .map(|s| (s.name.value.clone(), s.value_from.raw.clone()))
        .collect()
}

/// Every container secret of every service resolves to a declared secret, and
/// a JSON key it picks exists in that secret.
fn assert_container_secrets_resolve(t: &Topology) {
    for s in t.services() {
        for c in &s.task_definition.container_definitions {
            for cs in &c.secrets {
                let secret = t.resolve_secret(&cs.value_from).unwrap_or_else(|| {
                    panic!(
                        "{}/{}: {} refers to an undeclared secret",
                        s.name.value, c.name.value, cs.value_from.raw
                    )
                });
                if let Some(key) = &cs.value_from.json_key {
                    let keys = secret.json_keys().unwrap_or_default();
                    assert!(
                        keys.contains(key),
                        "{}: key `{key}` not in secret `{}` (keys {keys:?})",
                        cs.value_from.raw,
                        secret.name.value
                    );
                }
            }
        }
    }
}

fn tg<'a>(t: &'a Topology, name: &str) -> &'a TargetGroup {
    t.target_group(name)
        .unwrap_or_else(|| panic!("target group `{name}` is not declared"))
}

/// Health-check settings as (path, interval, timeout, healthy, unhealthy, matcher).
fn health(tg: &TargetGroup) -> (String, i64, i64, i64, i64, String) {
    let h = &tg.health_check;
    assert!(
        h.enabled,
        "health checks of `{}` are disabled",
        tg.name.value
    );
    (
        h.path.value.clone(),
        h.interval.value,
        h.timeout.value,
        h.healthy_threshold.value,
        h.unhealthy_threshold.value,
        h.matcher.value.clone(),
    )
}

fn lb<'a>(t: &'a Topology, name: &str) -> &'a LoadBalancer {
    t.load_balancer(name)
        .unwrap_or_else(|| panic!("load balancer `{name}` is not declared"))
}

fn listener(lb: &LoadBalancer, port: u16) -> &Listener {
    lb.listeners
        .iter()
        .find(|l| *l.port == port)
        .unwrap_or_else(|| panic!("`{}` has no listener on {port}", lb.name.value))
}

/// The single target group an action forwards to (panics on anything else).
fn forward_to(action: &Action) -> String {
    match action {
        Action::Forward { target_groups, .. } => {
            assert_eq!(target_groups.len(), 1, "expected a forward to one group");
            target_groups[0].name.value.clone()
        }
        other => panic!("expected a forward action, found {other:?}"),
    }
}

/// The listener's rules as (priority, path patterns, target group).
fn path_routes(l: &Listener) -> Vec<(i64, Vec<String>, String)> {
    l.rules
        .iter()
        .map(|r| {
            let paths = r
                .conditions
                .iter()
                .flat_map(|c| match c {
                    Condition::PathPattern(p) => {
                        p.iter().map(|s| s.value.clone()).collect::<Vec<_>>()
                    }
                    other => panic!("unexpected condition {other:?}"),
                })
                .collect();
            (r.priority.value, paths, forward_to(&r.action))
        })
        .collect()
}

/// The listener is plain HTTP and answers everything with a 301 to HTTPS:443.
fn assert_redirects_to_https(l: &Listener) {
    assert_eq!(*l.protocol, HttpProtocol::Http);
    assert!(l.rules.is_empty(), "the redirect listener has no rules");
    match &l.default_action {
        Action::Redirect(r) => {
            assert_eq!(r.protocol.as_ref().map(|p| p.as_str()), Some("HTTPS"));
            assert_eq!(r.port.as_ref().map(|p| p.as_str()), Some("443"));
            assert_eq!(*r.status_code, RedirectStatus::Http301);
            assert!(r.host.is_none() && r.path.is_none() && r.query.is_none());
        }
        other => panic!("expected a redirect, found {other:?}"),
    }
}

/// The listener is HTTPS with emul's local CA for exactly `domains`.
fn assert_https(l: &Listener, domains: &[&str]) {
    assert_eq!(*l.protocol, HttpProtocol::Https);
    let got = l
        .certificate_domains
        .as_ref()
        .map(|d| d.value.clone())
        .unwrap_or_default();
    assert_eq!(
        got,
        domains.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    );
}

fn params(
    p: &emul::topology::decode::FreeMap<emul::topology::decode::Scalar>,
) -> BTreeMap<String, String> {
    p.iter()
        .map(|(k, v)| (k.value.clone(), v.as_text()))
        .collect()
}

fn map(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Which resources sit in a security group, as "kind:name".
fn members(t: &Topology, group: &str) -> BTreeSet<String> {
    t.security_group_members(group)
        .into_iter()
        .map(|(kind, name)| format!("{kind}:{name}"))
        .collect()
}

// ---------------------------------------------------------------------------
// Every fixture
// ---------------------------------------------------------------------------

#[test]
fn there_is_one_fixture_per_seed_and_all_validate() {
    let mut found: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/topologies exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            "fckdoomscroll.yaml",
            "prod-infra.yaml",
            "rayman.yaml",
            "social-flow.yaml",
            "wechat.yaml"
        ]
    );
    for f in &found {
        let t = load(f.trim_end_matches(".yaml"));
        assert_eq!(*t.region, "us-east-1", "{f}");
        assert_container_secrets_resolve(&t);
        // ECS tasks run the test application; the only exception is the
        // prod-infra Redis task, which is a real Redis 7.
        for s in t.services() {
            for c in &s.task_definition.container_definitions {
                let expected = if *t.name == "prod-infra" && *s.name == "redis" {
                    "emul/redis:7"
                } else {
                    "emul/testapp:latest"
                };
                assert_eq!(
                    *c.image.raw, expected,
                    "{f}: {}/{}",
                    s.name.value, c.name.value
                );
                // The test app listens on $PORT: it must be the mapped port.
                if let Some(port) = container_ports(c).first()
                    && expected == "emul/testapp:latest"
                {
                    assert_eq!(
                        env(c).get("PORT"),
                        Some(&port.to_string()),
                        "{f}: {}",
                        s.name.value
                    );
                }
            }
        }
    }
}

/// The real binary agrees: `emul validate` exits 0 and prints its one-line
/// summary for every fixture.
#[test]
fn emul_validate_accepts_every_fixture() {
    for name in [
        "wechat",
        "social-flow",
        "rayman",
        "prod-infra",
        "fckdoomscroll",
    ] {
        let file = format!("{name}.yaml");
        let out = cargo_bin_cmd!("emul")
            .current_dir(fixtures_dir())
            .env_remove("EMUL_TOPOLOGY")
            .args(["validate", "--topology", &file])
            .output()
            .expect("run emul");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{file}\nstderr:\n{stderr}");
        assert!(
            stdout.starts_with(&format!("ok: topology `{name}` (us-east-1)")),
            "{file}: {stdout}"
        );
    }
}

// ---------------------------------------------------------------------------
// WeChat (seed 000)
// ---------------------------------------------------------------------------

#[test]
fn wechat_fixture_matches_the_seed() {
    let t = load("wechat");

    // Network layer.
    assert_eq!(t.vpc.cidr_block.to_string(), "10.0.0.0/16");
    assert_eq!(subnet_cidrs(&t, true), ["10.0.1.0/24", "10.0.2.0/24"]);
    assert_eq!(subnet_cidrs(&t, false), ["10.0.10.0/24", "10.0.20.0/24"]);

    // Security groups, rule for rule.
    assert_eq!(
        ingress(&t, "alb-sg"),
        set(&["tcp 80 0.0.0.0/0", "tcp 443 0.0.0.0/0"])
    );
    assert_eq!(egress(&t, "alb-sg"), set(&["-1 all 10.0.0.0/16"]));
    assert_eq!(ingress(&t, "ecs-sg"), set(&["tcp 8080 sg:alb-sg"]));
    assert_eq!(egress(&t, "ecs-sg"), set(&["-1 all 0.0.0.0/0"]));
    assert_eq!(ingress(&t, "rds-sg"), set(&["tcp 5432 sg:ecs-sg"]));
    assert_no_egress(&t, "rds-sg");
    assert_eq!(ingress(&t, "redis-sg"), set(&["tcp 6379 sg:ecs-sg"]));
    assert_no_egress(&t, "redis-sg");
    assert_eq!(members(&t, "alb-sg"), set(&["load-balancer:wechat-alb"]));
    assert_eq!(
        members(&t, "ecs-sg"),
        set(&[
            "ecs-service:wechat-backend-service",
            "ecs-service:wechat-frontend-service"
        ])
    );
    assert_eq!(members(&t, "rds-sg"), set(&["rds-instance:wechat-db"]));
    assert_eq!(
        members(&t, "redis-sg"),
        set(&["elasticache-cluster:wechat-redis"])
    );

    // ECS Fargate: backend 1024/2048, frontend 512/1024, 2-10 tasks, in the
    // private subnets, listening on 8080 (the port the ECS SG opens).
    assert_eq!(
        t.ecs_cluster.as_ref().map(|c| c.name.value.as_str()),
        Some("wechat-cluster")
    );
    let backend = svc(&t, "wechat-backend-service");
    let frontend = svc(&t, "wechat-frontend-service");
    assert_eq!(
        backend.task_definition.family.as_str(),
        "wechat-backend-task"
    );
    assert_eq!(
        frontend.task_definition.family.as_str(),
        "wechat-frontend-task"
    );
    assert_eq!(task_size(backend), (1024, 2048));
    assert_eq!(task_size(frontend), (512, 1024));
    for s in [backend, frontend] {
        assert_eq!(*s.launch_type, LaunchType::Fargate);
        assert_eq!(*s.desired_count, 2);
        assert_eq!(scaling(s), (2, 10));
        let a = s.autoscaling.as_ref().unwrap();
        assert_eq!(a.target_cpu_utilization.as_ref().map(|v| v.value), Some(70));
        assert_eq!(
            a.target_memory_utilization.as_ref().map(|v| v.value),
            Some(80)
        );
        assert_eq!(names(&s.security_groups), ["ecs-sg"]);
        assert_eq!(
            cidrs_of(&t, &s.subnets),
            set(&["10.0.10.0/24", "10.0.20.0/24"])
        );
        assert_eq!(deployment(s), (100, 200));
    }
    assert_eq!(
        attachments(backend),
        [("wechat-backend".into(), "backend".into(), Some(8080))]
    );
    assert_eq!(
        attachments(frontend),
        [("wechat-frontend".into(), "frontend".into(), Some(8080))]
    );
    let app = container(backend, "backend");
    assert_eq!(container_ports(app), [8080]);
    assert_eq!(
        env(app).get("DB_HOST").map(String::as_str),
        Some("${rds.wechat-db.address}")
    );
    assert_eq!(
        env(app).get("REDIS_HOST").map(String::as_str),
        Some("${elasticache.wechat-redis.primary_endpoint_address}")
    );
    assert_eq!(
        secret_refs(app).get("DB_PASSWORD").map(String::as_str),
        Some("wechat/database:password::")
    );

    // Target groups: ip targets on 8080, health-checked on /health.
    for name in ["wechat-backend", "wechat-frontend"] {
        let g = tg(&t, name);
        assert_eq!((*g.port, *g.target_type), (8080, TargetType::Ip));
        assert_eq!(health(g).0, "/health");
    }

    // ALB: internet-facing in the public subnets, 80 and 443.
    let alb = lb(&t, "wechat-alb");
    assert!(!alb.internal);
    assert_eq!(
        cidrs_of(&t, &alb.subnets),
        set(&["10.0.1.0/24", "10.0.2.0/24"])
    );
    assert_eq!(names(&alb.security_groups), ["alb-sg"]);
    assert_eq!(alb.listeners.len(), 2);
    assert_redirects_to_https(listener(alb, 80));
    let https = listener(alb, 443);
    assert_https(https, &["wechat.example.com"]);
    assert_eq!(forward_to(&https.default_action), "wechat-frontend");
    assert_eq!(
        path_routes(https),
        [(10, vec!["/api/*".to_string()], "wechat-backend".to_string())]
    );

    // RDS PostgreSQL 15.4, db.t3.medium, 100 GB gp3, Multi-AZ, private.
    let db = t.rds_instance("wechat-db").expect("wechat-db");
    assert_eq!(db.engine.as_str(), "postgres");
    assert_eq!(db.engine_version.as_str(), "15.4");
    assert_eq!(db.instance_class.as_str(), "db.t3.medium");
    assert_eq!(*db.allocated_storage, 100);
    assert_eq!(db.storage_type.as_str(), "gp3");
    assert!(db.multi_az);
    assert_eq!(*db.port, 5432);
    assert_eq!(names(&db.security_groups), ["rds-sg"]);
    assert_eq!(
        cidrs_of(&t, &db.subnets),
        set(&["10.0.10.0/24", "10.0.20.0/24"])
    );
    let pw = db
        .master_password_secret
        .as_ref()
        .expect("password from a secret");
    assert!(t.resolve_secret(pw).is_some());

    // ElastiCache Redis 7.0, cache.t3.medium, 2 nodes with replication.
    let redis = t.elasticache_cluster("wechat-redis").expect("wechat-redis");
    assert_eq!(redis.engine_version.as_str(), "7.0");
    assert_eq!(redis.node_type.as_str(), "cache.t3.medium");
    assert_eq!(*redis.num_cache_clusters, 2);
    assert_eq!(*redis.port, 6379);
    assert_eq!(names(&redis.security_groups), ["redis-sg"]);
    assert_eq!(
        cidrs_of(&t, &redis.subnets),
        set(&["10.0.10.0/24", "10.0.20.0/24"])
    );
}

// ---------------------------------------------------------------------------
// Social Flow (seed 001)
// ---------------------------------------------------------------------------

#[test]
fn social_flow_fixture_matches_the_seed() {
    let t = load("social-flow");

    // VPC 10.0.0.0/16, 3 public + 3 private subnets across 3 AZs.
    assert_eq!(t.vpc.cidr_block.to_string(), "10.0.0.0/16");
    assert_eq!(subnet_cidrs(&t, true).len(), 3);
    assert_eq!(subnet_cidrs(&t, false).len(), 3);
    assert_eq!(subnet_azs(&t).len(), 3);
    let private: BTreeSet<String> = subnet_cidrs(&t, false).into_iter().collect();

    // Security groups: chained, every group with allow-all outbound.
    assert_eq!(
        ingress(&t, "alb-sg"),
        set(&["tcp 80 0.0.0.0/0", "tcp 443 0.0.0.0/0"])
    );
    assert_eq!(ingress(&t, "app-sg"), set(&["tcp 8000 sg:alb-sg"]));
    assert_eq!(ingress(&t, "db-sg"), set(&["tcp 5432 sg:app-sg"]));
    assert_eq!(ingress(&t, "redis-sg"), set(&["tcp 6379 sg:app-sg"]));
    for g in ["alb-sg", "app-sg", "db-sg", "redis-sg"] {
        assert_eq!(egress(&t, g), set(&["-1 all 0.0.0.0/0"]), "{g}");
    }
    assert_eq!(
        members(&t, "app-sg"),
        set(&[
            "ecs-service:app",
            "ecs-service:celery-beat",
            "ecs-service:celery-worker"
        ])
    );

    // ECS (production sizes): app 2048/4096, 3-10 tasks, /health; Celery
    // workers 1024/2048 x 4; one Celery beat.
    let app = svc(&t, "app");
    assert_eq!(task_size(app), (2048, 4096));
    assert_eq!(*app.desired_count, 3);
    assert_eq!(scaling(app), (3, 10));
    let a = app.autoscaling.as_ref().unwrap();
    assert_eq!(a.target_cpu_utilization.as_ref().map(|v| v.value), Some(70));
    assert_eq!(
        a.target_memory_utilization.as_ref().map(|v| v.value),
        Some(75)
    );
    assert_eq!((*a.scale_out_cooldown, *a.scale_in_cooldown), (60, 300));
    assert_eq!(attachments(app), [("app".into(), "app".into(), Some(8000))]);
    assert_eq!(container_ports(container(app, "app")), [8000]);
    let worker = svc(&t, "celery-worker");
    assert_eq!(task_size(worker), (1024, 2048));
    assert_eq!(*worker.desired_count, 4);
    assert!(worker.load_balancers.is_empty());
    let beat = svc(&t, "celery-beat");
    assert_eq!(*beat.desired_count, 1);
    assert!(beat.load_balancers.is_empty());
    let (cpu, mem) = task_size(beat);
    assert!((256..=512).contains(&cpu) && (512..=1024).contains(&mem));
    for s in [app, worker, beat] {
        assert_eq!(*s.launch_type, LaunchType::Fargate);
        assert_eq!(names(&s.security_groups), ["app-sg"]);
        assert_eq!(cidrs_of(&t, &s.subnets), private);
        assert_eq!(deployment(s), (100, 200));
        // Every tier reaches Postgres and Redis with injected credentials.
        let c = &s.task_definition.container_definitions[0];
        let refs = secret_refs(c);
        assert_eq!(
            refs.get("DB_PASSWORD").map(String::as_str),
            Some("social-flow/prod/database:password::")
        );
        assert_eq!(
            refs.get("REDIS_PASSWORD").map(String::as_str),
            Some("social-flow/prod/redis")
        );
        assert!(refs.contains_key("SECRET_KEY") && refs.contains_key("JWT_SECRET"));
    }

    // ALB: HTTP/HTTPS listeners, /health checks every 30 s, sticky sessions,
    // 300 s connection draining.
    let g = tg(&t, "app");
    assert_eq!((*g.port, *g.target_type), (8000, TargetType::Ip));
    let (path, interval, ..) = health(g);
    assert_eq!((path.as_str(), interval), ("/health", 30));
    let st = g.stickiness.as_ref().expect("sticky sessions enabled");
    assert!(st.enabled);
    assert_eq!(*st.kind, StickinessType::LbCookie);
    assert_eq!(*g.deregistration_delay, 300);
    let alb = lb(&t, "social-flow-alb");
    assert!(!alb.internal);
    assert_eq!(alb.subnets.len(), 3);
    assert_redirects_to_https(listener(alb, 80));
    let https = listener(alb, 443);
    assert_https(https, &["api.socialflow.example.com"]);
    assert_eq!(forward_to(&https.default_action), "app");

    // RDS PostgreSQL 15.4 on db.r6g.xlarge, gp3, Multi-AZ, tuned parameters.
    let db = t.rds_instance("social-flow-db").expect("social-flow-db");
    assert_eq!(db.engine_version.as_str(), "15.4");
    assert_eq!(db.instance_class.as_str(), "db.r6g.xlarge");
    assert_eq!(db.storage_type.as_str(), "gp3");
    assert!(db.multi_az);
    assert_eq!(
        params(&db.parameters),
        map(&[
            ("shared_preload_libraries", "pg_stat_statements"),
            ("log_min_duration_statement", "1000")
        ])
    );
    assert_eq!(names(&db.security_groups), ["db-sg"]);
    assert_eq!(cidrs_of(&t, &db.subnets), private);

    // Redis 7.0, cache.r6g.large, primary + 2 replicas, failover, Multi-AZ,
    // allkeys-lru, 300 s timeout and keepalive, AUTH.
    let r = t
        .elasticache_cluster("social-flow-redis")
        .expect("social-flow-redis");
    assert_eq!(r.engine_version.as_str(), "7.0");
    assert_eq!(r.node_type.as_str(), "cache.r6g.large");
    assert_eq!(*r.num_cache_clusters, 3);
    assert!(*r.automatic_failover_enabled && *r.multi_az_enabled);
    assert_eq!(
        params(&r.parameters),
        map(&[
            ("maxmemory-policy", "allkeys-lru"),
            ("timeout", "300"),
            ("tcp-keepalive", "300")
        ])
    );
    assert_eq!(
        r.auth_token_secret.as_ref().map(|v| v.raw.as_str()),
        Some("social-flow/prod/redis")
    );
    assert_eq!(names(&r.security_groups), ["redis-sg"]);

    // Secrets Manager: DB credentials, Redis password, application secrets.
    let app_secret = t.secret("social-flow/prod/app").expect("app secrets");
    let keys = app_secret.json_keys().unwrap();
    for k in ["SECRET_KEY", "JWT_SECRET"] {
        assert!(keys.contains(&k.to_string()), "{k}");
    }
    assert!(matches!(
        t.secret("social-flow/prod/database").map(|s| &s.source),
        Some(SecretSource::Generated(_))
    ));
}

// ---------------------------------------------------------------------------
// Rayman portfolio (seed 002)
// ---------------------------------------------------------------------------

#[test]
fn rayman_fixture_matches_the_seed() {
    let t = load("rayman");

    // Production: VPC 10.2.0.0/16 across 3 AZs, public and private subnets.
    assert_eq!(t.vpc.cidr_block.to_string(), "10.2.0.0/16");
    assert_eq!(
        subnet_azs(&t),
        set(&["us-east-1a", "us-east-1b", "us-east-1c"])
    );
    assert_eq!(subnet_cidrs(&t, true).len(), 3);
    assert_eq!(subnet_cidrs(&t, false).len(), 3);
    let private: BTreeSet<String> = subnet_cidrs(&t, false).into_iter().collect();

    // Security groups: DB and cache only from the app layer (ECS tasks and
    // Lambda), ECS only from the ALB, ALB HTTP/HTTPS from the internet, Lambda
    // outbound to database and cache.
    assert_eq!(
        ingress(&t, "alb-sg"),
        set(&["tcp 80 0.0.0.0/0", "tcp 443 0.0.0.0/0"])
    );
    assert_eq!(ingress(&t, "ecs-tasks-sg"), set(&["tcp 8080 sg:alb-sg"]));
    assert_eq!(
        ingress(&t, "db-sg"),
        set(&["tcp 5432 sg:ecs-tasks-sg", "tcp 5432 sg:lambda-sg"])
    );
    assert_eq!(
        ingress(&t, "cache-sg"),
        set(&["tcp 6379 sg:ecs-tasks-sg", "tcp 6379 sg:lambda-sg"])
    );
    assert_eq!(ingress(&t, "lambda-sg"), set(&[]));
    assert_eq!(
        egress(&t, "lambda-sg"),
        set(&["tcp 5432 sg:db-sg", "tcp 6379 sg:cache-sg"])
    );
    // Lambda is not emulated: its group exists for the rules but is empty.
    assert!(members(&t, "lambda-sg").is_empty());

    // ECS Fargate behind the ALB, with secrets from Secrets Manager.
    let web = svc(&t, "web");
    assert_eq!(*web.launch_type, LaunchType::Fargate);
    assert_eq!(names(&web.security_groups), ["ecs-tasks-sg"]);
    assert_eq!(cidrs_of(&t, &web.subnets), private);
    assert_eq!(attachments(web), [("web".into(), "web".into(), Some(8080))]);
    let c = container(web, "web");
    let refs = secret_refs(c);
    assert_eq!(
        refs.get("DB_PASSWORD").map(String::as_str),
        Some("prod/rayman/database:password::")
    );
    assert_eq!(
        refs.get("JWT_SECRET").map(String::as_str),
        Some("prod/rayman/api-keys:JWT_SECRET::")
    );
    assert!(
        web.autoscaling.is_some(),
        "auto-scaling based on CPU/memory"
    );

    let alb = lb(&t, "rayman-alb");
    assert!(!alb.internal);
    assert_eq!(alb.subnets.len(), 3);
    assert_eq!(names(&alb.security_groups), ["alb-sg"]);
    assert_redirects_to_https(listener(alb, 80));
    assert_eq!(forward_to(&listener(alb, 443).default_action), "web");

    // RDS PostgreSQL 15.4, db.t3.medium, 100 GB, Multi-AZ (prod).
    let db = t.rds_instance("rayman-db").expect("rayman-db");
    assert_eq!(db.engine_version.as_str(), "15.4");
    assert_eq!(db.instance_class.as_str(), "db.t3.medium");
    assert_eq!(*db.allocated_storage, 100);
    assert!(db.multi_az);
    assert_eq!(names(&db.security_groups), ["db-sg"]);
    assert_eq!(cidrs_of(&t, &db.subnets), private);

    // ElastiCache Redis 7.0, cache.t3.medium x 3, automatic failover.
    let r = t.elasticache_cluster("rayman-redis").expect("rayman-redis");
    assert_eq!(r.engine_version.as_str(), "7.0");
    assert_eq!(r.node_type.as_str(), "cache.t3.medium");
    assert_eq!(*r.num_cache_clusters, 3);
    assert!(*r.automatic_failover_enabled);
    assert_eq!(names(&r.security_groups), ["cache-sg"]);
    assert_eq!(cidrs_of(&t, &r.subnets), private);
}

// ---------------------------------------------------------------------------
// prod-infra microservices (seed 003)
// ---------------------------------------------------------------------------

#[test]
fn prod_infra_fixture_matches_the_seed() {
    let t = load("prod-infra");

    assert_eq!(t.vpc.cidr_block.to_string(), "10.0.0.0/16");
    assert_eq!(subnet_cidrs(&t, true), ["10.0.1.0/24", "10.0.2.0/24"]);
    assert_eq!(subnet_cidrs(&t, false), ["10.0.3.0/24", "10.0.4.0/24"]);
    assert_eq!(subnet_azs(&t).len(), 2);

    // ALB-SG 80/443 from the internet; ECS-SG application ports from ALB-SG
    // (plus the internal traffic between services); EFS-SG 2049 from ECS-SG.
    assert_eq!(
        ingress(&t, "alb-sg"),
        set(&["tcp 80 0.0.0.0/0", "tcp 443 0.0.0.0/0"])
    );
    assert_eq!(
        ingress(&t, "ecs-sg"),
        set(&[
            "tcp 3000 sg:alb-sg",
            "tcp 5001 sg:alb-sg",
            "tcp 6333 sg:alb-sg",
            "tcp 6333 self",
            "tcp 6379 self",
            "tcp 8000 self",
        ])
    );
    assert_eq!(ingress(&t, "efs-sg"), set(&["tcp 2049 sg:ecs-sg"]));

    // Cluster and the five services: ports, sizes, counts (the seed's table).
    assert_eq!(
        t.ecs_cluster.as_ref().map(|c| c.name.value.as_str()),
        Some("prod-infra-production-cluster")
    );
    let table: [(&str, u16, (i64, i64), i64); 5] = [
        ("frontend", 3000, (512, 1024), 2),
        ("backend", 5001, (512, 1024), 2),
        ("ai-service", 8000, (1024, 2048), 1),
        ("redis", 6379, (256, 512), 1),
        ("qdrant", 6333, (512, 1024), 1),
    ];
    assert_eq!(t.services().len(), table.len());
    for (name, port, size, count) in table {
        let s = svc(&t, name);
        assert_eq!(*s.launch_type, LaunchType::Ec2, "{name}: ECS with EC2");
        assert_eq!(task_size(s), size, "{name}");
        assert_eq!(*s.desired_count, count, "{name}");
        assert_eq!(scaling(s), (1, 10), "{name}");
        assert_eq!(names(&s.security_groups), ["ecs-sg"], "{name}");
        assert_eq!(
            cidrs_of(&t, &s.subnets),
            set(&["10.0.3.0/24", "10.0.4.0/24"]),
            "{name}"
        );
        let ports: Vec<u16> = s
            .task_definition
            .container_definitions
            .iter()
            .flat_map(container_ports)
            .collect();
        assert_eq!(ports, [port], "{name}");
        // Rolling, zero downtime, automatic rollback.
        assert_eq!(deployment(s), (100, 200), "{name}");
        let cb = s
            .deployment_circuit_breaker
            .as_ref()
            .expect("circuit breaker");
        assert!(cb.enable && cb.rollback, "{name}");
    }

    // Service discovery: redis, ai-service and qdrant in prod-infra-production.local.
    assert_eq!(
        t.service_discovery_namespace
            .as_ref()
            .map(|n| n.name.value.as_str()),
        Some("prod-infra-production.local")
    );
    let discovered: BTreeMap<String, String> = t
        .services()
        .iter()
        .filter_map(|s| {
            s.service_discovery_name
                .as_ref()
                .map(|d| (s.name.value.clone(), d.value.clone()))
        })
        .collect();
    assert_eq!(
        discovered,
        map(&[
            ("ai-service", "ai-service"),
            ("qdrant", "qdrant"),
            ("redis", "redis")
        ])
    );
    let backend_env = env(container(svc(&t, "backend"), "backend"));
    assert_eq!(
        backend_env.get("REDIS_HOST").map(String::as_str),
        Some("redis.prod-infra-production.local")
    );
    assert_eq!(
        backend_env.get("AI_SERVICE_URL").map(String::as_str),
        Some("http://ai-service.prod-infra-production.local:8000")
    );
    assert_eq!(
        env(container(svc(&t, "ai-service"), "ai-service"))
            .get("QDRANT_URL")
            .map(String::as_str),
        Some("http://qdrant.prod-infra-production.local:6333")
    );

    // Storage: Redis on a volume at /data, Qdrant on EFS.
    let redis = svc(&t, "redis");
    let rc = container(redis, "redis");
    assert_eq!(rc.image.raw.as_str(), "emul/redis:7");
    assert_eq!(rc.mount_points.len(), 1);
    assert_eq!(rc.mount_points[0].container_path.as_str(), "/data");
    let qdrant = svc(&t, "qdrant");
    let vol = &qdrant.task_definition.volumes[0];
    assert_eq!(
        vol.efs_file_system.as_ref().map(|f| f.value.as_str()),
        Some("qdrant-storage")
    );
    assert!(t.efs_file_system("qdrant-storage").is_some());
    let qc = container(qdrant, "qdrant");
    assert_eq!(qc.mount_points[0].source_volume.as_str(), vol.name.as_str());
    assert_eq!(
        qc.mount_points[0].container_path.as_str(),
        "/qdrant/storage"
    );

    // Secrets: backend (MongoDB, API keys) and AI service (ML keys, webhook).
    let b = secret_refs(container(svc(&t, "backend"), "backend"));
    assert!(
        b.values()
            .all(|v| v.starts_with("prod-infra-production/backend:"))
    );
    assert!(b.contains_key("MONGODB_URI"));
    let ai = secret_refs(container(svc(&t, "ai-service"), "ai-service"));
    assert!(
        ai.values()
            .all(|v| v.starts_with("prod-infra-production/ai-service:"))
    );
    assert!(ai.contains_key("WEBHOOK_SECRET"));

    // ALB routes: / -> frontend (default), /api/* -> backend, /qdrant/* -> qdrant.
    let alb = lb(&t, "prod-infra-production-alb");
    assert_eq!(
        cidrs_of(&t, &alb.subnets),
        set(&["10.0.1.0/24", "10.0.2.0/24"])
    );
    assert_redirects_to_https(listener(alb, 80));
    let https = listener(alb, 443);
    assert_eq!(forward_to(&https.default_action), "frontend");
    assert_eq!(
        path_routes(https),
        [
            (10, vec!["/api/*".to_string()], "backend".to_string()),
            (20, vec!["/qdrant/*".to_string()], "qdrant".to_string()),
        ]
    );
    for (name, port) in [("frontend", 3000), ("backend", 5001), ("qdrant", 6333)] {
        let g = tg(&t, name);
        assert_eq!((*g.port, *g.target_type), (port, TargetType::Ip), "{name}");
        assert_eq!(
            attachments(svc(&t, name)),
            [(name.into(), name.into(), Some(port))]
        );
    }
    // Internal-only services have no load balancer.
    assert!(svc(&t, "ai-service").load_balancers.is_empty());
    assert!(svc(&t, "redis").load_balancers.is_empty());

    // No RDS or ElastiCache: the database is MongoDB Atlas (external).
    assert!(t.rds_instances.is_empty() && t.elasticache_clusters.is_empty());
}

// ---------------------------------------------------------------------------
// fckdoomscroll (seed 004)
// ---------------------------------------------------------------------------

#[test]
fn fckdoomscroll_fixture_matches_the_seed() {
    let t = load("fckdoomscroll");

    // VPC and the four named subnets with their AZs.
    assert_eq!(t.vpc.cidr_block.to_string(), "10.0.0.0/16");
    let subnets: Vec<(String, String, String, bool)> = t
        .vpc
        .subnets
        .iter()
        .map(|s| {
            (
                s.name.value.clone(),
                s.cidr_block.to_string(),
                s.availability_zone.value.clone(),
                s.public,
            )
        })
        .collect();
    let expected = [
        ("public-subnet-1a", "10.0.1.0/24", "us-east-1a", true),
        ("public-subnet-1b", "10.0.2.0/24", "us-east-1b", true),
        ("private-subnet-1a", "10.0.10.0/24", "us-east-1a", false),
        ("private-subnet-1b", "10.0.11.0/24", "us-east-1b", false),
    ];
    assert_eq!(
        subnets,
        expected
            .iter()
            .map(|(n, c, a, p)| (n.to_string(), c.to_string(), a.to_string(), *p))
            .collect::<Vec<_>>()
    );

    // Security groups exactly as the seed lists them, including the ECS
    // tasks' restricted egress and the database's "deny all" outbound.
    assert_eq!(
        ingress(&t, "alb-sg"),
        set(&["tcp 443 0.0.0.0/0", "tcp 80 0.0.0.0/0"])
    );
    assert_eq!(egress(&t, "alb-sg"), set(&["-1 all 0.0.0.0/0"]));
    assert_eq!(ingress(&t, "ecs-sg"), set(&["tcp 3000 sg:alb-sg"]));
    assert_eq!(
        egress(&t, "ecs-sg"),
        set(&["tcp 443 0.0.0.0/0", "tcp 5432 sg:rds-sg"])
    );
    assert_eq!(ingress(&t, "rds-sg"), set(&["tcp 5432 sg:ecs-sg"]));
    assert_no_egress(&t, "rds-sg");

    // ECS: cluster fckdoomscroll-prod, service with 2 tasks of 512/1024,
    // container `app` on 3000, rolling 100 %/200 %, scaling 2-10 on CPU 70 %.
    assert_eq!(
        t.ecs_cluster.as_ref().map(|c| c.name.value.as_str()),
        Some("fckdoomscroll-prod")
    );
    let s = svc(&t, "fckdoomscroll-service");
    assert_eq!(*s.launch_type, LaunchType::Fargate);
    assert_eq!(s.task_definition.family.as_str(), "fckdoomscroll");
    assert_eq!(task_size(s), (512, 1024));
    assert_eq!(*s.desired_count, 2);
    assert_eq!(deployment(s), (100, 200));
    assert_eq!(scaling(s), (2, 10));
    let a = s.autoscaling.as_ref().unwrap();
    assert_eq!(a.target_cpu_utilization.as_ref().map(|v| v.value), Some(70));
    assert_eq!((*a.scale_out_cooldown, *a.scale_in_cooldown), (60, 300));
    // "CPU Scaling: >70%: Scale up 1 task at a time; <30%: Scale down 1 task".
    let steps: Vec<(Option<i64>, Option<i64>, i64)> = a
        .step_scaling
        .iter()
        .map(|r| {
            (
                r.above.as_ref().map(|v| v.value),
                r.below.as_ref().map(|v| v.value),
                r.adjustment.value,
            )
        })
        .collect();
    assert_eq!(steps, [(Some(70), None, 1), (None, Some(30), -1)]);
    assert_eq!(names(&s.security_groups), ["ecs-sg"]);
    assert_eq!(
        cidrs_of(&t, &s.subnets),
        set(&["10.0.10.0/24", "10.0.11.0/24"])
    );
    assert_eq!(
        attachments(s),
        [("ecs-targets".into(), "app".into(), Some(3000))]
    );
    let app = container(s, "app");
    assert_eq!(container_ports(app), [3000]);
    assert_eq!(app.log_group.as_deref(), Some("/ecs/fckdoomscroll"));
    let refs = secret_refs(app);
    assert_eq!(
        refs.get("DB_PASSWORD").map(String::as_str),
        Some("fckdoomscroll/database:password::")
    );
    assert_eq!(
        refs.get("SESSION_SECRET").map(String::as_str),
        Some("fckdoomscroll/jwt:session_secret::")
    );
    assert!(
        refs.values()
            .any(|v| v.starts_with("fckdoomscroll/cognito:"))
    );

    // Target group ecs-targets: HTTP 3000, /api/health every 30 s, timeout 5,
    // 2 healthy / 3 unhealthy, 200; sticky AWSALB cookie for one day.
    let g = tg(&t, "ecs-targets");
    assert_eq!(
        (*g.port, g.protocol, *g.target_type),
        (3000, HttpProtocol::Http, TargetType::Ip)
    );
    assert_eq!(health(g), ("/api/health".into(), 30, 5, 2, 3, "200".into()));
    assert_eq!(g.health_check.protocol, HttpProtocol::Http);
    assert_eq!(*g.health_check.port, HealthCheckPort::Port(3000));
    let st = g.stickiness.as_ref().expect("sticky sessions");
    assert!(st.enabled);
    assert_eq!(*st.kind, StickinessType::LbCookie);
    assert_eq!(*st.cookie_duration, 86_400);

    // ALB: HTTP 80 -> 301 to HTTPS; HTTPS 443 for yourdomain.com -> ecs-targets.
    let alb = lb(&t, "fckdoomscroll-alb");
    assert!(!alb.internal);
    assert_eq!(names(&alb.security_groups), ["alb-sg"]);
    assert_eq!(
        cidrs_of(&t, &alb.subnets),
        set(&["10.0.1.0/24", "10.0.2.0/24"])
    );
    assert_eq!(alb.listeners.len(), 2);
    assert_redirects_to_https(listener(alb, 80));
    let https = listener(alb, 443);
    assert_https(https, &["yourdomain.com"]);
    assert_eq!(forward_to(&https.default_action), "ecs-targets");

    // RDS PostgreSQL 16, db.t4g.micro, 20 GB gp3, Multi-AZ, db fckdoomscroll,
    // user fckadmin, the three parameters.
    let db = t
        .rds_instance("fckdoomscroll-db")
        .expect("fckdoomscroll-db");
    assert_eq!(db.engine_version.as_str(), "16");
    assert_eq!(db.instance_class.as_str(), "db.t4g.micro");
    assert_eq!(*db.allocated_storage, 20);
    assert_eq!(db.storage_type.as_str(), "gp3");
    assert!(db.multi_az);
    assert_eq!(*db.port, 5432);
    assert_eq!(
        db.db_name.as_ref().map(|n| n.value.as_str()),
        Some("fckdoomscroll")
    );
    assert_eq!(db.username.as_str(), "fckadmin");
    assert_eq!(
        params(&db.parameters),
        map(&[
            ("max_connections", "100"),
            ("log_statement", "ddl"),
            ("log_min_duration_statement", "1000")
        ])
    );
    assert_eq!(
        db.master_password_secret.as_ref().map(|v| v.raw.as_str()),
        Some("fckdoomscroll/database:password::")
    );
    assert_eq!(names(&db.security_groups), ["rds-sg"]);
    assert_eq!(
        cidrs_of(&t, &db.subnets),
        set(&["10.0.10.0/24", "10.0.11.0/24"])
    );
    assert!(t.elasticache_clusters.is_empty(), "the seed has no Redis");

    // Secrets Manager: the three secrets with the seed's JSON keys.
    let keys = |name: &str| -> BTreeSet<String> {
        t.secret(name)
            .unwrap_or_else(|| panic!("secret {name}"))
            .json_keys()
            .unwrap_or_default()
            .into_iter()
            .collect()
    };
    assert_eq!(
        keys("fckdoomscroll/database"),
        set(&["dbname", "host", "password", "port", "username"])
    );
    assert_eq!(
        keys("fckdoomscroll/cognito"),
        set(&["client_id", "client_secret", "user_pool_id"])
    );
    assert_eq!(keys("fckdoomscroll/jwt"), set(&["session_secret"]));
    match &t.secret("fckdoomscroll/database").unwrap().source {
        SecretSource::Json(obj) => {
            assert_eq!(
                obj.get("username").and_then(|v| v.as_str()),
                Some("fckadmin")
            );
            assert_eq!(
                obj.get("dbname").and_then(|v| v.as_str()),
                Some("fckdoomscroll")
            );
            assert_eq!(obj.get("port").and_then(|v| v.as_u64()), Some(5432));
            // The secret's host is the instance tasks connect to.
            assert_eq!(
                obj.get("host").and_then(|v| v.as_str()),
                Some("fckdoomscroll-db")
            );
        }
        other => panic!("expected a JSON secret, found {other:?}"),
    }
}
