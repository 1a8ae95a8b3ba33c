//! Concurrent writers: the same outcome as some serial order of the calls.

use std::collections::BTreeSet;

use sdk_tests::assert_aws_error;

use crate::{create, setup, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_name_have_exactly_one_winner() {
    let (_emul, client) = setup().await;
    let attempts: Vec<_> = (0..16)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .create_secret()
                    .name("race")
                    .secret_string(format!("value-{i}"))
                    .send()
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for a in attempts {
        match a.await.unwrap() {
            Ok(out) => winners.push(out),
            Err(err) => assert_aws_error::<(), _>(
                Err(err),
                "ResourceExistsException",
                "The operation failed because the secret race already exists.",
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one CreateSecret wins");
    let got = client
        .get_secret_value()
        .secret_id("race")
        .send()
        .await
        .unwrap();
    assert_eq!(got.version_id(), winners[0].version_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_token_make_one_version() {
    let (_emul, client) = setup().await;
    create(&client, "retry", "v0").await;
    let t = token();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let client = client.clone();
            let t = t.clone();
            tokio::spawn(async move {
                client
                    .put_secret_value()
                    .secret_id("retry")
                    .secret_string("same")
                    .client_request_token(t)
                    .send()
                    .await
            })
        })
        .collect();
    for c in calls {
        let out = c
            .await
            .unwrap()
            .expect("every retry with the same token and value succeeds");
        assert_eq!(out.version_id(), Some(t.as_str()));
    }
    let versions = client
        .list_secret_version_ids()
        .secret_id("retry")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        versions.versions().len(),
        2,
        "the original and one new version"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_leave_one_current_and_one_previous() {
    let (_emul, client) = setup().await;
    create(&client, "many-writers", "v0").await;
    let calls: Vec<_> = (0..24)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .put_secret_value()
                    .secret_id("many-writers")
                    .secret_string(format!("v{}", i + 1))
                    .send()
                    .await
                    .expect("PutSecretValue")
                    .version_id()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for c in calls {
        ids.insert(c.await.unwrap());
    }
    assert_eq!(ids.len(), 24, "24 distinct versions");
    let stages = crate::stages(&client, "many-writers").await;
    assert_eq!(
        stages.len(),
        2,
        "only AWSCURRENT and AWSPREVIOUS remain labelled: {stages:?}"
    );
    let labels: BTreeSet<_> = stages.values().flatten().cloned().collect();
    assert_eq!(
        labels,
        ["AWSCURRENT".to_string(), "AWSPREVIOUS".to_string()].into()
    );
    assert!(stages.keys().all(|id| ids.contains(id)));
    let all = client
        .list_secret_version_ids()
        .secret_id("many-writers")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.versions().len(), 25);
}
