//! The ALB data plane with real containers: upstream connections are made
//! from the ALB ENI's network namespace (an `emul/agent` container whose
//! socket broker opens them and hands them over; emul enters no namespace),
//! so the test app's `/whoami` reports the ALB ENI's address as its peer,
//! and health checks reach the tasks the same way.
//! Run: `cargo nextest run -p emul --test docker_alb` (root, Docker, images
//! from `scripts/build-images.sh`).

#[path = "support/alb.rs"]
mod alb_support;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use emul::dataplane::alb::{AlbOptions, AlbRuntime};
use emul::runtime::agent::BrokerClient;
use emul::services::elbv2::service::now_ms;
use emul::wiring::{Target, TargetState};

const NAME: &str = "emul-test-alb";

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes the test's containers and network even when an assertion fails.
struct Cleanup;
impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in ["alb-eni", "task-a", "task-b"] {
            let _ = Command::new("docker")
                .args(["rm", "-f", &format!("{NAME}-{c}")])
                .output();
        }
        let _ = Command::new("docker")
            .args(["network", "rm", NAME])
            .output();
    }
}

fn run(name: &str, ip: &str, image: &str, env: &[&str]) {
    run_with(name, ip, image, env, &[]);
}

fn run_with(name: &str, ip: &str, image: &str, env: &[&str], extra: &[&str]) {
    let full = format!("{NAME}-{name}");
    let mut args = vec![
        "run",
        "-d",
        "--name",
        &full,
        "--label",
        "io.emul.test=1",
        "--network",
        NAME,
        "--ip",
        ip,
    ];
    for e in env {
        args.extend(["-e", e]);
    }
    args.extend(extra);
    args.push(image);
    docker(&args);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_alb_connects_to_tasks_from_its_eni() {
    let _cleanup = Cleanup;
    drop(Cleanup); // leftovers of an interrupted run
    docker(&[
        "network",
        "create",
        "--label",
        "io.emul.test=1",
        "--subnet",
        "10.214.0.0/24",
        NAME,
    ]);
    // The ALB ENI's agent, its broker listening in a directory shared with
    // this process.
    let shared = tempfile::tempdir().unwrap();
    let mount = format!("{}:/run/emul", shared.path().display());
    run_with(
        "alb-eni",
        "10.214.0.10",
        "emul/agent:latest",
        &[
            "EMUL_AGENT_TOKEN=alb-test-token",
            "EMUL_AGENT_LISTEN=10.214.0.10:7411",
            "EMUL_AGENT_SOCKET=/run/emul/broker.sock",
        ],
        &["--cap-add", "NET_ADMIN", "-v", &mount],
    );
    run(
        "task-a",
        "10.214.0.20",
        "emul/testapp:latest",
        &["PORT=8080", "APP_NAME=task-a"],
    );
    run(
        "task-b",
        "10.214.0.21",
        "emul/testapp:latest",
        &["PORT=8080", "APP_NAME=task-b"],
    );

    let socket = shared.path().join("broker.sock");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "the agent's broker did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let broker = BrokerClient::new(socket, "alb-test-token");
    let topology = emul::topology::parse_str(alb_support::TOPOLOGY).unwrap();
    let alb = AlbRuntime::start(
        &topology,
        AlbOptions {
            brokers: HashMap::from([("front".to_string(), broker)]),
            ..AlbOptions::default()
        },
        now_ms(),
    )
    .await
    .expect("ALB starts");
    let arn = alb
        .elbv2
        .snapshot()
        .target_groups
        .values()
        .find(|t| t.name == "web")
        .unwrap()
        .arn
        .clone();
    let targets = [
        Target {
            ip: "10.214.0.20".parse().unwrap(),
            port: 8080,
        },
        Target {
            ip: "10.214.0.21".parse().unwrap(),
            port: 8080,
        },
    ];
    for t in targets {
        alb.targets.register(&arn, t).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while targets
        .iter()
        .any(|t| alb.targets.state(&arn, *t) != TargetState::Healthy)
    {
        assert!(
            Instant::now() < deadline,
            "tasks never became healthy through the ALB ENI's health checks"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let url = &alb.listener("front", 80).unwrap().url;
    let c = alb_support::client();
    let mut apps = HashSet::new();
    for _ in 0..6 {
        let r = alb_support::get(&c, &format!("{url}/whoami"), &[])
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            v["peer_ip"], "10.214.0.10",
            "the task must see the ALB ENI as its peer: {v}"
        );
        assert_eq!(v["headers"]["x-forwarded-for"][0], "127.0.0.1");
        assert_eq!(v["headers"]["x-forwarded-port"][0], "80");
        apps.insert(v["app"].as_str().unwrap().to_string());
    }
    assert_eq!(
        apps,
        HashSet::from(["task-a".to_string(), "task-b".to_string()])
    );
}
