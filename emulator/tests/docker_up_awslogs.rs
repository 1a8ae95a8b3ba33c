//! The topology's `log_group` under the real daemon (`emul up -d --wait` of
//! the wechat seed, whose services log to `/aws/ecs/wechat-backend` and
//! `/aws/ecs/wechat-frontend`): the groups exist in emul's CloudWatch Logs,
//! each running task has its stream `ecs/<container>/<task-id>`, and the
//! app's first line is there, read with the stock AWS CLI against the
//! project's endpoint. `emul logs --service` reads the same store (through
//! the daemon, following with `-f`, and from the store's file after
//! `emul down`), and `aws logs tail --follow`'s calls, made with boto3
//! (`support/logs_tail.py`), follow a running task.
//!
//! Project `emt-awslogs`, VPC 10.151.0.0/16, endpoint 127.0.0.1:25100,
//! listeners 25101/25102; `emul down --volumes` runs even on failure.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use e2e::{BACKEND, FRONTEND, Guard, Ports};
use serde_json::Value;

#[test]
fn docker_up_log_group_streams_task_output_to_cloudwatch_logs() {
    let Some(cli) = aws_cli::find() else { return };
    let ports = Ports {
        api: 25100,
        http: 25101,
        https: 25102,
    };
    let (_dir, file) = e2e::topology("emt-awslogs", 151, &ports);
    let guard = Guard(file.clone());
    let args = e2e::up_args(file.to_str().unwrap(), &ports.api.to_string());
    let out = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0));
    let endpoint = format!("http://127.0.0.1:{}", ports.api);
    let home = tempfile::tempdir().unwrap();
    let logs = |args: &[&str]| -> Value {
        let mut all = vec!["logs"];
        all.extend_from_slice(args);
        aws_cli::json(&cli, &endpoint, home.path(), &all)
    };

    let groups = logs(&[
        "describe-log-groups",
        "--log-group-name-prefix",
        "/aws/ecs/wechat-",
    ]);
    let names: Vec<&str> = groups["logGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["logGroupName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["/aws/ecs/wechat-backend", "/aws/ecs/wechat-frontend"]
    );

    for (service, group, container) in [
        (BACKEND, "/aws/ecs/wechat-backend", "backend"),
        (FRONTEND, "/aws/ecs/wechat-frontend", "frontend"),
    ] {
        let tasks = e2e::task_arns(ports.api, service);
        assert!(!tasks.is_empty(), "{service} has tasks");
        for arn in tasks {
            let id = arn.rsplit('/').next().unwrap();
            let stream = format!("ecs/{container}/{id}");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let got = logs(&[
                    "get-log-events",
                    "--log-group-name",
                    group,
                    "--log-stream-name",
                    &stream,
                    "--start-from-head",
                ]);
                let first = got["events"][0]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if first.starts_with("testapp listening on") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{group} {stream}: no start-up line yet: {got}"
                );
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }

    // `emul logs` reads the same events, through the running daemon.
    let topology = file.to_str().unwrap();
    let printed = sp::run(&["logs", "--topology", topology, "--service", BACKEND]);
    assert_eq!(printed.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    assert!(
        printed
            .lines()
            .any(|l| l.contains("/backend | testapp listening on")),
        "{printed}"
    );

    // Following: `emul logs -f` and `aws logs tail --follow` (boto3) both
    // see the line a request through the ALB makes a running task write.
    let marker = format!("/api/emul-logs-follow-{}", std::process::id());
    let emul_follow = Follower::spawn(sp::emul().args([
        "logs",
        "--topology",
        topology,
        "--service",
        BACKEND,
        "-f",
        "--tail",
        "0",
    ]));
    let mut python = Command::new("python3");
    python
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/logs_tail.py"
        ))
        .args(["--endpoint", &endpoint, "--region", "us-east-1"])
        .args([
            "/aws/ecs/wechat-backend",
            "--until",
            &marker,
            "--timeout",
            "60",
        ]);
    let boto3_tail = Follower::spawn(&mut python);
    let deadline = Instant::now() + Duration::from_secs(45);
    let (mut emul_saw, mut boto3_saw) = (false, false);
    while !(emul_saw && boto3_saw) {
        assert!(
            Instant::now() < deadline,
            "the request's line was not followed: emul logs -f {emul_saw}, boto3 tail {boto3_saw}"
        );
        // Another request each round: a follower may have joined after
        // the previous one was logged.
        let curl = Command::new("curl")
            .args(["-sk", "-o", "/dev/null"])
            .arg(format!("https://127.0.0.1:{}{marker}", ports.https))
            .status()
            .unwrap();
        assert!(curl.success());
        let until = Instant::now() + Duration::from_secs(1);
        emul_saw |= emul_follow.saw(&marker, until);
        boto3_saw |= boto3_tail.saw(&marker, until);
    }
    let line = emul_follow.first_with(&marker);
    assert!(line.contains("/backend | "), "{line}");
    assert!(
        boto3_tail.first_with(&marker).contains(" ecs/backend/"),
        "the ECS stream name"
    );
    drop(emul_follow);

    // Without the daemon, the store's file is read (read-only).
    let down = sp::run(&["down", "--topology", topology]);
    assert_eq!(down.status.code(), Some(0));
    let after = sp::run(&["logs", "--topology", topology, "--service", BACKEND]);
    assert_eq!(after.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&after.stdout).contains(&marker),
        "after down"
    );
    drop(guard);
}

/// A child process whose stdout lines are collected by a thread; killed
/// on drop (the test stops it, even a failing one).
struct Follower {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: std::cell::RefCell<Vec<String>>,
}

impl Follower {
    fn spawn(cmd: &mut Command) -> Follower {
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower {
            child,
            lines,
            seen: Default::default(),
        }
    }

    /// Whether a line containing `text` was printed, waiting until `until`.
    fn saw(&self, text: &str, until: Instant) -> bool {
        loop {
            if self.seen.borrow().iter().any(|l| l.contains(text)) {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.borrow_mut().push(line),
                Err(_) => return false,
            }
        }
    }

    fn first_with(&self, text: &str) -> String {
        self.seen
            .borrow()
            .iter()
            .find(|l| l.contains(text))
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
