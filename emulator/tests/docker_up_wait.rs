//! `emul up -d --wait` means ready, with the real binary on this Docker
//! engine and the wechat seed (two ECS services behind the ALB):
//! - it returns only once every service is at steady state and every
//!   registered target is healthy, so a request through each forwarding
//!   listener right after it gets a task's answer (never a 503), and it said
//!   what it was waiting for on the way;
//! - `emul status` then shows each task's address and health, aligned;
//! - StopTask on a backend task whose target group drains for 300 s, with
//!   maximumPercent 100: the task leaves RUNNING at once and the service is
//!   back at 2 of 2 RUNNING while the old task still drains (DEACTIVATING),
//!   and a second `up -d --wait` right after the StopTask returns only once
//!   the replacement is healthy;
//! - with a health check no task can pass, `--timeout` expires and `up`
//!   exits 1 naming the target groups that were not ready.
//!
//! VPC ranges 10.224/16 and 10.225/16, endpoint and listener ports
//! 23100–23105 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::{BACKEND, CLUSTER, FRONTEND, Guard, Ports, ecs, http};
use serde_json::json;

#[test]
fn docker_up_wait_returns_ready_and_a_stopped_task_is_replaced_while_it_drains() {
    let ports = Ports {
        api: 23100,
        http: 23101,
        https: 23102,
    };
    let api = ports.api;
    let (_dir, file) = e2e::topology("emt-up-wait", 225, &ports);
    let guard = Guard(file.clone());
    let args = e2e::up_args(file.to_str().unwrap(), &api.to_string());
    let out = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("  waiting   service wechat-"),
        "progress names the services awaited: {stderr}"
    );

    // Right away, without any further wait: steady services, healthy
    // targets, and each forwarding listener answered by a task.
    for svc in [BACKEND, FRONTEND] {
        let s = e2e::service(api, svc);
        assert!(e2e::service_steady(&s), "{svc} not steady after up: {s}");
    }
    for tg in ["wechat-backend", "wechat-frontend"] {
        let health = e2e::target_health(api, &e2e::target_group_arn(api, tg));
        assert_eq!(health.len(), 2, "{tg}: {health:?}");
        assert!(
            health.iter().all(|(_, s)| s == "healthy"),
            "{tg}: {health:?}"
        );
    }
    let (status, head, body) = http(
        &format!("127.0.0.1:{}", ports.http),
        "GET /whoami HTTP/1.1\r\nHost: app.example.test\r\n",
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "HTTP /whoami right after up: {head}\n{body}");
    let curl = Command::new("curl")
        .args([
            "-sk",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(["-H", "Host: wechat.example.com"])
        .arg(format!("https://127.0.0.1:{}/", ports.https))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "200", "{curl:?}");

    // `emul status`: every task row has its address and target health.
    let backend = e2e::task_arns(api, BACKEND);
    let tasks = e2e::describe_tasks(api, &backend);
    let out = sp::run(&["status", "--topology", file.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(table.ends_with('\n'), "{table:?}");
    for t in &tasks {
        let ip = e2e::task_ip(t);
        let row = table
            .lines()
            .find(|l| l.contains(&ip) && l.contains("/backend "))
            .unwrap_or_else(|| panic!("no task row with {ip}:\n{table}"));
        assert!(
            row.contains("tg wechat-backend healthy"),
            "row {row:?} shows the target health"
        );
    }

    // StopTask behind a 300 s deregistration delay.
    let tg = e2e::target_group_arn(api, "wechat-backend");
    e2e::elbv2_action(
        api,
        "ModifyTargetGroupAttributes",
        &[
            ("TargetGroupArn", &tg),
            (
                "Attributes.member.1.Key",
                "deregistration_delay.timeout_seconds",
            ),
            ("Attributes.member.1.Value", "300"),
        ],
    );
    // maximumPercent 100 (no new deployment): a draining task must not
    // count against it (it caps RUNNING + PENDING tasks).
    ecs(
        api,
        "UpdateService",
        json!({"cluster": CLUSTER, "service": BACKEND,
               "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 100}}),
    );
    let victim = backend.iter().next().unwrap().clone();
    let stopped = ecs(
        api,
        "StopTask",
        json!({"cluster": CLUSTER, "task": victim, "reason": "test"}),
    );
    assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
    let asked = Instant::now();
    let one = BTreeSet::from([victim.clone()]);
    let last_status = || e2e::describe_tasks(api, &one)[0]["lastStatus"].clone();
    e2e::poll_until("DEACTIVATING", Duration::from_secs(5), || {
        (last_status() == "DEACTIVATING")
            .then_some(())
            .ok_or_else(|| format!("{}", last_status()))
    });
    // `up --wait` against the running daemon, right after the StopTask,
    // returns only once the replacement runs and its target is healthy.
    let again = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again.status.code(), Some(0));
    let s = e2e::service(api, BACKEND);
    assert!(
        e2e::service_steady(&s),
        "backend not steady after a second up --wait: {s}"
    );
    let health = e2e::target_health(api, &tg);
    assert_eq!(
        health.iter().filter(|(_, h)| h == "healthy").count(),
        2,
        "two healthy backend targets besides the draining one: {health:?}"
    );
    e2e::poll_until(
        "2 of 2 RUNNING while the old task drains",
        Duration::from_secs(90),
        || {
            let s = e2e::service(api, BACKEND);
            let running: Vec<_> = e2e::describe_tasks(api, &e2e::task_arns(api, BACKEND))
                .into_iter()
                .filter(|t| t["lastStatus"] == "RUNNING")
                .collect();
            (s["runningCount"] == 2 && running.len() == 2)
                .then_some(())
                .ok_or_else(|| format!("runningCount {}", s["runningCount"]))
        },
    );
    assert!(asked.elapsed() < Duration::from_secs(120));
    assert_eq!(last_status(), "DEACTIVATING", "the old task still drains");
    drop(guard);
}

#[test]
fn docker_up_wait_times_out_naming_what_was_not_ready() {
    let ports = Ports {
        api: 23103,
        http: 23104,
        https: 23105,
    };
    let (_dir, file) = e2e::topology("emt-up-wait-never", 224, &ports);
    // No task ever passes this health check.
    let text = std::fs::read_to_string(&file).unwrap();
    let never = text.replace("path: /health,", "path: /no-such-page,");
    assert_ne!(text, never);
    std::fs::write(&file, never).unwrap();
    let _guard = Guard(file.clone());
    let mut args = e2e::up_args(file.to_str().unwrap(), &ports.api.to_string());
    let at = args.iter().position(|a| a == "--timeout").unwrap();
    args[at + 1] = "60".into();
    let started = Instant::now();
    let out = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(90));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not ready within 60s (--timeout): "),
        "{stderr}"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains("not ready within 60s"))
        .unwrap();
    assert!(
        line.contains("target group wechat-backend: 0 of 2 healthy")
            || line.contains("service wechat-backend-service: "),
        "{line}"
    );
    assert!(line.contains("wechat-frontend"), "{line}");
    // Nothing is left running.
    assert!(sp::counts("emt-up-wait-never").0 == 0);
}
