//! Helpers for the `emul up` integration tests: topology files derived from
//! the seed fixtures (wechat by default), the real `emul` binary, Docker object counts by
//! label, a tunnel process, and a raw GetSecretValue call.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The `emul` binary under test.
pub fn emul() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_emul"));
    c.env_remove("EMUL_STATE_DIR").env_remove("EMUL_PORT");
    c
}

/// `emul up -d --wait` arguments (test label, no pulls, 180 s limit) for
/// `file` with the AWS endpoint on `port`.
pub fn up_args<'a>(file: &'a str, port: &'a str) -> Vec<&'a str> {
    vec![
        "up",
        "-d",
        "--wait",
        "--pull",
        "never",
        "--label",
        "io.emul.test=1",
        "--timeout",
        "180",
        "--port",
        port,
        "--topology",
        file,
    ]
}

/// Runs `emul args...`, returning its output (stderr echoed for the test log).
pub fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

/// Runs `emul args...` with extra environment variables (e.g. `XDG_DATA_HOME`,
/// which a daemon started by `up -d` inherits), returning its output.
pub fn run_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = emul();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("emul runs");
    eprintln!(
        "$ emul {}\n{}{}-> {:?}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    );
    out
}

/// A temp dir holding `t.yaml`: wechat.yaml renamed to `project`, its
/// `10.0.` addresses moved to `10.<octet>.`, with `edit` applied.
pub fn topology(
    project: &str,
    octet: u8,
    edit: impl Fn(String) -> String,
) -> (tempfile::TempDir, PathBuf) {
    fixture_topology("wechat", project, octet, edit)
}

/// A temp dir holding `t.yaml`: the seed fixture `fixtures/topologies/<fixture>.yaml`
/// renamed to `project` (its top-level `name: <fixture>`), its `10.0.` addresses
/// moved to `10.<octet>.`, with `edit` applied.
pub fn fixture_topology(
    fixture: &str,
    project: &str,
    octet: u8,
    edit: impl Fn(String) -> String,
) -> (tempfile::TempDir, PathBuf) {
    let src = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../fixtures/topologies/{fixture}.yaml")),
    )
    .unwrap();
    let name_line = format!("\nname: {fixture}\n");
    assert!(
        src.contains(&name_line),
        "{fixture}.yaml has no {name_line:?}"
    );
    let s = src
        .replacen(&name_line, &format!("\nname: {project}\n"), 1)
        .replace("10.0.", &format!("10.{octet}."));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, edit(s)).unwrap();
    (dir, file)
}

/// Adds a generated Redis AUTH token secret and uses it.
pub fn with_redis_auth(s: String) -> String {
    s.replacen(
        "\nsecrets:\n",
        "\nsecrets:\n  - name: wechat/redis-auth\n    generate_secret_string:\n      password_length: 32\n      exclude_punctuation: true\n",
        1,
    )
    .replace(
        "    num_cache_clusters: 2",
        "    auth_token_secret: wechat/redis-auth\n    num_cache_clusters: 2",
    )
}

/// Number of containers, networks and volumes with the project label.
pub fn counts(project: &str) -> (usize, usize, usize) {
    let n = |what: &str| {
        let out = Command::new("docker")
            .args([
                what,
                "ls",
                "-q",
                "--filter",
                &format!("label=io.emul.project={project}"),
            ])
            .args(if what == "container" {
                vec!["-a"]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    (n("container"), n("network"), n("volume"))
}

/// Containers of `project`'s plan (pause containers and data stores),
/// leaving out ECS task objects, which the scheduler starts and stops on its
/// own clock (they carry the config hash `ecs-task`).
pub fn plan_containers(project: &str) -> usize {
    let out = Command::new("docker")
        .args([
            "container",
            "ls",
            "-a",
            "--filter",
            &format!("label=io.emul.project={project}"),
            "--format",
            "{{.Label \"io.emul.config-hash\"}}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|hash| *hash != emul::runtime::tasks::TASK_CONFIG_HASH)
        .count()
}

/// Removes everything of `project` (volumes too), whatever state it is in.
pub fn cleanup(file: &Path) {
    let _ = emul()
        .args(["down", "--volumes", "--topology"])
        .arg(file)
        .output();
}

/// A running `emul tunnel`, killed on drop.
pub struct Tunnel {
    child: Child,
    /// `127.0.0.1:<port>` it listens on.
    pub addr: String,
}

impl Tunnel {
    /// Starts `emul tunnel --port 0 RESOURCE` and reads its ready line.
    pub fn open(file: &Path, resource: &str) -> Tunnel {
        let mut child = emul()
            .args(["tunnel", "--port", "0", "--topology"])
            .arg(file)
            .arg(resource)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Tunnel { child, addr }
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GetSecretValue through the gateway at `endpoint` (`http://host:port`),
/// returning the SecretString.
pub fn get_secret_string(endpoint: &str, secret_id: &str) -> String {
    get_secret_value(endpoint, secret_id)["SecretString"]
        .as_str()
        .unwrap()
        .to_string()
}

/// GetSecretValue through the gateway at `endpoint` (`http://host:port`),
/// returning the whole answer (Name, ARN, VersionId, SecretString, ...).
pub fn get_secret_value(endpoint: &str, secret_id: &str) -> serde_json::Value {
    let hostport = endpoint.trim_start_matches("http://");
    let body = format!("{{\"SecretId\":\"{secret_id}\"}}");
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {hostport}\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\nContent-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = std::net::TcpStream::connect(hostport).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, json) = resp.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{resp}");
    serde_json::from_str(json).unwrap()
}
