//! Robustness of the gateway against hostile input over raw HTTP: malformed
//! bodies, wrong content types, random or unknown `X-Amz-Target`s, random
//! query `Action`s, invalid UTF-8, truncated JSON, wrong field types and
//! multi-megabyte values. Whatever arrives, emul must not crash (the process
//! stays alive and `/_emul/health` answers afterwards) and must answer with
//! an AWS-shaped error: a 4xx/5xx status, `x-amzn-RequestId`, and a JSON
//! `__type` body for JSON 1.1 targets or an XML `<ErrorResponse>` for query
//! (form-encoded `Action=`) requests.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sdk_tests::{Emul, RawClient, RawResponse};
use serde_json::json;

/// The Secrets Manager operations the model defines.
const OPERATIONS: &[&str] = &[
    "CreateSecret",
    "GetSecretValue",
    "BatchGetSecretValue",
    "PutSecretValue",
    "UpdateSecret",
    "DescribeSecret",
    "ListSecrets",
    "ListSecretVersionIds",
    "UpdateSecretVersionStage",
    "DeleteSecret",
    "RestoreSecret",
    "TagResource",
    "UntagResource",
    "GetRandomPassword",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "RotateSecret",
];

/// (operation, member, a value of the wrong type for that member).
fn wrong_types() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("GetSecretValue", json!({"SecretId": 123})),
        ("GetSecretValue", json!({"SecretId": ["a", "b"]})),
        (
            "GetSecretValue",
            json!({"SecretId": "a", "VersionStage": {"x": 1}}),
        ),
        ("DescribeSecret", json!({"SecretId": true})),
        (
            "CreateSecret",
            json!({"Name": ["n"], "ClientRequestToken": "00000000-0000-0000-0000-000000000000"}),
        ),
        (
            "CreateSecret",
            json!({"Name": "n", "Tags": {"k": "v"}, "ClientRequestToken": "00000000-0000-0000-0000-000000000001"}),
        ),
        (
            "CreateSecret",
            json!({"Name": "n", "SecretBinary": 42, "ClientRequestToken": "00000000-0000-0000-0000-000000000002"}),
        ),
        (
            "CreateSecret",
            json!({"Name": "n", "SecretBinary": "***not base64***", "ClientRequestToken": "00000000-0000-0000-0000-000000000003"}),
        ),
        (
            "PutSecretValue",
            json!({"SecretId": "n", "SecretString": "v", "VersionStages": "AWSCURRENT", "ClientRequestToken": "00000000-0000-0000-0000-000000000004"}),
        ),
        ("ListSecrets", json!({"MaxResults": "ten"})),
        ("ListSecrets", json!({"Filters": "name"})),
        (
            "ListSecrets",
            json!({"Filters": [{"Key": 5, "Values": "x"}]}),
        ),
        ("ListSecrets", json!({"SortOrder": 1})),
        ("ListSecrets", json!({"MaxResults": 1.5})),
        (
            "DeleteSecret",
            json!({"SecretId": "n", "RecoveryWindowInDays": "7"}),
        ),
        (
            "DeleteSecret",
            json!({"SecretId": "n", "ForceDeleteWithoutRecovery": "yes"}),
        ),
        ("GetRandomPassword", json!({"PasswordLength": "32"})),
        ("GetRandomPassword", json!({"ExcludeNumbers": "true"})),
        ("GetRandomPassword", json!({"PasswordLength": 1e300})),
        (
            "TagResource",
            json!({"SecretId": "n", "Tags": [{"Key": 1, "Value": 2}]}),
        ),
        ("UntagResource", json!({"SecretId": "n", "TagKeys": "k"})),
        ("BatchGetSecretValue", json!({"SecretIdList": "a"})),
        (
            "ListSecretVersionIds",
            json!({"SecretId": "n", "IncludeDeprecated": "no"}),
        ),
        (
            "UpdateSecretVersionStage",
            json!({"SecretId": "n", "VersionStage": ["AWSCURRENT"]}),
        ),
        (
            "PutResourcePolicy",
            json!({"SecretId": "n", "ResourcePolicy": {"Version": "2012-10-17"}}),
        ),
        ("GetSecretValue", json!(["not", "an", "object"])),
        ("GetSecretValue", json!("a string body")),
        ("ListSecrets", json!(null)),
    ]
}

/// One hostile request.
#[derive(Debug, Clone)]
struct Hostile {
    /// `X-Amz-Target`, if any.
    target: Option<String>,
    /// `Content-Type`, if any.
    content_type: Option<String>,
    /// Raw body bytes.
    body: Vec<u8>,
    /// True when the request is a query-protocol request (form + Action).
    query: bool,
}

fn json_content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(Some("application/x-amz-json-1.1".to_string())),
        1 => Just(Some("application/x-amz-json-1.0".to_string())),
        1 => Just(Some("application/json".to_string())),
        1 => Just(Some("text/plain; charset=utf-8".to_string())),
        1 => Just(Some("application/octet-stream".to_string())),
        1 => Just(Some("application/x-www-form-urlencoded".to_string())),
        1 => Just(None),
        1 => "[a-z]{1,10}/[a-z0-9.+-]{1,20}".prop_map(Some),
    ]
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(OPERATIONS).prop_map(|op| format!("secretsmanager.{op}")),
        2 => "[A-Za-z]{1,30}".prop_map(|op| format!("secretsmanager.{op}")),
        1 => "[A-Za-z0-9]{1,30}\\.[A-Za-z]{1,30}",
        1 => "[ -~]{0,60}",
        1 => Just("secretsmanager".to_string()),
        1 => Just("secretsmanager.".to_string()),
        1 => Just(".GetSecretValue".to_string()),
        1 => Just("AmazonEC2ContainerServiceV20141113.NoSuchOperation".to_string()),
    ]
}

/// Bodies that are never a valid request for any operation.
fn malformed_body() -> impl Strategy<Value = Vec<u8>> {
    let valid = json!({"Name": "fuzz", "SecretString": "value", "ClientRequestToken": "11111111-1111-1111-1111-111111111111"});
    let valid = serde_json::to_vec(&valid).unwrap();
    prop_oneof![
        // Truncated JSON: every strict prefix of a valid body.
        (1..valid.len()).prop_map(move |n| valid[..n].to_vec()),
        // Random bytes (mostly invalid UTF-8 / invalid JSON), never empty.
        proptest::collection::vec(any::<u8>(), 1..512).prop_filter("not accidentally JSON", |b| {
            serde_json::from_slice::<serde_json::Value>(b).is_err()
        }),
        // Invalid UTF-8 inside an otherwise JSON-looking string.
        proptest::collection::vec(0x80u8..=0xff, 1..32).prop_map(|bad| {
            let mut b = br#"{"SecretId":""#.to_vec();
            b.extend(bad);
            b.extend(br#""}"#);
            b
        }),
        // Deeply nested arrays.
        // Deeper than any sane parser recursion limit: must not overflow the stack.
        (200usize..20000).prop_map(|depth| {
            let mut b = vec![b'['; depth];
            b.extend(vec![b']'; depth]);
            b.splice(0..0, br#"{"SecretId":"#.iter().copied());
            b.push(b'}');
            b
        }),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"{\"SecretId\":\"a\",}".to_vec()),
        Just(b"\xef\xbb\xbf{\"SecretId\": \"bom\"".to_vec()),
    ]
}

fn hostile() -> impl Strategy<Value = Hostile> {
    let json_garbage = (
        proptest::option::of(target()),
        json_content_type(),
        malformed_body(),
    )
        .prop_map(|(target, content_type, body)| Hostile {
            target,
            content_type,
            body,
            query: false,
        });
    let wrong_type = (proptest::sample::select(wrong_types()), json_content_type()).prop_map(
        |((op, body), content_type)| Hostile {
            target: Some(format!("secretsmanager.{op}")),
            content_type,
            body: serde_json::to_vec(&body).unwrap(),
            query: false,
        },
    );
    let unknown_target = ("[A-Za-z]{1,40}", Just(b"{}".to_vec())).prop_filter_map(
        "unknown operations only",
        |(op, body)| {
            (!OPERATIONS.contains(&op.as_str())
                && op != "CancelRotateSecret"
                && op != "ValidateResourcePolicy")
                .then(|| Hostile {
                    target: Some(format!("secretsmanager.{op}")),
                    content_type: Some("application/x-amz-json-1.1".to_string()),
                    body,
                    query: false,
                })
        },
    );
    let version = proptest::option::of(prop_oneof![
        Just("2015-12-01".to_string()),
        Just("2017-10-17".to_string()),
        "[0-9-]{0,12}",
    ]);
    let query = ("[A-Za-z]{0,30}", "[ -~]{0,40}", version).prop_map(|(action, extra, version)| {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", &format!("Fuzz{action}"));
        if let Some(v) = &version {
            form.append_pair("Version", v);
        }
        form.append_pair("Junk", &extra);
        Hostile {
            target: None,
            content_type: Some("application/x-www-form-urlencoded; charset=utf-8".to_string()),
            body: form.finish().into_bytes(),
            query: true,
        }
    });
    prop_oneof![4 => json_garbage, 3 => wrong_type, 2 => unknown_target, 2 => query]
}

async fn send(raw: &RawClient, case: &Hostile) -> Result<RawResponse, String> {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(t) = &case.target {
        headers.push(("x-amz-target", t));
    }
    if let Some(c) = &case.content_type {
        headers.push(("content-type", c));
    }
    raw.send("POST", "/", &headers, case.body.clone()).await
}

/// The AWS error shape every hostile request must get.
fn check_error_shape(case: &Hostile, resp: &RawResponse) -> Result<(), TestCaseError> {
    let body = String::from_utf8_lossy(&resp.body);
    prop_assert!(
        resp.status >= 400,
        "status {} for {case:?}: {body}",
        resp.status
    );
    prop_assert!(
        resp.header("x-amzn-requestid")
            .is_some_and(|v| !v.is_empty()),
        "no x-amzn-RequestId for {case:?}"
    );
    let json_type = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_string));
    let xml = body.contains("<ErrorResponse") && body.contains("<Code>");
    if case.query {
        prop_assert!(xml, "query request needs an XML <ErrorResponse>: {body}");
    } else if case
        .target
        .as_deref()
        .is_some_and(|t| t.starts_with("secretsmanager."))
    {
        prop_assert!(
            json_type.is_some(),
            "JSON 1.1 target needs a JSON __type: {body}"
        );
    } else {
        prop_assert!(
            json_type.is_some() || xml,
            "AWS-shaped error needed: {body}"
        );
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn assert_still_healthy(emul: &mut Emul, rt: &tokio::runtime::Runtime) {
    assert!(emul.is_alive(), "emul serve died");
    let health = rt
        .block_on(emul.raw().health())
        .expect("health endpoint answers");
    assert_eq!(health.status, 200);
}

#[test]
fn hostile_requests_get_aws_errors_and_never_crash() {
    let rt = runtime();
    let mut emul = Emul::start();
    let raw = emul.raw();
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&hostile(), |case| {
        let resp = rt
            .block_on(send(&raw, &case))
            .map_err(|e| TestCaseError::fail(format!("{e} for {case:?}")))?;
        check_error_shape(&case, &resp)
    });
    assert_still_healthy(&mut emul, &rt);
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn multi_megabyte_values_are_rejected_cleanly() {
    let rt = runtime();
    let mut emul = Emul::start();
    let raw = emul.raw();
    rt.block_on(async {
        // At the 65536-character limit: accepted.
        let at_limit = "x".repeat(65_536);
        let resp = raw
            .secretsmanager(
                "CreateSecret",
                &json!({"Name": "limit", "SecretString": at_limit, "ClientRequestToken": "22222222-2222-2222-2222-222222222222"}),
            )
            .await;
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));

        for size in [65_537usize, 3 << 20, 8 << 20] {
            let big = "y".repeat(size);
            for (op, body) in [
                ("CreateSecret", json!({"Name": format!("big{size}"), "SecretString": big, "ClientRequestToken": "33333333-3333-3333-3333-333333333333"})),
                ("PutSecretValue", json!({"SecretId": "limit", "SecretString": big, "ClientRequestToken": "44444444-4444-4444-4444-444444444444"})),
            ] {
                let resp = raw.secretsmanager(op, &body).await;
                assert!((400..500).contains(&resp.status), "{op} with {size} bytes: {}", resp.status);
                assert!(resp.json().get("__type").is_some(), "{op} with {size} bytes");
                assert!(resp.header("x-amzn-requestid").is_some());
            }
        }
        // Several MB of garbage, and a huge header.
        let garbage = vec![b'{'; 6 << 20];
        let resp = raw
            .send(
                "POST",
                "/",
                &[("x-amz-target", "secretsmanager.GetSecretValue"), ("content-type", "application/x-amz-json-1.1")],
                garbage,
            )
            .await
            .expect("6 MiB of garbage gets an answer");
        assert!((400..500).contains(&resp.status), "{}", resp.status);
        assert!(resp.json().get("__type").is_some());
        let long_target = format!("secretsmanager.{}", "A".repeat(16 << 10));
        let resp = raw
            .send("POST", "/", &[("x-amz-target", &long_target), ("content-type", "application/x-amz-json-1.1")], "{}")
            .await
            .expect("a 16 KiB X-Amz-Target gets an answer");
        assert!((400..500).contains(&resp.status), "{}", resp.status);
        // The stored value was not replaced by any rejected put.
        let got = raw.secretsmanager("GetSecretValue", &json!({"SecretId": "limit"})).await;
        assert_eq!(got.json()["SecretString"].as_str().map(str::len), Some(65_536));
    });
    assert_still_healthy(&mut emul, &rt);
}

#[test]
fn other_methods_and_paths_get_errors() {
    let rt = runtime();
    let mut emul = Emul::start();
    let raw = emul.raw();
    rt.block_on(async {
        for (method, path) in [
            ("PUT", "/"),
            ("DELETE", "/"),
            ("GET", "/_emul/nope"),
            ("POST", "/some/path"),
            ("PATCH", "/_emul/health"),
        ] {
            let resp = raw
                .send(
                    method,
                    path,
                    &[("content-type", "application/x-amz-json-1.1")],
                    "",
                )
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            assert!(resp.status >= 400, "{method} {path} → {}", resp.status);
        }
    });
    assert_still_healthy(&mut emul, &rt);
}

/// A body over the gateway's limit must still get its AWS-shaped answer:
/// a client that sends the whole body before reading (hyper, which the AWS
/// SDK for Rust uses) must not see the connection reset under it.
#[test]
fn oversized_bodies_get_an_answer_not_a_reset() {
    let rt = runtime();
    let mut emul = Emul::start();
    let raw = emul.raw();
    let body = serde_json::to_vec(&json!({
        "SecretId": "x",
        "SecretString": "z".repeat(32 << 20),
        "ClientRequestToken": "77777777-7777-7777-7777-777777777777",
    }))
    .unwrap();
    rt.block_on(async {
        for attempt in 0..5 {
            let resp = raw
                .send(
                    "POST",
                    "/",
                    &[
                        ("x-amz-target", "secretsmanager.PutSecretValue"),
                        ("content-type", "application/x-amz-json-1.1"),
                    ],
                    body.clone(),
                )
                .await
                .unwrap_or_else(|e| {
                    panic!("attempt {attempt}: 32 MiB body got {e} instead of an AWS error")
                });
            assert!(
                (400..500).contains(&resp.status),
                "attempt {attempt}: {}",
                resp.status
            );
            assert!(resp.json().get("__type").is_some());
            assert!(resp.header("x-amzn-requestid").is_some());
        }
    });
    assert_still_healthy(&mut emul, &rt);
}
