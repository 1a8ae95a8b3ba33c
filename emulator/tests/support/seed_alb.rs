//! Helpers for the ALB tests on seed fixtures (`docker_alb_seed*.rs`): `emul
//! up` with a CA of the test's own, an HTTPS client that trusts only that CA
//! (curl `--cacert`, never `-k`), raw HTTP through a listener, a task reached
//! from inside (`docker exec`), and the checks every seed with an ALB shares
//! (HTTPS needs the CA, HTTP answers AWS's 301, `AWSALB` stickiness survives
//! StopTask by moving the client).

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::{e2e, sp};

/// Runs `emul up -d --wait` for `file` on endpoint port `api` with
/// `EMUL_CA_DIR` set to `ca_dir`, then exports the CA with
/// `emul ca --out` (what a user does to trust the listeners) and returns the
/// exported file. A fresh directory makes the daemon (which inherits the
/// variable) create a CA for this test alone, so the exported `ca.pem` is
/// certainly the one its listeners are signed by.
pub fn up_with_own_ca(file: &Path, api: u16, ca_dir: &Path) -> PathBuf {
    let args = e2e::up_args(file.to_str().unwrap(), &api.to_string());
    let out = sp::run_env(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[("EMUL_CA_DIR", ca_dir)],
    );
    assert_eq!(out.status.code(), Some(0));
    let exported = ca_dir.with_extension("exported.pem");
    let out = sp::run_env(
        &["ca", "--out", exported.to_str().unwrap()],
        &[("EMUL_CA_DIR", ca_dir)],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(exported.exists(), "no CA at {}", exported.display());
    exported
}

/// Applies each `(anchor, replacement)` to a seed's text, checking that every
/// anchor occurs exactly once (so a changed seed fails loudly, not silently).
pub fn apply_edits(seed: String, edits: &[(&str, String)]) -> String {
    edits.iter().fold(seed, |s, (from, to)| {
        assert_eq!(s.matches(from).count(), 1, "edit anchor {from:?}");
        s.replace(from, to)
    })
}

/// `emul down --volumes` succeeds and leaves no container, network or volume
/// with the project's label.
pub fn down_leaves_nothing(file: &Path, project: &str) {
    let out = sp::run(&["down", "--volumes", "--topology", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        sp::counts(project),
        (0, 0, 0),
        "containers, networks, volumes left"
    );
}

/// An answer: status, head (status line and headers), body.
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Status line and headers, CRLF-separated.
    pub head: String,
    /// The body.
    pub body: String,
}

impl Answer {
    /// The task ARN of a test-app identity answer (`/`, `/whoami`); panics on
    /// anything else.
    pub fn task(&self) -> String {
        assert_eq!(self.status, 200, "{}\n{}", self.head, self.body);
        let v: Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.head, self.body));
        v["task_arn"]
            .as_str()
            .unwrap_or_else(|| panic!("no task_arn in {v}"))
            .to_string()
    }

    /// The `Set-Cookie` values of the answer.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// True when the head has the header line `line` (names and values
    /// compared case-insensitively: hyper writes names in lower case).
    pub fn has_header(&self, line: &str) -> bool {
        self.head.lines().any(|l| l.eq_ignore_ascii_case(line))
    }
}

/// An HTTPS listener reached by curl over HTTP/1.1, trusting only `ca`, with
/// the request's host name resolved to loopback (so SNI and the certificate
/// check use the real name).
pub struct Https {
    /// The CA certificate as `emul ca --out` exported it.
    pub ca: PathBuf,
    /// The listener's `host_port`.
    pub port: u16,
}

impl Https {
    /// `method https://host:port/path`, with cookies kept in `jar` if given.
    pub fn call(&self, method: &str, host: &str, path: &str, jar: Option<&Path>) -> Answer {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--http1.1", "--max-time", "10", "-D", "-", "-X"])
            .arg(method)
            .arg("--cacert")
            .arg(&self.ca)
            .arg("--resolve")
            .arg(format!("{host}:{}:127.0.0.1", self.port));
        if let Some(jar) = jar {
            cmd.arg("-b").arg(jar).arg("-c").arg(jar);
        }
        let out = cmd
            .arg(format!("https://{host}:{}{path}", self.port))
            .output()
            .unwrap();
        assert!(out.status.success(), "curl {method} {host}{path}: {out:?}");
        let raw = String::from_utf8_lossy(&out.stdout).into_owned();
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {raw:?}"));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("bad status line in {head:?}"));
        Answer {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    /// `GET path` on `host`, answered by a task: its task ARN.
    pub fn task(&self, host: &str, path: &str, jar: Option<&Path>) -> String {
        self.call("GET", host, path, jar).task()
    }

    /// The same request without the CA fails certificate verification (curl
    /// exit 60): the trust really comes from the exported `ca.pem`.
    pub fn assert_untrusted_without_ca(&self, host: &str) {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "10", "--resolve"])
            .arg(format!("{host}:{}:127.0.0.1", self.port))
            .arg(format!("https://{host}:{}/", self.port))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(60), "{out:?}");
    }
}

/// `GET path` with `Host: host` through the plain HTTP listener on `port`
/// (raw HTTP/1.1, optional `Cookie` header).
pub fn plain_get(port: u16, host: &str, path: &str, cookie: Option<&str>) -> Answer {
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    let (status, head, body) = e2e::http(
        &format!("127.0.0.1:{port}"),
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{cookie}"),
        "",
    )
    .unwrap();
    Answer { status, head, body }
}

/// The HTTP listener answers AWS's 301 to HTTPS: status line, and a Location
/// with the explicit port, the Host, the path and the query kept.
pub fn assert_redirects_to_https(http_port: u16, host: &str) {
    let r = plain_get(http_port, host, "/feed/42?tab=new", None);
    assert!(
        r.head.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{}",
        r.head
    );
    assert!(
        r.has_header(&format!("Location: https://{host}:443/feed/42?tab=new")),
        "{}",
        r.head
    );
}

/// The ENI address of one task of `cluster`.
pub fn task_ip(api: u16, cluster: &str, arn: &str) -> String {
    e2e::task_ip(&e2e::describe_tasks_in(api, cluster, &BTreeSet::from([arn.to_string()]))[0])
}

/// The DescribeTargetHealth entry of `ip` in `tg_arn`, if it is listed.
pub fn target_of(api: u16, tg_arn: &str, ip: &str) -> Option<e2e::TargetHealth> {
    e2e::target_health_described(api, tg_arn)
        .into_iter()
        .find(|t| t.id == ip)
}

/// Runs `wget -q -O - ARGS` inside the task's workload container (the test
/// app's image has a busybox for that): how an operator reaches a task the
/// ALB no longer sends traffic to. Returns what wget printed.
pub fn wget_in_task(task_arn: &str, wget_args: &[&str]) -> String {
    let id = Command::new("docker")
        .args(["ps", "-q", "--filter"])
        .arg(format!("label=com.amazonaws.ecs.task-arn={task_arn}"))
        .args(["--filter", "label=io.emul.kind=task"])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&id.stdout).trim().to_string();
    assert!(
        !id.is_empty() && !id.contains('\n'),
        "one container for {task_arn}: {id:?}"
    );
    let out = Command::new("docker")
        .args(["exec", &id, "wget", "-q", "-O", "-"])
        .args(wget_args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An `AWSALB` cookie (with its `AWSALBCORS` twin) keeps a client on one
/// task of the group `tg_arn` that answers `GET https://host/`; after
/// StopTask of that task (ECS API of `cluster`), the client moves to another
/// task and stays there. Returns (first task, second task).
pub fn assert_sticky_across_stop_task(
    https: &Https,
    host: &str,
    api: u16,
    cluster: &str,
    tg_arn: &str,
) -> (String, String) {
    let jar_dir = tempfile::tempdir().unwrap();
    let jar = jar_dir.path().join("cookies");
    let first = https.call("GET", host, "/", Some(&jar));
    let stuck = first.task();
    let cookies = first.set_cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("AWSALB=") && c.ends_with("; Path=/")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("AWSALBCORS=") && c.ends_with("; Path=/; SameSite=None; Secure")),
        "{cookies:?}"
    );
    for _ in 0..8 {
        assert_eq!(https.task(host, "/", Some(&jar)), stuck);
    }

    let stuck_ip = task_ip(api, cluster, &stuck);
    let v = e2e::ecs(
        api,
        "StopTask",
        json!({"cluster": cluster, "task": stuck, "reason": "alb-seed: move the sticky client"}),
    );
    assert_eq!(v["task"]["desiredStatus"], "STOPPED", "{v}");
    // The target leaves rotation once it is deregistered (draining).
    let took = e2e::poll_until(
        "stopped task's target deregistered",
        Duration::from_secs(30),
        || match target_of(api, tg_arn, &stuck_ip) {
            Some(t) if t.state == "healthy" => Err(format!("{t:?}")),
            _ => Ok(()),
        },
    );
    eprintln!("StopTask → target out of rotation in {took:?}");
    let moved = https.task(host, "/", Some(&jar));
    assert_ne!(
        moved, stuck,
        "the sticky client still reached the stopped task"
    );
    for _ in 0..8 {
        assert_eq!(
            https.task(host, "/", Some(&jar)),
            moved,
            "the client did not stay on its new task"
        );
    }
    (stuck, moved)
}
