//! ECR for real on Docker: the stock `docker` CLI logs in to emul's
//! registry with `aws ecr get-login-password`, pushes the test app to a
//! repository the AWS CLI created, DescribeImages shows the pushed digest,
//! and ECS tasks whose images are ECR URIs run it — by tag (a service) and
//! by digest (RunTask) — while an unknown tag stops the task with ECS's
//! `CannotPullContainerError`.
//!
//! Network 10.160.0.0/24 (this helper's range); the registry listens on a
//! free loopback port (Docker treats 127.0.0.0/8 registries as insecure).

mod support;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use emul::gateway::{Gateway, GatewayConfig, Registry};
use emul::services::ecr::Ecr;
use serde_json::{Value, json};
use support::ecs::{EcsWorld, docker, network_configuration};

/// The test app's task definition with `image`.
fn task_definition(family: &str, image: &str) -> Value {
    json!({
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": image,
            "essential": true,
            "environment": [{"name": "PORT", "value": "8080"}],
            "portMappings": [{"containerPort": 8080}],
        }]
    })
}

/// Runs `aws <args>` on a blocking thread (the gateway runs on this runtime).
async fn aws(bin: &Path, endpoint: &str, home: &Path, args: &[&str]) -> std::process::Output {
    let (bin, endpoint, home) = (bin.to_path_buf(), endpoint.to_string(), home.to_path_buf());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        aws_cli::run(&bin, &endpoint, &home, &refs)
    })
    .await
    .unwrap()
}

/// `aws <args>` that must succeed, parsed, on a blocking thread.
async fn aws_json(bin: &Path, endpoint: &str, home: &Path, args: &[&str]) -> Value {
    let (bin, endpoint, home) = (bin.to_path_buf(), endpoint.to_string(), home.to_path_buf());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        aws_cli::json(&bin, &endpoint, &home, &refs)
    })
    .await
    .unwrap()
}

/// Runs the docker CLI with `DOCKER_CONFIG` (the login's credentials) on a
/// blocking thread, feeding `stdin`; panics with stderr on failure.
async fn docker_with(config: &Path, args: &[&str], stdin: &[u8]) -> String {
    let (config, stdin) = (config.to_path_buf(), stdin.to_vec());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new("docker")
            .args(&args)
            .env("DOCKER_CONFIG", &config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker CLI");
        child.stdin.take().unwrap().write_all(&stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    })
    .await
    .unwrap()
}

/// Removes the images this test pulled or tagged (never anything else).
fn remove_images(names: &[String]) {
    for n in names {
        let _ = Command::new("docker").args(["rmi", "-f", n]).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_ecr_push_with_the_docker_cli_then_run_by_ecr_uri() {
    let Some(bin) = aws_cli::find() else { return };
    let state = tempfile::tempdir().unwrap();
    let ecr = Arc::new(Ecr::open(state.path(), "000000000000", "us-east-1").unwrap());
    let listener = emul::services::ecr::registry::bind(&ecr, 0).await.unwrap();
    let host = ecr.registry_host().unwrap();
    let (stop_registry, registry_stopped) = tokio::sync::oneshot::channel::<()>();
    let registry = tokio::spawn(emul::services::ecr::registry::serve(
        listener,
        emul::services::ecr::registry::Registry::new(ecr.clone()),
        async {
            let _ = registry_stopped.await;
        },
    ));
    let images = ecr.clone();
    let w = EcsWorld::start_with("ecr-push", 160, move |deps| {
        deps.images = Some(images);
    })
    .await;
    // The AWS endpoint with ECR, on loopback.
    let mut services = Registry::new();
    services.register(ecr.clone());
    let gateway = Arc::new(Gateway::new(GatewayConfig::default(), services));
    let gw_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", gw_listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(emul::gateway::server::serve(gw_listener, gateway, async {
        let _ = stopped.await;
    }));
    let home = tempfile::tempdir().unwrap();
    let docker_config = tempfile::tempdir().unwrap();
    let pushed = format!("{host}/testapp:v1");
    let mut cleanup = vec![pushed.clone()];

    // 1. The repository, with the AWS CLI.
    let repo = aws_json(
        &bin,
        &endpoint,
        home.path(),
        &["ecr", "create-repository", "--repository-name", "testapp"],
    )
    .await;
    assert_eq!(
        repo["repository"]["repositoryUri"],
        format!("{host}/testapp")
    );

    // 2. aws ecr get-login-password | docker login --username AWS --password-stdin <registry>
    let out = aws(&bin, &endpoint, home.path(), &["ecr", "get-login-password"]).await;
    assert!(out.status.success());
    let login = docker_with(
        docker_config.path(),
        &["login", "--username", "AWS", "--password-stdin", &host],
        &out.stdout,
    )
    .await;
    assert!(login.contains("Login Succeeded"), "{login}");
    // A wrong password is refused.
    let bad = Command::new("docker")
        .args(["login", "--username", "AWS", "--password-stdin", &host])
        .env("DOCKER_CONFIG", tempfile::tempdir().unwrap().path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"wrong\n")?;
            c.wait()
        })
        .unwrap();
    assert!(
        !bad.success(),
        "docker login with a wrong password succeeded"
    );

    // 3. docker tag + docker push.
    docker(&["tag", "emul/testapp:latest", &pushed]);
    let push = docker_with(docker_config.path(), &["push", &pushed], b"").await;
    let digest = push
        .split_whitespace()
        .find(|w| w.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("no digest in the push output: {push}"))
        .to_string();

    // 4. DescribeImages shows the digest and the tag.
    let images = aws_json(
        &bin,
        &endpoint,
        home.path(),
        &["ecr", "describe-images", "--repository-name", "testapp"],
    )
    .await;
    let detail = &images["imageDetails"][0];
    assert_eq!(detail["imageDigest"], digest.as_str());
    assert_eq!(detail["imageTags"], json!(["v1"]));
    assert!(detail["imageSizeInBytes"].as_i64().unwrap() > 1_000_000);

    // The local copy goes, so the task must pull from the registry.
    docker(&["rmi", &pushed]);

    // 5. A service whose task definition names the ECR URI runs it.
    let ecr_uri = "000000000000.dkr.ecr.us-east-1.amazonaws.com/testapp";
    w.call(
        "RegisterTaskDefinition",
        task_definition("web", &format!("{ecr_uri}:v1")),
    );
    w.call(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web",
               "desiredCount": 1, "networkConfiguration": network_configuration()}),
    );
    w.wait_for("the ECR service runs", Duration::from_secs(90), |w| {
        w.service("web")["runningCount"] == 1
    })
    .await;
    let task = w.task(&w.task_arns("RUNNING")[0]);
    assert_eq!(task["containers"][0]["image"], format!("{ecr_uri}:v1"));
    let id = task["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(docker(&["inspect", "-f", "{{.Config.Image}}", &id]), pushed);

    // 6. A digest-pinned image runs.
    let pinned = format!("{host}/testapp@{digest}");
    cleanup.push(pinned.clone());
    w.call(
        "RegisterTaskDefinition",
        task_definition("pinned", &format!("{ecr_uri}@{digest}")),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "pinned", "networkConfiguration": network_configuration()}),
    );
    let arn = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("the pinned task runs", Duration::from_secs(90), |w| {
        w.task(&arn)["lastStatus"] == "RUNNING"
    })
    .await;
    let id = w.task(&arn)["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(docker(&["inspect", "-f", "{{.Config.Image}}", &id]), pinned);

    // 7. An unknown tag stops the task with ECS's reason.
    let missing = format!("{ecr_uri}:nope");
    w.call(
        "RegisterTaskDefinition",
        task_definition("missing", &missing),
    );
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "missing", "networkConfiguration": network_configuration()}),
    );
    let arn = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for(
        "the task with an unknown tag stops",
        Duration::from_secs(30),
        |w| w.task(&arn)["lastStatus"] == "STOPPED",
    )
    .await;
    let t = w.task(&arn);
    assert_eq!(t["stopCode"], "TaskFailedToStart");
    assert_eq!(
        t["stoppedReason"],
        format!(
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {missing}: {missing}: not found"
        )
    );

    w.shutdown().await;
    let _ = stop.send(());
    let _ = stop_registry.send(());
    let _ = server.await;
    let _ = registry.await;
    remove_images(&cleanup);
}
