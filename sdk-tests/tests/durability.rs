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
