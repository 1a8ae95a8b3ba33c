//! Regions (the SigV4 scope selects the region; secrets are per region) and
//! `--strict-auth` (SigV4 verified against `--credentials`).

use sdk_tests::{Emul, ServeOptions, assert_aws_error};

use crate::create;

const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";

#[tokio::test]
async fn secrets_are_per_region_and_the_arn_names_the_region() {
    let emul = Emul::start();
    let east = emul.sm_client("us-east-1").await;
    let west = emul.sm_client("eu-west-1").await;
    let (east_arn, _) = create(&east, "regional", "east").await;
    assert!(
        east_arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:regional-"),
        "{east_arn}"
    );

    assert_aws_error(
        west.get_secret_value().secret_id("regional").send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        west.get_secret_value().secret_id(&east_arn).send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert!(
        west.list_secrets()
            .send()
            .await
            .unwrap()
            .secret_list()
            .is_empty()
    );

    // The same name can exist independently in another region.
    let (west_arn, _) = create(&west, "regional", "west").await;
    assert!(
        west_arn.starts_with("arn:aws:secretsmanager:eu-west-1:000000000000:secret:regional-"),
        "{west_arn}"
    );
    let w = west
        .get_secret_value()
        .secret_id("regional")
        .send()
        .await
        .unwrap();
    assert_eq!(w.secret_string(), Some("west"));
    let e = east
        .get_secret_value()
        .secret_id("regional")
        .send()
        .await
        .unwrap();
    assert_eq!(e.secret_string(), Some("east"));
    assert_eq!(
        east.list_secrets()
            .send()
            .await
            .unwrap()
            .secret_list()
            .len(),
        1
    );
}

#[tokio::test]
async fn account_flag_is_used_in_arns() {
    let emul = Emul::start_with(ServeOptions {
        account: Some("123456789012".to_string()),
        ..ServeOptions::default()
    });
    let client = emul.sm_client("eu-central-1").await;
    let (arn, _) = create(&client, "acct", "v").await;
    assert!(
        arn.starts_with("arn:aws:secretsmanager:eu-central-1:123456789012:secret:acct-"),
        "{arn}"
    );
}

#[tokio::test]
async fn strict_auth_accepts_the_right_key_and_rejects_others() {
    let emul = Emul::start_with(ServeOptions {
        strict_credentials: Some(
            "AKIDSTRICT0000000001:right-secret,AKIDSTRICT0000000002:second-secret".to_string(),
        ),
        ..ServeOptions::default()
    });
    let good = emul
        .sm_client_with_keys("us-east-1", "AKIDSTRICT0000000001", "right-secret")
        .await;
    create(&good, "guarded", "v").await;
    let second = emul
        .sm_client_with_keys("us-east-1", "AKIDSTRICT0000000002", "second-secret")
        .await;
    let got = second
        .get_secret_value()
        .secret_id("guarded")
        .send()
        .await
        .expect("second key works");
    assert_eq!(got.secret_string(), Some("v"));

    let wrong_secret = emul
        .sm_client_with_keys("us-east-1", "AKIDSTRICT0000000001", "wrong-secret")
        .await;
    let err = wrong_secret
        .get_secret_value()
        .secret_id("guarded")
        .send()
        .await;
    let err = err.expect_err("a wrong secret key is rejected");
    let meta = aws_sdk_secretsmanager::error::ProvideErrorMetadata::meta(&err);
    assert_eq!(meta.code(), Some("InvalidSignatureException"), "{err:?}");
    // AWS may append the canonical request after this sentence.
    let msg = meta.message().unwrap_or_default();
    assert!(
        msg.starts_with("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
        "{msg:?}"
    );

    let unknown = emul
        .sm_client_with_keys("us-east-1", "AKIDUNKNOWN000000000", "right-secret")
        .await;
    assert_aws_error(
        unknown.get_secret_value().secret_id("guarded").send().await,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    );

    // An unsigned request is not let through either.
    let raw = emul
        .raw()
        .secretsmanager(
            "GetSecretValue",
            &serde_json::json!({"SecretId": "guarded"}),
        )
        .await;
    assert!(
        (400..500).contains(&raw.status),
        "unsigned request: {} {:?}",
        raw.status,
        raw.body
    );
    assert!(raw.json().get("__type").is_some());
}

#[tokio::test]
async fn health_endpoint_and_graceful_shutdown() {
    let mut emul = Emul::start();
    let health = emul.raw().health().await.expect("health");
    assert_eq!(health.status, 200);
    let body = health.json();
    assert_eq!(body["status"], "running");
    assert_eq!(body["services"]["secretsmanager"], "running");
    let status = emul
        .terminate(std::time::Duration::from_secs(20))
        .expect("emul serve exits after SIGTERM");
    assert!(status.success(), "SIGTERM → exit 0, got {status:?}");
}
