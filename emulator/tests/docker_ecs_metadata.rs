//! Inside a task: the metadata endpoint v4 and the credentials endpoint,
//! served by emul inside the task's namespace at 169.254.170.2. The test
//! app reads its task ARN from `$ECS_CONTAINER_METADATA_URI_V4/task` (its
//! `/whoami` reports it); the test itself queries both endpoints, and the
//! container and task stats, from a socket created in the task's namespace.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::ecs::{EcsWorld, docker, network_configuration, testapp_task_definition};
use support::netns::NetNs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(stream: &mut tokio::net::TcpStream, path: &str) -> (u16, Value) {
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 169.254.170.2\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("null");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// One container's stats: Docker's own fields, for that container, with
/// real figures (a running process uses memory and has used CPU), and the
/// task's network counters.
fn assert_stats(stats: &Value, id: &str, docker_name: &str) {
    assert_eq!(stats["id"], id, "{stats}");
    assert_eq!(stats["name"], docker_name, "{stats}");
    assert!(stats["read"].is_string(), "{stats}");
    assert!(
        stats["memory_stats"]["usage"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert!(
        stats["memory_stats"]["limit"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert!(
        stats["cpu_stats"]["cpu_usage"]["total_usage"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{stats}"
    );
    assert!(stats["precpu_stats"].is_object(), "{stats}");
    assert!(
        stats["pids_stats"]["current"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert!(stats["networks"]["eth0"]["rx_bytes"].is_u64(), "{stats}");
}

#[tokio::test]
async fn docker_ecs_task_reads_its_metadata_and_credentials() {
    let w = EcsWorld::start("ecs-meta", 241).await;
    w.call(
        "RegisterTaskDefinition",
        testapp_task_definition("meta", json!([])),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "meta", "networkConfiguration": network_configuration()}),
    );
    let arn = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("running", Duration::from_secs(60), |w| {
        w.task(&arn)["lastStatus"] == "RUNNING"
    })
    .await;
    let t = w.task(&arn);
    let ip = t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        .as_str()
        .unwrap()
        .to_string();

    // The app itself read $ECS_CONTAINER_METADATA_URI_V4/task.
    let mut whoami = Value::Null;
    for _ in 0..20 {
        // RUNNING means the container started, not that the app has bound
        // its port yet: retry a refused connection like any other miss.
        let Ok(mut s) = tokio::net::TcpStream::connect((ip.as_str(), 8080)).await else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        s.write_all(b"GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        whoami = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap_or("null"))
            .unwrap_or(Value::Null);
        if whoami["task_arn"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(whoami["task_arn"], arn.as_str(), "{whoami}");

    // The same endpoints, from a socket in the task's namespace.
    let container = t["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    let env = docker(&["inspect", "-f", "{{json .Config.Env}}", &container]);
    let env: Vec<String> = serde_json::from_str(&env).unwrap();
    let var = |k: &str| {
        env.iter()
            .find_map(|e| e.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} not injected: {env:?}"))
            .to_string()
    };
    let uri = var("ECS_CONTAINER_METADATA_URI_V4");
    let creds = var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    assert!(uri.starts_with("http://169.254.170.2/v4/"), "{uri}");
    let pid: u32 = docker(&["inspect", "-f", "{{.State.Pid}}", &container])
        .parse()
        .unwrap();
    let ns = NetNs::of_pid(pid);
    let addr = "169.254.170.2:80".parse().unwrap();
    let path = uri.trim_start_matches("http://169.254.170.2");
    let mut s = ns.connect(addr, Duration::from_secs(2)).await.unwrap();
    let (status, c) = get(&mut s, path).await;
    assert_eq!(status, 200);
    assert_eq!(c["Name"], "app");
    assert_eq!(c["DockerId"], container.as_str());
    assert_eq!(c["Networks"][0]["IPv4Addresses"][0], ip.as_str());
    assert_eq!(c["Labels"]["com.amazonaws.ecs.task-arn"], arn.as_str());
    let mut s = ns.connect(addr, Duration::from_secs(2)).await.unwrap();
    let (status, task) = get(&mut s, &format!("{path}/task")).await;
    assert_eq!(status, 200);
    assert_eq!(task["Family"], "meta");
    assert_eq!(task["Revision"], "1");
    assert_eq!(task["KnownStatus"], "RUNNING");
    let mut s = ns.connect(addr, Duration::from_secs(2)).await.unwrap();
    let (status, cred) = get(&mut s, &creds).await;
    assert_eq!(status, 200);
    assert!(cred["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(cred["SecretAccessKey"].is_string() && cred["Token"].is_string());
    assert!(cred["Expiration"].as_str().unwrap().ends_with('Z'));
    let mut s = ns.connect(addr, Duration::from_secs(2)).await.unwrap();
    let (status, _) = get(&mut s, "/v2/credentials/wrong").await;
    assert_eq!(status, 404);

    // Docker stats, the shape the ECS agent serves.
    let docker_name = docker(&["inspect", "-f", "{{.Name}}", &container]);
    let mut s = ns.connect(addr, Duration::from_secs(5)).await.unwrap();
    let (status, stats) = get(&mut s, &format!("{path}/stats")).await;
    assert_eq!(status, 200, "{stats}");
    assert_stats(&stats, &container, &docker_name);
    let mut s = ns.connect(addr, Duration::from_secs(5)).await.unwrap();
    let (status, all) = get(&mut s, &format!("{path}/task/stats")).await;
    assert_eq!(status, 200, "{all}");
    let all = all.as_object().expect("an object keyed by Docker id");
    assert_eq!(all.len(), 1, "one container: {all:?}");
    assert_stats(&all[&container], &container, &docker_name);
    w.shutdown().await;
}
