//! The `awslogs` log driver, for real on Docker: a task's stdout/stderr
//! lines become CloudWatch Logs events in `<prefix>/<container>/<task-id>`,
//! read with the stock AWS CLI (`aws logs get-log-events`,
//! `filter-log-events` with a term and a JSON pattern) while the task runs
//! and after StopTask, and followed the way `aws logs tail --follow` does
//! it (FilterLogEvents polled from a `startTime`, events deduplicated by
//! id; AWS CLI v1 has no `logs tail`). A task whose group is missing,
//! without `awslogs-create-group`, stops with ECS's reason. The task
//! metadata endpoint reports `LogDriver` / `LogOptions` with the stream.
//!
//! Network 10.150.0.0/24 (this helper's range).

mod support;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use emul::gateway::{Gateway, GatewayConfig, Registry};
use emul::services::logs::CloudWatchLogs;
use emul::services::logs::awslogs::MISSING_GROUP_REASON;
use serde_json::{Value, json};
use support::ecs::{EcsWorld, docker, network_configuration};
use support::netns::NetNs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Prints known lines (one on stderr, one JSON), ticks every 200 ms, and
/// says goodbye on its stop signal: the goodbye proves the last lines
/// reach CloudWatch Logs after StopTask.
const APP_SCRIPT: &str = "trap 'echo goodbye-from-app; exit 0' TERM INT; \
    echo hello-from-app; echo warning-from-app >&2; \
    echo '{\"level\":\"error\",\"latency\":150}'; echo '{\"level\":\"info\",\"latency\":5}'; \
    i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2 & wait $!; done";

fn task_definition(family: &str, options: Value) -> Value {
    json!({
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "emul/postgres:15",
            "essential": true,
            "entryPoint": ["/bin/sh", "-c"],
            "command": [APP_SCRIPT],
            "logConfiguration": {"logDriver": "awslogs", "options": options}
        }]
    })
}

/// The CLI, its isolated home, and the endpoint, usable from blocking threads.
#[derive(Clone)]
struct Cli {
    /// The `aws` executable.
    bin: PathBuf,
    /// `http://127.0.0.1:<port>`.
    endpoint: String,
    /// An isolated `~/.aws`.
    home: Arc<tempfile::TempDir>,
}

impl Cli {
    /// `aws logs <args>` on a blocking thread (the gateway and the
    /// scheduler keep running on the runtime meanwhile).
    async fn logs(&self, args: &[&str]) -> Value {
        let me = self.clone();
        let mut all = vec!["logs".to_string()];
        all.extend(args.iter().map(|s| s.to_string()));
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            aws_cli::json(&me.bin, &me.endpoint, me.home.path(), &refs)
        })
        .await
        .unwrap()
    }
}

/// GET `$ECS_CONTAINER_METADATA_URI_V4` from inside the task's first
/// container's namespace.
async fn container_metadata(task: &Value) -> Value {
    let container = task["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    let env: Vec<String> = serde_json::from_str(&docker(&[
        "inspect",
        "-f",
        "{{json .Config.Env}}",
        &container,
    ]))
    .unwrap();
    let uri = env
        .iter()
        .find_map(|e| e.strip_prefix("ECS_CONTAINER_METADATA_URI_V4="))
        .expect("metadata URI injected")
        .to_string();
    let pid: u32 = docker(&["inspect", "-f", "{{.State.Pid}}", &container])
        .parse()
        .unwrap();
    let mut s = NetNs::of_pid(pid)
        .connect("169.254.170.2:80".parse().unwrap(), Duration::from_secs(2))
        .await
        .unwrap();
    let path = uri.trim_start_matches("http://169.254.170.2");
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 169.254.170.2\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("null");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn messages(out: &Value) -> Vec<String> {
    out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

/// Polls `get-log-events` until `want` is among the stream's messages.
async fn wait_for_line(cli: &Cli, stream: &str, want: &str, timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let out = cli
            .logs(&[
                "get-log-events",
                "--log-group-name",
                "/ecs/logger",
                "--log-stream-name",
                stream,
                "--start-from-head",
            ])
            .await;
        let got = messages(&out);
        if got.iter().any(|m| m == want) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "no {want:?} in {stream}: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_ecs_awslogs_lines_reach_cloudwatch_logs() {
    let Some(bin) = aws_cli::find() else { return };
    let logs = Arc::new(CloudWatchLogs::in_memory());
    let sink = logs.clone();
    let w = EcsWorld::start_with("ecs-awslogs", 150, move |deps| {
        deps.log_sink = Some(sink);
    })
    .await;
    // The AWS endpoint with CloudWatch Logs, on loopback.
    let mut registry = Registry::new();
    registry.register(logs.clone());
    let gateway = Arc::new(Gateway::new(GatewayConfig::default(), registry));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(emul::gateway::server::serve(listener, gateway, async {
        let _ = stopped.await;
    }));
    let cli = Cli {
        bin,
        endpoint,
        home: Arc::new(tempfile::tempdir().unwrap()),
    };

    // A missing group without awslogs-create-group: ECS's stopped reason.
    w.call(
        "RegisterTaskDefinition",
        task_definition(
            "nogroup",
            json!({"awslogs-group": "/ecs/missing", "awslogs-region": "us-east-1",
                   "awslogs-stream-prefix": "ecs"}),
        ),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "nogroup", "launchType": "FARGATE",
               "networkConfiguration": network_configuration()}),
    );
    let failed = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for(
        "the task without a group to stop",
        Duration::from_secs(60),
        |w| w.task(&failed)["lastStatus"] == "STOPPED",
    )
    .await;
    let task = w.task(&failed);
    assert_eq!(task["stoppedReason"], MISSING_GROUP_REASON);
    assert_eq!(task["stopCode"], "TaskFailedToStart");
    let groups = cli.logs(&["describe-log-groups"]).await;
    assert_eq!(groups["logGroups"], json!([]), "no group was created");

    // awslogs-create-group: the group is created, lines flow.
    w.call(
        "RegisterTaskDefinition",
        task_definition(
            "logger",
            json!({"awslogs-group": "/ecs/logger", "awslogs-region": "us-east-1",
                   "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}),
        ),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "logger", "launchType": "FARGATE",
               "networkConfiguration": network_configuration()}),
    );
    let arn = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("a running task", Duration::from_secs(90), |w| {
        w.task(&arn)["lastStatus"] == "RUNNING"
    })
    .await;
    let task_id = arn.rsplit('/').next().unwrap().to_string();
    let stream = format!("ecs/app/{task_id}");

    // While it runs: the stream has ECS's name and the lines, in order.
    let got = wait_for_line(&cli, &stream, "tick-2", Duration::from_secs(30)).await;
    // stdout lines in order; the stderr line too (Docker keeps the two
    // pipes apart, so where it lands among them is not fixed).
    let stdout: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|m| *m != "warning-from-app")
        .take(4)
        .collect();
    assert_eq!(
        stdout,
        [
            "hello-from-app",
            r#"{"level":"error","latency":150}"#,
            r#"{"level":"info","latency":5}"#,
            "tick-1"
        ],
        "{got:?}"
    );
    assert!(got.iter().any(|m| m == "warning-from-app"), "{got:?}");
    // The task metadata endpoint reports the driver as the agent does.
    let meta = container_metadata(&w.task(&arn)).await;
    assert_eq!(meta["LogDriver"], "awslogs");
    assert_eq!(meta["LogOptions"]["awslogs-group"], "/ecs/logger");
    assert_eq!(meta["LogOptions"]["awslogs-stream"], stream.as_str());
    assert_eq!(meta["LogOptions"]["awslogs-create-group"], "true");
    let streams = cli
        .logs(&["describe-log-streams", "--log-group-name", "/ecs/logger"])
        .await;
    assert_eq!(streams["logStreams"][0]["logStreamName"], stream.as_str());
    let term = cli
        .logs(&[
            "filter-log-events",
            "--log-group-name",
            "/ecs/logger",
            "--filter-pattern",
            "warning",
        ])
        .await;
    assert_eq!(messages(&term), ["warning-from-app"]);
    assert_eq!(term["events"][0]["logStreamName"], stream.as_str());
    let json_hits = cli
        .logs(&[
            "filter-log-events",
            "--log-group-name",
            "/ecs/logger",
            "--filter-pattern",
            r#"{ $.level = "error" && $.latency > 100 }"#,
        ])
        .await;
    assert_eq!(messages(&json_hits), [r#"{"level":"error","latency":150}"#]);

    // Follow, as `aws logs tail --follow` does: FilterLogEvents from a start
    // time, again and again, skipping event ids already printed.
    let mut seen: HashSet<String> = HashSet::new();
    let mut followed: Vec<String> = Vec::new();
    let mut start = json_hits["events"][0]["timestamp"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut polls_with_news = 0;
    while polls_with_news < 3 {
        assert!(
            Instant::now() < deadline,
            "the follow saw too little: {followed:?}"
        );
        let out = cli
            .logs(&[
                "filter-log-events",
                "--log-group-name",
                "/ecs/logger",
                "--start-time",
                &start.to_string(),
                "--filter-pattern",
                "tick",
            ])
            .await;
        let mut news = false;
        for e in out["events"].as_array().unwrap() {
            if seen.insert(e["eventId"].as_str().unwrap().to_string()) {
                followed.push(e["message"].as_str().unwrap().to_string());
                start = start.max(e["timestamp"].as_i64().unwrap());
                news = true;
            }
        }
        if news {
            polls_with_news += 1;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let ticks: Vec<u32> = followed
        .iter()
        .map(|m| m.strip_prefix("tick-").unwrap().parse().unwrap())
        .collect();
    assert!(
        ticks.windows(2).all(|p| p[1] == p[0] + 1),
        "followed ticks in order, none twice or missing: {ticks:?}"
    );

    // After StopTask: the goodbye (written on SIGTERM) and everything before.
    w.call(
        "StopTask",
        json!({"cluster": "prod", "task": arn, "reason": "test over"}),
    );
    w.wait_for("the task to stop", Duration::from_secs(60), |w| {
        w.task(&arn)["lastStatus"] == "STOPPED"
    })
    .await;
    let after = wait_for_line(&cli, &stream, "goodbye-from-app", Duration::from_secs(10)).await;
    assert!(
        after.iter().take(2).any(|m| m == "hello-from-app"),
        "{after:?}"
    );
    assert_eq!(after.last().map(String::as_str), Some("goodbye-from-app"));
    for t in &followed {
        assert!(after.contains(t), "{t} kept after the task stopped");
    }

    let _ = stop.send(());
    let _ = server.await;
    w.shutdown().await;
}
