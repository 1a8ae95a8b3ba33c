//! PutSecretValue, UpdateSecret, UpdateSecretVersionStage,
//! ListSecretVersionIds and GetSecretValue version selection: staging-label
//! rules and ClientRequestToken idempotency (aws-reference.md §3.3, §3.4).

use sdk_tests::{assert_aws_error, assert_aws_error_code};

use crate::{create, labels, put, setup, stages, token};

#[tokio::test]
async fn put_moves_awscurrent_and_awsprevious_follows() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "rot", "one").await;
    let v2 = put(&client, "rot", "two").await;
    assert_eq!(
        stages(&client, "rot").await,
        [
            (v1.clone(), labels(&["AWSPREVIOUS"])),
            (v2.clone(), labels(&["AWSCURRENT"]))
        ]
        .into()
    );
    let v3 = put(&client, "rot", "three").await;
    // v1 lost its last label: deprecated, gone from VersionIdsToStages.
    assert_eq!(
        stages(&client, "rot").await,
        [
            (v2.clone(), labels(&["AWSPREVIOUS"])),
            (v3.clone(), labels(&["AWSCURRENT"]))
        ]
        .into()
    );
    let get = |stage: &'static str| {
        let client = client.clone();
        async move {
            client
                .get_secret_value()
                .secret_id("rot")
                .version_stage(stage)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(get("AWSCURRENT").await.secret_string(), Some("three"));
    assert_eq!(get("AWSPREVIOUS").await.secret_string(), Some("two"));
    // A deprecated version is still readable by id.
    let old = client
        .get_secret_value()
        .secret_id("rot")
        .version_id(&v1)
        .send()
        .await
        .expect("deprecated version by VersionId");
    assert_eq!(old.secret_string(), Some("one"));
    assert!(old.version_stages().is_empty());
}

#[tokio::test]
async fn list_secret_version_ids_hides_deprecated_unless_asked() {
    let (emul, client) = setup().await;
    let (arn, v1) = create(&client, "lv", "1").await;
    let v2 = put(&client, "lv", "2").await;
    let v3 = put(&client, "lv", "3").await;
    let default = client
        .list_secret_version_ids()
        .secret_id("lv")
        .send()
        .await
        .unwrap();
    assert_eq!(default.arn(), Some(arn.as_str()));
    assert_eq!(default.name(), Some("lv"));
    let mut ids: Vec<_> = default
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap().to_string())
        .collect();
    ids.sort();
    let mut expected = vec![v2.clone(), v3.clone()];
    expected.sort();
    assert_eq!(ids, expected, "deprecated v1 omitted by default");
    for v in default.versions() {
        assert_eq!(v.kms_key_ids(), labels(&["DefaultEncryptionKey"]));
        assert!(v.created_date().is_some());
    }

    let all = client
        .list_secret_version_ids()
        .secret_id("lv")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.versions().len(), 3);
    let deprecated = all
        .versions()
        .iter()
        .find(|v| v.version_id() == Some(v1.as_str()))
        .expect("v1 listed with IncludeDeprecated");
    assert!(deprecated.version_stages().is_empty(), "{deprecated:?}");
    // On the wire the key is absent, not an empty list.
    let raw = emul
        .raw()
        .secretsmanager(
            "ListSecretVersionIds",
            &serde_json::json!({"SecretId": "lv", "IncludeDeprecated": true}),
        )
        .await
        .json();
    let entry = raw["Versions"]
        .as_array()
        .expect("Versions")
        .iter()
        .find(|v| v["VersionId"] == v1.as_str())
        .expect("v1 on the wire");
    assert!(
        entry.get("VersionStages").is_none(),
        "no VersionStages key: {entry}"
    );
}

#[tokio::test]
async fn list_secret_version_ids_paginates() {
    let (_emul, client) = setup().await;
    create(&client, "many", "0").await;
    for i in 1..5 {
        client
            .put_secret_value()
            .secret_id("many")
            .secret_string(format!("v{i}"))
            .version_stages(format!("L{i}"))
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_secret_version_ids()
            .secret_id("many")
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.versions().len() <= 2);
        seen.extend(
            page.versions()
                .iter()
                .map(|v| v.version_id().unwrap().to_string()),
        );
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not terminate");
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every labelled version exactly once");
    assert!(pages >= 3);
}

#[tokio::test]
async fn put_with_custom_stages_leaves_awscurrent_and_sorts_labels() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "custom", "v1").await;
    let out = client
        .put_secret_value()
        .secret_id("custom")
        .secret_string("v2")
        .version_stages("SAMPLESTAGE1")
        .version_stages("SAMPLESTAGE0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.version_stages(),
        labels(&["SAMPLESTAGE0", "SAMPLESTAGE1"])
    );
    let cur = client
        .get_secret_value()
        .secret_id("custom")
        .send()
        .await
        .unwrap();
    assert_eq!(cur.version_id(), Some(v1.as_str()));
    assert_eq!(cur.version_stages(), labels(&["AWSCURRENT"]));
    let by_stage = client
        .get_secret_value()
        .secret_id("custom")
        .version_stage("SAMPLESTAGE0")
        .send()
        .await
        .unwrap();
    assert_eq!(by_stage.secret_string(), Some("v2"));
    assert_eq!(
        by_stage.version_stages(),
        labels(&["SAMPLESTAGE0", "SAMPLESTAGE1"])
    );
}

#[tokio::test]
async fn put_with_awspending_keeps_the_current_version() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "pend", "cur").await;
    let out = client
        .put_secret_value()
        .secret_id("pend")
        .secret_string("next")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let v2 = out.version_id().unwrap().to_string();
    assert_eq!(out.version_stages(), labels(&["AWSPENDING"]));
    assert_eq!(
        stages(&client, "pend").await,
        [(v1, labels(&["AWSCURRENT"])), (v2, labels(&["AWSPENDING"]))].into()
    );
    let cur = client
        .get_secret_value()
        .secret_id("pend")
        .send()
        .await
        .unwrap();
    assert_eq!(cur.secret_string(), Some("cur"));
}

#[tokio::test]
async fn a_label_moves_to_the_newest_version_that_claims_it() {
    // [obs] put ["one","two","three"], then ["one","two","four"]: the older
    // version keeps only "three".
    let (_emul, client) = setup().await;
    let (_, v0) = create(&client, "moves", "v0").await;
    let put_stages = |value: &'static str, st: &'static [&'static str]| {
        let client = client.clone();
        async move {
            client
                .put_secret_value()
                .secret_id("moves")
                .secret_string(value)
                .set_version_stages(Some(labels(st)))
                .send()
                .await
                .unwrap()
        }
    };
    let a = put_stages("a", &["one", "two", "three"]).await;
    let b = put_stages("b", &["one", "two", "four"]).await;
    assert_eq!(b.version_stages(), labels(&["four", "one", "two"]));
    assert_eq!(
        stages(&client, "moves").await,
        [
            (v0, labels(&["AWSCURRENT"])),
            (a.version_id().unwrap().to_string(), labels(&["three"])),
            (
                b.version_id().unwrap().to_string(),
                labels(&["four", "one", "two"])
            ),
        ]
        .into()
    );
}

#[tokio::test]
async fn put_is_idempotent_for_the_same_token_and_value() {
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "pidem", "v1").await;
    let t = token();
    let first = client
        .put_secret_value()
        .secret_id("pidem")
        .secret_string("v2")
        .client_request_token(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(first.version_id(), Some(t.as_str()));
    let again = client
        .put_secret_value()
        .secret_id("pidem")
        .secret_string("v2")
        .client_request_token(&t)
        .send()
        .await
        .expect("same token and value succeeds");
    assert_eq!(again.arn(), Some(arn.as_str()));
    assert_eq!(again.name(), Some("pidem"));
    assert_eq!(again.version_id(), Some(t.as_str()));
    assert_eq!(again.version_stages(), labels(&["AWSCURRENT"]));
    let versions = client
        .list_secret_version_ids()
        .secret_id("pidem")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2, "no new version for the retry");
    // The retry did not shuffle labels either.
    let prev = client
        .get_secret_value()
        .secret_id("pidem")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(prev.secret_string(), Some("v1"));

    assert_aws_error(
        client
            .put_secret_value()
            .secret_id("pidem")
            .secret_string("other")
            .client_request_token(&t)
            .send()
            .await,
        "ResourceExistsException",
        &format!(
            "You can't use ClientRequestToken {t} because that value is already in use for a version of secret {arn}."
        ),
    );
}

#[tokio::test]
async fn put_without_a_value_is_invalid_request() {
    let (_emul, client) = setup().await;
    create(&client, "noval", "v").await;
    assert_aws_error(
        client.put_secret_value().secret_id("noval").send().await,
        "InvalidRequestException",
        "You must provide either SecretString or SecretBinary.",
    );
}

#[tokio::test]
async fn get_secret_value_version_selection_errors() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "sel", "1").await;
    assert_aws_error(
        client
            .get_secret_value()
            .secret_id("sel")
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
    let missing = token();
    assert_aws_error(
        client
            .get_secret_value()
            .secret_id("sel")
            .version_id(&missing)
            .send()
            .await,
        "ResourceNotFoundException",
        &format!("Secrets Manager can't find the specified secret value for VersionId: {missing}"),
    );
    let v2 = put(&client, "sel", "2").await;
    assert_aws_error(
        client
            .get_secret_value()
            .secret_id("sel")
            .version_id(&v1)
            .version_stage("AWSCURRENT")
            .send()
            .await,
        "InvalidRequestException",
        "You provided a VersionStage that is not associated to the provided VersionId.",
    );
    let both = client
        .get_secret_value()
        .secret_id("sel")
        .version_id(&v2)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .expect("matching VersionId and VersionStage");
    assert_eq!(both.secret_string(), Some("2"));
}

#[tokio::test]
async fn update_secret_description_only_creates_no_version() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "upd", "v1").await;
    let out = client
        .update_secret()
        .secret_id("upd")
        .description("new description")
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("upd"));
    assert!(out.version_id().is_none(), "no value → no VersionId");
    let d = client
        .describe_secret()
        .secret_id("upd")
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("new description"));
    assert_eq!(
        stages(&client, "upd").await,
        [(v1, labels(&["AWSCURRENT"]))].into()
    );
}

#[tokio::test]
async fn update_secret_with_a_value_rotates_labels_and_is_idempotent() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "updv", "v1").await;
    let v2 = put(&client, "updv", "v2").await;
    let t = token();
    let out = client
        .update_secret()
        .secret_id("updv")
        .secret_string("v3")
        .client_request_token(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), Some(t.as_str()));
    assert_eq!(
        stages(&client, "updv").await,
        [
            (v2.clone(), labels(&["AWSPREVIOUS"])),
            (t.clone(), labels(&["AWSCURRENT"]))
        ]
        .into(),
        "the old AWSPREVIOUS ({v1}) drops out"
    );
    let again = client
        .update_secret()
        .secret_id("updv")
        .secret_string("v3")
        .client_request_token(&t)
        .send()
        .await
        .expect("same token + value accepted");
    assert_eq!(again.version_id(), Some(t.as_str()));
    assert_aws_error(
        client
            .update_secret()
            .secret_id("updv")
            .secret_string("other")
            .client_request_token(&t)
            .send()
            .await,
        "ResourceExistsException",
        &format!(
            "You can't use ClientRequestToken {t} because that value is already in use for a version of secret {arn}."
        ),
    );
}

#[tokio::test]
async fn update_version_stage_requires_remove_from_for_an_attached_label() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "uvs", "v1").await;
    let pending = client
        .put_secret_value()
        .secret_id("uvs")
        .secret_string("v2")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let v2 = pending.version_id().unwrap().to_string();
    assert_aws_error(
        client
            .update_secret_version_stage()
            .secret_id("uvs")
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v2)
            .send()
            .await,
        "InvalidParameterException",
        &format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version {v1}, so you must explicitly reference that version in RemoveFromVersionId."
        ),
    );
    let moved = client
        .update_secret_version_stage()
        .secret_id("uvs")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v2)
        .remove_from_version_id(&v1)
        .send()
        .await
        .expect("move AWSCURRENT");
    assert_eq!(moved.arn(), Some(arn.as_str()));
    assert_eq!(moved.name(), Some("uvs"));
    // AWSPREVIOUS follows the old current; AWSPENDING is not removed.
    assert_eq!(
        stages(&client, "uvs").await,
        [
            (v1.clone(), labels(&["AWSPREVIOUS"])),
            (v2.clone(), labels(&["AWSCURRENT", "AWSPENDING"])),
        ]
        .into()
    );
    let cur = client
        .get_secret_value()
        .secret_id("uvs")
        .send()
        .await
        .unwrap();
    assert_eq!(cur.secret_string(), Some("v2"));
}

#[tokio::test]
async fn update_version_stage_adds_and_removes_custom_labels() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "cl", "v1").await;
    let v2 = put(&client, "cl", "v2").await;
    client
        .update_secret_version_stage()
        .secret_id("cl")
        .version_stage("PENDING")
        .move_to_version_id(&v2)
        .send()
        .await
        .expect("attach a free custom label");
    assert_eq!(
        stages(&client, "cl").await,
        [
            (v1.clone(), labels(&["AWSPREVIOUS"])),
            (v2.clone(), labels(&["AWSCURRENT", "PENDING"])),
        ]
        .into()
    );
    // Moving an attached custom label needs RemoveFromVersionId too.
    assert_aws_error_code(
        client
            .update_secret_version_stage()
            .secret_id("cl")
            .version_stage("PENDING")
            .move_to_version_id(&v1)
            .send()
            .await,
        "InvalidParameterException",
    );
    client
        .update_secret_version_stage()
        .secret_id("cl")
        .version_stage("PENDING")
        .remove_from_version_id(&v2)
        .send()
        .await
        .expect("remove a custom label");
    assert_eq!(
        stages(&client, "cl").await,
        [
            (v1, labels(&["AWSPREVIOUS"])),
            (v2, labels(&["AWSCURRENT"]))
        ]
        .into()
    );
}

#[tokio::test]
async fn moving_awscurrent_back_swaps_awsprevious() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "back", "v1").await;
    let v2 = put(&client, "back", "v2").await;
    client
        .update_secret_version_stage()
        .secret_id("back")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v1)
        .remove_from_version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stages(&client, "back").await,
        [
            (v1, labels(&["AWSCURRENT"])),
            (v2, labels(&["AWSPREVIOUS"]))
        ]
        .into()
    );
    let cur = client
        .get_secret_value()
        .secret_id("back")
        .send()
        .await
        .unwrap();
    assert_eq!(cur.secret_string(), Some("v1"));
}

#[tokio::test]
async fn put_with_explicit_awscurrent_moves_it_and_awsprevious_follows() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "explicit", "v1").await;
    let out = client
        .put_secret_value()
        .secret_id("explicit")
        .secret_string("v2")
        .version_stages("AWSCURRENT")
        .version_stages("BLUE")
        .send()
        .await
        .unwrap();
    let v2 = out.version_id().unwrap().to_string();
    assert_eq!(out.version_stages(), labels(&["AWSCURRENT", "BLUE"]));
    assert_eq!(
        stages(&client, "explicit").await,
        [
            (v1, labels(&["AWSPREVIOUS"])),
            (v2, labels(&["AWSCURRENT", "BLUE"]))
        ]
        .into()
    );
}

#[tokio::test]
async fn remove_from_a_version_that_does_not_hold_the_label_is_rejected() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "wrongholder", "v1").await;
    let v2 = put(&client, "wrongholder", "v2").await;
    // AWSCURRENT is on v2, not v1.
    assert_aws_error_code(
        client
            .update_secret_version_stage()
            .secret_id("wrongholder")
            .version_stage("AWSCURRENT")
            .remove_from_version_id(&v1)
            .move_to_version_id(&v1)
            .send()
            .await,
        "InvalidParameterException",
    );
    let cur = client
        .get_secret_value()
        .secret_id("wrongholder")
        .send()
        .await
        .unwrap();
    assert_eq!(cur.version_id(), Some(v2.as_str()), "nothing moved");
}

#[tokio::test]
async fn reads_set_the_version_last_accessed_date() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "accessed", "v1").await;
    let v2 = put(&client, "accessed", "v2").await;
    let before = client
        .list_secret_version_ids()
        .secret_id("accessed")
        .send()
        .await
        .unwrap();
    assert!(
        before
            .versions()
            .iter()
            .all(|v| v.last_accessed_date().is_none()),
        "{before:?}"
    );
    client
        .get_secret_value()
        .secret_id("accessed")
        .version_id(&v1)
        .send()
        .await
        .unwrap();
    let after = client
        .list_secret_version_ids()
        .secret_id("accessed")
        .send()
        .await
        .unwrap();
    for v in after.versions() {
        let id = v.version_id().unwrap();
        if id == v1 {
            let d = v
                .last_accessed_date()
                .expect("read version has LastAccessedDate");
            assert_eq!(d.secs() % 86_400, 0, "date resolution");
        } else {
            assert_eq!(id, v2);
            assert!(v.last_accessed_date().is_none(), "unread version {id}");
        }
    }
}
