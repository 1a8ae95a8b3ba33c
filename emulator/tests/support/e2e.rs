//! Helpers for the whole-topology tests (`docker_topology_e2e.rs`): the
//! wechat-derived test topology, raw AWS API calls to the project's endpoint
//! (ECS JSON 1.1, ELBv2 query/XML) with no SDK, raw HTTP/1.1 to the ALB's
//! loopback listeners, and the "steady" wait every test starts from.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::sp;

/// The ECS cluster and services of the wechat fixture.
pub const CLUSTER: &str = "wechat-cluster";
pub const BACKEND: &str = "wechat-backend-service";
pub const FRONTEND: &str = "wechat-frontend-service";

/// Ports and VPC range of one test's project, unique across the test suite.
pub struct Ports {
    /// The AWS endpoint (`--port`).
    pub api: u16,
    /// `host_port` of the ALB's HTTP:80 listener.
    pub http: u16,
    /// `host_port` of the ALB's HTTPS:443 listener.
    pub https: u16,
}

/// wechat.yaml adjusted for a test: project name, VPC `10.<octet>.0.0/16`,
/// fixed listener host ports, fast health checks (5 s interval, 2 s timeout,
/// 2 healthy), 5 s deregistration delay, Single-AZ RDS, and one extra rule on
/// the HTTP listener (`/whoami` forwards to the backend) so plain HTTP reaches
/// a service whose tasks are replaced; everything else (security groups,
/// the 301 default action, the HTTPS `/api/*` rule) as the seed has it.
pub fn topology(project: &str, octet: u8, ports: &Ports) -> (tempfile::TempDir, PathBuf) {
    let (http, https) = (ports.http, ports.https);
    sp::topology(project, octet, |s| {
        let s = s
            .replace(
                "health_check: { path: /health }",
                "health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2 }\n    deregistration_delay: 5",
            )
            .replace("    multi_az: true\n", "    multi_az: false\n")
            .replace(
                "      - port: 80\n        protocol: HTTP\n        default_action:\n          redirect: { protocol: HTTPS, port: \"443\", status_code: HTTP_301 }\n",
                &format!(
                    "      - port: 80\n        host_port: {http}\n        protocol: HTTP\n        default_action:\n          redirect: {{ protocol: HTTPS, port: \"443\", status_code: HTTP_301 }}\n        rules:\n          - priority: 5\n            conditions:\n              - path_pattern: [\"/whoami\"]\n            action:\n              forward: {{ target_group: wechat-backend }}\n"
                ),
            )
            .replace(
                "      - port: 443\n",
                &format!("      - port: 443\n        host_port: {https}\n"),
            );
        assert!(s.contains(&format!("host_port: {http}")) && s.contains("deregistration_delay: 5"));
        assert!(s.contains(&format!("host_port: {https}")) && s.contains("multi_az: false"));
        s
    })
}

/// `emul up -d --wait` arguments for `file` on `port`.
pub fn up_args(file: &str, port: &str) -> Vec<String> {
    [
        "up",
        "-d",
        "--wait",
        "--pull",
        "never",
        "--label",
        "io.emul.test=1",
        "--timeout",
        "180",
        "--port",
        port,
        "--topology",
        file,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs `emul down --volumes` on drop, so a failed assertion leaves nothing.
pub struct Guard(pub PathBuf);
impl Drop for Guard {
    fn drop(&mut self) {
        sp::cleanup(&self.0);
    }
}

/// One HTTP/1.1 exchange with `Connection: close`: (status, head, body).
pub fn http(addr: &str, req_head: &str, body: &str) -> std::io::Result<(u16, String, String)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(15)))?;
    s.write_all(
        format!(
            "{req_head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let resp = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = resp
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no header end in {resp:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {head:?}")))?;
    Ok((status, head.to_string(), body.to_string()))
}

/// A fake SigV4 header (the gateway parses it; the signature is not checked).
fn auth(service: &str) -> String {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n"
    )
}

/// An ECS JSON 1.1 call; panics on a non-200 answer.
pub fn ecs(api: u16, op: &str, body: Value) -> Value {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{api}\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{op}\r\nContent-Type: application/x-amz-json-1.1\r\n{}",
        auth("ecs")
    );
    let (status, _, body) = http(&format!("127.0.0.1:{api}"), &head, &body.to_string()).unwrap();
    assert_eq!(status, 200, "{op}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// An ELBv2 query call (form body); returns the XML body.
pub fn elbv2(api: u16, form: &str) -> String {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{api}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n{}",
        auth("elasticloadbalancing")
    );
    let (status, _, body) = http(
        &format!("127.0.0.1:{api}"),
        &head,
        &format!("Version=2015-12-01&{form}"),
    )
    .unwrap();
    assert_eq!(status, 200, "{form}: {body}");
    body
}

/// Every `<tag>value</tag>` in `xml`, in order.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|s| s.split_once(&close).map(|(v, _)| v.to_string()))
        .collect()
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Target group name → ARN.
pub fn target_group_arn(api: u16, name: &str) -> String {
    let xml = elbv2(
        api,
        &format!("Action=DescribeTargetGroups&Names.member.1={name}"),
    );
    xml_values(&xml, "TargetGroupArn").remove(0)
}

/// (target id, state) of every target of the group.
pub fn target_health(api: u16, tg_arn: &str) -> Vec<(String, String)> {
    let xml = elbv2(
        api,
        &format!("Action=DescribeTargetHealth&TargetGroupArn={}", pct(tg_arn)),
    );
    xml_values(&xml, "Id")
        .into_iter()
        .zip(xml_values(&xml, "State"))
        .collect()
}

/// DescribeServices of one service.
pub fn service(api: u16, name: &str) -> Value {
    let v = ecs(
        api,
        "DescribeServices",
        json!({"cluster": CLUSTER, "services": [name]}),
    );
    v["services"][0].clone()
}

/// True when the service runs its desired count with one COMPLETED deployment.
pub fn service_steady(svc: &Value) -> bool {
    let deps = svc["deployments"].as_array().cloned().unwrap_or_default();
    svc["runningCount"] == svc["desiredCount"]
        && deps.len() == 1
        && deps[0]["status"] == "PRIMARY"
        && deps[0]["rolloutState"] == "COMPLETED"
        && deps[0]["runningCount"] == svc["desiredCount"]
}

/// ARNs of the service's tasks whose desired status is RUNNING.
pub fn task_arns(api: u16, service_name: &str) -> BTreeSet<String> {
    let v = ecs(
        api,
        "ListTasks",
        json!({"cluster": CLUSTER, "serviceName": service_name}),
    );
    v["taskArns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// DescribeTasks of `arns` (none for an empty set: ECS rejects an empty list).
pub fn describe_tasks(api: u16, arns: &BTreeSet<String>) -> Vec<Value> {
    if arns.is_empty() {
        return vec![];
    }
    let v = ecs(
        api,
        "DescribeTasks",
        json!({"cluster": CLUSTER, "tasks": arns}),
    );
    v["tasks"].as_array().unwrap().clone()
}

/// The private IPv4 of a described task's ENI.
pub fn task_ip(task: &Value) -> String {
    task["attachments"][0]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "privateIPv4Address")
        .and_then(|d| d["value"].as_str())
        .unwrap_or_else(|| panic!("no privateIPv4Address in {task}"))
        .to_string()
}

/// Polls until both services are steady and each target group has exactly
/// its service's running tasks as healthy targets; panics after `limit`.
pub fn wait_steady(api: u16, limit: Duration) {
    let started = Instant::now();
    let tgs = [
        (BACKEND, target_group_arn(api, "wechat-backend")),
        (FRONTEND, target_group_arn(api, "wechat-frontend")),
    ];
    loop {
        let mut last = String::new();
        let mut ok = true;
        for (svc_name, tg) in &tgs {
            let svc = service(api, svc_name);
            let health = target_health(api, tg);
            let healthy: BTreeSet<String> = health
                .iter()
                .filter(|(_, s)| s == "healthy")
                .map(|(id, _)| id.clone())
                .collect();
            let ips: BTreeSet<String> = if service_steady(&svc) {
                describe_tasks(api, &task_arns(api, svc_name))
                    .iter()
                    .map(task_ip)
                    .collect()
            } else {
                BTreeSet::new()
            };
            if !service_steady(&svc) || health.len() != ips.len() || healthy != ips {
                ok = false;
                last = format!(
                    "{svc_name}: running {} deployments {} targets {health:?} tasks {ips:?}",
                    svc["runningCount"], svc["deployments"]
                );
            }
        }
        if ok {
            eprintln!("steady after {:?}", started.elapsed());
            return;
        }
        assert!(
            started.elapsed() < limit,
            "not steady after {limit:?}: {last}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
