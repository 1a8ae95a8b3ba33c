//! `emul serve` end to end: the real binary, started with `--port 0`, its
//! ready line read from stdout, then raw HTTP requests (no SDK: the
//! sdk-tests crate covers that) for routing, AWS-shaped errors, health,
//! authentication, body limits, SIGTERM and restarts with state.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A running `emul serve`.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(state_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emul"))
            .args(["serve", "--port", "0", "--state-dir"])
            .arg(state_dir)
            .args(extra)
            .env_remove("EMUL_CREDENTIALS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("emul starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("emul ready: http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
            .parse()
            .unwrap();
        Server { child, port }
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then the exit code.
    fn terminate(mut self) -> i32 {
        self.signal("-TERM");
        let status = self.child.wait().unwrap();
        status.code().expect("exited normally, not by a signal")
    }

    /// SIGKILL (no chance to flush anything).
    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn call(&self, op: &str, body: Value) -> Response {
        self.request(
            "POST",
            "/",
            &[
                ("X-Amz-Target", &format!("secretsmanager.{op}")),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            body.to_string().as_bytes(),
        )
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.port, method, path, headers, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// Asserts an AWS JSON error with this code and returns its message.
    fn json_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        let body = self.json();
        assert_eq!(body["__type"], code, "{body}");
        assert_eq!(self.header("x-amzn-errortype"), Some(code));
        assert!(self.header("x-amzn-requestid").is_some());
        body.get("Message")
            .or_else(|| body.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

fn write_head(
    stream: &mut TcpStream,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    len: usize,
) {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {len}\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
}

fn read_response(stream: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a full response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write_head(&mut stream, port, method, path, headers, body.len());
    stream.write_all(body).unwrap();
    read_response(&mut stream)
}

fn token(i: usize) -> String {
    format!("{i:08}-0000-4000-8000-000000000000")
}

#[test]
fn ready_line_health_and_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let health = server.request("GET", "/_emul/health", &[], b"");
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json(),
        json!({"status": "running", "services": {"secretsmanager": "running", "ec2": "running", "ecs": "running", "elasticloadbalancing": "running", "ecr": "running", "logs": "running", "cloudwatch": "running", "application-autoscaling": "running", "rds": "running", "elasticache": "running", "acm": "running"}})
    );
    assert!(health.header("x-amzn-requestid").is_some());
    assert_eq!(server.terminate(), 0);
}

#[test]
fn secrets_round_trip_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let created = server.call(
        "CreateSecret",
        json!({"Name": "db", "SecretString": "s3cr3t", "ClientRequestToken": token(1)}),
    );
    assert_eq!(created.status, 200, "{}", created.text());
    assert_eq!(
        created.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    let rid = created.header("x-amzn-requestid").unwrap();
    assert_eq!(rid.len(), 36, "a UUID request id");
    let arn = created.json()["ARN"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:db-"));
    let got = server
        .call("GetSecretValue", json!({"SecretId": arn}))
        .json();
    assert_eq!(got["SecretString"], "s3cr3t");
    assert_eq!(got["VersionStages"], json!(["AWSCURRENT"]));
    assert!(
        got["CreatedDate"].is_number(),
        "timestamps are epoch seconds"
    );
    let binary = server.call(
        "CreateSecret",
        json!({"Name": "bin", "SecretBinary": "Zm9vdGVzdA==", "ClientRequestToken": token(2)}),
    );
    assert_eq!(binary.status, 200);
    assert_eq!(
        server
            .call("GetSecretValue", json!({"SecretId": "bin"}))
            .json()["SecretBinary"],
        "Zm9vdGVzdA=="
    );
    let missing = server.call("GetSecretValue", json!({"SecretId": "nope"}));
    assert_eq!(
        missing.json_error(400, "ResourceNotFoundException"),
        "Secrets Manager can't find the specified secret."
    );
}

#[test]
fn protocol_errors_are_aws_shaped() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let json_ct = ("Content-Type", "application/x-amz-json-1.1");

    // Malformed JSON.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.GetSecretValue"), json_ct],
        b"{\"SecretId\":",
    );
    let msg = r.json_error(400, "SerializationException");
    assert!(msg.contains("line 1 column 12"), "{msg}");
    // A JSON value that is not an object.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.ListSecrets"), json_ct],
        b"[]",
    );
    r.json_error(400, "SerializationException");
    // Wrong member type.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.GetSecretValue"), json_ct],
        b"{\"SecretId\":5}",
    );
    r.json_error(400, "SerializationException");
    // Wrong content type on a JSON service.
    let r = server.request(
        "POST",
        "/",
        &[
            ("X-Amz-Target", "secretsmanager.ListSecrets"),
            ("Content-Type", "text/plain"),
        ],
        b"{}",
    );
    let msg = r.json_error(400, "UnknownOperationException");
    assert!(msg.contains("text/plain"), "{msg}");
    // Unknown operation on a known service names the operation.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.StealSecrets"), json_ct],
        b"{}",
    );
    assert_eq!(
        r.json_error(400, "UnknownOperationException"),
        "Unknown operation: StealSecrets"
    );
    // Unknown service names what was asked.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "DynamoDB_20120810.ListTables"), json_ct],
        b"{}",
    );
    let msg = r.json_error(400, "UnknownServiceException");
    assert!(msg.contains("DynamoDB_20120810"), "{msg}");
    // Empty body: an operation with required members says which is missing…
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.GetSecretValue"), json_ct],
        b"",
    );
    assert_eq!(
        r.json_error(400, "ValidationException"),
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
    );
    // …and one without them works.
    let r = server.request(
        "POST",
        "/",
        &[("X-Amz-Target", "secretsmanager.ListSecrets"), json_ct],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"SecretList": []}));
    // A query-protocol Action for a service emul does not host (SQS; ELBv2
    // is hosted since issue 6): XML error.
    let r = server.request(
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00"),
        ],
        b"Action=ListQueues&Version=2012-11-05",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("text/xml"));
    let xml = r.text();
    assert!(xml.starts_with("<ErrorResponse"), "{xml}");
    assert!(
        xml.contains("<Code>UnknownServiceException</Code>") && xml.contains("&apos;sqs&apos;"),
        "{xml}"
    );
    assert!(xml.contains("<RequestId>"), "{xml}");
    // No routing information at all.
    let r = server.request("POST", "/", &[json_ct], b"{}");
    let msg = r.json_error(400, "UnknownServiceException");
    assert!(msg.contains("no X-Amz-Target header"), "{msg}");
    // A SigV4 scope naming Secrets Manager but no target: unknown operation.
    let r = server.request(
        "POST",
        "/",
        &[json_ct, ("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00")],
        b"{}",
    );
    r.json_error(400, "UnknownOperationException");
}

#[test]
fn region_comes_from_the_sigv4_scope_and_account_from_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--account", "123456789012"]);
    let auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd";
    let headers = [
        ("X-Amz-Target", "secretsmanager.CreateSecret"),
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Authorization", auth),
    ];
    let body =
        json!({"Name": "db", "SecretString": "x", "ClientRequestToken": token(1)}).to_string();
    let r = server.request("POST", "/", &headers, body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.json()["ARN"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-")
    );
    // Not visible in the default region.
    server
        .call("GetSecretValue", json!({"SecretId": "db"}))
        .json_error(400, "ResourceNotFoundException");
}

#[test]
fn strict_auth_verifies_sigv4() {
    use emul::gateway::sigv4;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--strict-auth",
            "--credentials",
            "AKIDGOOD:goodsecret,AKID2:other",
        ],
    );
    let body = b"{}";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let fresh = sigv4::format_amz_date(now);
    let stale = sigv4::format_amz_date(now - 16 * 60);
    let host = format!("127.0.0.1:{}", server.port);
    let signed_at = |akid: &str, secret: &str, date: &str| {
        let mut h = http::HeaderMap::new();
        h.insert("host", host.parse().unwrap());
        h.insert("x-amz-date", date.parse().unwrap());
        h.insert(
            "x-amz-target",
            "secretsmanager.ListSecrets".parse().unwrap(),
        );
        h.insert(
            "content-type",
            "application/x-amz-json-1.1".parse().unwrap(),
        );
        sigv4::sign(
            akid,
            secret,
            date,
            "us-east-1",
            "secretsmanager",
            "POST",
            "/",
            &h,
            body,
        )
    };
    let signed = |akid: &str, secret: &str| signed_at(akid, secret, &fresh);
    let send_at = |auth: Option<String>, date: &str| {
        let mut headers = vec![
            ("X-Amz-Date", date.to_string()),
            ("X-Amz-Target", "secretsmanager.ListSecrets".to_string()),
            ("Content-Type", "application/x-amz-json-1.1".to_string()),
        ];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        server.request("POST", "/", &headers, body)
    };
    let send = |auth: Option<String>| send_at(auth, &fresh);
    assert_eq!(send(Some(signed("AKIDGOOD", "goodsecret"))).status, 200);
    // A valid signature that is 16 minutes old is expired, as in AWS.
    let msg = send_at(Some(signed_at("AKIDGOOD", "goodsecret", &stale)), &stale)
        .json_error(400, "InvalidSignatureException");
    assert!(
        msg.starts_with(&format!("Signature expired: {stale} is now earlier than ")),
        "{msg}"
    );
    assert_eq!(send(Some(signed("AKID2", "other"))).status, 200);
    assert_eq!(
        send(Some(signed("AKIDUNKNOWN", "goodsecret")))
            .json_error(400, "UnrecognizedClientException"),
        "The security token included in the request is invalid."
    );
    assert_eq!(
        send(Some(signed("AKIDGOOD", "wrongsecret"))).json_error(400, "InvalidSignatureException"),
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    send(None).json_error(400, "MissingAuthenticationTokenException");
    // Health needs no signature.
    assert_eq!(server.request("GET", "/_emul/health", &[], b"").status, 200);
}

#[test]
fn strict_auth_without_credentials_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_emul"))
        .args(["serve", "--port", "0", "--strict-auth", "--state-dir"])
        .arg(dir.path())
        .env_remove("EMUL_CREDENTIALS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict-auth needs --credentials"));
}

#[test]
fn huge_bodies_get_an_aws_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    // Declared beyond what emul will even discard: answered at once, closed.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write_head(
        &mut stream,
        server.port,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "secretsmanager.CreateSecret"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        65 * 1024 * 1024,
    );
    let r = read_response(&mut stream);
    let msg = r.json_error(413, "RequestEntityTooLargeException");
    assert!(msg.contains("4194304 bytes"), "{msg}");
    // Over the limit but sent in full: drained (not kept), then a clean 413.
    let big = vec![b'x'; 6 * 1024 * 1024];
    let r = server.request(
        "POST",
        "/",
        &[
            ("X-Amz-Target", "secretsmanager.CreateSecret"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        &big,
    );
    r.json_error(413, "RequestEntityTooLargeException");
    // Streamed (chunked) past the limit: cut off at the limit.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Amz-Target: secretsmanager.CreateSecret\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.port
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..6 {
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || stream.write_all(&chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let r = read_response(&mut stream);
    r.json_error(413, "RequestEntityTooLargeException");
    // The server is still fine.
    assert_eq!(server.request("GET", "/_emul/health", &[], b"").status, 200);
}

#[test]
fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let body = json!({"Name": "inflight", "SecretString": "v", "ClientRequestToken": token(7)})
        .to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write_head(
        &mut stream,
        server.port,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "secretsmanager.CreateSecret"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        body.len(),
    );
    let (first, rest) = body.as_bytes().split_at(10);
    stream.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    server.signal("-TERM");
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(rest).unwrap();
    let r = read_response(&mut stream);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.terminate_wait(), 0);
    // It was durable, too.
    let server = Server::start(dir.path(), &[]);
    assert_eq!(
        server
            .call("GetSecretValue", json!({"SecretId": "inflight"}))
            .json()["SecretString"],
        "v"
    );
}

impl Server {
    /// Waits for an exit already requested.
    fn terminate_wait(mut self) -> i32 {
        self.child.wait().unwrap().code().expect("exited normally")
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let arn = server
        .call(
            "CreateSecret",
            json!({"Name": "keep", "SecretString": "one", "ClientRequestToken": token(1)}),
        )
        .json()["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let r = server.call(
        "PutSecretValue",
        json!({"SecretId": "keep", "SecretString": "two", "ClientRequestToken": token(2)}),
    );
    assert_eq!(r.status, 200);
    server.kill9();
    let server = Server::start(dir.path(), &[]);
    let got = server
        .call("GetSecretValue", json!({"SecretId": "keep"}))
        .json();
    assert_eq!(
        (
            got["ARN"].as_str().unwrap(),
            got["SecretString"].as_str().unwrap()
        ),
        (arn.as_str(), "two")
    );
    let prev = server
        .call(
            "GetSecretValue",
            json!({"SecretId": "keep", "VersionStage": "AWSPREVIOUS"}),
        )
        .json();
    assert_eq!(prev["SecretString"], "one");
    // A graceful stop keeps it too.
    assert_eq!(server.terminate(), 0);
    let server = Server::start(dir.path(), &[]);
    assert_eq!(
        server
            .call("GetSecretValue", json!({"SecretId": arn}))
            .json()["SecretString"],
        "two"
    );
}

#[test]
fn corrupt_state_stops_start_up_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    server.call(
        "CreateSecret",
        json!({"Name": "a", "SecretString": "1", "ClientRequestToken": token(1)}),
    );
    assert_eq!(server.terminate(), 0);
    let path = dir.path().join("secretsmanager/secrets.log");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[20] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_emul"))
        .args(["serve", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{} is corrupt at byte offset 8", path.display())),
        "{stderr}"
    );
}

#[test]
fn torn_final_record_is_truncated_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    server.call(
        "CreateSecret",
        json!({"Name": "a", "SecretString": "1", "ClientRequestToken": token(1)}),
    );
    server.kill9();
    // Simulate a crash in the middle of writing a second record.
    let path = dir.path().join("secretsmanager/secrets.log");
    let mut bytes = std::fs::read(&path).unwrap();
    let record = bytes[8..].to_vec();
    bytes.extend_from_slice(&record[..record.len() / 2]);
    std::fs::write(&path, &bytes).unwrap();
    let server = Server::start(dir.path(), &[]);
    assert_eq!(
        server
            .call("GetSecretValue", json!({"SecretId": "a"}))
            .json()["SecretString"],
        "1"
    );
}

#[test]
fn concurrent_http_writers_to_one_secret() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    server.call(
        "CreateSecret",
        json!({"Name": "hot", "SecretString": "0", "ClientRequestToken": token(0)}),
    );
    let port = server.port;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..10 {
                    let n = 1 + t * 10 + i;
                    let body = json!({"SecretId": "hot", "SecretString": format!("{n}"), "ClientRequestToken": token(n)});
                    let r = request(
                        port,
                        "POST",
                        "/",
                        &[("X-Amz-Target", "secretsmanager.PutSecretValue"), ("Content-Type", "application/x-amz-json-1.1")],
                        body.to_string().as_bytes(),
                    );
                    assert_eq!(r.status, 200, "{}", r.text());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let list = server
        .call(
            "ListSecretVersionIds",
            json!({"SecretId": "hot", "IncludeDeprecated": true}),
        )
        .json();
    assert_eq!(list["Versions"].as_array().unwrap().len(), 81);
    server.kill9();
    let server = Server::start(dir.path(), &[]);
    let list = server
        .call(
            "ListSecretVersionIds",
            json!({"SecretId": "hot", "IncludeDeprecated": true}),
        )
        .json();
    assert_eq!(list["Versions"].as_array().unwrap().len(), 81);
    let described = server
        .call("DescribeSecret", json!({"SecretId": "hot"}))
        .json();
    assert_eq!(
        described["VersionIdsToStages"].as_object().unwrap().len(),
        2
    );
}

#[test]
fn a_second_server_on_the_same_state_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_emul"))
        .args(["serve", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is in use by another emul process"),
        "{stderr}"
    );
    assert_eq!(first.terminate(), 0);
}
