//! Docker integration tests for the runtime: real networks, pause
//! containers, Postgres and Redis on this engine.
//!
//! Needs the images from `scripts/build-images.sh` (`emul/pause:latest`,
//! `emul/postgres:15`, `emul/redis:7`); no registry is used (pulls are off).
//! Every test uses its own project name and VPC CIDR, labels every object
//! `io.emul.test=1`, and runs `down --volumes` even when it fails.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use emul::probes::{self, ProbeError};
use emul::runtime::datastores::{self, ElastiCacheRedis, RdsPostgres};
use emul::runtime::images::PullPolicy;
use emul::runtime::naming;
use emul::runtime::{
    DownOptions, Engine, ImageChoice, NetworkSpec, Plan, Resources, Secret, UpError, UpOptions,
};
use futures::FutureExt;
use ipnet::Ipv4Net;

const T: Duration = Duration::from_secs(5);

fn opts() -> UpOptions {
    UpOptions {
        pull: PullPolicy::Never,
        ready_timeout: Duration::from_secs(90),
        ..UpOptions::default()
    }
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

/// A plan: one VPC (`cidr`, two /24 subnets), optionally an RDS Postgres
/// (with `pg_params`) and a Redis primary + `replicas` replicas.
fn plan(
    project: &str,
    cidr: &str,
    with_pg: bool,
    pg_params: &[(&str, &str)],
    replicas: Option<u32>,
) -> Plan {
    let cidr = net(cidr);
    let subnets: Vec<Ipv4Net> = cidr.subnets(24).unwrap().take(2).collect();
    let vpc = NetworkSpec {
        id: "vpc/main".into(),
        cidr,
        subnets: subnets.clone(),
    };
    let suffix = datastores::endpoint_suffix(project);
    let (mut enis, mut containers, mut volumes) = (vec![], vec![], vec![]);
    if with_pg {
        let p = datastores::rds_postgres(&RdsPostgres {
            id: "main-db".into(),
            engine_version: "15.4".into(),
            username: "app".into(),
            password: Secret("pg-s3cret".into()),
            db_name: "shop".into(),
            parameters: pg_params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            multi_az: false,
            port: 5432,
            network: "vpc/main".into(),
            subnet: subnets[0],
            standby_subnet: None,
            region: "us-east-1".into(),
            suffix: suffix.clone(),
            resources: Resources::default(),
        })
        .unwrap();
        enis.extend(p.enis);
        containers.extend(p.containers);
        volumes.extend(p.volumes);
    }
    if let Some(replicas) = replicas {
        let r = datastores::elasticache_redis(&ElastiCacheRedis {
            id: "sessions".into(),
            engine_version: "7.0".into(),
            replicas,
            port: 6379,
            auth_token: Some(Secret("redis-t0ken".into())),
            parameters: BTreeMap::from([("maxmemory-policy".into(), "allkeys-lru".into())]),
            network: "vpc/main".into(),
            subnets: subnets.clone(),
            region: "us-east-1".into(),
            suffix,
            resources: Resources::default(),
        })
        .unwrap();
        enis.extend(r.enis);
        containers.extend(r.containers);
    }
    let mut plan = Plan::build(project, vec![vpc], enis, containers, volumes).unwrap();
    plan.extra_labels.insert("io.emul.test".into(), "1".into());
    plan
}

async fn engine() -> Engine {
    Engine::connect()
        .await
        .expect("these tests need the Docker engine")
}

/// Runs `body`, then `down --volumes` for `project` whatever happened, then
/// re-raises a panic from `body`.
async fn with_cleanup<F: Future<Output = ()>>(engine: &Engine, project: &str, body: F) {
    let outcome = std::panic::AssertUnwindSafe(body).catch_unwind().await;
    emul::runtime::reconcile::down(engine, project, DownOptions { volumes: true })
        .await
        .expect("cleanup");
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// Counts the project's containers, networks and volumes.
async fn leftovers(engine: &Engine, project: &str) -> (usize, usize, usize) {
    (
        engine.project_containers(project).await.unwrap().len(),
        engine.project_networks(project).await.unwrap().len(),
        engine.project_volumes(project).await.unwrap().len(),
    )
}

/// The bulk strings of an array reply, as text.
fn texts(r: &probes::redis::Reply) -> Vec<String> {
    match r {
        probes::redis::Reply::Array(Some(items)) => items
            .iter()
            .filter_map(|i| match i {
                probes::redis::Reply::Bulk(Some(b)) => {
                    Some(String::from_utf8_lossy(b).into_owned())
                }
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

fn ip_of(plan: &Plan, eni: &str) -> String {
    plan.eni(eni).unwrap().ip.to_string()
}

#[tokio::test]
async fn docker_up_postgres_and_redis_noop_change_and_down() {
    let engine = engine().await;
    let project = "rt-full";
    let p = plan(
        project,
        "10.231.0.0/16",
        true,
        &[("max_connections", "50")],
        Some(1),
    );
    with_cleanup(&engine, project, async {
        let started = Instant::now();
        let report = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        let up_time = started.elapsed();
        println!(
            "first up: {up_time:?}, {} docker writes, created {:?}",
            report.docker_writes, report.created
        );
        assert!(report.created.contains(&"rds/main-db".to_string()));
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);

        // Postgres accepts an authenticated SELECT 1, and refuses a wrong password.
        let pg = format!("{}:5432", ip_of(&p, "eni/rds/main-db"));
        probes::postgres::select_one(&pg, "app", "pg-s3cret", "shop", T)
            .await
            .unwrap();
        let err = probes::postgres::select_one(&pg, "app", "wrong", "shop", T)
            .await
            .unwrap_err();
        assert!(matches!(err, ProbeError::Auth(_)), "{err}");

        // A write on the Redis primary is readable on the replica; AUTH is required.
        let primary = format!("{}:6379", ip_of(&p, "eni/elasticache/sessions/001"));
        let replica = format!("{}:6379", ip_of(&p, "eni/elasticache/sessions/002"));
        let pw = Some("redis-t0ken");
        let err = probes::redis::ping(&primary, None, T).await.unwrap_err();
        assert!(matches!(err, ProbeError::Auth(_)), "{err}");
        probes::redis::command(&primary, pw, &["SET", "greeting", "hello"], T)
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = probes::redis::command(&replica, pw, &["GET", "greeting"], T)
                .await
                .unwrap();
            if got == probes::redis::Reply::Bulk(Some(b"hello".to_vec())) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "replica never got the key: {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let role = probes::redis::command(&replica, pw, &["ROLE"], T)
            .await
            .unwrap();
        assert_eq!(texts(&role)[..1], ["slave"], "{role:?}");
        assert!(texts(&role).contains(&"connected".to_string()), "{role:?}");
        let policy =
            probes::redis::command(&primary, pw, &["CONFIG", "GET", "maxmemory-policy"], T)
                .await
                .unwrap();
        assert_eq!(texts(&policy), ["maxmemory-policy", "allkeys-lru"]);

        // Second up, nothing changed: zero Docker writes.
        let before = engine.project_containers(project).await.unwrap();
        let report = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        println!(
            "no-change up (with readiness probes): {:?}, {} docker writes",
            report.elapsed, report.docker_writes
        );
        assert_eq!(report.docker_writes, 0);
        assert!(
            report.created.is_empty() && report.recreated.is_empty() && report.removed.is_empty(),
            "{report:?}"
        );
        let no_wait = UpOptions {
            wait_ready: false,
            ..opts()
        };
        let report = emul::runtime::reconcile::up(&engine, &p, &no_wait)
            .await
            .unwrap();
        println!(
            "no-change up (no probes): {:?}, {} docker writes",
            report.elapsed, report.docker_writes
        );
        assert_eq!(report.docker_writes, 0);

        // A changed parameter recreates only the Postgres container.
        let changed = plan(
            project,
            "10.231.0.0/16",
            true,
            &[("max_connections", "60")],
            Some(1),
        );
        assert_eq!(p.enis, changed.enis, "same IPs");
        let report = emul::runtime::reconcile::up(&engine, &changed, &opts())
            .await
            .unwrap();
        println!(
            "one-change up: {:?}, {} docker writes",
            report.elapsed, report.docker_writes
        );
        assert_eq!(report.recreated, vec!["rds/main-db".to_string()]);
        assert!(report.created.is_empty(), "{report:?}");
        let after = engine.project_containers(project).await.unwrap();
        for b in &before {
            let a = after.iter().find(|a| a.name == b.name).expect("same names");
            if b.resource() == Some("rds/main-db") {
                assert_ne!(a.id, b.id, "postgres recreated");
            } else {
                assert_eq!(a.id, b.id, "{} kept", b.name);
            }
        }
        // The data volume survived the recreation: the server came back with the same database.
        probes::postgres::select_one(&pg, "app", "pg-s3cret", "shop", T)
            .await
            .unwrap();

        // Down leaves nothing with the project label.
        let down = emul::runtime::reconcile::down(&engine, project, DownOptions { volumes: true })
            .await
            .unwrap();
        assert_eq!(down.containers.len(), 6, "3 ENIs + 3 workloads: {down:?}");
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
        // Idempotent.
        let again = emul::runtime::reconcile::down(&engine, project, DownOptions { volumes: true })
            .await
            .unwrap();
        assert_eq!(again, Default::default());
    })
    .await;
}

#[tokio::test]
async fn docker_missing_image_fails_clearly_and_leaves_nothing() {
    let engine = engine().await;
    let project = "rt-noimage";
    let mut p = plan(project, "10.232.0.0/16", false, &[], Some(0));
    p.containers[0].image = ImageChoice::exact("emul/does-not-exist:1");
    with_cleanup(&engine, project, async {
        let err = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, UpError::Image(_)));
        assert!(msg.contains("elasticache/sessions/001"), "{msg}");
        assert!(
            msg.contains("emul/does-not-exist:1 (not present locally)"),
            "{msg}"
        );
        assert!(msg.contains("scripts/build-images.sh"), "{msg}");
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    })
    .await;
}

#[tokio::test]
async fn docker_container_that_never_becomes_ready_is_rolled_back() {
    let engine = engine().await;
    let project = "rt-notready";
    let mut p = plan(project, "10.233.0.0/16", true, &[], None);
    // The entrypoint refuses to initialise without a superuser password.
    p.containers[0].env.remove("POSTGRES_PASSWORD");
    with_cleanup(&engine, project, async {
        let err = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, UpError::Exited { .. }), "{msg}");
        assert!(msg.starts_with("rds/main-db exited"), "{msg}");
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    })
    .await;
}

#[tokio::test]
async fn docker_network_overlapping_a_docker_network_fails_with_the_clash() {
    let engine = engine().await;
    let project = "rt-overlap";
    let other = "emul-test-overlap-blocker";
    let mut labels =
        std::collections::HashMap::from([("io.emul.test".to_string(), "1".to_string())]);
    labels.insert("purpose".into(), "overlap test".into());
    let blocker = engine
        .create_network(other, "10.234.8.0/24", "em-testblock", labels)
        .await
        .unwrap();
    let p = plan(project, "10.234.0.0/16", false, &[], Some(0));
    with_cleanup(&engine, project, async {
        let err = emul::runtime::reconcile::up(&engine, &p, &opts()).await.unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, UpError::Clash(_)), "{msg}");
        assert!(
            msg.starts_with(
                "VPC 10.234.0.0/16 of project rt-overlap overlaps Docker network emul-test-overlap-blocker (10.234.8.0/24)"
            ),
            "{msg}"
        );
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    })
    .await;
    engine.remove_network(&blocker).await.unwrap();
}

#[tokio::test]
async fn docker_interrupted_up_converges_without_duplicates() {
    let engine = engine().await;
    let project = "rt-crash";
    let p = plan(project, "10.235.0.0/16", false, &[], Some(1));
    with_cleanup(&engine, project, async {
        // What a killed `up` leaves: the network and one ENI's pause
        // container created but never started, carrying the labels.
        let first = emul::runtime::reconcile::up(
            &engine,
            &Plan::build(project, p.networks.clone(), vec![], vec![], vec![]).unwrap(),
            &opts(),
        )
        .await
        .unwrap();
        assert_eq!(first.created, vec!["vpc/main".to_string()]);
        let eni = &p.enis[0];
        let half = emul::runtime::eni::pause_container(
            &p,
            eni,
            emul::runtime::agent::AGENT_IMAGE,
            "stale-token",
            "stale-hash",
        );
        engine.create_container(&half).await.unwrap();
        assert_eq!(
            engine.project_containers(project).await.unwrap()[0].state,
            "created"
        );

        let report = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        assert!(report.recreated.contains(&eni.id), "{report:?}");
        let cs = engine.project_containers(project).await.unwrap();
        assert_eq!(cs.len(), 4, "two ENIs + two redis nodes, no duplicates");
        assert!(cs.iter().all(|c| c.state == "running"), "{cs:?}");
        let again = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        assert_eq!(again.docker_writes, 0);
    })
    .await;
}

#[tokio::test]
async fn docker_workloads_join_the_agent_namespace_without_capabilities() {
    let engine = engine().await;
    let project = "rt-ns";
    let p = plan(project, "10.236.0.0/16", false, &[], Some(0));
    with_cleanup(&engine, project, async {
        emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        let cs = engine.project_containers(project).await.unwrap();
        let pause = cs
            .iter()
            .find(|c| c.labels[naming::LABEL_KIND] == "pause")
            .unwrap();
        let redis = cs
            .iter()
            .find(|c| c.labels[naming::LABEL_KIND] == "elasticache")
            .unwrap();
        assert_eq!(pause.name, "emul-rt-ns-eni.elasticache.sessions.001");
        let out = std::process::Command::new("docker")
            .args([
                "inspect",
                "-f",
                "{{.HostConfig.NetworkMode}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}",
                &redis.id,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), format!("container:{} [] false", pause.id));
        // The ENI agent alone gets NET_ADMIN (it applies its own ruleset),
        // nothing else, and is not privileged.
        let out = std::process::Command::new("docker")
            .args([
                "inspect",
                "-f",
                "{{.Config.Image}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}",
                &pause.id,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), "emul/agent:latest [NET_ADMIN] false");
        // The agent container holds the IP and the endpoint aliases on the VPC network.
        let out = std::process::Command::new("docker")
            .args([
                "network",
                "inspect",
                "-f",
                "{{json .Containers}}",
                "emul-rt-ns-vpc.main",
            ])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains(&p.enis[0].ip.to_string()));
        let out = std::process::Command::new("docker")
            .args([
                "inspect",
                "-f",
                "{{json .NetworkSettings.Networks}}",
                &pause.id,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for alias in &p.enis[0].aliases {
            assert!(text.contains(alias.as_str()), "{alias} missing in {text}");
        }
    })
    .await;
}

#[tokio::test]
async fn engine_unreachable_is_reported_with_the_endpoint() {
    let err = Engine::connect_to("unix:///nonexistent/docker.sock")
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.starts_with("Docker engine unreachable at unix:///nonexistent/docker.sock"),
        "{msg}"
    );
}

/// The Postgres image for the Multi-AZ test: `emul/postgres:15` unless
/// `EMUL_TEST_POSTGRES_IMAGE` names another (it must contain `pg_basebackup`).
fn multi_az_image() -> String {
    std::env::var("EMUL_TEST_POSTGRES_IMAGE").unwrap_or_else(|_| "emul/postgres:15".into())
}

#[tokio::test]
async fn docker_rds_multi_az_standby_streams_from_the_primary() {
    let engine = engine().await;
    let project = "rt-multiaz";
    let image = multi_az_image();
    let has_basebackup = std::process::Command::new("docker")
        .args([
            "run",
            "--rm",
            "--label",
            "io.emul.test=1",
            "--entrypoint",
            "sh",
            &image,
            "-c",
        ])
        .arg("command -v pg_basebackup || ls /usr/lib/postgresql/*/bin/pg_basebackup")
        .output()
        .unwrap()
        .status
        .success();
    assert!(
        has_basebackup,
        "{image} has no pg_basebackup, which Multi-AZ standbys need: add it to the emul/postgres image"
    );
    let cidr = net("10.237.0.0/16");
    let subnets: Vec<Ipv4Net> = cidr.subnets(24).unwrap().take(2).collect();
    let parts = datastores::rds_postgres(&RdsPostgres {
        id: "ha-db".into(),
        engine_version: "15".into(),
        username: "app".into(),
        password: Secret("ha-s3cret".into()),
        db_name: "shop".into(),
        parameters: BTreeMap::new(),
        multi_az: true,
        port: 5432,
        network: "vpc/main".into(),
        subnet: subnets[0],
        standby_subnet: Some(subnets[1]),
        region: "eu-west-1".into(),
        suffix: datastores::endpoint_suffix(project),
        resources: Resources::default(),
    })
    .unwrap();
    let mut containers = parts.containers;
    for c in &mut containers {
        c.image = ImageChoice::exact(image.clone());
    }
    let vpc = NetworkSpec {
        id: "vpc/main".into(),
        cidr,
        subnets,
    };
    let mut p = Plan::build(project, vec![vpc], parts.enis, containers, parts.volumes).unwrap();
    p.extra_labels.insert("io.emul.test".into(), "1".into());
    with_cleanup(&engine, project, async {
        let report = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        println!("multi-AZ up: {:?}", report.elapsed);
        let primary = format!("{}:5432", ip_of(&p, "eni/rds/ha-db"));
        let standby = format!("{}:5432", ip_of(&p, "eni/rds/ha-db/standby"));
        let q = |addr: String, sql: &'static str| async move {
            probes::postgres::query_first(&addr, "app", "ha-s3cret", "shop", sql, T).await
        };
        assert_eq!(
            q(standby.clone(), "SELECT pg_is_in_recovery()")
                .await
                .unwrap()
                .as_deref(),
            Some("t")
        );
        assert_eq!(
            q(primary.clone(), "SELECT pg_is_in_recovery()")
                .await
                .unwrap()
                .as_deref(),
            Some("f")
        );
        q(
            primary.clone(),
            "CREATE TABLE orders(id int); INSERT INTO orders VALUES (42)",
        )
        .await
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match q(standby.clone(), "SELECT id FROM orders").await {
                Ok(Some(v)) if v == "42" => break,
                other => assert!(
                    Instant::now() < deadline,
                    "standby never saw the row: {other:?}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let err = q(standby.clone(), "INSERT INTO orders VALUES (1)")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn docker_stopped_eni_recreates_its_workloads_only() {
    let engine = engine().await;
    let project = "rt-eni";
    let p = plan(project, "10.238.0.0/16", false, &[], Some(1));
    with_cleanup(&engine, project, async {
        emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        let before = engine.project_containers(project).await.unwrap();
        let pause = before
            .iter()
            .find(|c| c.resource() == Some("eni/elasticache/sessions/002"))
            .unwrap();
        let out = std::process::Command::new("docker")
            .args(["stop", "-t", "1", &pause.id])
            .output()
            .unwrap();
        assert!(out.status.success());
        let report = emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .unwrap();
        let mut recreated = report.recreated.clone();
        recreated.sort();
        assert_eq!(
            recreated,
            vec![
                "elasticache/sessions/002".to_string(),
                "eni/elasticache/sessions/002".to_string()
            ],
            "the stopped ENI and the replica living in its namespace; the primary is kept"
        );
        // The replica is back, replicating, at the same address.
        let replica = format!("{}:6379", ip_of(&p, "eni/elasticache/sessions/002"));
        let role = probes::redis::command(&replica, Some("redis-t0ken"), &["ROLE"], T)
            .await
            .unwrap();
        assert_eq!(texts(&role)[..1], ["slave"]);
    })
    .await;
}

#[tokio::test]
async fn docker_network_overlapping_a_host_route_fails_with_the_clash() {
    let engine = engine().await;
    let project = "rt-route";
    // A real route of this host that is not a Docker bridge's (eth0's link route here).
    let routes = emul::runtime::network::parse_proc_net_route(
        &std::fs::read_to_string("/proc/net/route").unwrap(),
    );
    let route = routes
        .iter()
        .find(|r| {
            !["docker", "br-", "em-"]
                .iter()
                .any(|p| r.iface.starts_with(p))
                && (16..=24).contains(&r.dest.prefix_len())
        })
        .expect("this host has a link route to overlap with")
        .clone();
    let p = plan(project, &route.dest.to_string(), false, &[], Some(0));
    with_cleanup(&engine, project, async {
        let err = emul::runtime::reconcile::up(&engine, &p, &opts()).await.unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert_eq!(
            msg,
            format!(
                "VPC {0} of project rt-route overlaps host route {0} dev {1} — change the topology's cidr_block or remove the route",
                route.dest, route.iface
            )
        );
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    })
    .await;
}

#[tokio::test]
async fn docker_wrong_credentials_fail_fast_and_roll_back() {
    let engine = engine().await;
    let project = "rt-badauth";
    let mut p = plan(project, "10.239.0.0/16", false, &[], Some(0));
    // The server requires one token, the probe is configured with another.
    if let emul::runtime::Readiness::Redis { password, .. } = &mut p.containers[0].readiness {
        *password = Some(Secret("not-the-token".into()));
    }
    with_cleanup(&engine, project, async {
        let started = Instant::now();
        let err = emul::runtime::reconcile::up(&engine, &p, &opts()).await.unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        assert!(
            msg.starts_with("elasticache/sessions/001 failed its readiness probe: authentication failed: WRONGPASS"),
            "{msg}"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "no waiting for the timeout");
        assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    })
    .await;
}

/// An `emul/` image no candidate finds is built by the recipes that ship
/// with emul (here a stand-in script that tags the agent image, with the
/// build script's `--list` / `--only TAG` interface), then used; a tag the
/// recipes do not make stays missing, and the error says what was tried.
#[tokio::test]
async fn docker_a_missing_emul_image_is_built_from_the_recipes() {
    use emul::runtime::image_recipes::Recipes;
    use emul::runtime::images::{ImageError, ImageResolver};

    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: building images needs root");
        return;
    }
    const TAG: &str = "emul/recipe-test:1";
    let rmi = || {
        let _ = std::process::Command::new("docker")
            .args(["rmi", "-f", TAG])
            .output();
    };
    rmi();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("build-images.sh");
    std::fs::write(
        &script,
        format!(
            "case $1 in\n  --list) echo {TAG} ;;\n  --only) echo \"[build-images] $2: building\"; docker tag emul/agent:latest \"$2\" ;;\nesac\n"
        ),
    )
    .unwrap();
    let engine = Engine::connect().await.unwrap();
    let mut resolver =
        ImageResolver::new(&engine, PullPolicy::Never).with_recipes(Some(Recipes { script }));
    let built = resolver
        .resolve("test", &ImageChoice::exact(TAG))
        .await
        .unwrap();
    assert_eq!(built.reference, TAG);
    assert!(engine.image_defaults(TAG).await.unwrap().is_some());
    let err = resolver
        .resolve("test", &ImageChoice::exact("emul/not-a-recipe:1"))
        .await
        .unwrap_err();
    assert!(matches!(err, ImageError::Missing { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("emul/not-a-recipe:1 (not present locally)"),
        "{err}"
    );
    rmi();
}

/// emul in a container (mode (c) of decision 0011): its container joins the
/// VPC network at base + 3 (again: no change), and `down` removes the
/// network although that container is still attached (it is disconnected,
/// not removed). A plain test-app container stands in for emul's.
#[tokio::test]
async fn docker_a_container_joins_the_vpc_at_base_3_and_down_disconnects_it() {
    use emul::runtime::placement::Placement;
    let engine = engine().await;
    let project = "rt-placement";
    let cidr = net("10.140.0.0/16");
    let p = plan(project, "10.140.0.0/16", false, &[], None);
    let run = std::process::Command::new("docker")
        .args([
            "run",
            "-d",
            "--label",
            "io.emul.test=1",
            "emul/testapp:latest",
        ])
        .output()
        .expect("docker run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stand_in = String::from_utf8_lossy(&run.stdout).trim().to_string();
    let network = naming::object_name(project, "vpc/main");
    let placement = Placement::Container {
        container: stand_in.clone(),
        agent_volume: "rt-placement-agents".into(),
    };
    let inspect_ip = || {
        let out = std::process::Command::new("docker")
            .args([
                "inspect",
                "-f",
                &format!("{{{{with index .NetworkSettings.Networks \"{network}\"}}}}{{{{.IPAddress}}}}{{{{end}}}}"),
                &stand_in,
            ])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    with_cleanup(&engine, project, async {
        emul::runtime::reconcile::up(&engine, &p, &opts())
            .await
            .expect("up");
        placement.join_vpc(&engine, &network, cidr).await.unwrap();
        assert_eq!(inspect_ip(), "10.140.0.3");
        // A second join (a daemon reconciling again) changes nothing.
        placement.join_vpc(&engine, &network, cidr).await.unwrap();
        assert_eq!(inspect_ip(), "10.140.0.3");
    })
    .await;
    assert_eq!(leftovers(&engine, project).await, (0, 0, 0));
    let running = std::process::Command::new("docker")
        .args(["inspect", "-f", "{{.State.Running}}", &stand_in])
        .output()
        .expect("docker inspect");
    let _ = std::process::Command::new("docker")
        .args(["rm", "-f", &stand_in])
        .output();
    assert_eq!(String::from_utf8_lossy(&running.stdout).trim(), "true");
}
