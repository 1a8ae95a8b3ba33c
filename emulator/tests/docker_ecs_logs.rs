//! A service task's containers, for real on Docker: their output kept per
//! task under the state directory and readable after the task stopped and
//! its containers were removed (`emul logs --service/--task`, through the
//! binary); the task
//! definition's health check, cpu/memory limits and the task-level budget
//! as Docker and the kernel see them.

mod support;

use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use emul::runtime::task_logs::{LogArchive, Selection};
use serde_json::{Value, json};
use support::ecs::{EcsWorld, docker, network_configuration};

/// Prints two known lines (one on stderr), ticks, and says goodbye on its
/// stop signal (SIGTERM, or SIGINT, this image's STOPSIGNAL): the goodbye
/// proves the last lines are copied before the container is removed.
const APP_SCRIPT: &str = "trap 'echo goodbye-from-app; exit 0' TERM INT; \
    echo hello-from-app; echo warning-from-app >&2; \
    while :; do sleep 1 & wait $!; done";

fn task_definition() -> Value {
    json!({
        "family": "logger",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "emul/postgres:15",
                "essential": true,
                "entryPoint": ["/bin/sh", "-c"],
                "command": [APP_SCRIPT],
                "cpu": 128,
                "memory": 128,
                "memoryReservation": 64,
                "healthCheck": {
                    "command": ["CMD-SHELL", "test -e /proc/1"],
                    "interval": 5, "timeout": 3, "retries": 2, "startPeriod": 7
                }
            },
            {
                "name": "sidecar",
                "image": "emul/postgres:15",
                "essential": false,
                "entryPoint": ["/bin/sh", "-c"],
                "command": ["echo sidecar-up; exec sleep 3600"]
            }
        ]
    })
}

/// `docker inspect -f '{{json <field>}}'` of a container, parsed.
fn inspect(container: &str, field: &str) -> Value {
    serde_json::from_str(&docker(&[
        "inspect",
        "-f",
        &format!("{{{{json {field}}}}}"),
        container,
    ]))
    .unwrap()
}

/// What `emul logs --service/--task` prints, without following.
fn printed(w: &EcsWorld, selection: Selection, tail: &str) -> String {
    let (flag, value) = match &selection {
        Selection::Service(s) => ("--service", s.as_str()),
        Selection::Task(t) => ("--task", t.as_str()),
    };
    let out = emul_logs(w, &[flag, value, "--tail", tail]);
    assert!(
        out.status.success() || String::from_utf8_lossy(&out.stderr).contains("has logs"),
        "emul logs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `emul logs` through the binary, on the world's state directory (any
/// valid topology file will do: `--service`/`--task` read only the state).
fn emul_logs(w: &EcsWorld, args: &[&str]) -> std::process::Output {
    let topology = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/topologies/rayman.yaml"
    );
    cargo_bin_cmd!("emul")
        .args(["logs", "--topology", topology, "--state-dir"])
        .arg(w.state_dir.path())
        .args(args)
        .output()
        .unwrap()
}

/// `emul logs -f` stops with the test, even a failing one.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// RunTask of `logger`; returns its ARN once RUNNING.
async fn run_task(w: &EcsWorld) -> String {
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
    arn
}

#[tokio::test]
async fn docker_ecs_task_logs_outlive_the_task_and_limits_apply() {
    let w = EcsWorld::start("ecs-logs", 240).await;
    w.call("RegisterTaskDefinition", task_definition());
    w.call(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "logger",
               "desiredCount": 1, "launchType": "FARGATE",
               "networkConfiguration": network_configuration()}),
    );
    w.wait_for("a running task", Duration::from_secs(90), |w| {
        w.task_arns("RUNNING")
            .first()
            .is_some_and(|arn| w.task(arn)["lastStatus"] == "RUNNING")
    })
    .await;
    let arn = w.task_arns("RUNNING")[0].clone();
    let task_id = arn.rsplit('/').next().unwrap().to_string();
    let short = &task_id[..12];
    let task = w.task(&arn);
    let id_of = |name: &str| {
        task["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["runtimeId"].as_str())
            .unwrap()
            .to_string()
    };
    let (app, sidecar) = (id_of("app"), id_of("sidecar"));

    // Health check: every field of the task definition reaches Docker.
    let health = inspect(&app, ".Config.Healthcheck");
    assert_eq!(health["Test"], json!(["CMD-SHELL", "test -e /proc/1"]));
    assert_eq!(health["Interval"], 5_000_000_000u64);
    assert_eq!(health["Timeout"], 3_000_000_000u64);
    assert_eq!(health["Retries"], 2);
    assert_eq!(health["StartPeriod"], 7_000_000_000u64);
    assert_eq!(inspect(&sidecar, ".Config.Healthcheck"), Value::Null);
    // ... and the status reported follows Docker's.
    w.wait_for("app HEALTHY", Duration::from_secs(30), |w| {
        w.task(&arn)["containers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "app" && c["healthStatus"] == "HEALTHY")
    })
    .await;
    let sidecar_health = w.task(&arn)["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sidecar")
        .unwrap()["healthStatus"]
        .clone();
    assert_eq!(sidecar_health, "UNKNOWN");
    assert_eq!(inspect(&app, ".State.Health.Status"), "healthy");

    // Container limits: cpu → shares, memory hard and soft.
    let host = inspect(&app, ".HostConfig");
    assert_eq!(host["CpuShares"], 128);
    assert_eq!(host["Memory"], 128u64 << 20);
    assert_eq!(host["MemoryReservation"], 64u64 << 20);
    assert_eq!(host["NanoCpus"], 0, "container cpu is a weight, not a cap");
    // Task limits: one budget for the whole task.
    let side = inspect(&sidecar, ".HostConfig");
    let driver = docker(&["info", "-f", "{{.CgroupDriver}} {{.CgroupVersion}}"]);
    if driver.starts_with("cgroupfs") {
        let parent = format!("/emul/ecs-logs/{task_id}");
        assert_eq!(host["CgroupParent"], parent.as_str());
        assert_eq!(side["CgroupParent"], parent.as_str());
        assert_eq!(side["Memory"], 0, "the sidecar shares the task's memory");
        let read = |p: &str| {
            std::fs::read_to_string(format!("/sys/fs/cgroup/{p}"))
                .unwrap_or_else(|e| panic!("{p}: {e}"))
                .trim()
                .to_string()
        };
        if driver.ends_with('2') {
            assert_eq!(
                read(&format!("{parent}/memory.max")),
                (512u64 << 20).to_string()
            );
            assert_eq!(read(&format!("{parent}/cpu.max")), "25000 100000");
        } else {
            assert_eq!(
                read(&format!("memory{parent}/memory.limit_in_bytes")),
                (512u64 << 20).to_string()
            );
            assert_eq!(read(&format!("cpu{parent}/cpu.cfs_quota_us")), "25000");
            // The containers really are in it.
            let cid_dir = format!("memory{parent}/{app}");
            assert!(
                std::path::Path::new(&format!("/sys/fs/cgroup/{cid_dir}")).exists(),
                "{cid_dir}"
            );
        }
    } else {
        // No task cgroup on this engine: the task's values cap each container.
        assert_eq!(side["Memory"], 512u64 << 20);
        assert_eq!(side["NanoCpus"], 250_000_000);
    }

    // Logs while it runs.
    w.wait_for("the first lines", Duration::from_secs(10), |w| {
        printed(w, Selection::Service("web".into()), "all").contains("sidecar-up")
    })
    .await;
    let running = printed(&w, Selection::Service("web".into()), "all");
    assert!(
        running.contains(&format!("{short}/app | hello-from-app\n")),
        "{running}"
    );
    assert!(
        running.contains(&format!("{short}/app | warning-from-app\n")),
        "{running}"
    );
    assert!(
        running.contains(&format!("{short}/sidecar | sidecar-up\n")),
        "{running}"
    );

    // `-f` follows: it prints the history, then what the task says next.
    let topology = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/topologies/rayman.yaml"
    );
    let mut follower = KillOnDrop(
        std::process::Command::new(assert_cmd::cargo::cargo_bin!("emul"))
            .args(["logs", "--topology", topology, "--state-dir"])
            .arg(w.state_dir.path())
            .args(["--service", "web", "-f"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (lines_tx, followed) = std::sync::mpsc::channel::<String>();
    let stdout = follower.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    // Stop the task: its containers go, its logs stay.
    w.call(
        "UpdateService",
        json!({"cluster": "prod", "service": "web", "desiredCount": 0}),
    );
    w.wait_for("the task stopped", Duration::from_secs(60), |w| {
        w.task(&arn)["lastStatus"] == "STOPPED"
    })
    .await;
    assert!(w.workload_containers().is_empty());
    let gone = std::process::Command::new("docker")
        .args(["inspect", &app])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the container was removed");
    if driver.starts_with("cgroupfs") && !driver.ends_with('2') {
        let dir = format!("/sys/fs/cgroup/memory/emul/ecs-logs/{task_id}");
        assert!(!std::path::Path::new(&dir).exists(), "{dir} removed");
    }

    let wanted = format!("{short}/app | goodbye-from-app");
    let mut seen = Vec::new();
    while !seen.contains(&wanted) {
        match followed.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => seen.push(line),
            Err(e) => panic!("`emul logs -f` never printed {wanted} ({e}): {seen:?}"),
        }
    }
    drop(follower);
    assert!(
        seen.contains(&format!("{short}/app | hello-from-app")),
        "{seen:?}"
    );

    let by_service = printed(&w, Selection::Service("web".into()), "all");
    for line in [
        "app | hello-from-app",
        "app | warning-from-app",
        "app | goodbye-from-app",
        "sidecar | sidecar-up",
    ] {
        assert!(
            by_service.contains(&format!("{short}/{line}\n")),
            "{line}: {by_service}"
        );
    }
    // By id or ARN; one line of history per container with --tail 1.
    let by_task = printed(&w, Selection::Task(task_id.clone()), "all");
    assert_eq!(by_task, printed(&w, Selection::Task(arn.clone()), "all"));
    assert!(
        by_task.contains(&format!("{short}/app | goodbye-from-app\n")),
        "{by_task}"
    );
    assert_eq!(
        printed(&w, Selection::Task(arn.clone()), "1"),
        format!("{short}/app | goodbye-from-app\n{short}/sidecar | sidecar-up\n")
    );

    // The binary reads the same files, with no daemon and no Docker.
    let out = emul_logs(&w, &["--service", "web", "--tail", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{short}/app | goodbye-from-app\n{short}/sidecar | sidecar-up\n")
    );
    let out = emul_logs(&w, &["--task", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no task 0123456789abcdef0123456789abcdef has logs"),
        "{stderr}"
    );
    w.shutdown().await;
}

/// A daemon that died with tasks running leaves their containers; the
/// project's next scheduler removes them (and their cgroup) before it
/// launches anything, and their logs stay readable, marked stopped.
#[tokio::test]
async fn docker_ecs_leftover_tasks_of_a_crashed_daemon_are_removed() {
    let mut w = EcsWorld::start("ecs-crash", 242).await;
    w.call("RegisterTaskDefinition", task_definition());
    let arn = run_task(&w).await;
    let task_id = arn.rsplit('/').next().unwrap().to_string();
    let all_objects = |w: &EcsWorld| {
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.emul.project={}", w.project),
        ])
    };
    assert_eq!(all_objects(&w).lines().count(), 3, "pause + 2 containers");
    // Output copied before the crash must survive it (what a crashed daemon
    // had not copied yet is lost: a documented limit), so crash only once the
    // pump has written the line.
    let copied = arn.clone();
    w.wait_for("the line copied", Duration::from_secs(30), move |w| {
        printed(w, Selection::Task(copied.clone()), "all").contains("hello-from-app")
    })
    .await;

    w.restart_after_crash().await;
    // On cgroupfs v1 (this engine) the task's cgroup goes with it too.
    let cgroup = (docker(&["info", "-f", "{{.CgroupDriver}} {{.CgroupVersion}}"]) == "cgroupfs 1")
        .then(|| format!("/sys/fs/cgroup/memory/emul/ecs-crash/{task_id}"));
    let stopped = arn.clone();
    w.wait_for(
        "leftovers removed, their cgroup gone, their logs marked stopped",
        Duration::from_secs(30),
        move |w| {
            let archive = LogArchive::open(w.state_dir.path());
            let task = archive.select(&Selection::Task(stopped.clone()));
            all_objects(w).is_empty()
                && cgroup
                    .as_ref()
                    .is_none_or(|c| !std::path::Path::new(c).exists())
                && task.len() == 1
                && task[0].info.stopped_at_ms.is_some()
        },
    )
    .await;
    assert!(printed(&w, Selection::Task(arn), "all").contains("hello-from-app"));

    // The new scheduler works on the same project: a fresh task runs.
    w.call("RegisterTaskDefinition", task_definition());
    run_task(&w).await;
    w.shutdown().await;
}
