//! Wire-level facts the SDK hides (aws-reference.md §3.1): the missing
//! ClientRequestToken errors, the error body shape (`__type` + capitalised
//! `Message`), `x-amzn-RequestId`, epoch-seconds timestamps, base64 blobs.

use serde_json::json;

use crate::setup;

const NO_TOKEN: &str =
    "You must provide a ClientRequestToken value. We recommend a UUID-type value.";

fn assert_error(resp: &sdk_tests::RawResponse, ty: &str, message: &str) {
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    assert_eq!(body["__type"], ty, "{body}");
    assert_eq!(
        body["Message"], message,
        "Secrets Manager uses a capitalised Message: {body}"
    );
    assert!(
        resp.header("x-amzn-requestid")
            .is_some_and(|v| !v.is_empty()),
        "x-amzn-RequestId"
    );
}

#[tokio::test]
async fn missing_client_request_token_is_rejected_on_the_wire() {
    let (emul, _client) = setup().await;
    let raw = emul.raw();
    let resp = raw
        .secretsmanager("CreateSecret", &json!({"Name": "raw", "SecretString": "v"}))
        .await;
    assert_error(&resp, "InvalidRequestException", NO_TOKEN);

    let token = "11111111-2222-3333-4444-555555555555";
    let resp = raw
        .secretsmanager(
            "CreateSecret",
            &json!({"Name": "raw", "SecretString": "v", "ClientRequestToken": token}),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["VersionId"], token);
    // No SigV4 scope on the request: the default region is us-east-1.
    let arn = resp.json()["ARN"].as_str().unwrap_or_default().to_string();
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:raw-"),
        "{arn}"
    );

    let resp = raw
        .secretsmanager(
            "PutSecretValue",
            &json!({"SecretId": "raw", "SecretString": "v2"}),
        )
        .await;
    assert_error(&resp, "InvalidRequestException", NO_TOKEN);
    let resp = raw
        .secretsmanager(
            "UpdateSecret",
            &json!({"SecretId": "raw", "SecretString": "v2"}),
        )
        .await;
    assert_error(&resp, "InvalidRequestException", NO_TOKEN);
    let resp = raw
        .secretsmanager("RotateSecret", &json!({"SecretId": "raw"}))
        .await;
    assert_error(&resp, "InvalidParameterException", NO_TOKEN);
}

#[tokio::test]
async fn success_responses_are_json_with_epoch_seconds_and_a_request_id() {
    let (emul, _client) = setup().await;
    let raw = emul.raw();
    let token = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    let resp = raw
        .secretsmanager(
            "CreateSecret",
            &json!({"Name": "wire", "SecretBinary": "Zm9vdGVzdA==", "ClientRequestToken": token}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .is_some_and(|c| c.starts_with("application/x-amz-json-1.1"))
    );
    assert!(resp.header("x-amzn-requestid").is_some());
    let body = resp.json();
    assert_eq!(body["Name"], "wire");
    assert_eq!(body["VersionId"], token);

    let got = raw
        .secretsmanager("GetSecretValue", &json!({"SecretId": "wire"}))
        .await
        .json();
    assert_eq!(got["SecretBinary"], "Zm9vdGVzdA==", "base64 in JSON");
    assert!(
        got.get("SecretString").is_none(),
        "absent fields are omitted: {got}"
    );
    assert!(got["CreatedDate"].is_number(), "epoch seconds: {got}");
    assert_eq!(got["VersionStages"], json!(["AWSCURRENT"]));

    let d = raw
        .secretsmanager("DescribeSecret", &json!({"SecretId": "wire"}))
        .await
        .json();
    assert!(
        d["CreatedDate"].is_number() && d["LastChangedDate"].is_number(),
        "{d}"
    );
    assert!(d["LastAccessedDate"].is_number(), "{d}");
    for absent in ["KmsKeyId", "RotationEnabled", "DeletedDate", "Description"] {
        assert!(d.get(absent).is_none(), "{absent} should be omitted: {d}");
    }
    assert_eq!(d["VersionIdsToStages"][token], json!(["AWSCURRENT"]));
}

#[tokio::test]
async fn not_found_error_body() {
    let (emul, _client) = setup().await;
    let resp = emul
        .raw()
        .secretsmanager("GetSecretValue", &json!({"SecretId": "ghost"}))
        .await;
    assert_error(
        &resp,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    );
}

/// Asserts a 400 whose `__type` is one of `types` (for constraint violations
/// where the reference pins the constraint but not which of AWS's two
/// validation error types carries it).
fn assert_validation(resp: &sdk_tests::RawResponse, types: &[&str], what: &str) {
    assert_eq!(
        resp.status,
        400,
        "{what}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    let body = resp.json();
    let ty = body["__type"].as_str().unwrap_or_default();
    assert!(
        types.contains(&ty),
        "{what}: __type {ty:?} not in {types:?}: {body}"
    );
    assert!(
        body["Message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: a Message: {body}"
    );
}

#[tokio::test]
async fn documented_length_and_range_constraints_are_enforced() {
    let (emul, client) = setup().await;
    let raw = emul.raw();
    let either = ["ValidationException", "InvalidParameterException"];
    client
        .create_secret()
        .name("c")
        .secret_string("v")
        .send()
        .await
        .unwrap();

    // ClientRequestToken: 32–64 characters.
    for bad in ["short-token".to_string(), "x".repeat(65)] {
        let resp = raw
            .secretsmanager(
                "PutSecretValue",
                &json!({"SecretId": "c", "SecretString": "v", "ClientRequestToken": bad}),
            )
            .await;
        assert_validation(&resp, &either, &format!("token of {} chars", bad.len()));
    }
    // Name: 1–512 characters.
    let resp = raw
        .secretsmanager(
            "CreateSecret",
            &json!({"Name": "n".repeat(513), "SecretString": "v", "ClientRequestToken": "55555555-5555-5555-5555-555555555555"}),
        )
        .await;
    assert_validation(&resp, &either, "513-char name");
    let ok = raw
        .secretsmanager(
            "CreateSecret",
            &json!({"Name": "n".repeat(512), "SecretString": "v", "ClientRequestToken": "66666666-6666-6666-6666-666666666666"}),
        )
        .await;
    assert_eq!(
        ok.status,
        200,
        "512-char name is valid: {}",
        String::from_utf8_lossy(&ok.body)
    );
    // Description: at most 2048 characters.
    let resp = raw
        .secretsmanager(
            "UpdateSecret",
            &json!({"SecretId": "c", "Description": "d".repeat(2049)}),
        )
        .await;
    assert_validation(&resp, &either, "2049-char description");
    // ListSecrets MaxResults: 1–100.
    for bad in [0, 101] {
        let resp = raw
            .secretsmanager("ListSecrets", &json!({"MaxResults": bad}))
            .await;
        assert_validation(&resp, &either, &format!("MaxResults {bad}"));
    }
    // A NextToken the server never issued.
    let resp = raw
        .secretsmanager(
            "ListSecrets",
            &json!({"NextToken": "definitely-not-a-token"}),
        )
        .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["__type"], "InvalidNextTokenException");
}
