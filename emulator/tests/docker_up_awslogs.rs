//! The topology's `log_group` under the real daemon (`emul up -d --wait` of
//! the wechat seed, whose services log to `/aws/ecs/wechat-backend` and
//! `/aws/ecs/wechat-frontend`): the groups exist in emul's CloudWatch Logs,
//! each running task has its stream `ecs/<container>/<task-id>`, and the
//! app's first line is there, read with the stock AWS CLI against the
//! project's endpoint.
//!
//! Project `emt-awslogs`, VPC 10.151.0.0/16, endpoint 127.0.0.1:25100,
//! listeners 25101/25102; `emul down --volumes` runs even on failure.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

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
    drop(guard);
}
