//! What the verbs print, as a shell sees it: `emul env`'s region lines (the
//! AWS CLI v1 and boto3 read only `AWS_DEFAULT_REGION`) and a closed pipe
//! (`emul env | head -1`) ending the command quietly with exit 0, as
//! coreutils do, instead of Rust's "failed printing to stdout" panic.
//! No Docker. Run: `cargo nextest run -p emul --test cli_output`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/topologies/{name}.yaml"))
}

/// `emul args…` with no daemon around (a private state dir).
fn emul(args: &[&str], state: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_emul"));
    c.env_remove("EMUL_PORT")
        .env("EMUL_STATE_DIR", state)
        .args(args);
    c
}

/// Runs `cmd` with its stdout a pipe whose reader is already gone, so the
/// first write fails with EPIPE whatever the timing (what `head -1` does
/// to every line after the first).
fn into_closed_pipe(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = cmd
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("emul runs");
    // `cmd` still holds the writer until it is dropped; nothing reads it.
    drop(cmd);
    out
}

#[test]
fn env_exports_both_region_variables() {
    let state = tempfile::tempdir().unwrap();
    let wechat = fixture("wechat");
    let out = emul(
        &["env", "--topology", wechat.to_str().unwrap()],
        state.path(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"export AWS_REGION=us-east-1"), "{text}");
    assert!(
        lines.contains(&"export AWS_DEFAULT_REGION=us-east-1"),
        "{text}"
    );
}

#[test]
fn printing_verbs_end_quietly_on_a_closed_pipe() {
    let state = tempfile::tempdir().unwrap();
    let wechat = fixture("wechat");
    let wechat = wechat.to_str().unwrap();
    let ca = state.path().join("ca");
    let ca = ca.to_str().unwrap();
    for args in [
        vec!["env", "--topology", wechat],
        vec!["validate", "--topology", wechat],
        vec!["ca", "--dir", ca],
    ] {
        let out = into_closed_pipe(emul(&args, state.path()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "emul {} into a closed pipe: {stderr}",
            args.join(" ")
        );
        assert!(
            stderr.is_empty(),
            "emul {} into a closed pipe says nothing, got: {stderr}",
            args.join(" ")
        );
    }
}

/// The same through a real shell pipeline, as the defect was seen.
#[test]
fn env_piped_into_head_prints_one_line_and_succeeds() {
    let state = tempfile::tempdir().unwrap();
    let script = format!(
        "set -o pipefail; EMUL_STATE_DIR={} {} env --topology {} | head -1",
        state.path().display(),
        env!("CARGO_BIN_EXE_emul"),
        fixture("wechat").display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "export AWS_ENDPOINT_URL=http://127.0.0.1:4566\n"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
