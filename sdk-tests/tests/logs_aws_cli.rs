//! The AWS CLI's `aws logs` commands against `emul serve`: the CLI parses
//! emul's shapes for every operation a user runs by hand, and its errors
//! name AWS's codes. Skips (passes with a message) when `aws` is not on
//! PATH, unless `EMUL_REQUIRE_AWS_CLI=1`.

use std::time::{SystemTime, UNIX_EPOCH};

use sdk_tests::Emul;
use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

#[test]
fn aws_cli_logs_round_trip() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let run = |args: &[&str]| aws_json(&cli, &emul.endpoint, h, args);
    run(&["logs", "create-log-group", "--log-group-name", "/ecs/cli"]);
    run(&[
        "logs",
        "create-log-stream",
        "--log-group-name",
        "/ecs/cli",
        "--log-stream-name",
        "ecs/app/1",
    ]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events = format!(
        r#"[{{"timestamp":{now},"message":"hello from cli"}},{{"timestamp":{},"message":"{{\"level\":\"error\"}}"}}]"#,
        now + 1
    );
    let put = run(&[
        "logs",
        "put-log-events",
        "--log-group-name",
        "/ecs/cli",
        "--log-stream-name",
        "ecs/app/1",
        "--log-events",
        &events,
    ]);
    assert!(put["nextSequenceToken"].is_string());
    let got = run(&[
        "logs",
        "get-log-events",
        "--log-group-name",
        "/ecs/cli",
        "--log-stream-name",
        "ecs/app/1",
        "--start-from-head",
    ]);
    let msgs: Vec<&str> = got["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, ["hello from cli", r#"{"level":"error"}"#]);
    assert!(got["nextForwardToken"].as_str().unwrap().starts_with("f/"));
    let filtered = run(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "/ecs/cli",
        "--filter-pattern",
        r#"{ $.level = "error" }"#,
    ]);
    assert_eq!(filtered["events"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["events"][0]["logStreamName"], "ecs/app/1");
    let streams = run(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "/ecs/cli",
        "--order-by",
        "LastEventTime",
        "--descending",
    ]);
    assert_eq!(streams["logStreams"][0]["lastEventTimestamp"], now + 1);
    run(&[
        "logs",
        "put-retention-policy",
        "--log-group-name",
        "/ecs/cli",
        "--retention-in-days",
        "14",
    ]);
    let groups = run(&[
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "/ecs/",
    ]);
    assert_eq!(groups["logGroups"][0]["retentionInDays"], 14);
    run(&[
        "logs",
        "tag-log-group",
        "--log-group-name",
        "/ecs/cli",
        "--tags",
        "team=core",
    ]);
    let tags = run(&[
        "logs",
        "list-tags-log-group",
        "--log-group-name",
        "/ecs/cli",
    ]);
    assert_eq!(tags["tags"]["team"], "core");
    let missing = aws(
        &cli,
        &emul.endpoint,
        h,
        &["logs", "delete-log-group", "--log-group-name", "/nope"],
    );
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("ResourceNotFoundException")
            && stderr.contains("The specified log group does not exist."),
        "{stderr}"
    );
    run(&["logs", "delete-log-group", "--log-group-name", "/ecs/cli"]);
}
