//! `emul up` on `tests/fixtures/aws_inputs.yaml`, the inputs AWS and
//! Terraform accept that emul used to refuse (issue 11, item 8), each shown
//! to take effect on the running project:
//! - Postgres answers on its declared port 5433 (and its Multi-AZ standby
//!   streams from it); Redis answers on 6380 (and its replica follows);
//! - a task definition with `cpu: "0.25 vCPU"`, `memory: "0.5 GB"` is
//!   registered as `"256"`/`"512"` with its task and execution roles, its
//!   task runs, and the credentials endpoint inside it names the task role;
//! - the task ENI's ruleset holds the `ipv6_cidr_blocks` rules (`ip6 saddr`);
//! - the ALB rule with IPv6 `source_ip` values answers a client on `[::1]`,
//!   while an IPv4 client is forwarded to the task, which reaches Postgres
//!   and Redis on their custom ports.
//!
//! Network 10.228.0.0/16, AWS endpoint on port 23300, ALB on 23301.

#[path = "support/project.rs"]
mod sp;

#[path = "support/netns.rs"]
mod netns;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use emul::probes;
use netns::NetNs;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const T: Duration = Duration::from_secs(10);
const ENDPOINT_PORT: &str = "23300";

/// Cleans up on drop, so a failed assertion leaves nothing behind.
struct Guard(std::path::PathBuf);
impl Drop for Guard {
    fn drop(&mut self) {
        sp::cleanup(&self.0);
    }
}

/// One HTTP/1.1 request over a fresh connection to `addr`; (status, body).
fn http(addr: &str, host: &str, path: &str, extra: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let method = if body.is_empty() { "GET" } else { "POST" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}

/// One ECS JSON call through the gateway.
fn ecs(target: &str, body: Value) -> Value {
    let addr = format!("127.0.0.1:{ENDPOINT_PORT}");
    let (status, out) = http(
        &addr,
        &addr,
        "/",
        &format!(
            "X-Amz-Target: AmazonEC2ContainerServiceV20141113.{target}\r\nContent-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=00\r\n"
        ),
        &body.to_string(),
    );
    assert_eq!(status, 200, "{target}: {out}");
    serde_json::from_str(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_up_runs_the_inputs_aws_and_terraform_accept() {
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_inputs.yaml"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, src).unwrap();
    let _guard = Guard(file.clone());
    let f = file.to_str().unwrap();

    let out = sp::run(&sp::up_args(f, ENDPOINT_PORT));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(".rds.amazonaws.com:5433 "), "{stdout}");
    assert!(stdout.contains(".cache.amazonaws.com:6380 "), "{stdout}");

    // Postgres on 5433: the server's own port setting, and a standby that
    // streams from the primary (it connected on 5433 to do so).
    {
        let primary = sp::Tunnel::open(&file, "inputs-db");
        let port = probes::postgres::query_first(
            &primary.addr,
            "app_admin",
            "pg-Inputs-5433",
            "app",
            "SHOW port",
            T,
        )
        .await
        .unwrap();
        assert_eq!(port.as_deref(), Some("5433"));
        let standby = sp::Tunnel::open(&file, "rds/inputs-db/standby");
        let recovering = probes::postgres::query_first(
            &standby.addr,
            "app_admin",
            "pg-Inputs-5433",
            "app",
            "SELECT pg_is_in_recovery()::text || ' ' || current_setting('port')",
            T,
        )
        .await
        .unwrap();
        assert_eq!(recovering.as_deref(), Some("true 5433"));
    }

    // Redis on 6380 ("6.x" runs the nearest image), with its replica linked.
    {
        let primary = sp::Tunnel::open(&file, "inputs-cache");
        let pong = probes::redis::command(&primary.addr, None, &["PING"], T)
            .await
            .unwrap();
        assert_eq!(pong, probes::redis::Reply::Simple("PONG".into()));
        let replica = sp::Tunnel::open(&file, "elasticache/inputs-cache/002");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let info = probes::redis::command(&replica.addr, None, &["INFO", "replication"], T)
                .await
                .unwrap();
            let text = match &info {
                probes::redis::Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
                other => format!("{other:?}"),
            };
            if text.contains("master_port:6380") && text.contains("master_link_status:up") {
                break;
            }
            assert!(Instant::now() < deadline, "replica not linked: {text}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // The task definition as ECS stores it: unit forms normalised, roles kept.
    let td = &ecs("DescribeTaskDefinition", json!({"taskDefinition": "web"}))["taskDefinition"];
    assert_eq!(td["cpu"], "256", "{td}");
    assert_eq!(td["memory"], "512", "{td}");
    assert_eq!(
        td["taskRoleArn"],
        "arn:aws:iam::000000000000:role/inputs-web-task"
    );
    assert_eq!(
        td["executionRoleArn"],
        "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
    );
    let worker = &ecs(
        "DescribeTaskDefinition",
        json!({"taskDefinition": "worker"}),
    )["taskDefinition"];
    assert_eq!(
        (&worker["cpu"], &worker["memory"]),
        (&json!("512"), &json!("1024"))
    );

    // Its task runs (up --wait waited for the service) and sizes are shown.
    let arns = ecs(
        "ListTasks",
        json!({"cluster": "inputs", "serviceName": "web"}),
    );
    let arn = arns["taskArns"][0]
        .as_str()
        .expect("a web task")
        .to_string();
    let task = &ecs(
        "DescribeTasks",
        json!({"cluster": "inputs", "tasks": [arn]}),
    )["tasks"][0];
    assert_eq!(task["lastStatus"], "RUNNING", "{task}");
    assert_eq!(
        (&task["cpu"], &task["memory"]),
        (&json!("256"), &json!("512"))
    );
    let container = task["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    let inspect = |format: &str| {
        let out = std::process::Command::new("docker")
            .args(["inspect", "-f", format, &container])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let env: Vec<String> = serde_json::from_str(&inspect("{{json .Config.Env}}")).unwrap();
    let creds = env
        .iter()
        .find_map(|e| e.strip_prefix("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="))
        .expect("credentials URI injected")
        .to_string();
    let ns = NetNs::of_pid(inspect("{{.State.Pid}}").parse().unwrap());

    // Inside the task, the credentials endpoint names the task role.
    let mut s = ns
        .connect("169.254.170.2:80".parse().unwrap(), T)
        .await
        .unwrap();
    s.write_all(
        format!("GET {creds} HTTP/1.1\r\nHost: 169.254.170.2\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    let cred: Value = serde_json::from_str(resp.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(
        cred["RoleArn"], "arn:aws:iam::000000000000:role/inputs-web-task",
        "{cred}"
    );

    // The task ENI's ruleset carries the IPv6 rules of its group.
    let nft = emul::netpolicy::nft::nft_binary().expect("nft on this host");
    let table = ns
        .run(&nft, &["list", "table", "inet", "emul"], b"")
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("ip6 saddr 2001:db8::/32 tcp dport 8443 accept comment \"app ingress #2\""),
        "{table}"
    );
    assert!(
        table.contains("meta nfproto ipv6 accept comment \"app egress #1\""),
        "{table}"
    );

    // The ALB: an IPv6 client matches the IPv6 source_ip rule; an IPv4 one
    // is forwarded to the task (retried while its target turns healthy).
    let (status, body) = http("[::1]:23301", "inputs.test", "/whoami", "", "");
    assert_eq!((status, body.as_str()), (200, "hello IPv6 client"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = http("127.0.0.1:23301", "inputs.test", "/whoami", "", "");
        if status == 200 {
            let who: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(who["task_arn"], arn.as_str(), "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Through the ALB, the task reaches Postgres on 5433 and Redis on 6380
    // (the addresses and ports its environment references resolved to).
    let (status, body) = http("127.0.0.1:23301", "inputs.test", "/db", "", "");
    assert_eq!(status, 200, "{body}");
    let db: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&db["ok"], &db["port"]),
        (&json!(true), &json!(5433)),
        "{body}"
    );
    assert_eq!(db["current_user"], "app_admin", "{body}");
    let (status, body) = http("127.0.0.1:23301", "inputs.test", "/cache", "", "");
    assert_eq!(status, 200, "{body}");
    let cache: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&cache["ok"], &cache["ping"]),
        (&json!(true), &json!("PONG")),
        "{body}"
    );
    assert_eq!(cache["role"], "master", "{body}");

    let out = sp::run(&["down", "--volumes", "--topology", f]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(sp::counts("aws-inputs"), (0, 0, 0));
}
