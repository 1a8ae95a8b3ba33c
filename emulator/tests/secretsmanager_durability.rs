//! Secrets Manager through its library API: concurrent writers, replay from
//! the state log, and the topology-secret API (`ensure_secret`).

use std::sync::Arc;

use emul::gateway::registry::{AwsService, Input, Output, RequestContext};
use emul::services::secretsmanager::model::password::PasswordSpec;
use emul::services::secretsmanager::{EnsureValue, SecretsManager};
use serde_json::{Value, json};

fn ctx(region: &str) -> RequestContext {
    RequestContext {
        request_id: "test".into(),
        account: "000000000000".into(),
        region: region.into(),
    }
}

fn call(sm: &SecretsManager, op: &str, body: Value) -> Result<Value, emul::gateway::AwsError> {
    match sm.handle(&ctx("us-east-1"), op, Input::Json(body))? {
        Output::Json(v) => Ok(v),
        Output::QueryXml(_) => unreachable!(),
    }
}

fn token(i: usize) -> String {
    format!("{i:08}-0000-4000-8000-000000000000")
}

/// The stage map as (sorted) pairs.
fn stage_map(sm: &SecretsManager, id: &str) -> Value {
    call(sm, "DescribeSecret", json!({"SecretId": id})).unwrap()["VersionIdsToStages"].clone()
}

fn all_versions(sm: &SecretsManager, id: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut req = json!({"SecretId": id, "IncludeDeprecated": true, "MaxResults": 100});
        if let Some(n) = &next {
            req["NextToken"] = n.clone().into();
        }
        let out = call(sm, "ListSecretVersionIds", req).unwrap();
        ids.extend(
            out["Versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["VersionId"].as_str().unwrap().to_string()),
        );
        match out.get("NextToken").and_then(Value::as_str) {
            Some(n) => next = Some(n.to_string()),
            None => break,
        }
    }
    ids.sort();
    ids
}

/// 16 threads × 25 PutSecretValue on one secret: every version is kept,
/// exactly one AWSCURRENT and one AWSPREVIOUS remain, and the log replays
/// to the same state.
#[test]
fn concurrent_writers_lose_no_version_and_tear_no_label() {
    let dir = tempfile::tempdir().unwrap();
    let sm = Arc::new(SecretsManager::open(dir.path()).unwrap());
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "hot", "SecretString": "v0", "ClientRequestToken": token(0)}),
    )
    .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let sm = Arc::clone(&sm);
            std::thread::spawn(move || {
                for i in 0..25 {
                    let n = 1 + t * 25 + i;
                    let out = call(
                        &sm,
                        "PutSecretValue",
                        json!({"SecretId": "hot", "SecretString": format!("v{n}"), "ClientRequestToken": token(n)}),
                    )
                    .unwrap();
                    assert_eq!(out["VersionId"], token(n));
                    // Readers never see a secret without AWSCURRENT.
                    call(&sm, "GetSecretValue", json!({"SecretId": "hot"})).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let versions = all_versions(&sm, "hot");
    assert_eq!(versions.len(), 401, "no lost version");
    let stages = stage_map(&sm, "hot");
    let stages = stages.as_object().unwrap();
    assert_eq!(
        stages.len(),
        2,
        "exactly one current and one previous: {stages:?}"
    );
    let labels: Vec<&str> = stages
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"AWSCURRENT") && labels.contains(&"AWSPREVIOUS"),
        "{labels:?}"
    );
    let current = call(&sm, "GetSecretValue", json!({"SecretId": "hot"})).unwrap();
    drop(sm);

    let reopened = SecretsManager::open(dir.path()).unwrap();
    assert_eq!(all_versions(&reopened, "hot"), versions);
    assert_eq!(stage_map(&reopened, "hot").as_object().unwrap(), stages);
    let again = call(&reopened, "GetSecretValue", json!({"SecretId": "hot"})).unwrap();
    assert_eq!(again["SecretString"], current["SecretString"]);
    assert_eq!(again["VersionId"], current["VersionId"]);
}

/// Many secrets created concurrently from tokio tasks: all survive a reopen.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_creating_secrets_all_persist() {
    let dir = tempfile::tempdir().unwrap();
    let sm = Arc::new(SecretsManager::open(dir.path()).unwrap());
    let mut tasks = Vec::new();
    for i in 0..64 {
        let sm = Arc::clone(&sm);
        tasks.push(tokio::task::spawn_blocking(move || {
            call(&sm, "CreateSecret", json!({"Name": format!("s{i}"), "SecretString": format!("{i}"), "ClientRequestToken": token(i)}))
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    let listed = call(&sm, "ListSecrets", json!({"MaxResults": 100})).unwrap();
    assert_eq!(listed["SecretList"].as_array().unwrap().len(), 64);
    for i in 0..64 {
        let v = call(&sm, "GetSecretValue", json!({"SecretId": format!("s{i}")})).unwrap();
        assert_eq!(v["SecretString"], format!("{i}"));
    }
}

/// Deletes, restores, tags and label moves all replay.
#[test]
fn every_kind_of_change_replays() {
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "a", "SecretString": "1", "ClientRequestToken": token(1)}),
    )
    .unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "b", "SecretBinary": "AAEC", "ClientRequestToken": token(2)}),
    )
    .unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "c", "SecretString": "3", "ClientRequestToken": token(3)}),
    )
    .unwrap();
    call(&sm, "PutSecretValue", json!({"SecretId": "a", "SecretString": "2", "ClientRequestToken": token(4), "VersionStages": ["AWSPENDING"]})).unwrap();
    call(&sm, "UpdateSecretVersionStage", json!({"SecretId": "a", "VersionStage": "AWSCURRENT", "MoveToVersionId": token(4), "RemoveFromVersionId": token(1)})).unwrap();
    call(
        &sm,
        "TagResource",
        json!({"SecretId": "a", "Tags": [{"Key": "env", "Value": "prod"}]}),
    )
    .unwrap();
    call(
        &sm,
        "DeleteSecret",
        json!({"SecretId": "b", "RecoveryWindowInDays": 7}),
    )
    .unwrap();
    call(
        &sm,
        "DeleteSecret",
        json!({"SecretId": "c", "ForceDeleteWithoutRecovery": true}),
    )
    .unwrap();
    call(
        &sm,
        "PutResourcePolicy",
        json!({"SecretId": "a", "ResourcePolicy": "{\"Version\":\"2012-10-17\"}"}),
    )
    .unwrap();
    let before_a = call(&sm, "DescribeSecret", json!({"SecretId": "a"})).unwrap();
    let before_b = call(&sm, "DescribeSecret", json!({"SecretId": "b"})).unwrap();
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    let mut after_a = call(&sm, "DescribeSecret", json!({"SecretId": "a"})).unwrap();
    // LastAccessedDate is only persisted with the next write (documented).
    after_a.as_object_mut().unwrap().remove("LastAccessedDate");
    let mut before_a = before_a;
    before_a.as_object_mut().unwrap().remove("LastAccessedDate");
    assert_eq!(after_a, before_a);
    assert_eq!(
        call(&sm, "DescribeSecret", json!({"SecretId": "b"})).unwrap(),
        before_b
    );
    assert!(before_b.get("DeletedDate").is_some());
    assert_eq!(
        call(&sm, "DescribeSecret", json!({"SecretId": "c"}))
            .unwrap_err()
            .code,
        "ResourceNotFoundException"
    );
    assert_eq!(
        call(&sm, "GetResourcePolicy", json!({"SecretId": "a"})).unwrap()["ResourcePolicy"],
        "{\"Version\":\"2012-10-17\"}"
    );
    call(&sm, "RestoreSecret", json!({"SecretId": "b"})).unwrap();
    assert_eq!(
        call(&sm, "GetSecretValue", json!({"SecretId": "b"})).unwrap()["SecretBinary"],
        "AAEC"
    );
}

/// The topology API: created once, then kept (a generated password is not
/// regenerated, also across restarts); literal values work; a name pending
/// deletion is refused.
#[test]
fn ensure_secret_creates_once_and_keeps_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    let first = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "prod/db",
            EnsureValue::GeneratedPassword(PasswordSpec::default()),
            None,
        )
        .unwrap();
    assert!(first.created);
    let password =
        call(&sm, "GetSecretValue", json!({"SecretId": "prod/db"})).unwrap()["SecretString"]
            .clone();
    assert_eq!(password.as_str().unwrap().len(), 32);
    let second = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "prod/db",
            EnsureValue::GeneratedPassword(PasswordSpec::default()),
            None,
        )
        .unwrap();
    assert!(!second.created);
    assert_eq!(second.arn, first.arn);
    let literal = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "prod/cfg",
            EnsureValue::Literal("{\"k\":1}".into()),
            Some("cfg".into()),
        )
        .unwrap();
    assert!(literal.created);
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    let again = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "prod/db",
            EnsureValue::GeneratedPassword(PasswordSpec::default()),
            None,
        )
        .unwrap();
    assert_eq!(
        (again.arn.as_str(), again.created),
        (first.arn.as_str(), false)
    );
    assert_eq!(
        call(&sm, "GetSecretValue", json!({"SecretId": "prod/db"})).unwrap()["SecretString"],
        password
    );
    assert_eq!(
        call(&sm, "GetSecretValue", json!({"SecretId": "prod/cfg"})).unwrap()["SecretString"],
        "{\"k\":1}"
    );
    call(&sm, "DeleteSecret", json!({"SecretId": "prod/cfg"})).unwrap();
    let err = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "prod/cfg",
            EnsureValue::Literal("x".into()),
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "InvalidRequestException");
}

/// Regions and accounts are separate namespaces.
#[test]
fn regions_are_isolated() {
    let sm = SecretsManager::in_memory();
    let body = json!({"Name": "db", "SecretString": "east", "ClientRequestToken": token(1)});
    sm.handle(&ctx("us-east-1"), "CreateSecret", Input::Json(body))
        .unwrap();
    let err = sm
        .handle(
            &ctx("eu-west-1"),
            "GetSecretValue",
            Input::Json(json!({"SecretId": "db"})),
        )
        .err()
        .unwrap();
    assert_eq!(err.code, "ResourceNotFoundException");
    let body = json!({"Name": "db", "SecretString": "west", "ClientRequestToken": token(1)});
    let Output::Json(out) = sm
        .handle(&ctx("eu-west-1"), "CreateSecret", Input::Json(body))
        .unwrap()
    else {
        unreachable!()
    };
    assert!(out["ARN"].as_str().unwrap().contains(":eu-west-1:"));
}

/// A state file that does not check out stops start-up with the file and offset.
#[test]
fn corrupt_state_is_refused_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "a", "SecretString": "1", "ClientRequestToken": token(1)}),
    )
    .unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "b", "SecretString": "2", "ClientRequestToken": token(2)}),
    )
    .unwrap();
    drop(sm);
    let path = dir.path().join("secretsmanager/secrets.log");
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let err = SecretsManager::open(dir.path()).err().unwrap().to_string();
    assert!(
        err.contains("secretsmanager/secrets.log is corrupt at byte offset"),
        "{err}"
    );
    assert!(err.contains("payload checksum mismatch"), "{err}");
}

/// A log with far more records than live secrets is compacted at start-up
/// (write-then-rename) and replays to the same state.
#[test]
fn start_up_compacts_a_long_log() {
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "a", "SecretString": "0", "ClientRequestToken": token(0)}),
    )
    .unwrap();
    for i in 1..=300 {
        call(
            &sm,
            "TagResource",
            json!({"SecretId": "a", "Tags": [{"Key": "n", "Value": format!("{i}")}]}),
        )
        .unwrap();
    }
    let before = call(&sm, "DescribeSecret", json!({"SecretId": "a"})).unwrap();
    drop(sm);
    let path = dir.path().join("secretsmanager/secrets.log");
    let long = std::fs::metadata(&path).unwrap().len();
    let sm = SecretsManager::open(dir.path()).unwrap();
    let short = std::fs::metadata(&path).unwrap().len();
    assert!(short * 100 < long, "compacted from {long} to {short} bytes");
    assert_eq!(
        call(&sm, "DescribeSecret", json!({"SecretId": "a"})).unwrap(),
        before
    );
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    assert_eq!(
        call(&sm, "DescribeSecret", json!({"SecretId": "a"})).unwrap(),
        before
    );
    assert!(
        !dir.path()
            .join("secretsmanager/secrets.log.compact")
            .exists()
    );
}

#[test]
fn resource_policies_are_stored_and_validated() {
    let sm = SecretsManager::in_memory();
    call(&sm, "CreateSecret", json!({"Name": "p"})).unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let ok = call(
        &sm,
        "ValidateResourcePolicy",
        json!({"SecretId": "p", "ResourcePolicy": policy}),
    )
    .unwrap();
    assert_eq!(
        ok,
        json!({"PolicyValidationPassed": true, "ValidationErrors": []})
    );
    let bad = call(
        &sm,
        "PutResourcePolicy",
        json!({"SecretId": "p", "ResourcePolicy": "{not json"}),
    )
    .unwrap_err();
    assert_eq!(bad.code, "MalformedPolicyDocumentException");
    let none = call(&sm, "GetResourcePolicy", json!({"SecretId": "p"})).unwrap();
    assert!(
        none.get("ResourcePolicy").is_none(),
        "omitted when none: {none}"
    );
    call(
        &sm,
        "PutResourcePolicy",
        json!({"SecretId": "p", "ResourcePolicy": policy}),
    )
    .unwrap();
    assert_eq!(
        call(&sm, "GetResourcePolicy", json!({"SecretId": "p"})).unwrap()["ResourcePolicy"],
        policy
    );
    call(&sm, "DeleteResourcePolicy", json!({"SecretId": "p"})).unwrap();
    assert!(
        call(&sm, "GetResourcePolicy", json!({"SecretId": "p"}))
            .unwrap()
            .get("ResourcePolicy")
            .is_none()
    );
}

/// The in-process read API used by the task launcher.
#[test]
fn get_value_library_api() {
    use emul::services::secretsmanager::model::SecretValue;
    let sm = SecretsManager::in_memory();
    let made = sm
        .ensure_secret(
            "000000000000",
            "us-east-1",
            "app/cfg",
            EnsureValue::Literal("{\"a\":1}".into()),
            None,
        )
        .unwrap();
    let (arn, value) = sm
        .get_value("000000000000", "us-east-1", &made.arn, None, None)
        .unwrap();
    assert_eq!(
        (arn.as_str(), value),
        (made.arn.as_str(), SecretValue::String("{\"a\":1}".into()))
    );
    let err = sm
        .get_value(
            "000000000000",
            "us-east-1",
            "app/cfg",
            None,
            Some("AWSPREVIOUS"),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"
    );
    let err = sm
        .get_value("000000000000", "eu-west-1", "app/cfg", None, None)
        .unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
}

/// A secret whose recovery window passed while emul was down is gone after
/// start-up, and its name can be reused.
#[test]
fn expired_deletions_are_purged_at_start_up() {
    use emul::services::secretsmanager::model::{Change, Scope, Secret};
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "old", "SecretString": "x", "ClientRequestToken": token(1)}),
    )
    .unwrap();
    let described = call(&sm, "DescribeSecret", json!({"SecretId": "old"})).unwrap();
    drop(sm);
    // Forge a record saying the deletion was scheduled long ago.
    let arn = described["ARN"].as_str().unwrap().to_string();
    let mut secret = Secret::new(arn, "old".into(), 1_000);
    secret.deleted = Some(1_000);
    secret.deletion_date = Some(2_000);
    let scope = Scope {
        account: "000000000000".into(),
        region: "us-east-1".into(),
    };
    let payload = serde_json::to_vec(&vec![Change::Upsert(scope, Box::new(secret))]).unwrap();
    let path = dir.path().join("secretsmanager/secrets.log");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&emul::state::log::encode_record(&payload));
    std::fs::write(&path, &bytes).unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    let listed = call(&sm, "ListSecrets", json!({"IncludePlannedDeletion": true})).unwrap();
    assert_eq!(listed["SecretList"], json!([]));
    call(
        &sm,
        "CreateSecret",
        json!({"Name": "old", "SecretString": "y", "ClientRequestToken": token(2)}),
    )
    .unwrap();
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    assert_eq!(
        call(&sm, "GetSecretValue", json!({"SecretId": "old"})).unwrap()["SecretString"],
        "y"
    );
}

/// `GenerateSecretString`-style topology secrets: template + generated key.
#[test]
fn ensure_secret_with_a_json_template() {
    let dir = tempfile::tempdir().unwrap();
    let sm = SecretsManager::open(dir.path()).unwrap();
    let spec = PasswordSpec {
        exclude_punctuation: true,
        length: 20,
        ..PasswordSpec::default()
    };
    let value = EnsureValue::GeneratedJson {
        template: r#"{"username":"app","port":5432}"#.into(),
        key: "password".into(),
        spec,
    };
    sm.ensure_secret("000000000000", "us-east-1", "db/creds", value.clone(), None)
        .unwrap();
    let text =
        call(&sm, "GetSecretValue", json!({"SecretId": "db/creds"})).unwrap()["SecretString"]
            .as_str()
            .unwrap()
            .to_string();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["username"], "app");
    assert_eq!(parsed["port"], 5432);
    let pw = parsed["password"].as_str().unwrap();
    assert_eq!(pw.len(), 20);
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    assert!(
        !sm.ensure_secret("000000000000", "us-east-1", "db/creds", value, None)
            .unwrap()
            .created
    );
    assert_eq!(
        call(&sm, "GetSecretValue", json!({"SecretId": "db/creds"})).unwrap()["SecretString"],
        text
    );
    let bad = EnsureValue::GeneratedJson {
        template: "[1]".into(),
        key: "p".into(),
        spec: PasswordSpec::default(),
    };
    let err = sm
        .ensure_secret("000000000000", "us-east-1", "db/bad", bad, None)
        .unwrap_err();
    assert!(
        err.to_string().contains("db/bad is not a JSON object"),
        "{err}"
    );
}

/// Group commit: 32 writers at once over 4 secrets. Every acknowledged write
/// is visible to a read right after the acknowledgement (published before it
/// is acknowledged) and survives a reopen.
#[test]
fn group_commit_acknowledges_only_durable_published_writes() {
    let dir = tempfile::tempdir().unwrap();
    let sm = Arc::new(SecretsManager::open(dir.path()).unwrap());
    for s in 0..4 {
        call(&sm, "CreateSecret", json!({"Name": format!("g{s}"), "SecretString": "0", "ClientRequestToken": token(90_000 + s)}))
            .unwrap();
    }
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let sm = Arc::clone(&sm);
            std::thread::spawn(move || {
                for i in 0..20 {
                    let n = t * 100 + i;
                    let id = format!("g{}", t % 4);
                    call(&sm, "PutSecretValue", json!({"SecretId": id, "SecretString": format!("{n}"), "ClientRequestToken": token(n)}))
                        .unwrap();
                    let got = call(&sm, "GetSecretValue", json!({"SecretId": id, "VersionId": token(n)})).unwrap();
                    assert_eq!(got["SecretString"], format!("{n}"), "read-your-writes");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let counts: Vec<usize> = (0..4)
        .map(|s| all_versions(&sm, &format!("g{s}")).len())
        .collect();
    assert_eq!(counts, vec![161; 4]);
    drop(sm);
    let sm = SecretsManager::open(dir.path()).unwrap();
    let counts: Vec<usize> = (0..4)
        .map(|s| all_versions(&sm, &format!("g{s}")).len())
        .collect();
    assert_eq!(counts, vec![161; 4]);
    for s in 0..4 {
        let stages = stage_map(&sm, &format!("g{s}"));
        assert_eq!(stages.as_object().unwrap().len(), 2, "{stages}");
    }
}
