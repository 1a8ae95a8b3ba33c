//! The expectation matrix for all five seed fixtures, checked fact by fact.

use std::net::Ipv4Addr;

use super::*;
use crate::topology::Topology;

fn fixture(name: &str) -> Topology {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/topologies")
        .join(format!("{name}.yaml"));
    crate::topology::load(&path).unwrap()
}

/// The ENIs a fixture brings up, named like the runtime names them: one
/// ALB ENI per subnet, one per ECS task, RDS primary (+ standby), one per
/// cache node. Addresses are arbitrary distinct VPC addresses.
fn enis(t: &Topology) -> Vec<Endpoint> {
    let base = u32::from(t.vpc.cidr_block.value.network()) + 10;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let names = |g: &[crate::topology::span::Spanned<String>]| {
        g.iter().map(|s| s.value.clone()).collect::<Vec<_>>()
    };
    for lb in &t.load_balancers {
        for s in &lb.subnets {
            out.push((
                format!("eni/alb/{}/{}", *lb.name, s.value),
                names(&lb.security_groups),
            ));
        }
    }
    for s in t.services() {
        for i in 0..(*s.desired_count).max(1) {
            out.push((
                format!("eni/ecs/{}/{i}", *s.name),
                names(&s.security_groups),
            ));
        }
    }
    for d in &t.rds_instances {
        out.push((format!("eni/rds/{}", *d.name), names(&d.security_groups)));
        if d.multi_az {
            out.push((
                format!("eni/rds/{}/standby", *d.name),
                names(&d.security_groups),
            ));
        }
    }
    for c in &t.elasticache_clusters {
        for n in 1..=*c.num_cache_clusters {
            out.push((
                format!("eni/elasticache/{}/{n:04}", *c.name),
                names(&c.security_groups),
            ));
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, (id, groups))| Endpoint::eni(&id, Ipv4Addr::from(base + i as u32), &groups))
        .collect()
}

struct World {
    policy: Policy,
    enis: Vec<Endpoint>,
}

impl World {
    fn new(name: &str) -> World {
        let t = fixture(name);
        World {
            policy: Policy::from_topology(&t),
            enis: enis(&t),
        }
    }

    fn find(&self, prefix: &str) -> &Endpoint {
        self.enis
            .iter()
            .find(|e| e.name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no ENI {prefix}*"))
    }

    fn check(&self, src: &str, dst: &str, port: u16) -> Expectation {
        let host = Endpoint::host();
        let s = if src == "host" { &host } else { self.find(src) };
        expect(&self.policy, s, self.find(dst), port)
    }

    fn allowed(&self, src: &str, dst: &str, port: u16) -> bool {
        self.check(src, dst, port).allowed
    }
}

#[test]
fn wechat_facts() {
    let w = World::new("wechat");
    let alb = "eni/alb/wechat-alb";
    let ecs = "eni/ecs/wechat-backend-service";
    let front = "eni/ecs/wechat-frontend-service";
    let rds = "eni/rds/wechat-db";
    let redis = "eni/elasticache/wechat-redis";
    assert!(w.allowed(alb, ecs, 8080));
    assert!(w.allowed(alb, front, 8080));
    assert!(!w.allowed(alb, rds, 5432));
    assert!(w.allowed(ecs, rds, 5432));
    assert!(w.allowed(front, rds, 5432), "both services are in ecs-sg");
    assert!(w.allowed(ecs, redis, 6379));
    assert!(!w.allowed("host", ecs, 8080));
    assert!(w.allowed("host", alb, 80));
    assert!(w.allowed("host", alb, 443));
    assert!(!w.allowed("host", rds, 5432));
    // 0.0.0.0/0 includes VPC addresses: a task may call the ALB like anyone.
    assert!(w.allowed(ecs, alb, 80));
    // The reasons name the deciding rules.
    assert_eq!(
        w.check(alb, ecs, 8080).reason,
        "allowed by ecs-sg ingress #1 \"HTTP from ALB\" (line 58) and alb-sg egress #1 \"All traffic to VPC CIDR\" (line 54)"
    );
    assert_eq!(
        w.check(alb, rds, 5432).reason,
        "no ingress rule of eni/rds/wechat-db (rds-sg) admits tcp/5432 from eni/alb/wechat-alb/public-1a"
    );
    assert_eq!(
        w.check("host", ecs, 8080).reason,
        "no ingress rule of eni/ecs/wechat-backend-service/0 (ecs-sg) admits tcp/8080 from host (the host only matches 0.0.0.0/0)"
    );
}

#[test]
fn wechat_datastores_send_nothing_but_replication() {
    let w = World::new("wechat");
    let t = fixture("wechat");
    let ports = ports(&t, &w.policy);
    assert_eq!(ports, vec![80, 443, 2222, 5432, 6379, 8080, 9999]);
    let m = matrix(&w.policy, &w.enis, &ports);
    assert_eq!(
        m.len(),
        w.enis.len() * w.enis.len() * ports.len(),
        "host + every ENI, to every other ENI"
    );
    for e in m.iter().filter(|e| e.src.starts_with("eni/rds/")) {
        let replication = e.dst.starts_with("eni/rds/wechat-db");
        assert_eq!(e.allowed, replication, "{e:?}");
        if !replication {
            assert!(e.reason.starts_with("no egress rule of eni/rds/"), "{e:?}");
        }
    }
    for e in m.iter().filter(|e| e.src.starts_with("eni/elasticache/")) {
        assert_eq!(
            e.allowed,
            e.dst.starts_with("eni/elasticache/wechat-redis"),
            "{e:?}"
        );
    }
    // Nothing at all on ports no rule mentions, except replication.
    for e in m.iter().filter(|e| UNMENTIONED_PORTS.contains(&e.port)) {
        assert_eq!(
            e.allowed,
            e.reason.starts_with("managed replication"),
            "{e:?}"
        );
    }
    // The host reaches exactly the ALB's 80 and 443.
    let from_host: Vec<(&str, u16)> = m
        .iter()
        .filter(|e| e.src == "host" && e.allowed)
        .map(|e| (e.dst.as_str(), e.port))
        .collect();
    assert_eq!(
        from_host,
        vec![
            ("eni/alb/wechat-alb/public-1a", 80),
            ("eni/alb/wechat-alb/public-1a", 443),
            ("eni/alb/wechat-alb/public-1b", 80),
            ("eni/alb/wechat-alb/public-1b", 443),
        ]
    );
}

#[test]
fn fckdoomscroll_egress_names_groups() {
    let w = World::new("fckdoomscroll");
    let ecs = w
        .enis
        .iter()
        .find(|e| e.name.starts_with("eni/ecs/"))
        .unwrap()
        .name
        .clone();
    let rds = w
        .enis
        .iter()
        .find(|e| e.name.starts_with("eni/rds/"))
        .unwrap()
        .name
        .clone();
    let alb = w
        .enis
        .iter()
        .find(|e| e.name.starts_with("eni/alb/"))
        .unwrap()
        .name
        .clone();
    assert!(
        w.allowed(&ecs, &rds, 5432),
        "egress to rds-sg + ingress from ecs-sg"
    );
    assert!(
        w.allowed(&ecs, &alb, 443),
        "ecs-sg egress 443 to 0.0.0.0/0, alb-sg admits 443 from anywhere"
    );
    assert!(
        !w.allowed(&ecs, &alb, 80),
        "ecs-sg has no egress rule for 80"
    );
    assert_eq!(
        w.check(&ecs, &alb, 80).reason,
        format!("no egress rule of {ecs} (ecs-sg) allows tcp/80 to {alb}")
    );
    assert!(!w.allowed(&rds, &ecs, 3000), "rds-sg: egress []");
    assert!(!w.allowed(&alb, &rds, 5432));
}

#[test]
fn host_reaches_only_public_listeners_in_every_fixture() {
    for name in [
        "wechat",
        "fckdoomscroll",
        "prod-infra",
        "rayman",
        "social-flow",
    ] {
        let t = fixture(name);
        let w = World::new(name);
        let ports = ports(&t, &w.policy);
        for &p in &UNMENTIONED_PORTS {
            assert!(ports.contains(&p), "{name}: {p} not probed");
        }
        for e in matrix(&w.policy, &w.enis, &ports) {
            if e.src == "host" {
                let public = e.dst.starts_with("eni/alb/") && (e.port == 80 || e.port == 443);
                assert_eq!(e.allowed, public, "{name}: {e:?}");
            }
        }
    }
}

#[test]
fn other_fixtures_facts() {
    let w = World::new("social-flow");
    let alb = w.find("eni/alb/").name.clone();
    let app = w.find("eni/ecs/").name.clone();
    let db = w.find("eni/rds/").name.clone();
    assert!(w.allowed(&alb, &app, 8000));
    assert!(!w.allowed(&alb, &db, 5432));
    assert!(w.allowed(&app, &db, 5432));
    // db-sg has egress to 0.0.0.0/0 but app-sg admits only the ALB.
    assert!(!w.allowed(&db, &app, 8000));

    let w = World::new("prod-infra");
    let alb = w.find("eni/alb/").name.clone();
    let tasks: Vec<String> = w
        .enis
        .iter()
        .filter(|e| e.name.starts_with("eni/ecs/"))
        .map(|e| e.name.clone())
        .collect();
    assert!(tasks.len() >= 2);
    // self rules: tasks reach each other on 6379/8000/6333, the ALB does not.
    assert!(w.allowed(&tasks[0], &tasks[1], 6379));
    assert!(w.allowed(&tasks[1], &tasks[0], 8000));
    assert!(!w.allowed(&alb, &tasks[0], 6379));
    assert!(w.allowed(&alb, &tasks[0], 3000));
    assert!(!w.allowed(&tasks[0], &tasks[1], 9999));

    let w = World::new("rayman");
    let alb = w.find("eni/alb/").name.clone();
    let ecs = w.find("eni/ecs/").name.clone();
    assert!(w.allowed(&alb, &ecs, 8080));
    assert!(!w.allowed("host", &ecs, 8080));
}

#[test]
fn ipv6_only_rules_admit_no_ipv4_peer_and_the_refusal_says_why() {
    let t = crate::topology::parse_str(
        "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: web
    ingress:
      - { port: 443, ipv6_cidr_blocks: ['::/0'] }
      - { port: 80, cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0'] }
",
    )
    .unwrap();
    let p = Policy::from_topology(&t);
    let web = Endpoint::eni("eni/ecs/web/0", Ipv4Addr::new(10, 0, 1, 9), &["web".into()]);
    let host = Endpoint::host();
    let refused = expect(&p, &host, &web, 443);
    assert!(!refused.allowed);
    assert!(
        refused.reason.ends_with(
            "; web ingress #1 (line 9) matches IPv6 peers only, and emul's VPC is IPv4-only"
        ),
        "{}",
        refused.reason
    );
    let allowed = expect(&p, &host, &web, 80);
    assert!(allowed.allowed, "{}", allowed.reason);
}

#[test]
fn the_agent_control_port_is_never_probed() {
    let t = crate::topology::parse_str(
        "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: web
    ingress:
      - { port: 7411, cidr_blocks: [0.0.0.0/0] }
      - { port: 8080, cidr_blocks: [0.0.0.0/0] }
",
    )
    .unwrap();
    let p = Policy::from_topology(&t);
    let probed = ports(&t, &p);
    assert!(probed.contains(&8080), "{probed:?}");
    assert!(!probed.contains(&7411), "{probed:?}");
    assert_eq!(
        probed.len(),
        3,
        "8080 and two unmentioned ports: {probed:?}"
    );
}
