//! TagResource / UntagResource (aws-reference.md §3.5 TagResource).

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;
use sdk_tests::assert_aws_error;

use crate::setup;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

/// Tags as a map (AWS does not guarantee their order); `None` when the
/// SDK saw no tags at all.
async fn tags_of(client: &Client, id: &str) -> Option<BTreeMap<String, String>> {
    let d = client.describe_secret().secret_id(id).send().await.unwrap();
    let tags: BTreeMap<String, String> = d
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (!tags.is_empty()).then_some(tags)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn tags_merge_overwrite_and_untag_idempotently() {
    let (emul, client) = setup().await;
    client
        .create_secret()
        .name("tagged")
        .secret_string("v")
        .tags(tag("env", "dev"))
        .tags(tag("Env", "case-sensitive"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&client, "tagged").await,
        Some(map(&[("env", "dev"), ("Env", "case-sensitive")]))
    );

    client
        .tag_resource()
        .secret_id("tagged")
        .tags(tag("team", "core"))
        .tags(tag("env", "prod"))
        .send()
        .await
        .expect("TagResource");
    assert_eq!(
        tags_of(&client, "tagged").await,
        Some(map(&[
            ("env", "prod"),
            ("Env", "case-sensitive"),
            ("team", "core")
        ])),
        "appends new keys, overwrites existing ones"
    );

    client
        .untag_resource()
        .secret_id("tagged")
        .tag_keys("Env")
        .tag_keys("absent-key")
        .send()
        .await
        .expect("UntagResource; absent keys are not an error");
    assert_eq!(
        tags_of(&client, "tagged").await,
        Some(map(&[("env", "prod"), ("team", "core")]))
    );

    client
        .untag_resource()
        .secret_id("tagged")
        .tag_keys("env")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    assert_eq!(tags_of(&client, "tagged").await, None);
    // The SDK cannot tell an empty list from an absent one; the wire can.
    let raw = emul
        .raw()
        .secretsmanager("DescribeSecret", &serde_json::json!({"SecretId": "tagged"}))
        .await
        .json();
    assert_eq!(
        raw["Tags"],
        serde_json::json!([]),
        "Tags: [] present but empty: {raw}"
    );
}

#[tokio::test]
async fn tag_responses_are_empty_and_unknown_secrets_not_found() {
    let (emul, client) = setup().await;
    client
        .create_secret()
        .name("t")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let raw = emul.raw();
    let resp = raw
        .secretsmanager(
            "TagResource",
            &serde_json::json!({"SecretId": "t", "Tags": [{"Key": "a", "Value": "b"}]}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json(),
        serde_json::json!({}),
        "TagResource has no output members"
    );
    let resp = raw
        .secretsmanager(
            "UntagResource",
            &serde_json::json!({"SecretId": "t", "TagKeys": ["a"]}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json(), serde_json::json!({}));

    assert_aws_error(
        client
            .tag_resource()
            .secret_id("missing")
            .tags(tag("a", "b"))
            .send()
            .await,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    );
    assert_aws_error(
        client
            .untag_resource()
            .secret_id("missing")
            .tag_keys("a")
            .send()
            .await,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    );
}
