//! Conformance tests for emul's AWS endpoint, written against the official
//! AWS SDK for Rust and the AWS CLI. The tests live in `tests/`; this library
//! holds what they share:
//!
//! - [`emul_binary`]: where the `emul` executable is (and building it when it
//!   is missing or older than the emulator's sources);
//! - [`Emul`]: one `emul serve --port 0` process on a private state directory,
//!   killed when the guard drops;
//! - SDK client construction pointed at that endpoint ([`Emul::sm_client`]);
//! - a raw HTTP client ([`Emul::raw`]) for wire-level checks the SDK hides;
//! - [`assert_aws_error`]: the one way tests check an AWS error code + message.
//!
//! # How the binary is found
//!
//! Integration tests of this crate cannot use `CARGO_BIN_EXE_emul` (that only
//! exists for binaries of the same package), so [`emul_binary`] resolves, in
//! order:
//! 1. `$EMUL_BIN`, if set (the benchmark script uses this for a release build);
//! 2. `<target>/<profile>/emul` next to the running test executable
//!    (`<target>/<profile>/deps/<test>-<hash>`). `cargo nextest run --workspace`
//!    and `cargo test --workspace` build every workspace binary before running
//!    tests, so this is the normal path;
//! 3. if that file is missing, or older than any file under `emulator/src` or
//!    `emulator/Cargo.toml` (e.g. `cargo nextest run -p sdk-tests` after an
//!    emulator edit), `cargo build -p emul --bin emul` is run once per test
//!    process into the same target directory. Cargo's own lock serialises
//!    concurrent builds from parallel test processes.
//!
//! # Running
//!
//! ```text
//! cargo nextest run --workspace            # everything, emul built first
//! cargo nextest run -p sdk-tests           # only these (emul rebuilt if stale)
//! EMUL_REQUIRE_AWS_CLI=1 cargo nextest run -p sdk-tests   # as CI: no CLI skip
//! ```
//!
//! Test files: `tests/secretsmanager/` (every operation with the SDK, one
//! module per area), `tests/aws_cli.rs`, `tests/durability.rs` (SIGKILL and
//! restart), `tests/gateway_fuzz.rs` (proptest over raw HTTP),
//! `tests/harness.rs`. Each test starts its own `emul serve` on a fresh
//! state directory, so tests are independent and run in parallel.

pub mod aws_cli;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_credential_types::Credentials;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Access key id the tests sign with (any key is accepted without `--strict-auth`).
pub const TEST_ACCESS_KEY: &str = "AKIAEMULTESTKEY00001";
/// Secret key the tests sign with.
pub const TEST_SECRET_KEY: &str = "emul-sdk-tests-secret-key-0000000000000";
/// The account `emul serve` uses unless told otherwise (contracts.md).
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// How long `emul serve` may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of the `emul` executable to test (see the module docs for the order).
pub fn emul_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(resolve_emul_binary)
}

fn resolve_emul_binary() -> PathBuf {
    if let Some(explicit) = std::env::var_os("EMUL_BIN") {
        return PathBuf::from(explicit);
    }
    let exe = std::env::current_exe().expect("current_exe");
    // <target>/<profile>/deps/<test-binary>  or  <target>/<profile>/<bin>
    let mut profile_dir = exe.parent().expect("test exe has a parent").to_path_buf();
    if profile_dir.file_name().is_some_and(|n| n == "deps") {
        profile_dir.pop();
    }
    let candidate = profile_dir.join(format!("emul{}", std::env::consts::EXE_SUFFIX));
    if !candidate.exists() || is_stale(&candidate) {
        build_emul(&profile_dir);
    }
    assert!(
        candidate.exists(),
        "emul binary not found at {} even after `cargo build -p emul`",
        candidate.display()
    );
    candidate
}

/// The workspace root (this crate lives in `<root>/sdk-tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sdk-tests has a parent directory")
        .to_path_buf()
}

/// True when some emulator source file is newer than the binary.
fn is_stale(binary: &Path) -> bool {
    let Ok(built) = binary.metadata().and_then(|m| m.modified()) else {
        return true;
    };
    let emulator = workspace_root().join("emulator");
    newest_mtime(&emulator.join("src"))
        .into_iter()
        .chain(newest_mtime(&emulator.join("Cargo.toml")))
        .any(|t| t > built)
}

fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

fn build_emul(profile_dir: &Path) {
    let target_dir = profile_dir.parent().expect("profile dir has a parent");
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "emul", "--bin", "emul"])
        .arg("--manifest-path")
        .arg(workspace_root().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir);
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("running cargo build -p emul");
    assert!(status.success(), "cargo build -p emul failed: {status}");
}

/// Options for one `emul serve` process.
#[derive(Debug, Default, Clone)]
pub struct ServeOptions {
    /// Reuse this state directory (durability tests restart on the same one);
    /// `None` gives the process a fresh temporary directory.
    pub state_dir: Option<PathBuf>,
    /// Passes `--strict-auth --credentials <this>` (`AKID:SECRET[,...]`).
    pub strict_credentials: Option<String>,
    /// Passes `--account`.
    pub account: Option<String>,
    /// Passes `--registry-port` (the ECR registry; 0: any free port, which
    /// GetAuthorizationToken's `proxyEndpoint` names).
    pub registry_port: Option<u16>,
    /// Passes `--topology` (the EC2 networking API over its VPC).
    pub topology: Option<PathBuf>,
    /// Passes `--time-scale` (AWS seconds per real second for alarms and
    /// scaling cooldowns).
    pub time_scale: Option<u32>,
}

/// A running `emul serve`. Dropping it kills the process (SIGKILL) and waits
/// for it, so a panicking test never leaves a server behind.
pub struct Emul {
    /// The child process; `None` once it has been killed and reaped.
    child: Option<Child>,
    /// `http://127.0.0.1:<port>` as printed on the ready line.
    pub endpoint: String,
    /// The port the OS picked.
    pub port: u16,
    /// The state directory in use (owned or borrowed, see `_owned_state`).
    pub state_dir: PathBuf,
    /// Keeps a temporary state directory alive as long as the server runs.
    _owned_state: Option<tempfile::TempDir>,
}

impl Emul {
    /// Starts `emul serve --port 0` on a fresh temporary state directory.
    pub fn start() -> Emul {
        Emul::start_with(ServeOptions::default())
    }

    /// Starts `emul serve --port 0` with `options` and waits for the ready line.
    pub fn start_with(options: ServeOptions) -> Emul {
        let (state_dir, owned) = match options.state_dir {
            Some(dir) => (dir, None),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("emul-sdk-tests-")
                    .tempdir()
                    .expect("tempdir");
                (tmp.path().to_path_buf(), Some(tmp))
            }
        };
        let mut cmd = Command::new(emul_binary());
        cmd.arg("serve")
            .args(["--bind", "127.0.0.1", "--port", "0", "--state-dir"])
            .arg(&state_dir);
        if let Some(account) = &options.account {
            cmd.args(["--account", account]);
        }
        if let Some(topology) = &options.topology {
            cmd.arg("--topology").arg(topology);
        }
        if let Some(creds) = &options.strict_credentials {
            cmd.args(["--strict-auth", "--credentials", creds]);
        }
        if let Some(port) = options.registry_port {
            cmd.args(["--registry-port", &port.to_string()]);
        }
        if let Some(scale) = options.time_scale {
            cmd.args(["--time-scale", &scale.to_string()]);
        }
        // The contract's env variables would override nothing we pass, but a
        // developer's EMUL_CREDENTIALS could turn strict auth on by surprise.
        for var in [
            "EMUL_PORT",
            "EMUL_STATE_DIR",
            "EMUL_ACCOUNT",
            "EMUL_CREDENTIALS",
            "EMUL_REGISTRY_PORT",
            "EMUL_TIME_SCALE",
        ] {
            cmd.env_remove(var);
        }
        // ACM issues from a local CA: one per server, not the user's.
        cmd.env("EMUL_CA_DIR", state_dir.join("ca"));
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", emul_binary().display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<Result<String, String>>();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = match lines.next() {
                Some(Ok(line)) => Ok(line),
                Some(Err(e)) => Err(format!("reading stdout: {e}")),
                None => Err("stdout closed before the ready line".to_string()),
            };
            let _ = tx.send(first);
            // Keep draining so a chatty server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(why)) => {
                let status = child.wait().ok();
                panic!("emul serve did not become ready: {why}; exit status {status:?}");
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("emul serve printed no ready line within {READY_TIMEOUT:?}");
            }
        };
        let endpoint = parse_ready_line(&line)
            .unwrap_or_else(|| panic!("unexpected first stdout line from emul serve: {line:?}"));
        let port = endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in ready line");
        Emul {
            child: Some(child),
            endpoint,
            port,
            state_dir,
            _owned_state: owned,
        }
    }

    /// OS process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("process running").id()
    }

    /// SIGKILL (`kill -9`) the server and reap it: no chance to flush anything.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits (up to `timeout`) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// True while the process has not exited.
    pub fn is_alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// A Secrets Manager client for `region`, signing with the test keys.
    pub async fn sm_client(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        self.sm_client_with_keys(region, TEST_ACCESS_KEY, TEST_SECRET_KEY)
            .await
    }

    /// A Secrets Manager client for `region` signing with the given keys.
    pub async fn sm_client_with_keys(
        &self,
        region: &str,
        access_key: &str,
        secret_key: &str,
    ) -> aws_sdk_secretsmanager::Client {
        let shared = sdk_config(&self.endpoint, region, access_key, secret_key).await;
        aws_sdk_secretsmanager::Client::new(&shared)
    }

    /// An ECS client for `region`, signing with the test keys.
    pub async fn ecs_client(&self, region: &str) -> aws_sdk_ecs::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_ecs::Client::new(&shared)
    }

    /// An ELBv2 client for `region`, signing with the test keys.
    pub async fn elbv2_client(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_elasticloadbalancingv2::Client::new(&shared)
    }

    /// An EC2 client for `region`, signing with the test keys.
    pub async fn ec2_client(&self, region: &str) -> aws_sdk_ec2::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_ec2::Client::new(&shared)
    }

    /// An ACM client for `region`, signing with the test keys.
    pub async fn acm_client(&self, region: &str) -> aws_sdk_acm::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_acm::Client::new(&shared)
    }

    /// An ACM certificate for `domain` in `region` (issued at once by
    /// emul's local CA): what an HTTPS listener must name.
    pub async fn certificate(&self, region: &str, domain: &str) -> String {
        self.acm_client(region)
            .await
            .request_certificate()
            .domain_name(domain)
            .send()
            .await
            .expect("RequestCertificate")
            .certificate_arn()
            .expect("an ARN")
            .to_string()
    }

    /// The id of a subnet of `region`'s default VPC: a task's or service's
    /// network configuration must name a subnet EC2 has, as in AWS.
    pub async fn default_subnet(&self, region: &str) -> String {
        let subnets = self
            .ec2_client(region)
            .await
            .describe_subnets()
            .send()
            .await
            .expect("DescribeSubnets");
        subnets.subnets()[0]
            .subnet_id()
            .expect("a subnet id")
            .to_string()
    }

    /// A CloudWatch Logs client for `region`, signing with the test keys.
    pub async fn logs_client(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_cloudwatchlogs::Client::new(&shared)
    }

    /// A CloudWatch client for `region`, signing with the test keys.
    pub async fn cloudwatch_client(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_cloudwatch::Client::new(&shared)
    }

    /// An ECR client for `region`, signing with the test keys.
    pub async fn ecr_client(&self, region: &str) -> aws_sdk_ecr::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_ecr::Client::new(&shared)
    }

    /// An Application Auto Scaling client for `region`, signing with the test keys.
    pub async fn autoscaling_client(&self, region: &str) -> aws_sdk_applicationautoscaling::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_applicationautoscaling::Client::new(&shared)
    }

    /// An RDS client for `region`, signing with the test keys.
    pub async fn rds_client(&self, region: &str) -> aws_sdk_rds::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_rds::Client::new(&shared)
    }

    /// An ElastiCache client for `region`, signing with the test keys.
    pub async fn elasticache_client(&self, region: &str) -> aws_sdk_elasticache::Client {
        let shared = sdk_config(&self.endpoint, region, TEST_ACCESS_KEY, TEST_SECRET_KEY).await;
        aws_sdk_elasticache::Client::new(&shared)
    }

    /// A raw HTTP client bound to this server.
    pub fn raw(&self) -> RawClient {
        RawClient::new(&self.endpoint)
    }
}

impl Drop for Emul {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// Extracts the URL from `emul ready: http://127.0.0.1:<port>`.
pub fn parse_ready_line(line: &str) -> Option<String> {
    let url = line.trim_end().strip_prefix("emul ready: ")?;
    let port = url.strip_prefix("http://127.0.0.1:")?;
    port.parse::<u16>().ok()?;
    Some(url.to_string())
}

/// Shared SDK configuration pointed at `endpoint` with static keys.
pub async fn sdk_config(
    endpoint: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            access_key,
            secret_key,
            None,
            None,
            "emul-sdk-tests",
        ))
        .load()
        .await
}

/// A response as seen on the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (names lower-cased by `http`).
    pub headers: http::HeaderMap,
    /// Full body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body parsed as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Minimal HTTP/1.1 client for wire-level tests (hyper).
#[derive(Clone)]
pub struct RawClient {
    /// Base URL, e.g. `http://127.0.0.1:4566`.
    base: String,
    /// Pooled hyper client.
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

impl RawClient {
    /// A client for the server at `base`.
    pub fn new(base: &str) -> RawClient {
        RawClient {
            base: base.trim_end_matches('/').to_string(),
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends one request; transport errors are returned as text.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<RawResponse, String> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let req = req
            .body(Full::new(body.into()))
            .map_err(|e| format!("building request: {e}"))?;
        let resp = tokio::time::timeout(Duration::from_secs(60), self.client.request(req))
            .await
            .map_err(|_| "request timed out".to_string())?
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading body: {e}"))?
            .to_bytes();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// POSTs an awsJson1_1 Secrets Manager call (`X-Amz-Target: secretsmanager.<op>`).
    pub async fn secretsmanager(&self, operation: &str, body: &serde_json::Value) -> RawResponse {
        let target = format!("secretsmanager.{operation}");
        self.send(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", &target),
            ],
            serde_json::to_vec(body).expect("serialise"),
        )
        .await
        .expect("raw secretsmanager call")
    }

    /// One raw awsJson1_1 ECS call (`AmazonEC2ContainerServiceV20141113.<op>`).
    pub async fn ecs(&self, operation: &str, body: &serde_json::Value) -> RawResponse {
        let target = format!("AmazonEC2ContainerServiceV20141113.{operation}");
        self.send(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", &target),
            ],
            serde_json::to_vec(body).expect("serialise"),
        )
        .await
        .expect("raw ecs call")
    }

    /// `GET /_emul/health`.
    pub async fn health(&self) -> Result<RawResponse, String> {
        self.send("GET", "/_emul/health", &[], Bytes::new()).await
    }
}

/// Asserts that `result` is an AWS error with exactly this code and message.
pub fn assert_aws_error<T: std::fmt::Debug, E>(result: Result<T, E>, code: &str, message: &str)
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::fmt::Debug,
{
    let err = result.expect_err(&format!("expected {code}: {message:?}, got success"));
    assert_eq!(err.code(), Some(code), "error code; full error: {err:?}");
    assert_eq!(
        err.message(),
        Some(message),
        "error message; full error: {err:?}"
    );
}

/// Asserts an AWS error code, and that the message contains `fragment`.
pub fn assert_aws_error_contains<T: std::fmt::Debug, E>(
    result: Result<T, E>,
    code: &str,
    fragment: &str,
) where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::fmt::Debug,
{
    let err = result.expect_err(&format!(
        "expected {code} containing {fragment:?}, got success"
    ));
    assert_eq!(err.code(), Some(code), "error code; full error: {err:?}");
    let msg = err.message().unwrap_or_default();
    assert!(
        msg.contains(fragment),
        "message {msg:?} should contain {fragment:?}"
    );
}

/// Asserts an AWS error with exactly this code (for cases whose message the
/// reference does not pin down).
pub fn assert_aws_error_code<T: std::fmt::Debug, E>(result: Result<T, E>, code: &str)
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::fmt::Debug,
{
    let err = result.expect_err(&format!("expected {code}, got success"));
    assert_eq!(err.code(), Some(code), "error code; full error: {err:?}");
}

#[cfg(test)]
mod tests {
    use super::parse_ready_line;

    #[test]
    fn ready_line_is_parsed_strictly() {
        assert_eq!(
            parse_ready_line("emul ready: http://127.0.0.1:4566\n").as_deref(),
            Some("http://127.0.0.1:4566")
        );
        assert_eq!(parse_ready_line("emul ready: http://0.0.0.0:4566"), None);
        assert_eq!(parse_ready_line("ready: http://127.0.0.1:4566"), None);
        assert_eq!(parse_ready_line("emul ready: http://127.0.0.1:x"), None);
    }
}
