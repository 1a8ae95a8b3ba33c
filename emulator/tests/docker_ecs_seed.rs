//! ECS on a seed fixture, under the real binary (`emul up -d --wait`) on this
//! Docker engine: the prod-infra seed (five services on awsvpc tasks, an ALB,
//! a Cloud Map namespace with `redis` / `ai-service` / `qdrant` names, secrets)
//! kept in its shape, driven from outside as a user would, in phases over one
//! `up`:
//! 1. every service reaches its desired count (`aws ecs wait services-stable`);
//! 2. from inside a frontend task (reached through the HTTPS listener): the
//!    task reads its metadata endpoint, calls GetSecretValue through the AWS
//!    SDK with only the injected configuration, and resolves the other
//!    services' discovery names and connects to them (and not to a port its
//!    security group does not open);
//! 3. a task definition with a bad secret reference stops with the agent's
//!    stoppedReason;
//! 4. a forced rolling deployment, sampled: running and healthy counts never
//!    drop below the minimum healthy count; `services-stable` returns after it;
//! 5. scaling 2 → 4 (`services-stable` returns after it) → 1;
//! 6. `docker kill` of a task container: the task stops with ECS's codes and
//!    is replaced, with the service event.
//!
//! The wechat seed's `emul up` tests (`docker_topology_e2e.rs`) cover the
//! ALB side (routing, zero failed requests under load during a deployment,
//! StopTask under load, security-group revocation); they are not repeated.
//!
//! Project `emt-seed-prod`, VPC 10.243.0.0/16, endpoint 127.0.0.1:24200, ALB
//! listeners on 24201 (HTTP) and 24202 (HTTPS); objects are labelled
//! `io.emul.test=1` and `emul down --volumes` runs even on failure.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use e2e::{Guard, Ports, ecs, poll_until};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PROJECT: &str = "emt-seed-prod";
const VPC_OCTET: u8 = 243;
const PORTS: Ports = Ports {
    api: 24200,
    http: 24201,
    https: 24202,
};
const CLUSTER: &str = "prod-infra-production-cluster";
const NAMESPACE: &str = "prod-infra-production.local";
const FRONTEND: &str = "frontend";
/// Every service of the seed with its desired count.
const SERVICES: [(&str, i64); 5] = [
    ("frontend", 2),
    ("backend", 2),
    ("ai-service", 1),
    ("redis", 1),
    ("qdrant", 1),
];
/// Bound on each wait for the scheduler.
const SETTLE: Duration = Duration::from_secs(150);

/// prod-infra.yaml as the seed has it, but for the project name, the VPC
/// range, the listeners' host ports and fast target groups.
fn topology() -> (tempfile::TempDir, PathBuf) {
    sp::fixture_topology("prod-infra", PROJECT, VPC_OCTET, |s| {
        let (http, https) = (PORTS.http, PORTS.https);
        let s = e2e::fast_target_groups(&s)
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
            s.contains(&format!("host_port: {http}")) && s.contains(&format!("host_port: {https}"))
        );
        s
    })
}

fn service(name: &str) -> Value {
    e2e::service_in(PORTS.api, CLUSTER, name)
}

fn tasks_of(name: &str) -> BTreeSet<String> {
    e2e::task_arns_in(PORTS.api, CLUSTER, name)
}

fn describe(arns: &BTreeSet<String>) -> Vec<Value> {
    e2e::describe_tasks_in(PORTS.api, CLUSTER, arns)
}

fn describe_one(arn: &str) -> Value {
    describe(&BTreeSet::from([arn.to_string()])).remove(0)
}

fn ips_of(name: &str) -> BTreeSet<String> {
    describe(&tasks_of(name)).iter().map(e2e::task_ip).collect()
}

fn events(name: &str) -> Vec<String> {
    service(name)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until every task of `arns` is STOPPED; returns them described.
fn wait_stopped(what: &str, arns: &BTreeSet<String>) -> Vec<Value> {
    poll_until(&format!("{what}: STOPPED"), SETTLE, || {
        let states: Vec<Value> = describe(arns)
            .iter()
            .map(|t| t["lastStatus"].clone())
            .collect();
        if states.iter().all(|s| s == "STOPPED") {
            Ok(())
        } else {
            Err(format!("{states:?}"))
        }
    });
    describe(arns)
}

/// The ServicesStable waiter's success condition for one service.
fn stable(svc: &Value) -> bool {
    svc["deployments"].as_array().map(Vec::len) == Some(1)
        && svc["runningCount"] == svc["desiredCount"]
}

/// `aws ecs wait services-stable` for `services`, which must succeed. When
/// the CLI is missing (and not required) the same condition is polled.
fn wait_services_stable(cli: Option<&Path>, home: &Path, services: &[&str]) -> Duration {
    let started = Instant::now();
    match cli {
        Some(cli) => {
            let endpoint = format!("http://127.0.0.1:{}", PORTS.api);
            let mut args = vec![
                "ecs",
                "wait",
                "services-stable",
                "--cluster",
                CLUSTER,
                "--services",
            ];
            args.extend_from_slice(services);
            let out = aws_cli::run(cli, &endpoint, home, &args);
            assert!(
                out.status.success(),
                "aws {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        None => {
            poll_until("services stable (no CLI)", SETTLE, || {
                match services.iter().map(|s| service(s)).find(|s| !stable(s)) {
                    None => Ok(()),
                    Some(s) => Err(format!("{} {}", s["serviceName"], s["deployments"])),
                }
            });
        }
    }
    let took = started.elapsed();
    for s in services {
        let svc = service(s);
        assert!(
            stable(&svc),
            "the waiter returned but {s} is not stable: {svc}"
        );
    }
    took
}

/// UpdateService through the AWS CLI when present (else the raw API).
fn update_service(cli: Option<&Path>, home: &Path, name: &str, change: &[&str]) -> Value {
    match cli {
        Some(cli) => {
            let endpoint = format!("http://127.0.0.1:{}", PORTS.api);
            let mut args = vec![
                "ecs",
                "update-service",
                "--cluster",
                CLUSTER,
                "--service",
                name,
            ];
            args.extend_from_slice(change);
            aws_cli::json(cli, &endpoint, home, &args)
        }
        None => {
            let mut body = json!({"cluster": CLUSTER, "service": name});
            match change {
                ["--desired-count", n] => body["desiredCount"] = json!(n.parse::<i64>().unwrap()),
                ["--force-new-deployment"] => body["forceNewDeployment"] = json!(true),
                other => panic!("unsupported change {other:?}"),
            }
            ecs(PORTS.api, "UpdateService", body)
        }
    }
}

/// `GET path` through the HTTPS listener (default action: the frontend),
/// with curl (`-k`: emul's CA is not trusted here): (status, JSON body).
fn https_json(path: &str) -> (u16, Value) {
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "30", "-w", "\n%{http_code}"])
        .args(["-H", "Host: prod-infra.example.com"])
        .arg(format!("https://127.0.0.1:{}{path}", PORTS.https))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = code.trim().parse().unwrap_or(0);
    let body =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {text:?} {out:?}"));
    (status, body)
}

/// Healthy targets of the frontend's target group.
fn healthy_targets(tg: &str) -> BTreeSet<String> {
    e2e::target_health(PORTS.api, tg)
        .into_iter()
        .filter(|(_, state)| state == "healthy")
        .map(|(id, _)| id)
        .collect()
}

/// Waits until the frontend's healthy targets are exactly its running tasks.
fn wait_targets_match(tg: &str, want: usize) {
    poll_until("frontend targets healthy", SETTLE, || {
        let (ips, health) = (ips_of(FRONTEND), e2e::target_health(PORTS.api, tg));
        let healthy = healthy_targets(tg);
        if ips.len() == want && healthy == ips && health.len() == want {
            Ok(())
        } else {
            Err(format!("tasks {ips:?} targets {health:?}"))
        }
    });
}

#[test]
fn docker_ecs_seed_prod_infra_services_discovery_sdk_scaling_deploy_and_kill() {
    let cli = aws_cli::find();
    let cli = cli.as_deref();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let (_dir, file) = topology();
    let guard = Guard(file.clone());
    let api = PORTS.api;
    let started = Instant::now();

    // 1. Up; every service reaches its desired count.
    let args = e2e::up_args(file.to_str().unwrap(), &api.to_string());
    let out = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0));
    eprintln!("up -d --wait: {:?}", started.elapsed());
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!(
            "VPC resolver   10.243.0.2:53 in tasks, served on 10.243.0.1:5300 (service discovery in {NAMESPACE})"
        )),
        "{printed}"
    );
    let names: Vec<&str> = SERVICES.iter().map(|(n, _)| *n).collect();
    let took = wait_services_stable(cli, home, &names);
    for (name, desired) in SERVICES {
        let svc = service(name);
        assert_eq!(
            (svc["desiredCount"].as_i64(), svc["runningCount"].as_i64()),
            (Some(desired), Some(desired)),
            "{svc}"
        );
        assert_eq!(tasks_of(name).len() as i64, desired, "{name}");
    }
    let tg = e2e::target_group_arn(api, "frontend");
    wait_targets_match(&tg, 2);
    eprintln!(
        "every service at its desired count ({took:?} in the waiter), {:?} after up",
        started.elapsed()
    );

    // 2. Inside a frontend task.
    in_task_sdk_metadata_and_discovery();

    // 3. A bad secret reference.
    bad_secret_reference_stops_the_task();

    // 4. A forced rolling deployment of the frontend, sampled.
    rolling_deployment_keeps_min_healthy(cli, home, &tg);

    // 5. Scaling 2 → 4 → 1.
    let v = update_service(cli, home, FRONTEND, &["--desired-count", "4"]);
    assert_eq!(v["service"]["desiredCount"], 4, "{v}");
    let took = wait_services_stable(cli, home, &[FRONTEND]);
    assert_eq!(tasks_of(FRONTEND).len(), 4);
    wait_targets_match(&tg, 4);
    eprintln!("scale 2 → 4: services-stable returned after {took:?}");
    let four = tasks_of(FRONTEND);
    update_service(cli, home, FRONTEND, &["--desired-count", "1"]);
    let scale_in_started = Instant::now();
    let took = poll_until("scale 4 → 1", SETTLE, || {
        let (svc, arns) = (service(FRONTEND), tasks_of(FRONTEND));
        if stable(&svc) && svc["runningCount"] == 1 && arns.len() == 1 {
            Ok(())
        } else {
            Err(format!("running {} tasks {arns:?}", svc["runningCount"]))
        }
    });
    let ev = events(FRONTEND);
    assert!(
        ev.iter()
            .any(|e| e.starts_with("(service frontend) has stopped 3 running tasks: (task ")),
        "{ev:?}"
    );
    let scaled_in: BTreeSet<String> = four.difference(&tasks_of(FRONTEND)).cloned().collect();
    assert_eq!(scaled_in.len(), 3, "{four:?}");
    wait_stopped("the 3 scaled-in tasks", &scaled_in);
    wait_targets_match(&tg, 1);
    eprintln!(
        "scale 4 → 1: runningCount 1 after {took:?}, 3 tasks drained and STOPPED after {:?}",
        scale_in_started.elapsed()
    );

    // 6. docker kill → replaced.
    killed_task_is_replaced(&tg);

    // Down: nothing of the project is left.
    let out = sp::run(&["down", "--volumes", "--topology", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        sp::counts(PROJECT),
        (0, 0, 0),
        "containers, networks, volumes left"
    );
    eprintln!("whole test: {:?}", started.elapsed());
    drop(guard);
}

/// Phase 2: GetSecretValue through the SDK, the metadata endpoint, and
/// service discovery, each from inside a frontend task.
fn in_task_sdk_metadata_and_discovery() {
    let frontend = tasks_of(FRONTEND);
    let secret_id = "prod-infra-production/backend";
    let expected = sp::get_secret_value(&format!("http://127.0.0.1:{}", PORTS.api), secret_id);
    let value = expected["SecretString"].as_str().unwrap();
    let (status, got) = https_json("/aws/secret?id=prod-infra-production%2Fbackend");
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["ok"], true, "{got}");
    assert_eq!(got["name"], expected["Name"], "{got}");
    assert_eq!(got["arn"], expected["ARN"], "{got}");
    assert_eq!(got["version_id"], expected["VersionId"], "{got}");
    assert_eq!(got["version_stages"], json!(["AWSCURRENT"]), "{got}");
    assert_eq!(
        got["value_sha256"],
        hex::encode(Sha256::digest(value.as_bytes())),
        "{got}"
    );
    assert_eq!(got["json_keys"], json!(["API_KEY", "MONGODB_URI"]), "{got}");
    // The configuration the SDK found: the injected region and endpoint (the
    // VPC bridge's gateway address), and the credentials of this very task
    // (emul's endpoint hands out `ASIAEMUL` + the task id's first 16 digits).
    assert_eq!(got["region"], "us-east-1", "{got}");
    assert_eq!(
        got["endpoint_url"],
        format!("http://10.{VPC_OCTET}.0.1:{}", PORTS.api),
        "{got}"
    );
    let task_arn = got["task_arn"]
        .as_str()
        .unwrap_or_else(|| panic!("no task ARN from the metadata endpoint: {got}"));
    assert!(
        frontend.contains(task_arn),
        "{task_arn} is not a frontend task {frontend:?}"
    );
    let task_id = task_arn.rsplit('/').next().unwrap();
    assert_eq!(
        got["access_key_id"],
        format!("ASIAEMUL{}", task_id[..16].to_uppercase()),
        "{got}"
    );
    eprintln!(
        "GetSecretValue from {task_id} through the SDK in {} ms",
        got["elapsed_ms"]
    );

    // The metadata endpoint, as the task reads it: /whoami names the task
    // (TaskARN from `$ECS_CONTAINER_METADATA_URI_V4/task`) and its ENI address.
    let (status, who) = https_json("/whoami");
    assert_eq!(status, 200, "{who}");
    let arn = who["task_arn"].as_str().unwrap_or_else(|| panic!("{who}"));
    assert!(frontend.contains(arn), "{arn} not in {frontend:?}");
    let ip = e2e::task_ip(&describe_one(arn));
    assert!(
        who["addresses"].to_string().contains(&format!("\"{ip}\"")),
        "{who}"
    );

    // Discovery names resolve to the other services' tasks, and the
    // connections the security group opens (ecs-sg to itself) succeed.
    for (name, port) in [("ai-service", 8000), ("redis", 6379), ("qdrant", 6333)] {
        let host = format!("{name}.{NAMESPACE}");
        let (status, c) = https_json(&format!("/connect?host={host}&port={port}&timeout_ms=5000"));
        assert_eq!(
            (status, &c["connected"]),
            (200, &json!(true)),
            "{host}:{port}: {c}"
        );
        let remote = c["remote_addr"].as_str().unwrap();
        let ips = ips_of(name);
        assert!(
            ips.iter().any(|ip| remote == format!("{ip}:{port}")),
            "{host} reached {remote}, not a task of {name} {ips:?}"
        );
        eprintln!("{host}:{port} → {remote} in {} ms", c["elapsed_ms"]);
    }
    // The backend's port is open to the ALB's group only: a frontend task,
    // in ecs-sg, is not let through although it knows the address.
    let backend_ip = ips_of("backend").into_iter().next().unwrap();
    let (status, c) = https_json(&format!(
        "/connect?host={backend_ip}&port=5001&timeout_ms=1500"
    ));
    assert_eq!(
        (status, &c["connected"]),
        (200, &json!(false)),
        "frontend → backend:5001 {c}"
    );
}

/// Phase 3: the backend's task definition under a new family, with one
/// secret's JSON key misspelled, never starts: TaskFailedToStart with the
/// agent's text.
fn bad_secret_reference_stops_the_task() {
    let api = PORTS.api;
    let backend_td = service("backend")["taskDefinition"]
        .as_str()
        .unwrap()
        .to_string();
    let td = ecs(
        api,
        "DescribeTaskDefinition",
        json!({"taskDefinition": backend_td}),
    )["taskDefinition"]
        .clone();
    let mut containers = td["containerDefinitions"].clone();
    let secrets = containers[0]["secrets"].as_array_mut().unwrap();
    let from = secrets[0]["valueFrom"].as_str().unwrap().to_string();
    let (secret_arn, _) = from
        .split_once(":MONGODB_URI:")
        .unwrap_or_else(|| panic!("{from}"));
    secrets[0]["valueFrom"] = json!(format!("{secret_arn}:MONGO_URI::"));
    let registered = ecs(
        api,
        "RegisterTaskDefinition",
        json!({
            "family": "prod-infra-production-backend-typo",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["EC2"],
            "cpu": td["cpu"], "memory": td["memory"],
            "containerDefinitions": containers,
        }),
    );
    let run = ecs(
        api,
        "RunTask",
        json!({
            "cluster": CLUSTER,
            "taskDefinition": registered["taskDefinition"]["taskDefinitionArn"],
            "launchType": "EC2",
            "networkConfiguration": {"awsvpcConfiguration": {
                "subnets": ["private-1a"], "securityGroups": ["ecs-sg"]}},
        }),
    );
    let arn = run["tasks"][0]["taskArn"]
        .as_str()
        .unwrap_or_else(|| panic!("RunTask: {run}"))
        .to_string();
    let t = wait_stopped("the task with a bad secret", &BTreeSet::from([arn])).remove(0);
    assert_eq!(t["stopCode"], "TaskFailedToStart", "{t}");
    assert_eq!(
        t["stoppedReason"],
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key MONGO_URI",
        "{t}"
    );
}

/// What the sampler saw during the deployment.
#[derive(Debug)]
struct Sample {
    /// The service's runningCount.
    running: i64,
    /// Healthy targets in the frontend's target group.
    healthy: usize,
}

/// Phase 4: forceNewDeployment of the 2-task frontend (min healthy 100 %,
/// max 200 %), sampled until `services-stable` returns.
fn rolling_deployment_keeps_min_healthy(cli: Option<&Path>, home: &Path, tg: &str) {
    let old = tasks_of(FRONTEND);
    let old_deployment = service(FRONTEND)["deployments"][0]["id"].clone();
    let minimum = 2; // desiredCount 2 × minimumHealthyPercent 100 %
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (stop, tg) = (stop.clone(), tg.to_string());
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let running = service(FRONTEND)["runningCount"].as_i64().unwrap();
                samples.push(Sample {
                    running,
                    healthy: healthy_targets(&tg).len(),
                });
                std::thread::sleep(Duration::from_millis(200));
            }
            samples
        })
    };
    let v = update_service(cli, home, FRONTEND, &["--force-new-deployment"]);
    assert_eq!(
        v["service"]["deployments"].as_array().map(Vec::len),
        Some(2),
        "{v}"
    );
    let took = wait_services_stable(cli, home, &[FRONTEND]);
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.join().unwrap();
    let svc = service(FRONTEND);
    assert_ne!(svc["deployments"][0]["id"], old_deployment, "{svc}");
    let new = tasks_of(FRONTEND);
    assert!(
        new.is_disjoint(&old) && new.len() == 2,
        "old {old:?} new {new:?}"
    );
    wait_stopped("the old tasks", &old);
    let low_running = samples.iter().map(|s| s.running).min().unwrap();
    let low_healthy = samples.iter().map(|s| s.healthy).min().unwrap();
    let high_running = samples.iter().map(|s| s.running).max().unwrap();
    eprintln!(
        "deployment: services-stable after {took:?}; {} samples, running {low_running}..={high_running}, healthy targets ≥ {low_healthy}",
        samples.len()
    );
    assert!(samples.len() >= 10, "too few samples: {samples:?}");
    assert!(
        low_running >= minimum && low_healthy >= minimum as usize,
        "dropped below {minimum}: {samples:?}"
    );
    // Max 200 %: new tasks started before old ones stopped, and were seen.
    assert!(
        high_running > minimum,
        "never more than {minimum} running: {samples:?}"
    );
    let ev = events(FRONTEND);
    assert!(
        ev.iter()
            .any(|e| e.starts_with("(service frontend) (deployment ecs-svc/")
                && e.ends_with(") deployment completed.")),
        "{ev:?}"
    );
    wait_targets_match(tg, 2);
}

/// Phase 6: `docker kill` of the frontend's only task container.
fn killed_task_is_replaced(tg: &str) {
    let victim = tasks_of(FRONTEND).into_iter().next().unwrap();
    let runtime_id = describe_one(&victim)["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    let killed_at = Instant::now();
    let out = Command::new("docker")
        .args(["kill", &runtime_id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let t = wait_stopped("the killed task", &BTreeSet::from([victim.clone()])).remove(0);
    assert_eq!(t["stopCode"], "EssentialContainerExited", "{t}");
    assert_eq!(
        t["stoppedReason"], "Essential container in task exited",
        "{t}"
    );
    assert_eq!(t["containers"][0]["exitCode"], 137, "{t}");
    poll_until("a replacement task", SETTLE, || {
        let arns = tasks_of(FRONTEND);
        if arns.len() == 1 && !arns.contains(&victim) && service(FRONTEND)["runningCount"] == 1 {
            Ok(())
        } else {
            Err(format!("{arns:?}"))
        }
    });
    let replacement = tasks_of(FRONTEND).into_iter().next().unwrap();
    let id = replacement.rsplit('/').next().unwrap();
    let ev = events(FRONTEND);
    assert!(
        ev.contains(&format!(
            "(service frontend) has started 1 tasks: (task {id})."
        )),
        "{ev:?}"
    );
    let running = killed_at.elapsed();
    wait_targets_match(tg, 1);
    eprintln!(
        "docker kill → replacement RUNNING after {running:?}, its target healthy after {:?}",
        killed_at.elapsed()
    );
}
