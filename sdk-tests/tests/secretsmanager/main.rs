//! The official `aws-sdk-secretsmanager` against a running `emul serve`: every
//! operation, with the exact error codes and messages of
//! `aws-reference.md` Part 3. One test binary, one module per area; every test
//! starts its own server on a fresh state directory.

mod auth_region;
mod batch_policy_rotate;
mod concurrency;
mod create_get;
mod delete_restore;
mod list;
mod random_password;
mod raw_wire;
mod replication;
mod tags;
mod versions;

use aws_sdk_secretsmanager::Client;
use sdk_tests::Emul;

/// A fresh server and a us-east-1 client for it.
pub async fn setup() -> (Emul, Client) {
    let emul = Emul::start();
    let client = emul.sm_client("us-east-1").await;
    (emul, client)
}

/// A ClientRequestToken as the SDK would make it (a UUIDv4, 36 chars).
pub fn token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Creates `name` with a string value; returns (ARN, VersionId).
pub async fn create(client: &Client, name: &str, value: &str) -> (String, String) {
    let out = client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("CreateSecret");
    (
        out.arn().expect("ARN").to_string(),
        out.version_id().expect("VersionId").to_string(),
    )
}

/// Puts a new string value; returns its VersionId.
pub async fn put(client: &Client, id: &str, value: &str) -> String {
    client
        .put_secret_value()
        .secret_id(id)
        .secret_string(value)
        .send()
        .await
        .expect("PutSecretValue")
        .version_id()
        .expect("VersionId")
        .to_string()
}

/// DescribeSecret's VersionIdsToStages with each label list sorted.
pub async fn stages(client: &Client, id: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let out = client
        .describe_secret()
        .secret_id(id)
        .send()
        .await
        .expect("DescribeSecret");
    out.version_ids_to_stages()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let mut v = v.clone();
                    v.sort();
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Owned label list, for comparisons.
pub fn labels(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
