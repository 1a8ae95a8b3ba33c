//! The AWS CLI's ECS commands against `emul serve` (control plane only, no
//! runtime: services keep runningCount 0, see decision 0008): the CLI parses
//! emul's shapes (timestamps, deployments), and `aws ecs wait
//! services-stable` succeeds on a stable service (desired 0: one deployment,
//! runningCount == desiredCount) and fails at once on a MISSING one. The
//! waiter returning after a scale-up and after a forced deployment, with real
//! tasks, is tested through the CLI by `emulator/tests/docker_ecs_seed.rs`.
//!
//! Skips (passes with a message) when `aws` is not on PATH, unless
//! `EMUL_REQUIRE_AWS_CLI=1`.

use sdk_tests::Emul;

use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

#[test]
fn aws_cli_ecs_services_stable_waiter() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    aws_json(
        &cli,
        &emul.endpoint,
        h,
        &["ecs", "create-cluster", "--cluster-name", "prod"],
    );
    let td = aws_json(
        &cli,
        &emul.endpoint,
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
        &emul.endpoint,
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
        &emul.endpoint,
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
        &emul.endpoint,
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
        &emul.endpoint,
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
