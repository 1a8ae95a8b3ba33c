//! Durability of acknowledged writes: many concurrent PutSecretValue calls
//! (8 tasks, distinct ClientRequestTokens) against `emul serve`, SIGKILL in
//! the middle, restart on the same state directory, and check that every
//! acknowledged version is there with its value, that the staging labels are
//! consistent (exactly one AWSCURRENT, no label on two versions), and that
//! the store loads. The kill is repeated several times on the same directory.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_secretsmanager::Client;
use sdk_tests::{Emul, ServeOptions, TEST_ACCESS_KEY, TEST_SECRET_KEY, sdk_config};

const SECRET: &str = "durable/secret";
const TASKS: usize = 8;
/// Kill once this many puts of the round have been acknowledged.
const ACKS_BEFORE_KILL: usize = 120;
const ROUNDS: usize = 3;

/// What the writers learned: acknowledged versions and requests whose outcome
/// is unknown because the server died while they were in flight.
#[derive(Default, Clone)]
struct Ledger {
    /// VersionId (= token) → value, for every put that returned success.
    acked: HashMap<String, String>,
    /// Tokens of puts that failed (the kill): they may or may not exist.
    unknown: HashSet<String>,
}

/// A client that never retries: a retry after the kill would only muddy
/// which request was acknowledged.
async fn client(emul: &Emul) -> Client {
    let shared = sdk_config(
        &emul.endpoint,
        "us-east-1",
        TEST_ACCESS_KEY,
        TEST_SECRET_KEY,
    )
    .await;
    let conf = aws_sdk_secretsmanager::config::Builder::from(&shared)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

async fn writer(client: Client, ledger: Arc<Mutex<Ledger>>, round: usize, task: usize) {
    for i in 0.. {
        let token = uuid::Uuid::new_v4().to_string();
        let value = format!("round{round}-task{task}-put{i}-{token}");
        let result = client
            .put_secret_value()
            .secret_id(SECRET)
            .secret_string(&value)
            .client_request_token(&token)
            .send()
            .await;
        let mut ledger = ledger.lock().unwrap();
        match result {
            Ok(out) => {
                assert_eq!(out.version_id(), Some(token.as_str()));
                ledger.acked.insert(token, value);
            }
            Err(_) => {
                ledger.unknown.insert(token);
                return;
            }
        }
    }
}

/// Every version of the secret, deprecated ones included, walking NextToken.
async fn all_versions(client: &Client) -> BTreeMap<String, Vec<String>> {
    let mut versions = BTreeMap::new();
    let mut next: Option<String> = None;
    for _ in 0..1000 {
        let page = client
            .list_secret_version_ids()
            .secret_id(SECRET)
            .include_deprecated(true)
            .max_results(100)
            .set_next_token(next.clone())
            .send()
            .await
            .expect("ListSecretVersionIds after restart");
        for v in page.versions() {
            let previous = versions.insert(
                v.version_id().expect("VersionId").to_string(),
                v.version_stages().to_vec(),
            );
            assert!(previous.is_none(), "version listed twice: {v:?}");
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            return versions;
        }
    }
    panic!("ListSecretVersionIds pagination does not terminate");
}

/// Checks the restarted store against the ledger.
async fn verify(client: &Client, ledger: &Ledger, initial: &(String, String)) {
    let versions = all_versions(client).await;
    let mut expected = ledger.acked.clone();
    expected.insert(initial.0.clone(), initial.1.clone());
    for (token, value) in &expected {
        assert!(
            versions.contains_key(token),
            "acknowledged version {token} is missing after the restart ({} versions listed)",
            versions.len()
        );
        let got = client
            .get_secret_value()
            .secret_id(SECRET)
            .version_id(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetSecretValue(VersionId={token}): {e:?}"));
        assert_eq!(
            got.secret_string(),
            Some(value.as_str()),
            "value of {token}"
        );
    }
    for id in versions.keys() {
        assert!(
            expected.contains_key(id) || ledger.unknown.contains(id),
            "version {id} was never written by anyone"
        );
    }
    let mut holders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, labels) in &versions {
        for label in labels {
            holders.entry(label).or_default().push(id);
        }
    }
    for (label, ids) in &holders {
        assert_eq!(
            ids.len(),
            1,
            "label {label} is on several versions: {ids:?}"
        );
    }
    let current = holders.get("AWSCURRENT").expect("exactly one AWSCURRENT");
    let got = client
        .get_secret_value()
        .secret_id(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(got.version_id(), Some(current[0]));
    let described = client
        .describe_secret()
        .secret_id(SECRET)
        .send()
        .await
        .unwrap();
    let labelled: BTreeSet<&String> = described.version_ids_to_stages().unwrap().keys().collect();
    let expected_labelled: BTreeSet<&String> = versions
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        labelled, expected_labelled,
        "DescribeSecret agrees with ListSecretVersionIds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_puts_survive_sigkill() {
    let state = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        state_dir: Some(state.path().to_path_buf()),
        ..ServeOptions::default()
    };
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let emul = Emul::start_with(options.clone());
    let c = client(&emul).await;
    let initial_token = uuid::Uuid::new_v4().to_string();
    c.create_secret()
        .name(SECRET)
        .secret_string("initial")
        .client_request_token(&initial_token)
        .send()
        .await
        .expect("CreateSecret");
    let initial = (initial_token, "initial".to_string());
    drop(c);
    let mut emul = Some(emul);

    for round in 0..ROUNDS {
        let mut server = match emul.take() {
            Some(e) => e,
            None => Emul::start_with(options.clone()),
        };
        let c = client(&server).await;
        // The store written before the previous kill loads and is intact.
        let snapshot = ledger.lock().unwrap().clone();
        verify(&c, &snapshot, &initial).await;

        let before = ledger.lock().unwrap().acked.len();
        let writers: Vec<_> = (0..TASKS)
            .map(|task| tokio::spawn(writer(c.clone(), ledger.clone(), round, task)))
            .collect();
        let started = Instant::now();
        loop {
            let acked = ledger.lock().unwrap().acked.len() - before;
            if acked >= ACKS_BEFORE_KILL {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "only {acked} puts acknowledged in 120 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill_hard();
        for w in writers {
            w.await.expect("writer task");
        }
        let l = ledger.lock().unwrap();
        eprintln!(
            "round {round}: {} acknowledged so far, {} in flight at the kill",
            l.acked.len(),
            l.unknown.len()
        );
    }

    let server = Emul::start_with(options);
    let c = client(&server).await;
    let snapshot = ledger.lock().unwrap().clone();
    verify(&c, &snapshot, &initial).await;
    let health = server.raw().health().await.expect("health after restarts");
    assert_eq!(health.status, 200);
}

/// Everything observable about the secrets of one region, for comparing the
/// store before and after a restart. Timestamps are compared at millisecond
/// precision (what the wire carries).
async fn snapshot(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    let mut pages = client
        .list_secrets()
        .include_planned_deletion(true)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        for s in page.expect("ListSecrets").secret_list() {
            names.push(s.arn().unwrap().to_string());
        }
    }
    names.sort();
    for arn in names {
        let d = client
            .describe_secret()
            .secret_id(&arn)
            .send()
            .await
            .unwrap();
        let mut tags: Vec<_> = d
            .tags()
            .iter()
            .map(|t| format!("{}={}", t.key().unwrap(), t.value().unwrap_or_default()))
            .collect();
        tags.sort();
        let stages: BTreeMap<_, _> = d
            .version_ids_to_stages()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let mut v = v.clone();
                        v.sort();
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ms = |t: Option<&aws_smithy_types::DateTime>| t.map(|t| t.to_millis().unwrap());
        out.push(format!(
            "{arn} name={:?} desc={:?} created={:?} changed={:?} deleted={:?} tags={tags:?} stages={stages:?}",
            d.name(),
            d.description(),
            ms(d.created_date()),
            ms(d.last_changed_date()),
            ms(d.deleted_date()),
        ));
        let versions = client
            .list_secret_version_ids()
            .secret_id(&arn)
            .include_deprecated(true)
            .send()
            .await
            .unwrap();
        let mut vs: Vec<_> = versions
            .versions()
            .iter()
            .map(|v| {
                format!(
                    "{} {:?} {:?}",
                    v.version_id().unwrap(),
                    v.version_stages(),
                    ms(v.created_date())
                )
            })
            .collect();
        vs.sort();
        out.push(format!("  versions {vs:?}"));
        if d.deleted_date().is_none() {
            for v in versions.versions() {
                let got = client
                    .get_secret_value()
                    .secret_id(&arn)
                    .version_id(v.version_id().unwrap())
                    .send()
                    .await
                    .unwrap();
                out.push(format!(
                    "  value {} {:?} {:?}",
                    v.version_id().unwrap(),
                    got.secret_string(),
                    got.secret_binary().map(|b| b.as_ref().to_vec())
                ));
            }
        }
        let policy = client
            .get_resource_policy()
            .secret_id(&arn)
            .send()
            .await
            .unwrap();
        out.push(format!("  policy {:?}", policy.resource_policy()));
    }
    out
}

/// Every kind of write, then SIGKILL and restart: the store reloads to
/// exactly the same observable state (and a force-deleted secret stays gone).
#[tokio::test]
async fn every_kind_of_write_survives_a_restart() {
    use aws_sdk_secretsmanager::primitives::Blob;
    use aws_sdk_secretsmanager::types::Tag;

    let state = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        state_dir: Some(state.path().to_path_buf()),
        ..ServeOptions::default()
    };
    let mut server = Emul::start_with(options.clone());
    let c = client(&server).await;
    let west = server.sm_client("eu-west-1").await;

    c.create_secret()
        .name("r/plain")
        .description("d1")
        .secret_string("one")
        .tags(Tag::builder().key("env").value("dev").build())
        .send()
        .await
        .unwrap();
    c.put_secret_value()
        .secret_id("r/plain")
        .secret_string("two")
        .send()
        .await
        .unwrap();
    let pending = c
        .put_secret_value()
        .secret_id("r/plain")
        .secret_string("three")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    c.update_secret()
        .secret_id("r/plain")
        .description("d2")
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .secret_id("r/plain")
        .tags(Tag::builder().key("team").value("core").build())
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .secret_id("r/plain")
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let current = c
        .get_secret_value()
        .secret_id("r/plain")
        .send()
        .await
        .unwrap();
    c.update_secret_version_stage()
        .secret_id("r/plain")
        .version_stage("AWSCURRENT")
        .move_to_version_id(pending.version_id().unwrap())
        .remove_from_version_id(current.version_id().unwrap())
        .send()
        .await
        .unwrap();
    c.put_resource_policy()
        .secret_id("r/plain")
        .resource_policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    c.create_secret()
        .name("r/binary")
        .secret_binary(Blob::new(vec![0u8, 159, 146, 150, 255]))
        .send()
        .await
        .unwrap();
    c.create_secret().name("r/empty").send().await.unwrap();
    c.create_secret()
        .name("r/scheduled")
        .secret_string("s")
        .send()
        .await
        .unwrap();
    c.delete_secret()
        .secret_id("r/scheduled")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    c.create_secret()
        .name("r/restored")
        .secret_string("r")
        .send()
        .await
        .unwrap();
    c.delete_secret()
        .secret_id("r/restored")
        .send()
        .await
        .unwrap();
    c.restore_secret()
        .secret_id("r/restored")
        .send()
        .await
        .unwrap();
    c.create_secret()
        .name("r/gone")
        .secret_string("g")
        .send()
        .await
        .unwrap();
    c.delete_secret()
        .secret_id("r/gone")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    west.create_secret()
        .name("r/west")
        .secret_string("w")
        .send()
        .await
        .unwrap();

    let before_east = snapshot(&c).await;
    let before_west = snapshot(&west).await;
    assert_eq!(
        before_east.iter().filter(|l| !l.starts_with(' ')).count(),
        5
    );

    server.kill_hard();
    let server = Emul::start_with(options);
    let c = client(&server).await;
    let west = server.sm_client("eu-west-1").await;
    let after_east = snapshot(&c).await;
    let after_west = snapshot(&west).await;
    assert_eq!(
        before_east, after_east,
        "us-east-1 state after SIGKILL + restart"
    );
    assert_eq!(
        before_west, after_west,
        "eu-west-1 state after SIGKILL + restart"
    );
    let gone = c.describe_secret().secret_id("r/gone").send().await;
    assert!(gone.is_err(), "a force-deleted secret stays deleted");
}
