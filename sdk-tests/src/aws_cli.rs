//! Running the AWS CLI (`pip install awscli`) against an emul endpoint, as
//! users do: through `AWS_ENDPOINT_URL`, with an isolated config so nothing
//! from the machine's `~/.aws` leaks in.
//!
//! Self-contained (std and serde_json only) so that the Docker tests of the
//! emulator crate, which cannot depend on this crate, include the same file
//! (`#[path = "../../sdk-tests/src/aws_cli.rs"] mod aws_cli;`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Access key id the CLI signs with (any key is accepted without
/// `--strict-auth`, which no CLI test uses).
pub const CLI_ACCESS_KEY: &str = "AKIAEMULCLITESTKEY01";
/// Secret key the CLI signs with.
pub const CLI_SECRET_KEY: &str = "emul-aws-cli-tests-secret-key-00000000";

/// Finds `aws` on PATH. When it is missing the test skips (returns `None`
/// after a message), unless `EMUL_REQUIRE_AWS_CLI=1` (CI sets it): then it
/// fails.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join("aws"))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("EMUL_REQUIRE_AWS_CLI").as_deref() == Ok("1") {
            panic!("EMUL_REQUIRE_AWS_CLI=1 but `aws` is not on PATH (pip install awscli)");
        }
        eprintln!(
            "SKIPPED: the AWS CLI (`aws`) is not on PATH; `pip install awscli` to run this test"
        );
    }
    found
}

/// Runs `aws <args> --output json` against `endpoint` (`http://host:port`)
/// with an isolated config under `home`.
pub fn run(cli: &Path, endpoint: &str, home: &Path, args: &[&str]) -> Output {
    Command::new(cli)
        .args(args)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", CLI_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", CLI_SECRET_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .output()
        .expect("running aws")
}

/// Runs a command that must succeed and parses its JSON output (`Null` when
/// the command prints nothing, as `aws ecs wait` does).
pub fn json(cli: &Path, endpoint: &str, home: &Path, args: &[&str]) -> Value {
    let out = run(cli, endpoint, home, args);
    assert!(
        out.status.success(),
        "aws {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "aws {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
