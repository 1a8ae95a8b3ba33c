//! The AWS CLI's ECS commands against `emul serve` (control plane only, no
//! runtime: services keep runningCount 0, see decision 0008): the CLI parses
//! emul's shapes (timestamps, deployments), and `aws ecs wait
//! services-stable` succeeds on a stable service (desired 0: one deployment,
//! runningCount == desiredCount) and fails at once on a MISSING one. The
//! scale-up/deployment form of the waiter's condition is asserted by the
//! Docker tests (`emulator/tests/docker_ecs*.rs`), not through the CLI.
//!
//! Skips (passes with a message) when `aws` is not on PATH, unless
//! `EMUL_REQUIRE_AWS_CLI=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sdk_tests::Emul;
use serde_json::Value;

fn aws_cli() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join("aws"))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("EMUL_REQUIRE_AWS_CLI").as_deref() == Ok("1") {
            panic!("EMUL_REQUIRE_AWS_CLI=1 but `aws` is not on PATH (pip install awscli)");
        }
        eprintln!("SKIPPED: the AWS CLI (`aws`) is not on PATH");
    }
    found
}

fn aws(cli: &Path, emul: &Emul, home: &Path, args: &[&str]) -> Output {
    Command::new(cli)
        .args(args)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", &emul.endpoint)
        .env("AWS_ACCESS_KEY_ID", sdk_tests::TEST_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", sdk_tests::TEST_SECRET_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("running aws")
}

fn aws_json(cli: &Path, emul: &Emul, home: &Path, args: &[&str]) -> Value {
    let out = aws(cli, emul, home, args);
    assert!(
        out.status.success(),
        "aws {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn aws_cli_ecs_services_stable_waiter() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    aws_json(
        &cli,
        &emul,
        h,
        &["ecs", "create-cluster", "--cluster-name", "prod"],
    );
    let td = aws_json(
        &cli,
        &emul,
        h,
        &[
            "ecs",
            "register-task-definition",
            "--family",
            "web",
            "--container-definitions",
            r#"[{"name":"app","image":"emul/testapp:latest","memory":128}]"#,
        ],
    );
    assert_eq!(td["taskDefinition"]["revision"], 1);
    let created = aws_json(
        &cli,
        &emul,
        h,
        &[
            "ecs",
            "create-service",
            "--cluster",
            "prod",
            "--service-name",
            "web",
            "--task-definition",
            "web",
            "--desired-count",
            "0",
        ],
    );
    // Epoch seconds on the wire; CLI v1 prints them as numbers, v2 as ISO text.
    let at = &created["service"]["createdAt"];
    assert!(at.is_number() || at.is_string(), "{created}");
    assert_eq!(created["service"]["deployments"][0]["status"], "PRIMARY");
    let ok = aws(
        &cli,
        &emul,
        h,
        &[
            "ecs",
            "wait",
            "services-stable",
            "--cluster",
            "prod",
            "--services",
            "web",
        ],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let missing = aws(
        &cli,
        &emul,
        h,
        &[
            "ecs",
            "wait",
            "services-stable",
            "--cluster",
            "prod",
            "--services",
            "ghost",
        ],
    );
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("terminal failure state"), "{err}");
    let nope = aws(
        &cli,
        &emul,
        h,
        &[
            "ecs",
            "describe-services",
            "--cluster",
            "nope",
            "--services",
            "web",
        ],
    );
    assert!(!nope.status.success());
    assert!(
        String::from_utf8_lossy(&nope.stderr).contains("ClusterNotFoundException"),
        "{}",
        String::from_utf8_lossy(&nope.stderr)
    );
}
