//! Test harness for the security-group enforcer: a seed fixture → a runtime
//! [`Plan`] (VPC, ENIs, test-app stand-ins for the ALB and ECS tasks, real
//! Postgres / Redis for RDS and ElastiCache), brought up with
//! `runtime::reconcile::up`, then put under an [`Enforcer`] — what the
//! project daemon will do at `emul up` until it lands.
//!
//! The fixture's text is loaded with its `10.0.` prefix rewritten to
//! `10.<octet>.` so tests running in parallel on one engine never clash.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use emul::netpolicy::Enforcer;
use emul::runtime::datastores::{self, ElastiCacheRedis, RdsPostgres};
use emul::runtime::images::PullPolicy;
use emul::runtime::plan::{ContainerSpec, ImageChoice, Kind, LogConfig, Readiness};
use emul::runtime::{
    DownOptions, Engine, EniRequest, NetworkSpec, Plan, Resources, Secret, UpOptions,
};
use emul::topology::Topology;
use emul::wiring::EniInfo;
use ipnet::Ipv4Net;

/// A fixture turned into a runnable project.
pub struct Project {
    /// The topology (name = the unique project name, addresses rewritten).
    pub topology: Topology,
    /// The plan `up` makes true.
    pub plan: Plan,
    /// ENI id → its security groups.
    pub groups: BTreeMap<String, Vec<String>>,
}

/// The text of `fixtures/topologies/<fixture>.yaml` as project `project`:
/// `name:` replaced, the VPC's `10.<n>.` prefix rewritten to `10.<octet>.`,
/// then `edit` applied.
pub fn topology_text(
    fixture: &str,
    project: &str,
    octet: u8,
    edit: impl Fn(&str) -> String,
) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/topologies")
        .join(format!("{fixture}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = if text.contains("cidr_block: 10.2.0.0/16") {
        "10.2."
    } else {
        "10.0."
    };
    let text = text
        .replace(prefix, &format!("10.{octet}."))
        .lines()
        .map(|l| {
            if l.starts_with("name: ") {
                format!("name: {project}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    edit(&text)
}

/// [`topology_text`], parsed.
pub fn topology(
    fixture: &str,
    project: &str,
    octet: u8,
    edit: impl Fn(&str) -> String,
) -> Topology {
    let text = topology_text(fixture, project, octet, edit);
    emul::topology::parse_str(&text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn names(v: &[emul::topology::span::Spanned<String>]) -> Vec<String> {
    v.iter().map(|s| s.value.clone()).collect()
}

fn testapp(id: &str, eni: &str, ports: &[u16]) -> ContainerSpec {
    ContainerSpec {
        id: id.into(),
        kind: Kind::Task,
        image: ImageChoice::exact("emul/testapp:latest"),
        env: BTreeMap::from([(
            "PORTS".to_string(),
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )]),
        entrypoint: None,
        cmd: vec![],
        prelude: None,
        user: None,
        eni: eni.into(),
        volumes: vec![],
        health: None,
        resources: Resources::default(),
        log: LogConfig::default(),
        readiness: Readiness::Running,
        after: vec![],
    }
}

/// The plan of a topology: one ENI per ALB subnet (test app on 8080 as a
/// stand-in), one per ECS task (test app on the container ports), RDS
/// (primary, and standby when `multi_az`), one per cache node.
pub fn project(t: Topology, multi_az: bool) -> Project {
    let project = t.name.value.clone();
    let cidr: Ipv4Net = t.vpc.cidr_block.value;
    let subnet = |n: &str| t.subnet(n).unwrap().cidr_block.value;
    let vpc = NetworkSpec {
        id: "vpc/main".into(),
        cidr,
        subnets: t.vpc.subnets.iter().map(|s| s.cidr_block.value).collect(),
    };
    let mut groups = BTreeMap::new();
    let (mut enis, mut containers, mut volumes) = (vec![], vec![], vec![]);
    let mut eni = |req: EniRequest, g: Vec<String>, enis: &mut Vec<EniRequest>| {
        groups.insert(req.id.clone(), g);
        enis.push(req);
    };
    let plain = |id: String, subnet: Ipv4Net| EniRequest {
        id,
        network: "vpc/main".into(),
        subnet,
        ip: None,
        aliases: vec![],
    };
    for lb in &t.load_balancers {
        for s in &lb.subnets {
            let id = format!("eni/alb/{}/{}", *lb.name, s.value);
            eni(
                plain(id.clone(), subnet(s)),
                names(&lb.security_groups),
                &mut enis,
            );
            containers.push(testapp(
                &format!("alb/{}/{}", *lb.name, s.value),
                &id,
                &[8080],
            ));
        }
    }
    for svc in t.services() {
        let ports: Vec<u16> = svc
            .task_definition
            .container_definitions
            .iter()
            .flat_map(|c| c.port_mappings.iter().map(|p| p.container_port.value))
            .collect();
        for i in 0..(*svc.desired_count).max(1) {
            let sub = &svc.subnets[i as usize % svc.subnets.len()];
            let id = format!("eni/ecs/{}/{i}", *svc.name);
            let req = plain(id.clone(), subnet(sub));
            eni(req, names(&svc.security_groups), &mut enis);
            containers.push(testapp(&format!("ecs/{}/{i}", *svc.name), &id, &ports));
        }
    }
    let suffix = datastores::endpoint_suffix(&project);
    for d in &t.rds_instances {
        let p = datastores::rds_postgres(&RdsPostgres {
            id: d.name.value.clone(),
            engine_version: "15".into(),
            username: d.username.value.clone(),
            password: Secret("np-s3cret-pw".into()),
            db_name: "app".into(),
            parameters: BTreeMap::new(),
            multi_az: multi_az && d.multi_az,
            port: 5432,
            network: "vpc/main".into(),
            subnet: subnet(&d.subnets[0]),
            standby_subnet: Some(subnet(&d.subnets[1])),
            region: "us-east-1".into(),
            suffix: suffix.clone(),
            resources: Resources::default(),
        })
        .unwrap();
        for e in p.enis {
            eni(e, names(&d.security_groups), &mut enis);
        }
        containers.extend(p.containers);
        volumes.extend(p.volumes);
    }
    for c in &t.elasticache_clusters {
        let r = datastores::elasticache_redis(&ElastiCacheRedis {
            id: c.name.value.clone(),
            engine_version: "7.0".into(),
            replicas: (*c.num_cache_clusters - 1).max(0) as u32,
            port: 6379,
            auth_token: None,
            parameters: BTreeMap::new(),
            network: "vpc/main".into(),
            subnets: c.subnets.iter().map(|s| subnet(s)).collect(),
            region: "us-east-1".into(),
            suffix: suffix.clone(),
            resources: Resources::default(),
        })
        .unwrap();
        for e in r.enis {
            eni(e, names(&c.security_groups), &mut enis);
        }
        containers.extend(r.containers);
    }
    let mut plan = Plan::build(&project, vec![vpc], enis, containers, volumes).unwrap();
    plan.extra_labels.insert("io.emul.test".into(), "1".into());
    Project {
        topology: t,
        plan,
        groups,
    }
}

/// `up` options for tests: local images only.
pub fn up_options() -> UpOptions {
    UpOptions {
        pull: PullPolicy::Never,
        ready_timeout: Duration::from_secs(120),
        ..UpOptions::default()
    }
}

/// The engine (these tests need it).
pub async fn engine() -> Engine {
    Engine::connect()
        .await
        .expect("these tests need the Docker engine")
}

/// The running ENIs of the plan, as the enforcer sees them.
pub async fn eni_infos(engine: &Engine, p: &Project) -> Vec<EniInfo> {
    let running = engine.project_containers(&p.plan.project).await.unwrap();
    let mut out = Vec::new();
    for e in &p.plan.enis {
        assert!(
            running.iter().any(|c| c.resource() == Some(e.id.as_str())),
            "{} not running",
            e.id
        );
        out.push(EniInfo {
            id: e.id.clone(),
            ip: e.ip,
            subnet: e.subnet.to_string(),
            security_groups: p.groups.get(&e.id).cloned().unwrap_or_default(),
        });
    }
    out
}

/// `up` the plan, then start the enforcer over its ENIs.
pub async fn up_enforced(engine: &Engine, p: &Project) -> Arc<Enforcer> {
    emul::runtime::reconcile::up(engine, &p.plan, &up_options())
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    Enforcer::start(&p.topology, eni_infos(engine, p).await)
        .await
        .unwrap_or_else(|e| panic!("enforcer: {e}"))
}

/// Removes the project (and its volumes).
pub async fn down(engine: &Engine, project: &str) {
    emul::runtime::reconcile::down(engine, project, DownOptions { volumes: true })
        .await
        .expect("cleanup");
}

/// Runs `body`, then `down` whatever happened, then re-raises its panic.
pub async fn with_cleanup<F: std::future::Future<Output = ()>>(
    engine: &Engine,
    project: &str,
    body: F,
) {
    use futures::FutureExt;
    down(engine, project).await; // leftovers of an interrupted run
    let outcome = std::panic::AssertUnwindSafe(body).catch_unwind().await;
    down(engine, project).await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// Runs `emul <verb> --topology <file> <args>` (the CLI as a user runs it,
/// `EMUL_TOPOLOGY` cleared): (exit code, stdout, stderr).
pub fn emul_cli(verb: &str, file: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::cargo::cargo_bin_cmd!("emul")
        .env_remove("EMUL_TOPOLOGY")
        .args([verb, "--topology"])
        .arg(file)
        .args(args)
        .output()
        .expect("run emul");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
