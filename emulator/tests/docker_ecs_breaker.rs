//! The deployment circuit breaker on the real Docker engine: a deployment
//! whose tasks cannot start (a missing secret) fails after the threshold and
//! rolls back to the previous task definition; plus the CreateService
//! (desired 5) → all RUNNING benchmark recorded in docs/benchmarks.md.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::ecs::{EcsWorld, network_configuration, testapp_task_definition};

#[tokio::test]
async fn docker_ecs_circuit_breaker_rolls_back() {
    let w = EcsWorld::start("ecs-breaker", 217).await;
    w.web_service(1, json!({"deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}}}));
    w.wait_for("steady", Duration::from_secs(60), |w| {
        w.service("web")["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;
    let mut bad = testapp_task_definition("web", json!([]));
    bad["containerDefinitions"][0]["secrets"] = json!([{"name": "X",
        "valueFrom": "arn:aws:secretsmanager:us-east-1:000000000000:secret:ghost-AbCdEf"}]);
    w.call("RegisterTaskDefinition", bad);
    let updated = w.call(
        "UpdateService",
        json!({"cluster": "prod", "service": "web", "taskDefinition": "web:2"}),
    );
    let failed_id = updated["service"]["deployments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.wait_for("rolled back and steady", Duration::from_secs(90), |w| {
        let s = w.service("web");
        s["deployments"].as_array().unwrap().len() == 1
            && s["deployments"][0]["rolloutState"] == "COMPLETED"
            && s["deployments"][0]["id"] != failed_id.as_str()
            && s["runningCount"] == 1
    })
    .await;
    let s = w.service("web");
    assert!(
        s["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with("task-definition/web:1")
    );
    let events: Vec<String> = s["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events.contains(&format!(
            "(service web) (deployment {failed_id}) deployment failed: tasks failed to start."
        )),
        "{events:?}"
    );
    // Exactly threshold (3) tasks of the failed deployment were tried.
    let failed = w
        .task_arns("STOPPED")
        .iter()
        .map(|a| w.task(a))
        .filter(|t| t["startedBy"] == failed_id.as_str())
        .count();
    assert_eq!(failed, 3, "circuit breaker threshold for desired 1 is 3");
    w.shutdown().await;
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn docker_ecs_bench_create_service_5_to_running() {
    let w = EcsWorld::start("ecs-bench", 218).await;
    w.call(
        "RegisterTaskDefinition",
        testapp_task_definition("web", json!([])),
    );
    let t0 = Instant::now();
    w.call(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web",
               "desiredCount": 5, "networkConfiguration": network_configuration()}),
    );
    w.wait_for("5 running", Duration::from_secs(120), |w| {
        w.service("web")["runningCount"] == 5
    })
    .await;
    let running = t0.elapsed();
    w.wait_for("steady", Duration::from_secs(60), |w| {
        w.service("web")["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;
    let steady = t0.elapsed();
    let rss = rss_kib();
    eprintln!(
        "ECS bench: CreateService(desired 5) → 5 RUNNING in {:.2} s, COMPLETED (healthy gate 1 s) in {:.2} s; harness RSS {} MiB",
        running.as_secs_f64(),
        steady.as_secs_f64(),
        rss / 1024
    );
    assert!(running < Duration::from_secs(60), "took {running:?}");
    w.shutdown().await;
}
