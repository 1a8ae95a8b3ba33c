//! Autoscaling on real load (issue 15), with the real binary on this Docker
//! engine, `time_scale: 60` (a CloudWatch minute lasts a second):
//! - service `cpu` (min 1, max 3, target tracking on CPU at 50 %) scales
//!   out while its task burns a core (`/burn` on the test app), and back in
//!   to 1 after the burn stops;
//! - service `req` (min 1, max 3, ALBRequestCountPerTarget at 30) scales
//!   out under a load generator through the ALB, and back in when the load
//!   drops to a trickle;
//! - DescribeScalingActivities (stock AWS CLI) shows each step with AWS's
//!   description and cause, the service events show the changes, `emul
//!   status` shows the last step, and
//!   CloudWatch (AWS CLI, CBOR) has the `AWS/ECS` and `AWS/ApplicationELB`
//!   datapoints the alarms read.
//!
//! VPC 10.132.0.0/16, AWS endpoint 14741 and listener 14742 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const API: u16 = 14741;
const HTTP: u16 = 14742;

const TOPOLOGY: &str = r#"name: emt-autoscale
region: us-east-1
time_scale: 60
vpc:
  cidr_block: 10.132.0.0/16
  subnets:
    - { name: public-a, cidr_block: 10.132.1.0/24, availability_zone: us-east-1a }
    - { name: public-b, cidr_block: 10.132.2.0/24, availability_zone: us-east-1b }
    - { name: private-a, cidr_block: 10.132.10.0/24, availability_zone: us-east-1a }
security_groups:
  - name: alb-sg
    ingress:
      - { protocol: tcp, port: 80, cidr_blocks: [0.0.0.0/0] }
    egress:
      - { protocol: "-1", cidr_blocks: [10.132.0.0/16] }
  - name: app-sg
    ingress:
      - { protocol: tcp, port: 8080, security_groups: [alb-sg] }
target_groups:
  - name: cpu-tg
    port: 8080
    protocol: HTTP
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2 }
    deregistration_delay: 1
  - name: req-tg
    port: 8080
    protocol: HTTP
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2 }
    deregistration_delay: 1
load_balancers:
  - name: alb
    subnets: [public-a, public-b]
    security_groups: [alb-sg]
    listeners:
      - port: 80
        host_port: 14742
        protocol: HTTP
        default_action:
          forward: { target_group: req-tg }
        rules:
          - priority: 10
            conditions:
              - path_pattern: ["/burn"]
            action:
              forward: { target_group: cpu-tg }
ecs_cluster:
  name: c
  services:
    - name: cpu
      desired_count: 1
      subnets: [private-a]
      security_groups: [app-sg]
      load_balancers:
        - { target_group: cpu-tg, container_name: app, container_port: 8080 }
      autoscaling:
        min_capacity: 1
        max_capacity: 3
        target_cpu_utilization: 50
        scale_out_cooldown: 60
        scale_in_cooldown: 60
      task_definition:
        cpu: 512
        memory: 1024
        container_definitions:
          - name: app
            image: emul/testapp:latest
            environment:
              - { name: PORT, value: "8080" }
            port_mappings: [{ container_port: 8080 }]
    - name: req
      desired_count: 1
      subnets: [private-a]
      security_groups: [app-sg]
      load_balancers:
        - { target_group: req-tg, container_name: app, container_port: 8080 }
      autoscaling:
        min_capacity: 1
        max_capacity: 3
        target_requests_per_target: 30
        scale_out_cooldown: 60
        scale_in_cooldown: 60
      task_definition:
        cpu: 256
        memory: 512
        container_definitions:
          - name: app
            image: emul/testapp:latest
            environment:
              - { name: PORT, value: "8080" }
            port_mappings: [{ container_port: 8080 }]
"#;

/// Waits until `service`'s desired count passes `ok`; how long it took.
fn wait_desired(service: &str, what: &str, limit: Duration, ok: impl Fn(u64) -> bool) -> Duration {
    e2e::poll_until(&format!("{service} to {what}"), limit, || {
        let n = desired(service);
        if ok(n) {
            Ok(())
        } else {
            Err(format!("desired count {n}"))
        }
    })
}

fn desired(name: &str) -> u64 {
    e2e::service_in(API, "c", name)["desiredCount"]
        .as_u64()
        .unwrap()
}

/// Sends requests to the listener at about `rate` per second until `stop`.
fn load(rate: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<u64>> {
    (0..4)
        .map(|_| {
            let rate = rate.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut sent = 0;
                while !stop.load(Ordering::Relaxed) {
                    let per_thread = (rate.load(Ordering::Relaxed) as f64 / 4.0).max(0.1);
                    let began = Instant::now();
                    let head = format!("GET /whoami HTTP/1.1\r\nHost: 127.0.0.1:{HTTP}\r\n");
                    if e2e::http(&format!("127.0.0.1:{HTTP}"), &head, "").is_ok() {
                        sent += 1;
                    }
                    let gap = Duration::from_secs_f64(1.0 / per_thread);
                    if let Some(rest) = gap.checked_sub(began.elapsed()) {
                        std::thread::sleep(rest);
                    }
                }
                sent
            })
        })
        .collect()
}

#[test]
fn docker_autoscaling_scales_out_and_in_on_cpu_and_requests_per_target() {
    let Some(cli) = aws_cli::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, TOPOLOGY).unwrap();
    let _guard = e2e::Guard(file.clone());
    let out = sp::run(&sp::up_args(file.to_str().unwrap(), &API.to_string()));
    assert_eq!(out.status.code(), Some(0));
    let endpoint = format!("http://127.0.0.1:{API}");
    let home = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| aws_cli::json(&cli, &endpoint, home.path(), args);

    // `up` made the autoscaling blocks real.
    let targets = aws(&[
        "application-autoscaling",
        "describe-scalable-targets",
        "--service-namespace",
        "ecs",
    ]);
    let bounds: Vec<(String, u64, u64)> = targets["ScalableTargets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["ResourceId"].as_str().unwrap().to_string(),
                t["MinCapacity"].as_u64().unwrap(),
                t["MaxCapacity"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        bounds,
        vec![
            ("service/c/cpu".to_string(), 1, 3),
            ("service/c/req".to_string(), 1, 3)
        ]
    );
    let policies = aws(&[
        "application-autoscaling",
        "describe-scaling-policies",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/c/cpu",
    ]);
    let policy = &policies["ScalingPolicies"][0];
    assert_eq!(policy["PolicyType"], "TargetTrackingScaling", "{policies}");
    assert_eq!(
        policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"],
        "ECSServiceAverageCPUUtilization"
    );
    let alarms: Vec<String> = policy["Alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["AlarmName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(alarms.len(), 2, "{policy}");
    assert!(alarms[0].starts_with("TargetTracking-service/c/cpu-AlarmHigh-"));
    let described = aws(&["cloudwatch", "describe-alarms", "--alarm-names", &alarms[0]]);
    assert_eq!(
        described["MetricAlarms"][0]["MetricName"], "CPUUtilization",
        "{described}"
    );

    // Load: a core burned on the cpu task, 100 requests/s to req.
    let (status, _, body) = e2e::http(
        &format!("127.0.0.1:{HTTP}"),
        &format!("GET /burn?millicores=1000&seconds=25 HTTP/1.1\r\nHost: 127.0.0.1:{HTTP}\r\n"),
        "",
    )
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let rate = Arc::new(AtomicU64::new(100));
    let stop = Arc::new(AtomicBool::new(false));
    let loaders = load(rate.clone(), stop.clone());

    let scaled_out = Instant::now();
    let cpu_out = wait_desired("cpu", "scale out", Duration::from_secs(90), |n| n >= 2);
    wait_desired("req", "scale out", Duration::from_secs(90), |n| n >= 2);
    eprintln!("cpu scaled out {cpu_out:?} after the burn began");
    eprintln!("both scaled out after {:?}", scaled_out.elapsed());

    // The load stops (CPU: the burn ends by itself; requests: a trickle,
    // since ALB reports no RequestCountPerTarget without requests).
    rate.store(4, Ordering::Relaxed);
    let cpu_in = wait_desired("cpu", "scale back in to 1", Duration::from_secs(150), |n| {
        n == 1
    });
    let req_in = wait_desired("req", "scale back in to 1", Duration::from_secs(150), |n| {
        n == 1
    });
    eprintln!("back to 1: cpu after {cpu_in:?}, req {req_in:?} later");
    stop.store(true, Ordering::Relaxed);
    let sent: u64 = loaders.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(sent > 100, "the load generator sent {sent} requests");

    for (service, metric) in [("cpu", "AlarmHigh"), ("req", "AlarmHigh")] {
        let acts = aws(&[
            "application-autoscaling",
            "describe-scaling-activities",
            "--service-namespace",
            "ecs",
            "--resource-id",
            &format!("service/c/{service}"),
        ]);
        let list = acts["ScalingActivities"].as_array().unwrap();
        // Newest first: the last step in, and before it a step out.
        let newest = &list[0];
        assert_eq!(
            newest["Description"], "Setting desired count to 1.",
            "{acts}"
        );
        assert_eq!(newest["StatusCode"], "Successful");
        let cause = newest["Cause"].as_str().unwrap();
        assert!(
            cause.starts_with(&format!(
                "monitor alarm TargetTracking-service/c/{service}-AlarmLow-"
            )) && cause.contains(&format!(" in state ALARM triggered policy {service}-")),
            "{cause}"
        );
        let out = list
            .iter()
            .find(|a| a["Cause"].as_str().unwrap().contains(metric))
            .unwrap_or_else(|| panic!("no scale-out activity: {acts}"));
        assert_eq!(
            out["StatusMessage"].as_str().unwrap(),
            format!(
                "Successfully set desired count to {}. Change successfully fulfilled by ecs.",
                out["Description"].as_str().unwrap()["Setting desired count to ".len()..]
                    .trim_end_matches('.')
            )
        );
        let events: Vec<String> = e2e::service_in(API, "c", service)["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_string())
            .collect();
        assert!(
            events
                .iter()
                .any(|m| m.contains("by Application Auto Scaling: monitor alarm")),
            "{events:?}"
        );
    }

    // `emul status` shows the counts and the last scaling step.
    let status = sp::run(&["status", "--topology", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&status.stdout);
    let cpu_row = text
        .lines()
        .find(|l| l.starts_with("cpu "))
        .unwrap_or_else(|| panic!("no service row for cpu:\n{text}"));
    assert!(
        cpu_row.contains(
            "Setting desired count to 1. (monitor alarm TargetTracking-service/c/cpu-AlarmLow-"
        ),
        "{cpu_row}"
    );
    assert!(
        text.contains("SERVICE  DESIRED  RUNNING  PENDING  LAST SCALING"),
        "{text}"
    );

    // The datapoints the alarms read are in CloudWatch.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (start, end) = ((now - 600).to_string(), (now + 60).to_string());
    let stats = |namespace: &str, metric: &str, dims: &[&str], stat: &str| -> Value {
        let mut args = vec![
            "cloudwatch",
            "get-metric-statistics",
            "--namespace",
            namespace,
            "--metric-name",
            metric,
            "--statistics",
            stat,
            "--period",
            "60",
            "--start-time",
            &start,
            "--end-time",
            &end,
            "--dimensions",
        ];
        args.extend_from_slice(dims);
        aws(&args)
    };
    let cpu = stats(
        "AWS/ECS",
        "CPUUtilization",
        &["Name=ClusterName,Value=c", "Name=ServiceName,Value=cpu"],
        "Maximum",
    );
    let peak = cpu["Datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["Maximum"].as_f64())
        .fold(0.0, f64::max);
    assert!(peak > 50.0, "CPUUtilization never went above 50 %: {cpu}");
    let tg = aws(&["elbv2", "describe-target-groups", "--names", "req-tg"])["TargetGroups"][0]
        ["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let tg_dim = &tg[tg.find("targetgroup/").unwrap()..];
    let per_target = stats(
        "AWS/ApplicationELB",
        "RequestCountPerTarget",
        &[&format!("Name=TargetGroup,Value={tg_dim}")],
        "Sum",
    );
    let total: f64 = per_target["Datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["Sum"].as_f64())
        .sum();
    assert!(total > 30.0, "{per_target}");
}
