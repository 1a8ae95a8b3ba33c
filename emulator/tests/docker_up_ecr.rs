//! ECR through `emul up`, with the real binary on this Docker engine: the
//! topology's `ecr_repositories` exist once `up` returns (settings as
//! declared), the registry listens on `--registry-port`, the task
//! definition shows `${ecr.app.repository_url}:v1` resolved to the AWS URI,
//! the service's tasks stop with `CannotPullContainerError` until the image
//! is pushed with the stock Docker CLI, and then it runs.
//!
//! VPC 10.161.0.0/16, AWS endpoint 25221 and registry 25222 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const API: u16 = 25221;
const REGISTRY: u16 = 25222;

const TOPOLOGY: &str = r#"name: emt-up-ecr
region: us-east-1
vpc:
  cidr_block: 10.161.0.0/16
  subnets:
    - { name: private-a, cidr_block: 10.161.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: app
ecr_repositories:
  - name: app
    image_tag_mutability: IMMUTABLE
    scan_on_push: true
ecs_cluster:
  name: c
  services:
    - name: web
      desired_count: 1
      subnets: [private-a]
      security_groups: [app]
      task_definition:
        cpu: 256
        memory: 512
        container_definitions:
          - name: app
            image: "${ecr.app.repository_url}:v1"
            environment:
              - { name: PORT, value: "8080" }
            port_mappings: [{ container_port: 8080 }]
"#;

/// Polls `f` every 500 ms until it returns `Some`, or panics naming `what`.
fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn stopped_reasons() -> Vec<String> {
    let arns = e2e::ecs(
        API,
        "ListTasks",
        json!({"cluster": "c", "desiredStatus": "STOPPED"}),
    )["taskArns"]
        .clone();
    if arns.as_array().is_none_or(|a| a.is_empty()) {
        return vec![];
    }
    e2e::ecs(API, "DescribeTasks", json!({"cluster": "c", "tasks": arns}))["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["stoppedReason"].as_str().map(String::from))
        .collect()
}

#[test]
fn docker_up_ecr_repositories_and_ecr_images_run_once_pushed() {
    let Some(cli) = aws_cli::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, TOPOLOGY).unwrap();
    let _guard = e2e::Guard(file.clone());
    let f = file.to_str().unwrap();
    let (api, registry) = (API.to_string(), REGISTRY.to_string());
    let out = sp::run(&[
        "up",
        "-d",
        "--pull",
        "never",
        "--label",
        "io.emul.test=1",
        "--timeout",
        "120",
        "--port",
        &api,
        "--registry-port",
        &registry,
        "--topology",
        f,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let endpoint = format!("http://127.0.0.1:{API}");
    let home = tempfile::tempdir().unwrap();
    let host = format!("127.0.0.1:{REGISTRY}");

    // `emul env` names the registry.
    let env = sp::run(&["env", "--topology", f]);
    assert!(
        String::from_utf8_lossy(&env.stdout)
            .lines()
            .any(|l| l == format!("export EMUL_ECR_REGISTRY={host}")),
        "{}",
        String::from_utf8_lossy(&env.stdout)
    );

    // The declared repository, with its settings, on the registry's port.
    let repos = aws_cli::json(
        &cli,
        &endpoint,
        home.path(),
        &["ecr", "describe-repositories"],
    );
    let repo = &repos["repositories"][0];
    assert_eq!(repo["repositoryName"], "app");
    assert_eq!(repo["imageTagMutability"], "IMMUTABLE");
    assert_eq!(repo["imageScanningConfiguration"]["scanOnPush"], true);
    assert_eq!(repo["repositoryUri"], format!("{host}/app"));

    // The reference is resolved in the registered task definition.
    let svc = e2e::ecs(
        API,
        "DescribeServices",
        json!({"cluster": "c", "services": ["web"]}),
    );
    let td_arn = svc["services"][0]["taskDefinition"].clone();
    let td = e2e::ecs(
        API,
        "DescribeTaskDefinition",
        json!({"taskDefinition": td_arn}),
    );
    let ecr_image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/app:v1";
    assert_eq!(
        td["taskDefinition"]["containerDefinitions"][0]["image"],
        ecr_image
    );

    // Nothing pushed yet: the tasks stop with ECS's pull error.
    let reasons = wait_for(
        "a task stopped for want of the image",
        Duration::from_secs(60),
        || {
            let r = stopped_reasons();
            (!r.is_empty()).then_some(r)
        },
    );
    assert_eq!(
        reasons[0],
        format!(
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {ecr_image}: {ecr_image}: not found"
        )
    );

    // Push with the stock CLI, as a user would.
    let password = aws_cli::run(&cli, &endpoint, home.path(), &["ecr", "get-login-password"]);
    assert!(password.status.success());
    let docker_config = tempfile::tempdir().unwrap();
    let mut login = Command::new("docker")
        .args(["login", "--username", "AWS", "--password-stdin", &host])
        .env("DOCKER_CONFIG", docker_config.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(&password.stdout)
        .unwrap();
    let login = login.wait_with_output().unwrap();
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let pushed = format!("{host}/app:v1");
    let docker = |args: &[&str]| {
        let out = Command::new("docker")
            .args(args)
            .env("DOCKER_CONFIG", docker_config.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    docker(&["tag", "emul/testapp:latest", &pushed]);
    docker(&["push", &pushed]);
    docker(&["rmi", &pushed]);

    // The service now runs it.
    wait_for(
        "the service to run the pushed image",
        Duration::from_secs(120),
        || {
            let s = e2e::ecs(
                API,
                "DescribeServices",
                json!({"cluster": "c", "services": ["web"]}),
            );
            (s["services"][0]["runningCount"] == 1).then_some(())
        },
    );
    let images = aws_cli::json(
        &cli,
        &endpoint,
        home.path(),
        &["ecr", "describe-images", "--repository-name", "app"],
    );
    assert_eq!(images["imageDetails"][0]["imageTags"], json!(["v1"]));
    let digest: Value = images["imageDetails"][0]["imageDigest"].clone();
    assert!(digest.as_str().unwrap().starts_with("sha256:"));

    let out = sp::run(&["down", "--topology", f]);
    assert_eq!(out.status.code(), Some(0));
    let _ = Command::new("docker").args(["rmi", "-f", &pushed]).output();
}
