//! Rolling deployments behind a target group, on the real Docker engine:
//! every task is replaced, the count of RUNNING tasks never drops below the
//! minimum healthy count (sampled), targets are registered and drained with
//! ECS's events, the old deployment disappears; and another task resolves
//! the service's discovery name (the VPC resolver) to a new task. A task
//! stopped with StopTask leaves RUNNING at once and is replaced while its
//! target still drains.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::ecs::{EcsWorld, network_configuration, testapp_task_definition};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef";

/// Tasks of service `web` as (id, lastStatus, desiredStatus).
fn web_tasks(w: &EcsWorld) -> Vec<(String, String, String)> {
    let mut arns = w.task_arns("RUNNING");
    arns.extend(w.task_arns("STOPPED"));
    arns.iter()
        .map(|a| w.task(a))
        .filter(|t| t["group"] == "service:web")
        .map(|t| {
            (
                t["taskArn"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                t["lastStatus"].as_str().unwrap().to_string(),
                t["desiredStatus"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `GET path` on a task's port 8080. RUNNING means the task's processes
/// started (on AWS too: without a health check nothing says more), not that
/// the app already listens: the connection is retried while it is refused,
/// for at most 30 s, so the request goes out once the app accepts.
async fn http_get(ip: &str, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut s = loop {
        match tokio::net::TcpStream::connect((ip, 8080)).await {
            Ok(s) => break s,
            Err(e)
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("connect to the task {ip}:8080: {e}"),
        }
    };
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn docker_ecs_rolling_deployment_keeps_min_healthy_and_service_names_resolve() {
    let w = EcsWorld::start("ecs-deploy", 216).await;
    w.web_service(
        3,
        json!({"loadBalancers": [{"targetGroupArn": TG, "containerName": "app", "containerPort": 8080}],
               "serviceRegistries": [{"emulName": "web.test.local"}]}),
    );
    w.wait_for("steady", Duration::from_secs(60), |w| {
        let s = w.service("web");
        s["runningCount"] == 3 && s["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;
    let events: Vec<String> = w.service("web")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| **e == format!("(service web) registered 1 targets in (target-group {TG})"))
            .count(),
        3,
        "{events:?}"
    );
    let before: HashSet<String> = web_tasks(&w).into_iter().map(|t| t.0).collect();

    // New task definition revision → rolling deployment (100% / 200%).
    w.call(
        "RegisterTaskDefinition",
        testapp_task_definition("web", json!([{"name": "APP_NAME", "value": "v2"}])),
    );
    let updated = w.call(
        "UpdateService",
        json!({"cluster": "prod", "service": "web", "taskDefinition": "web:2"}),
    );
    assert_eq!(
        updated["service"]["deployments"].as_array().unwrap().len(),
        2
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut min_seen = usize::MAX;
    let mut samples = 0;
    loop {
        let tasks = web_tasks(&w);
        let serving = tasks
            .iter()
            .filter(|t| t.1 == "RUNNING" && t.2 == "RUNNING")
            .count();
        min_seen = min_seen.min(serving);
        samples += 1;
        let s = w.service("web");
        let done = s["deployments"].as_array().unwrap().len() == 1
            && s["runningCount"] == 3
            && s["deployments"][0]["taskDefinition"]
                .as_str()
                .unwrap()
                .ends_with("web:2")
            && s["deployments"][0]["rolloutState"] == "COMPLETED";
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "deployment did not finish: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(samples > 10, "sampled the deployment ({samples} samples)");
    assert!(
        min_seen >= 3,
        "RUNNING tasks dropped to {min_seen} (< min healthy 3)"
    );
    let after: HashSet<String> = web_tasks(&w)
        .into_iter()
        .filter(|t| t.1 == "RUNNING")
        .map(|t| t.0)
        .collect();
    assert_eq!(after.len(), 3);
    assert!(after.is_disjoint(&before), "every task was replaced");
    let events: Vec<String> = w.service("web")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| *e == format!("(service web) deregistered 1 targets in (target-group {TG})")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("(service web, taskSet ecs-svc/")
                && e.ends_with(") has begun draining connections on 1 tasks.")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("(service web) has stopped ")),
        "{events:?}"
    );
    for id in &before {
        let t = w.task(id);
        assert_eq!(t["lastStatus"], "STOPPED");
        assert_eq!(t["stopCode"], "ServiceSchedulerInitiated");
        assert!(
            t["stoppedReason"]
                .as_str()
                .unwrap()
                .starts_with("Scaling activity initiated by (deployment ecs-svc/")
        );
    }

    // Service discovery: a standalone task reaches `web.test.local:8080`.
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "web:1", "networkConfiguration": network_configuration()}),
    );
    let client = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("client runs", Duration::from_secs(60), |w| {
        w.task(&client)["lastStatus"] == "RUNNING"
    })
    .await;
    let ip = w.task(&client)["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = Value::Null;
    for _ in 0..20 {
        let answer = http_get(&ip, "/connect?host=web.test.local&port=8080").await;
        body = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("{}"))
            .unwrap_or(Value::Null);
        if body["connected"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(body["connected"], true, "{body}");
    let remote = body["remote_addr"].as_str().unwrap_or_default().to_string();
    let new_ips: Vec<String> = after
        .iter()
        .map(|id| {
            w.task(id)["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        new_ips
            .iter()
            .any(|ip| remote.starts_with(&format!("{ip}:"))),
        "{remote} is one of {new_ips:?}"
    );
    w.shutdown().await;
}

#[tokio::test]
async fn docker_ecs_elb_unhealthy_task_is_replaced_after_the_grace_period() {
    let w = EcsWorld::start("ecs-elb", 220).await;
    w.web_service(1, json!({"healthCheckGracePeriodSeconds": 0, "loadBalancers": [{"targetGroupArn": TG, "containerName": "app", "containerPort": 8080}]}));
    w.wait_for("steady", Duration::from_secs(60), |w| {
        w.service("web")["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;
    let first = w.task_arns("RUNNING")[0].clone();
    let ip: std::net::Ipv4Addr =
        w.task(&first)["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    w.targets.unhealthy.lock().unwrap().insert(ip);
    w.wait_for("the unhealthy task stopped", Duration::from_secs(30), |w| {
        w.task(&first)["lastStatus"] == "STOPPED"
    })
    .await;
    let t = w.task(&first);
    assert_eq!(t["stopCode"], "ServiceSchedulerInitiated");
    assert_eq!(
        t["stoppedReason"],
        format!("Task failed ELB health checks in (target-group {TG})")
    );
    let id = first.rsplit('/').next().unwrap();
    let events: Vec<String> = w.service("web")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events.contains(&format!("(service web) (task {id}) (port 8080) is unhealthy in (target-group {TG}) due to (reason Health checks failed).")),
        "{events:?}"
    );
    w.targets.unhealthy.lock().unwrap().clear();
    w.wait_for("replaced", Duration::from_secs(60), |w| {
        let arns = w.task_arns("RUNNING");
        w.service("web")["runningCount"] == 1 && arns.len() == 1 && arns[0] != first
    })
    .await;
    w.shutdown().await;
}

/// Tasks of service `web` whose lastStatus is `status`, by ARN.
fn web_tasks_in(w: &EcsWorld, status: &str) -> Vec<String> {
    let mut arns = w.task_arns("RUNNING");
    arns.extend(w.task_arns("STOPPED"));
    arns.into_iter()
        .filter(|a| {
            let t = w.task(a);
            t["group"] == "service:web" && t["lastStatus"] == status
        })
        .collect()
}

/// StopTask on a service task behind a target group (aws-reference.md §2.6,
/// §2.7) of a service with maximumPercent 100, which caps RUNNING + PENDING
/// tasks only: desiredStatus STOPPED and lastStatus DEACTIVATING at once,
/// runningCount drops at once, and the scheduler starts the replacement
/// right away. With a long deregistration delay the replacement is RUNNING
/// (and the service back at 2 of 2) while the stopped task still drains;
/// with a short one the stopped task reaches STOPPED within seconds.
#[tokio::test]
async fn docker_ecs_stopped_task_is_replaced_while_its_target_drains() {
    let w = EcsWorld::start("ecs-drain", 141).await;
    // maximumPercent 100: a draining task must not count against it.
    w.web_service(
        2,
        json!({"loadBalancers": [{"targetGroupArn": TG, "containerName": "app", "containerPort": 8080}],
               "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 100}}),
    );
    w.wait_for("steady", Duration::from_secs(60), |w| {
        let s = w.service("web");
        s["runningCount"] == 2 && s["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;

    // A long delay: the stopped task drains for 120 s.
    *w.targets.delay.lock().unwrap() = Duration::from_secs(120);
    let victim = web_tasks_in(&w, "RUNNING")[0].clone();
    let stopped = w.call("StopTask", json!({"cluster": "prod", "task": victim}));
    assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
    let asked = Instant::now();
    w.wait_for("DEACTIVATING", Duration::from_secs(5), |w| {
        w.task(&victim)["lastStatus"] == "DEACTIVATING"
    })
    .await;
    // The replacement needs seconds (ENI, containers): right now only the
    // other task counts as running.
    let s = w.service("web");
    assert_eq!(
        s["runningCount"], 1,
        "a DEACTIVATING task is not running: {s}"
    );
    w.wait_for(
        "the replacement RUNNING while the old task drains",
        Duration::from_secs(60),
        |w| {
            let running = web_tasks_in(w, "RUNNING");
            w.service("web")["runningCount"] == 2
                && running.len() == 2
                && !running.contains(&victim)
        },
    )
    .await;
    assert!(
        asked.elapsed() < Duration::from_secs(100),
        "replaced within a task start, not after the drain"
    );
    let old = w.task(&victim);
    assert_eq!(
        old["lastStatus"], "DEACTIVATING",
        "the old task still drains: {old}"
    );
    assert_eq!(old["stopCode"], "UserInitiated");
    let events: Vec<String> = w.service("web")["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("(service web) has started 1 tasks: ")),
        "{events:?}"
    );

    // A short delay: the next stopped task is STOPPED within seconds and
    // replaced as well.
    *w.targets.delay.lock().unwrap() = Duration::from_secs(1);
    let second = web_tasks_in(&w, "RUNNING")[0].clone();
    w.call("StopTask", json!({"cluster": "prod", "task": second}));
    w.wait_for(
        "STOPPED after a short drain",
        Duration::from_secs(30),
        |w| w.task(&second)["lastStatus"] == "STOPPED",
    )
    .await;
    w.wait_for("back at 2 of 2", Duration::from_secs(60), |w| {
        let running = web_tasks_in(w, "RUNNING");
        w.service("web")["runningCount"] == 2 && running.len() == 2 && !running.contains(&second)
    })
    .await;
    assert_eq!(w.task(&victim)["lastStatus"], "DEACTIVATING");
    w.shutdown().await;
}
