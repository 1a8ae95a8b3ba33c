//! CreateSecret, GetSecretValue, DescribeSecret shapes, ARNs, lookup by
//! name / full ARN / partial ARN, SecretBinary, CreateSecret idempotency
//! (aws-reference.md §3.2, §3.3, §3.4, §3.5).

use aws_sdk_secretsmanager::primitives::Blob;
use sdk_tests::{DEFAULT_ACCOUNT, assert_aws_error};

use crate::{create, labels, now_secs, setup, stages, token};

const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";
const INVALID_NAME: &str = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!";

/// `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 alphanumerics>`
fn assert_arn_shape(arn: &str, region: &str, name: &str) {
    let prefix = format!("arn:aws:secretsmanager:{region}:{DEFAULT_ACCOUNT}:secret:{name}-");
    let suffix = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("ARN {arn:?} should start with {prefix:?}"));
    assert_eq!(suffix.len(), 6, "six-character suffix in {arn:?}");
    assert!(
        suffix.chars().all(|c| c.is_ascii_alphanumeric()),
        "suffix {suffix:?} should be alphanumeric"
    );
}

#[tokio::test]
async fn create_returns_arn_name_and_the_token_as_version_id() {
    let (_emul, client) = setup().await;
    let t = token();
    let out = client
        .create_secret()
        .name("prod/app/db-password")
        .secret_string("s3cr3t")
        .client_request_token(&t)
        .send()
        .await
        .expect("CreateSecret");
    assert_arn_shape(out.arn().unwrap(), "us-east-1", "prod/app/db-password");
    assert_eq!(out.name(), Some("prod/app/db-password"));
    assert_eq!(out.version_id(), Some(t.as_str()));
    assert!(out.replication_status().is_empty());

    // Without an explicit token the SDK fills in a UUIDv4, which becomes the VersionId.
    let auto = client
        .create_secret()
        .name("auto-token")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let id = auto.version_id().expect("VersionId");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "VersionId {id:?} is the SDK's UUID token"
    );
}

#[tokio::test]
async fn get_secret_value_returns_the_current_version() {
    let (_emul, client) = setup().await;
    let before = now_secs();
    let (arn, v1) = create(&client, "app/api-key", "value-1").await;
    let got = client
        .get_secret_value()
        .secret_id("app/api-key")
        .send()
        .await
        .expect("GetSecretValue");
    assert_eq!(got.arn(), Some(arn.as_str()));
    assert_eq!(got.name(), Some("app/api-key"));
    assert_eq!(got.version_id(), Some(v1.as_str()));
    assert_eq!(got.secret_string(), Some("value-1"));
    assert!(
        got.secret_binary().is_none(),
        "only the stored kind comes back"
    );
    assert_eq!(got.version_stages(), labels(&["AWSCURRENT"]));
    let created = got.created_date().expect("CreatedDate").secs();
    assert!(
        (before - 5..=now_secs() + 5).contains(&created),
        "CreatedDate {created} should be about now ({before})"
    );
}

#[tokio::test]
async fn lookup_by_name_full_arn_and_partial_arn() {
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "lookup/secret", "v").await;
    let partial = &arn[..arn.len() - 7];
    assert!(partial.ends_with(":secret:lookup/secret"), "{partial}");
    for id in ["lookup/secret", arn.as_str(), partial] {
        let got = client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetSecretValue({id}): {e:?}"));
        assert_eq!(got.arn(), Some(arn.as_str()), "looked up by {id}");
        let described = client
            .describe_secret()
            .secret_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeSecret({id}): {e:?}"));
        assert_eq!(described.name(), Some("lookup/secret"));
    }
    // An ARN with a wrong suffix is a different (missing) secret.
    let wrong = format!("{partial}-zzzzzz");
    assert_aws_error(
        client.get_secret_value().secret_id(&wrong).send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
}

#[tokio::test]
async fn partial_arn_of_a_name_ending_in_six_chars_is_not_found() {
    // SMUG:troubleshoot #ARN_secretnamehyphen: `MySecret-abcdef` looks like a
    // full ARN once the suffix is dropped, so its partial ARN is not found.
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "MySecret-abcdef", "v").await;
    let partial = &arn[..arn.len() - 7];
    assert_aws_error(
        client.get_secret_value().secret_id(partial).send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    let by_arn = client.get_secret_value().secret_id(&arn).send().await;
    assert_eq!(by_arn.expect("full ARN works").secret_string(), Some("v"));
    let by_name = client
        .get_secret_value()
        .secret_id("MySecret-abcdef")
        .send()
        .await;
    assert_eq!(by_name.expect("name works").secret_string(), Some("v"));
}

#[tokio::test]
async fn unknown_secret_is_resource_not_found_for_every_read() {
    let (_emul, client) = setup().await;
    assert_aws_error(
        client.get_secret_value().secret_id("nope").send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client.describe_secret().secret_id("nope").send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client
            .get_secret_value()
            .secret_id("arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-AbCdEf")
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client
            .put_secret_value()
            .secret_id("nope")
            .secret_string("x")
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client
            .list_secret_version_ids()
            .secret_id("nope")
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client.restore_secret().secret_id("nope").send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
}

#[tokio::test]
async fn create_without_value_has_no_version_until_the_first_put() {
    let (_emul, client) = setup().await;
    let out = client
        .create_secret()
        .name("empty")
        .description("no value yet")
        .send()
        .await
        .expect("CreateSecret without a value");
    assert!(
        out.version_id().is_none(),
        "VersionId omitted when no value was supplied"
    );
    let described = client
        .describe_secret()
        .secret_id("empty")
        .send()
        .await
        .unwrap();
    assert!(described.version_ids_to_stages().is_none(), "{described:?}");
    assert_eq!(described.description(), Some("no value yet"));
    assert_aws_error(
        client.get_secret_value().secret_id("empty").send().await,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
    let put = client
        .put_secret_value()
        .secret_id("empty")
        .secret_string("first")
        .send()
        .await
        .expect("PutSecretValue on a value-less secret");
    assert_eq!(put.version_stages(), labels(&["AWSCURRENT"]));
    let got = client
        .get_secret_value()
        .secret_id("empty")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("first"));
}

#[tokio::test]
async fn describe_has_the_minimal_shape_and_last_accessed_after_a_read() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "shape", "v").await;
    let d = client
        .describe_secret()
        .secret_id("shape")
        .send()
        .await
        .unwrap();
    assert_eq!(d.arn(), Some(arn.as_str()));
    assert_eq!(d.name(), Some("shape"));
    assert!(d.created_date().is_some() && d.last_changed_date().is_some());
    assert!(d.last_accessed_date().is_none(), "not read yet");
    assert!(d.kms_key_id().is_none(), "default key is omitted");
    assert!(d.rotation_enabled().is_none(), "rotation never configured");
    assert!(d.deleted_date().is_none());
    assert!(d.description().is_none());
    assert_eq!(
        stages(&client, "shape").await,
        [(v1, labels(&["AWSCURRENT"]))].into()
    );

    client
        .get_secret_value()
        .secret_id("shape")
        .send()
        .await
        .unwrap();
    let d = client
        .describe_secret()
        .secret_id("shape")
        .send()
        .await
        .unwrap();
    let accessed = d
        .last_accessed_date()
        .expect("LastAccessedDate after a read");
    assert_eq!(
        accessed.secs() % 86_400,
        0,
        "date resolution (midnight UTC)"
    );
    assert!((now_secs() - accessed.secs()) < 86_400 + 60);
}

#[tokio::test]
async fn duplicate_name_is_resource_exists() {
    let (_emul, client) = setup().await;
    create(&client, "dup", "a").await;
    assert_aws_error(
        client
            .create_secret()
            .name("dup")
            .secret_string("b")
            .send()
            .await,
        "ResourceExistsException",
        "The operation failed because the secret dup already exists.",
    );
}

#[tokio::test]
async fn create_is_idempotent_for_the_same_token_and_value() {
    let (_emul, client) = setup().await;
    let t = token();
    let first = client
        .create_secret()
        .name("idem")
        .secret_string("x")
        .client_request_token(&t)
        .send()
        .await
        .unwrap();
    let second = client
        .create_secret()
        .name("idem")
        .secret_string("x")
        .client_request_token(&t)
        .send()
        .await
        .expect("same token + same value succeeds");
    assert_eq!(first.arn(), second.arn());
    assert_eq!(first.name(), second.name());
    assert_eq!(second.version_id(), Some(t.as_str()));
    let versions = client
        .list_secret_version_ids()
        .secret_id("idem")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1, "no new version");

    assert_aws_error(
        client
            .create_secret()
            .name("idem")
            .secret_string("different")
            .client_request_token(&t)
            .send()
            .await,
        "ResourceExistsException",
        &format!(
            "You can't use ClientRequestToken {t} because that value is already in use for a version of secret {}.",
            first.arn().unwrap()
        ),
    );
}

#[tokio::test]
async fn string_and_binary_together_is_invalid_parameter() {
    let (_emul, client) = setup().await;
    assert_aws_error(
        client
            .create_secret()
            .name("both")
            .secret_string("s")
            .secret_binary(Blob::new(b"b".to_vec()))
            .send()
            .await,
        "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
}

#[tokio::test]
async fn invalid_names_are_validation_exceptions() {
    let (_emul, client) = setup().await;
    for name in ["Inv Name", " Inv*Name? "] {
        assert_aws_error(
            client
                .create_secret()
                .name(name)
                .secret_string("v")
                .send()
                .await,
            "ValidationException",
            INVALID_NAME,
        );
        assert_aws_error(
            client.get_secret_value().secret_id(name).send().await,
            "ValidationException",
            INVALID_NAME,
        );
        assert_aws_error(
            client.describe_secret().secret_id(name).send().await,
            "ValidationException",
            INVALID_NAME,
        );
        assert_aws_error(
            client
                .put_secret_value()
                .secret_id(name)
                .secret_string("v")
                .send()
                .await,
            "ValidationException",
            INVALID_NAME,
        );
    }
    // The same check on the other operations AWS was recorded for.
    let name = "Inv Name";
    assert_aws_error(
        client.delete_secret().secret_id(name).send().await,
        "ValidationException",
        INVALID_NAME,
    );
    assert_aws_error(
        client
            .update_secret()
            .secret_id(name)
            .description("d")
            .send()
            .await,
        "ValidationException",
        INVALID_NAME,
    );
    assert_aws_error(
        client
            .list_secret_version_ids()
            .secret_id(name)
            .send()
            .await,
        "ValidationException",
        INVALID_NAME,
    );
    assert_aws_error(
        client
            .tag_resource()
            .secret_id(name)
            .tags(
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key("k")
                    .value("v")
                    .build(),
            )
            .send()
            .await,
        "ValidationException",
        INVALID_NAME,
    );
    assert_aws_error(
        client
            .untag_resource()
            .secret_id(name)
            .tag_keys("k")
            .send()
            .await,
        "ValidationException",
        INVALID_NAME,
    );
    // Every allowed punctuation character is accepted.
    create(&client, "a/b_c+d=e.f@g-h", "v").await;
}

#[tokio::test]
async fn secret_binary_round_trips() {
    let (_emul, client) = setup().await;
    let bytes: Vec<u8> = (0u8..=255).chain([0, 0, 255, 10, 13]).collect();
    client
        .create_secret()
        .name("bin")
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await
        .unwrap();
    let got = client
        .get_secret_value()
        .secret_id("bin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(bytes.clone())
    );
    assert!(
        got.secret_string().is_none(),
        "only SecretBinary was stored"
    );

    let replaced = b"\x00\x01binary\xfe".to_vec();
    client
        .put_secret_value()
        .secret_id("bin")
        .secret_binary(Blob::new(replaced.clone()))
        .send()
        .await
        .unwrap();
    let got = client
        .get_secret_value()
        .secret_id("bin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(replaced)
    );
    let previous = client
        .get_secret_value()
        .secret_id("bin")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(
        previous.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(bytes)
    );
}

#[tokio::test]
async fn recreated_secret_gets_a_new_arn_suffix() {
    let (_emul, client) = setup().await;
    let (arn1, _) = create(&client, "phoenix", "1").await;
    client
        .delete_secret()
        .secret_id("phoenix")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let (arn2, _) = create(&client, "phoenix", "2").await;
    assert_arn_shape(&arn2, "us-east-1", "phoenix");
    assert_ne!(arn1, arn2, "a new random suffix after delete + re-create");
    assert_aws_error(
        client.get_secret_value().secret_id(&arn1).send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    let got = client
        .get_secret_value()
        .secret_id("phoenix")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("2"));
}
