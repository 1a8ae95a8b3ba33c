//! Tasks of the seed fixtures reach their data stores through the names the
//! fixture gives them (issue 11, item 2), under the real binary
//! (`emul up -d --wait`) on this Docker engine:
//! - the registered task definition holds the resolved endpoints of its
//!   `${rds.….address}` / `${elasticache.….primary_endpoint_address}`
//!   references (as a Terraform-rendered one would);
//! - from inside a task of every service that has them, the test app's
//!   `/db` runs a query on Postgres and `/cache` AUTHs (when the fixture has
//!   a token) and PINGs Redis, with the environment ECS injected;
//! - the bare names resolve alike for both kinds: the replication group's id
//!   reaches its primary, as the RDS identifier reaches the instance.
//!
//! wechat (Redis without AUTH), rayman (a primary and two replicas) and
//! social-flow (Redis AUTH from a secret, three services sharing one
//! environment through YAML aliases) run as the seeds have them, but for the
//! project name, the VPC range (10.227.0.0/16 or 10.226.0.0/16), the
//! listeners' host ports, Single-AZ RDS (the names are the same; only the
//! standby is left out to save time) and the AWS endpoint's port (23290,
//! 23285, 23295).

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

/// One fixture as this test runs it.
struct Case {
    /// `fixtures/topologies/<fixture>.yaml`.
    fixture: &'static str,
    /// The project name it runs under here.
    project: &'static str,
    /// Its VPC moves to `10.<octet>.0.0/16`.
    octet: u8,
    /// AWS endpoint and listener host ports.
    ports: e2e::Ports,
    /// The ECS cluster.
    cluster: &'static str,
    /// Services whose tasks use the data stores, with their desired count.
    services: &'static [(&'static str, i64)],
    /// The port the test app listens on in those tasks (`PORT`).
    app_port: u16,
    /// The RDS instance and its database name.
    db: (&'static str, &'static str),
    /// The ElastiCache replication group.
    cache: &'static str,
    /// Whether the group has an AUTH token.
    auth: bool,
}

/// The fixture adjusted as the module docs say.
fn topology(c: &Case) -> (tempfile::TempDir, PathBuf) {
    let (http, https) = (c.ports.http, c.ports.https);
    sp::fixture_topology(c.fixture, c.project, c.octet, |s| {
        // rayman's VPC is 10.2.0.0/16 (the helper moves only `10.0.`).
        let s = s
            .replace("10.2.", &format!("10.{}.", c.octet))
            .replace("    multi_az: true\n", "    multi_az: false\n")
            .replace(
                "      - port: 80\n        protocol: HTTP\n",
                &format!("      - port: 80\n        host_port: {http}\n        protocol: HTTP\n"),
            )
            .replace(
                "      - port: 443\n        protocol: HTTPS\n",
                &format!(
                    "      - port: 443\n        host_port: {https}\n        protocol: HTTPS\n"
                ),
            );
        assert!(
            s.contains(&format!("host_port: {http}"))
                && s.contains(&format!("host_port: {https}"))
                && s.contains("multi_az: false"),
            "the fixture changed shape"
        );
        s
    })
}

/// `wget -q -O - http://127.0.0.1:<port><path>` inside the task's first
/// container (the test app's busybox), parsed as JSON.
fn get_in_task(task: &Value, port: u16, path: &str) -> Value {
    let container = task["containers"][0]["runtimeId"]
        .as_str()
        .unwrap_or_else(|| panic!("no runtimeId in {task}"));
    let out = Command::new("docker")
        .args(["exec", container, "wget", "-q", "-O", "-"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "GET {path} in {container}: {} (the test app answers 502 when the store is unreachable; see its log)",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The environment of the task definition `family` as registered.
fn registered_env(api: u16, family: &str) -> BTreeMap<String, String> {
    let td = e2e::ecs(
        api,
        "DescribeTaskDefinition",
        json!({"taskDefinition": family}),
    );
    td["taskDefinition"]["containerDefinitions"][0]["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn run(c: &Case) {
    let (_dir, file) = topology(c);
    let file_s = file.to_str().unwrap().to_string();
    let _guard = e2e::Guard(file.clone());
    let api = c.ports.api;
    let up = sp::run(
        &e2e::up_args(&file_s, &api.to_string())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        up.status.code(),
        Some(0),
        "emul up {}: {}",
        c.fixture,
        String::from_utf8_lossy(&up.stderr)
    );
    let (db_name, database) = c.db;
    for (service, desired) in c.services {
        e2e::poll_until(
            &format!("{}: {service} running {desired}", c.fixture),
            Duration::from_secs(240),
            || {
                let s = e2e::service_in(api, c.cluster, service);
                if s["runningCount"] == json!(desired) {
                    Ok(())
                } else {
                    Err(format!("{} {}", s["runningCount"], s["events"]))
                }
            },
        );
        let svc = e2e::service_in(api, c.cluster, service);
        let family = svc["taskDefinition"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let env = registered_env(api, &family);
        let db_host = env["DB_HOST"].clone();
        let redis_host = env["REDIS_HOST"].clone();
        assert!(
            db_host.starts_with(&format!("{db_name}."))
                && db_host.ends_with(".us-east-1.rds.amazonaws.com"),
            "{service}: DB_HOST {db_host}"
        );
        assert!(
            redis_host.starts_with(&format!("master.{}.", c.cache))
                && redis_host.ends_with(".use1.cache.amazonaws.com"),
            "{service}: REDIS_HOST {redis_host}"
        );
        assert_eq!(env["DB_PORT"], "5432");
        assert_eq!(env["REDIS_PORT"], "6379");

        let arns = e2e::task_arns_in(api, c.cluster, service);
        for task in e2e::describe_tasks_in(api, c.cluster, &arns) {
            let db = get_in_task(&task, c.app_port, "/db");
            assert_eq!(db["ok"], json!(true), "{service}: {db}");
            assert_eq!(db["host"], json!(db_host), "{service}: {db}");
            assert_eq!(db["current_database"], json!(database), "{service}: {db}");
            let cache = get_in_task(&task, c.app_port, "/cache");
            assert_eq!(cache["ok"], json!(true), "{service}: {cache}");
            assert_eq!(cache["ping"], json!("PONG"), "{service}: {cache}");
            assert_eq!(cache["host"], json!(redis_host), "{service}: {cache}");
            assert_eq!(cache["authenticated"], json!(c.auth), "{service}: {cache}");
            assert_eq!(cache["role"], json!("master"), "{service}: {cache}");
        }
    }

    // The bare names: the replication group's id reaches the primary, as
    // the RDS identifier reaches the instance.
    let (service, _) = c.services[0];
    let arns = e2e::task_arns_in(api, c.cluster, service);
    let task = &e2e::describe_tasks_in(api, c.cluster, &arns)[0];
    let env = registered_env(
        api,
        e2e::service_in(api, c.cluster, service)["taskDefinition"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap(),
    );
    let resolve = |name: &str| {
        get_in_task(task, c.app_port, &format!("/resolve?name={name}"))["addresses"].clone()
    };
    for (bare, endpoint) in [(db_name, &env["DB_HOST"]), (c.cache, &env["REDIS_HOST"])] {
        let (short, long) = (resolve(bare), resolve(endpoint));
        assert!(
            long.as_array().is_some_and(|a| a.len() == 1),
            "{endpoint}: {long}"
        );
        assert_eq!(short, long, "{bare} resolves as {endpoint} does");
    }

    let down = sp::run(&["down", "--volumes", "--topology", &file_s]);
    assert_eq!(down.status.code(), Some(0));
    assert_eq!(sp::counts(c.project), (0, 0, 0), "down removed everything");
}

#[test]
fn docker_fixture_tasks_reach_their_stores_wechat() {
    run(&Case {
        fixture: "wechat",
        project: "emt-dsn-wechat",
        octet: 227,
        ports: e2e::Ports {
            api: 23290,
            http: 23291,
            https: 23292,
        },
        cluster: "wechat-cluster",
        services: &[("wechat-backend-service", 2)],
        app_port: 8080,
        db: ("wechat-db", "wechat"),
        cache: "wechat-redis",
        auth: false,
    });
}

#[test]
fn docker_fixture_tasks_reach_their_stores_rayman() {
    run(&Case {
        fixture: "rayman",
        project: "emt-dsn-rayman",
        octet: 227,
        ports: e2e::Ports {
            api: 23285,
            http: 23286,
            https: 23287,
        },
        cluster: "prod-rayman-cluster",
        services: &[("web", 2)],
        app_port: 8080,
        db: ("rayman-db", "rayman"),
        cache: "rayman-redis",
        auth: false,
    });
}

#[test]
fn docker_fixture_tasks_reach_their_stores_social_flow() {
    run(&Case {
        fixture: "social-flow",
        project: "emt-dsn-social",
        octet: 226,
        ports: e2e::Ports {
            api: 23295,
            http: 23296,
            https: 23297,
        },
        cluster: "social-flow-prod",
        services: &[("app", 3), ("celery-worker", 4), ("celery-beat", 1)],
        app_port: 8000,
        db: ("social-flow-db", "socialflow"),
        cache: "social-flow-redis",
        auth: true,
    });
}
