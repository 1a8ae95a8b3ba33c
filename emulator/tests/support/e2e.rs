//! Helpers for the whole-topology tests (`docker_topology_e2e.rs`,
//! `docker_alb_seed*.rs`, `docker_ecs_seed.rs`): the wechat-derived test
//! topology, fast target groups for any seed, raw AWS API calls to the
//! project's endpoint
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
        let s = fast_target_groups(&s)
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

/// Every target group's `health_check: { path: /health }` made fast (5 s
/// interval, 2 s timeout, 2 healthy) with a 5 s deregistration delay, so
/// tests wait seconds, not minutes, for targets to turn healthy and drain.
pub fn fast_target_groups(s: &str) -> String {
    let fast = s.replace(
        "health_check: { path: /health }",
        "health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2 }\n    deregistration_delay: 5",
    );
    assert!(
        fast.contains("deregistration_delay: 5"),
        "no `health_check: {{ path: /health }}` to speed up"
    );
    fast
}

/// `emul up -d --wait` arguments for `file` on `port` ([`sp::up_args`]), owned.
pub fn up_args(file: &str, port: &str) -> Vec<String> {
    sp::up_args(file, port)
        .into_iter()
        .map(String::from)
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

/// An ACM JSON 1.1 call; panics on a non-200 answer.
pub fn acm(api: u16, op: &str, body: Value) -> Value {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{api}\r\nX-Amz-Target: CertificateManager.{op}\r\nContent-Type: application/x-amz-json-1.1\r\n{}",
        auth("acm")
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

/// An ELBv2 query call of `action` with `params` (percent-encoded here);
/// returns the XML body, panicking on a non-200 answer.
pub fn elbv2_action(api: u16, action: &str, params: &[(&str, &str)]) -> String {
    let form: String = params
        .iter()
        .map(|(k, v)| format!("&{}={}", pct(k), pct(v)))
        .collect();
    elbv2(api, &format!("Action={action}{form}"))
}

/// The ARN of load balancer `lb_name`'s listener on `port`.
pub fn listener_arn(api: u16, lb_name: &str, port: u16) -> String {
    let xml = elbv2_action(api, "DescribeLoadBalancers", &[("Names.member.1", lb_name)]);
    let lb = xml_values(&xml, "LoadBalancerArn").remove(0);
    let xml = elbv2_action(api, "DescribeListeners", &[("LoadBalancerArn", &lb)]);
    // Each listener's `<member>` opens with its ARN and port; the members
    // nested in its actions (which may carry a redirect `Port`) have no ARN.
    xml.split("<member>")
        .filter(|m| m.starts_with("<ListenerArn>"))
        .find(|m| xml_values(m, "Port").first() == Some(&port.to_string()))
        .and_then(|m| xml_values(m, "ListenerArn").into_iter().next())
        .unwrap_or_else(|| panic!("no listener on port {port} of {lb_name}: {xml}"))
}

/// One target as DescribeTargetHealth describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetHealth {
    /// `Target.Id` (an IP address for `ip` target groups).
    pub id: String,
    /// `TargetHealth.State` (`initial`, `healthy`, `unhealthy`, `draining`, ...).
    pub state: String,
    /// `TargetHealth.Reason` (e.g. `Target.ResponseCodeMismatch`); none when healthy.
    pub reason: Option<String>,
    /// `TargetHealth.Description`, the human text that goes with the reason.
    pub description: Option<String>,
}

/// Every target of the group with its state, reason and description.
pub fn target_health_described(api: u16, tg_arn: &str) -> Vec<TargetHealth> {
    let xml = elbv2_action(api, "DescribeTargetHealth", &[("TargetGroupArn", tg_arn)]);
    xml.split("<member>")
        .skip(1)
        .map(|m| TargetHealth {
            id: xml_values(m, "Id").remove(0),
            state: xml_values(m, "State").remove(0),
            reason: xml_values(m, "Reason").into_iter().next(),
            description: xml_values(m, "Description").into_iter().next(),
        })
        .collect()
}

/// Polls `done` every 300 ms until it is `Ok`, returning how long that took;
/// panics with `what` and the last error after `limit`.
pub fn poll_until(
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> Result<(), String>,
) -> Duration {
    let started = Instant::now();
    loop {
        match done() {
            Ok(()) => return started.elapsed(),
            Err(e) if started.elapsed() > limit => panic!("{what}: not done after {limit:?}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(300)),
        }
    }
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
    target_health_described(api, tg_arn)
        .into_iter()
        .map(|t| (t.id, t.state))
        .collect()
}

/// DescribeServices of one service of the wechat cluster.
pub fn service(api: u16, name: &str) -> Value {
    service_in(api, CLUSTER, name)
}

/// DescribeServices of one service of `cluster`.
pub fn service_in(api: u16, cluster: &str, name: &str) -> Value {
    let v = ecs(
        api,
        "DescribeServices",
        json!({"cluster": cluster, "services": [name]}),
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

/// ARNs of the wechat service's tasks whose desired status is RUNNING.
pub fn task_arns(api: u16, service_name: &str) -> BTreeSet<String> {
    task_arns_in(api, CLUSTER, service_name)
}

/// ARNs of the tasks of `cluster`'s service whose desired status is RUNNING.
pub fn task_arns_in(api: u16, cluster: &str, service_name: &str) -> BTreeSet<String> {
    let v = ecs(
        api,
        "ListTasks",
        json!({"cluster": cluster, "serviceName": service_name}),
    );
    v["taskArns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// DescribeTasks of wechat's `arns` (none for an empty set: ECS rejects an
/// empty list).
pub fn describe_tasks(api: u16, arns: &BTreeSet<String>) -> Vec<Value> {
    describe_tasks_in(api, CLUSTER, arns)
}

/// DescribeTasks of `arns` in `cluster` (none for an empty set).
pub fn describe_tasks_in(api: u16, cluster: &str, arns: &BTreeSet<String>) -> Vec<Value> {
    if arns.is_empty() {
        return vec![];
    }
    let v = ecs(
        api,
        "DescribeTasks",
        json!({"cluster": cluster, "tasks": arns}),
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

/// Polls until both wechat services are steady and each target group has
/// exactly its service's running tasks as healthy targets; panics after `limit`.
pub fn wait_steady(api: u16, limit: Duration) {
    wait_steady_in(
        api,
        CLUSTER,
        &[(BACKEND, "wechat-backend"), (FRONTEND, "wechat-frontend")],
        limit,
    );
}

/// Polls until every `(service, target group name)` of `cluster` is steady
/// and the group has exactly the service's running tasks as healthy targets;
/// panics after `limit`.
pub fn wait_steady_in(api: u16, cluster: &str, pairs: &[(&str, &str)], limit: Duration) {
    let started = Instant::now();
    let tgs: Vec<(&str, String)> = pairs
        .iter()
        .map(|(svc, tg)| (*svc, target_group_arn(api, tg)))
        .collect();
    loop {
        let mut last = String::new();
        let mut ok = true;
        for (svc_name, tg) in &tgs {
            let svc = service_in(api, cluster, svc_name);
            let health = target_health(api, tg);
            let healthy: BTreeSet<String> = health
                .iter()
                .filter(|(_, s)| s == "healthy")
                .map(|(id, _)| id.clone())
                .collect();
            let ips: BTreeSet<String> = if service_steady(&svc) {
                describe_tasks_in(api, cluster, &task_arns_in(api, cluster, svc_name))
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
