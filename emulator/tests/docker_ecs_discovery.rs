//! Service discovery on the real Docker engine, through the path a task's
//! own code takes (C library → Docker's embedded DNS → the VPC resolver):
//! a service's name resolves to its RUNNING tasks whose health checks have
//! passed, and to nothing else — not a task still in its start period, not
//! one that is stopping.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::ecs::{EcsWorld, NAMESPACE, docker, network_configuration, testapp_task_definition};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `api`: a shell that sleeps, healthy once `/tmp/ready` exists (the start
/// period is long, so until then it stays UNKNOWN instead of failing).
fn api_task_definition() -> Value {
    json!({
        "family": "api",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "emul/postgres:15",
            "essential": true,
            "entryPoint": ["/bin/sh", "-c"],
            "command": ["exec sleep 3600"],
            "stopTimeout": 2,
            "healthCheck": {
                "command": ["CMD-SHELL", "test -f /tmp/ready"],
                "interval": 5, "timeout": 2, "retries": 1, "startPeriod": 300
            }
        }]
    })
}

/// `GET /resolve?name=` on the client task: the IPv4 addresses its resolver returned.
async fn resolve_from(client_ip: &str, name: &str) -> Vec<String> {
    let mut s = tokio::net::TcpStream::connect((client_ip, 8080))
        .await
        .expect("connect to the client task");
    s.write_all(
        format!("GET /resolve?name={name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let body: Value = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap_or("{}"))
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    let mut ips: Vec<String> = body["addresses"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ips.sort();
    ips
}

fn task_ip(w: &EcsWorld, arn: &str) -> String {
    w.task(arn)["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        .as_str()
        .unwrap_or_else(|| panic!("{arn} has no address yet"))
        .to_string()
}

/// Makes task `arn`'s health check pass and waits until ECS reports it HEALTHY.
async fn pass_health_check(w: &EcsWorld, arn: &str) {
    let container = w.task(arn)["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    docker(&["exec", &container, "/bin/sh", "-c", ": > /tmp/ready"]);
    w.wait_for(&format!("{arn} is HEALTHY"), Duration::from_secs(30), |w| {
        w.task(arn)["healthStatus"] == "HEALTHY"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_ecs_discovery_names_resolve_to_healthy_tasks_only() {
    let w = EcsWorld::start("ecs-disc", 223).await;
    let name = format!("api.{NAMESPACE}");
    w.call("RegisterTaskDefinition", api_task_definition());
    w.call(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "api", "taskDefinition": "api",
               "desiredCount": 2, "networkConfiguration": network_configuration(),
               "serviceRegistries": [{"emulName": name}]}),
    );
    w.call(
        "RegisterTaskDefinition",
        testapp_task_definition("client", json!([])),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "client",
               "networkConfiguration": network_configuration()}),
    );
    let client = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    let api_tasks = || -> Vec<String> {
        w.task_arns("RUNNING")
            .into_iter()
            .filter(|a| w.task(a)["group"] == "service:api")
            .collect()
    };
    w.wait_for(
        "the client and both api tasks run",
        Duration::from_secs(60),
        |w| {
            w.task(&client)["lastStatus"] == "RUNNING"
                && api_tasks()
                    .iter()
                    .filter(|a| w.task(a)["lastStatus"] == "RUNNING")
                    .count()
                    == 2
        },
    )
    .await;
    let client_ip = task_ip(&w, &client);
    let tasks = api_tasks();
    assert!(tasks.iter().all(|a| w.task(a)["healthStatus"] == "UNKNOWN"));

    // RUNNING but not yet healthy: no instance behind the name. A name in
    // the namespace that nobody registers does not resolve either, and
    // names Docker knows still do (the client's own hostname is not asked:
    // the task's ENI address is what matters).
    assert_eq!(resolve_from(&client_ip, &name).await, Vec::<String>::new());
    assert_eq!(
        resolve_from(&client_ip, &format!("nope.{NAMESPACE}")).await,
        Vec::<String>::new()
    );

    // The first task passes its health check: the name is that task.
    let first = &tasks[0];
    pass_health_check(&w, first).await;
    assert_eq!(
        resolve_from(&client_ip, &name).await,
        vec![task_ip(&w, first)],
        "only the healthy task"
    );

    // The second one too: both.
    let second = &tasks[1];
    pass_health_check(&w, second).await;
    let mut both = vec![task_ip(&w, first), task_ip(&w, second)];
    both.sort();
    assert_eq!(resolve_from(&client_ip, &name).await, both);

    // StopTask: the task leaves the name as soon as it starts stopping,
    // while its containers still run.
    w.call(
        "StopTask",
        json!({"cluster": "prod", "task": first, "reason": "discovery test"}),
    );
    assert_eq!(
        resolve_from(&client_ip, &name).await,
        vec![task_ip(&w, second)],
        "a stopping task is deregistered at once"
    );
    w.shutdown().await;
}
