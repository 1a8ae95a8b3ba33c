//! Every YAML example of `docs/topology.md` is run, so the documentation
//! cannot drift from what emul accepts and runs.
//!
//! The convention (stated in the document itself): the line before each
//! ```` ```yaml ```` fence is a mark,
//! - `<!-- example:complete -->`: a whole topology; `emul validate` must
//!   accept it, and `docker_docs_example_comes_up_and_down` brings it up with
//!   `emul up` on emul's own images and takes it down again;
//! - `<!-- example:fragment -->`: an excerpt, which must appear verbatim in
//!   a complete example (so it is checked through that example).
//!
//! A block with no mark fails, so a new example cannot go untested.
//!
//! The Docker test runs the complete example as written, but for what
//! would collide with other tests on this machine: the project name
//! (`emt-docs-shop`), the VPC range (10.226.0.0/16), the listeners' host
//! ports (23281, 23282) and the AWS endpoint's port (23280).

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

/// One fenced YAML block of the document.
struct Example {
    /// `complete` or `fragment`.
    mark: String,
    /// 1-based line of the opening fence (for messages).
    line: usize,
    /// The block's text, ending with a newline.
    text: String,
}

/// Every ```` ```yaml ```` block of docs/topology.md with its mark; panics
/// on a block without one.
fn examples() -> Vec<Example> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/topology.md"))
            .unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```yaml" {
            i += 1;
            continue;
        }
        let mark = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .and_then(|l| l.strip_prefix("<!-- example:"))
            .and_then(|l| l.strip_suffix(" -->"))
            .unwrap_or_else(|| {
                panic!(
                    "docs/topology.md:{}: a ```yaml block needs `<!-- example:complete -->` or `<!-- example:fragment -->` on the line before it",
                    i + 1
                )
            })
            .to_string();
        assert!(
            mark == "complete" || mark == "fragment",
            "docs/topology.md:{}: unknown example mark {mark:?}",
            i
        );
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("docs/topology.md:{}: unclosed block", i + 1));
        let mut text = lines[i + 1..end].join("\n");
        text.push('\n');
        out.push(Example {
            mark,
            line: i + 1,
            text,
        });
        i = end + 1;
    }
    out
}

/// The complete examples' texts.
fn complete_examples() -> Vec<Example> {
    examples()
        .into_iter()
        .filter(|e| e.mark == "complete")
        .collect()
}

#[test]
fn every_complete_example_validates() {
    let complete = complete_examples();
    assert!(!complete.is_empty(), "the document has a complete example");
    for e in complete {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("example.yaml");
        std::fs::write(&file, &e.text).unwrap();
        let out = sp::run(&["validate", "--topology", file.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "docs/topology.md:{}: the example does not validate:\n{}",
            e.line,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_fragment_is_an_excerpt_of_a_complete_example() {
    let all = examples();
    let complete: Vec<&str> = all
        .iter()
        .filter(|e| e.mark == "complete")
        .map(|e| e.text.as_str())
        .collect();
    let fragments: Vec<&Example> = all.iter().filter(|e| e.mark == "fragment").collect();
    assert!(
        !fragments.is_empty(),
        "the reference section shows a fragment"
    );
    for f in fragments {
        assert!(
            complete.iter().any(|c| c.contains(&f.text)),
            "docs/topology.md:{}: this fragment is not an excerpt of a complete example:\n{}",
            f.line,
            f.text
        );
    }
}

/// The AWS endpoint's port and the listeners' host ports of the Docker test.
const PORTS: e2e::Ports = e2e::Ports {
    api: 23280,
    http: 23281,
    https: 23282,
};
const PROJECT: &str = "emt-docs-shop";
const CLUSTER: &str = "shop";

/// The complete example, moved out of other tests' way (see the module docs).
fn runnable_example() -> (tempfile::TempDir, PathBuf) {
    let mut complete = complete_examples();
    assert_eq!(complete.len(), 1, "one complete example to bring up");
    let text = complete.remove(0).text;
    let moved = text
        .replacen("name: shop\n", &format!("name: {PROJECT}\n"), 1)
        .replace("10.0.", "10.226.")
        .replace("host_port: 18080", &format!("host_port: {}", PORTS.http))
        .replace("host_port: 18443", &format!("host_port: {}", PORTS.https));
    for want in [
        format!("name: {PROJECT}\n"),
        format!("host_port: {}", PORTS.http),
        format!("host_port: {}", PORTS.https),
    ] {
        assert!(moved.contains(&want), "the example changed: no {want:?}");
    }
    assert!(!moved.contains("10.0."), "every address moved");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.yaml");
    std::fs::write(&file, moved).unwrap();
    (dir, file)
}

/// `wget -q -O - http://127.0.0.1:<port><path>` inside the task's first
/// container (the test app's busybox), parsed as JSON.
fn get_in_task(task: &Value, port: u16, path: &str) -> Value {
    let container = task["containers"][0]["runtimeId"]
        .as_str()
        .unwrap_or_else(|| panic!("no runtimeId in {task}"));
    let out = Command::new("docker")
        .args(["exec", container, "wget", "-q", "-O", "-"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "GET {path} in {container}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn docker_docs_example_comes_up_and_down() {
    let (_dir, file) = runnable_example();
    let file_s = file.to_str().unwrap().to_string();
    let _guard = e2e::Guard(file.clone());
    let api = PORTS.api.to_string();
    let up = sp::run(
        &e2e::up_args(&file_s, &api)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        up.status.code(),
        Some(0),
        "emul up on the documented example: {}",
        String::from_utf8_lossy(&up.stderr)
    );

    // Every service reaches its desired count (qdrant only once its
    // non-essential `init` container has exited 0).
    for (service, desired) in [("backend", 2), ("frontend", 2), ("qdrant", 1)] {
        e2e::poll_until(
            &format!("{service} running {desired}"),
            Duration::from_secs(240),
            || {
                let s = e2e::service_in(PORTS.api, CLUSTER, service);
                if s["runningCount"] == json!(desired) {
                    Ok(())
                } else {
                    Err(format!("{} {}", s["runningCount"], s["events"]))
                }
            },
        );
    }
    // The frontend attachment has no container_port: the target group's
    // port (8080) is registered, and its targets turn healthy on it.
    let frontend = e2e::service_in(PORTS.api, CLUSTER, "frontend");
    assert_eq!(
        frontend["loadBalancers"][0]["containerPort"],
        json!(8080),
        "{frontend}"
    );
    let tg = e2e::target_group_arn(PORTS.api, "frontend-tg");
    e2e::poll_until(
        "frontend targets healthy on the default port",
        Duration::from_secs(240),
        || {
            let health = e2e::target_health(PORTS.api, &tg);
            let healthy = health.iter().filter(|(_, s)| s == "healthy").count();
            if healthy == 2 {
                Ok(())
            } else {
                Err(format!("{health:?}"))
            }
        },
    );

    // The registered task definition holds the resolved endpoints, and a
    // backend task reaches Postgres and Redis (AUTH) through them.
    let td = e2e::ecs(
        PORTS.api,
        "DescribeTaskDefinition",
        json!({"taskDefinition": "shop-backend"}),
    );
    let env: BTreeSet<(String, String)> =
        td["taskDefinition"]["containerDefinitions"][0]["environment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    let value = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {env:?}"))
    };
    let db_host = value("DB_HOST");
    assert!(
        db_host.starts_with("shop-db.") && db_host.ends_with(".us-east-1.rds.amazonaws.com"),
        "{db_host}"
    );
    assert_eq!(value("DB_PORT"), "5432");
    let redis_host = value("REDIS_HOST");
    assert!(
        redis_host.starts_with("master.shop-cache.")
            && redis_host.ends_with(".use1.cache.amazonaws.com"),
        "{redis_host}"
    );
    assert_eq!(value("REDIS_PORT"), "6379");
    let tasks = e2e::describe_tasks_in(
        PORTS.api,
        CLUSTER,
        &e2e::task_arns_in(PORTS.api, CLUSTER, "backend"),
    );
    let task = &tasks[0];
    let db = get_in_task(task, 8080, "/db");
    assert_eq!(db["ok"], json!(true), "{db}");
    assert_eq!(db["host"], json!(db_host), "{db}");
    assert_eq!(db["current_database"], json!("shop"), "{db}");
    let cache = get_in_task(task, 8080, "/cache");
    assert_eq!(cache["ok"], json!(true), "{cache}");
    assert_eq!(cache["ping"], json!("PONG"), "{cache}");
    assert_eq!(cache["authenticated"], json!(true), "{cache}");
    assert_eq!(cache["role"], json!("master"), "{cache}");

    let down = sp::run(&["down", "--volumes", "--topology", &file_s]);
    assert_eq!(down.status.code(), Some(0));
    assert_eq!(sp::counts(PROJECT), (0, 0, 0), "down removed everything");
}
