//! The wire operations, one file each, all with the same shape:
//! `run(sm, scope, body)`: parse the JSON request → apply it to the model
//! (through [`SecretsManager::read`] / [`SecretsManager::write`]) → render
//! the JSON response. This file holds the dispatch table and the helpers
//! every operation shares (request parsing, values, timestamps, the
//! DescribeSecret/ListSecrets rendering).

mod batch_get_secret_value;
mod cancel_rotate_secret;
mod create_secret;
mod delete_resource_policy;
mod delete_secret;
mod describe_secret;
mod get_random_password;
mod get_resource_policy;
mod get_secret_value;
mod list_secret_version_ids;
mod list_secrets;
mod put_resource_policy;
mod put_secret_value;
mod replication;
mod restore_secret;
mod rotate_secret;
mod tag_resource;
mod untag_resource;
mod update_secret;
mod update_secret_version_stage;
mod validate_resource_policy;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::errors::SmError;
use super::model::{Millis, Scope, Secret, SecretValue, Tag};
use super::service::SecretsManager;
use crate::gateway::AwsError;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "BatchGetSecretValue",
    "CancelRotateSecret",
    "CreateSecret",
    "DeleteResourcePolicy",
    "DeleteSecret",
    "DescribeSecret",
    "GetRandomPassword",
    "GetResourcePolicy",
    "GetSecretValue",
    "ListSecretVersionIds",
    "ListSecrets",
    "PutResourcePolicy",
    "PutSecretValue",
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "RestoreSecret",
    "RotateSecret",
    "StopReplicationToReplica",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "ValidateResourcePolicy",
];

/// The operations a replica refuses (they are made on the primary).
const REFUSED_ON_A_REPLICA: &[&str] = &[
    "CancelRotateSecret",
    "DeleteResourcePolicy",
    "DeleteSecret",
    "GetResourcePolicy",
    "PutResourcePolicy",
    "PutSecretValue",
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "RestoreSecret",
    "RotateSecret",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
];

/// Runs `operation`.
pub fn dispatch(
    sm: &SecretsManager,
    scope: &Scope,
    operation: &str,
    body: Value,
) -> Result<Value, AwsError> {
    if REFUSED_ON_A_REPLICA.contains(&operation)
        && let Some(id) = body.get("SecretId").and_then(Value::as_str)
    {
        let now = super::service::now_ms();
        sm.read(scope, |r| r.check_not_replica(id, now))
            .map_err(|e| e.to_aws())?;
    }
    let result = match operation {
        "BatchGetSecretValue" => batch_get_secret_value::run(sm, scope, body),
        "CancelRotateSecret" => cancel_rotate_secret::run(sm, scope, body),
        "CreateSecret" => create_secret::run(sm, scope, body),
        "DeleteResourcePolicy" => delete_resource_policy::run(sm, scope, body),
        "DeleteSecret" => delete_secret::run(sm, scope, body),
        "DescribeSecret" => describe_secret::run(sm, scope, body),
        "GetRandomPassword" => get_random_password::run(sm, scope, body),
        "GetResourcePolicy" => get_resource_policy::run(sm, scope, body),
        "GetSecretValue" => get_secret_value::run(sm, scope, body),
        "ListSecretVersionIds" => list_secret_version_ids::run(sm, scope, body),
        "ListSecrets" => list_secrets::run(sm, scope, body),
        "PutResourcePolicy" => put_resource_policy::run(sm, scope, body),
        "PutSecretValue" => put_secret_value::run(sm, scope, body),
        "RestoreSecret" => restore_secret::run(sm, scope, body),
        "RotateSecret" => rotate_secret::run(sm, scope, body),
        "ReplicateSecretToRegions" => replication::replicate(sm, scope, body),
        "RemoveRegionsFromReplication" => replication::remove(sm, scope, body),
        "StopReplicationToReplica" => replication::stop(sm, scope, body),
        "TagResource" => tag_resource::run(sm, scope, body),
        "UntagResource" => untag_resource::run(sm, scope, body),
        "UpdateSecret" => update_secret::run(sm, scope, body),
        "UpdateSecretVersionStage" => update_secret_version_stage::run(sm, scope, body),
        "ValidateResourcePolicy" => validate_resource_policy::run(sm, scope, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// `ReplicationStatus` of a primary's replicas.
pub(crate) fn replication_status(replicas: &[super::model::replication::Replica]) -> Value {
    replicas
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("Region".into(), r.region.clone().into());
            if let Some(k) = &r.kms_key_id {
                m.insert("KmsKeyId".into(), k.clone().into());
            }
            m.insert("Status".into(), r.status().into());
            m.insert("StatusMessage".into(), r.message.clone().into());
            Value::Object(m)
        })
        .collect()
}

/// Decodes the request body into an operation's input struct. Type
/// mismatches are `SerializationException`s naming the member.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, SmError> {
    serde_json::from_value(body)
        .map_err(|e| SmError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or AWS's "Member must not be null" validation error.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, SmError> {
    value.ok_or_else(|| SmError::missing(member))
}

/// Builds the value from `SecretString` / `SecretBinary` (base64 on the wire).
pub(crate) fn secret_value(
    string: Option<String>,
    binary: Option<String>,
) -> Result<Option<SecretValue>, SmError> {
    match (string, binary) {
        (Some(_), Some(_)) => Err(SmError::BothValues),
        (Some(s), None) => Ok(Some(SecretValue::String(s))),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.as_bytes())
            .map(|bytes| Some(SecretValue::Binary(bytes)))
            .map_err(|e| SmError::Serialization(format!("SecretBinary is not valid base64: {e}"))),
        (None, None) => Ok(None),
    }
}

/// Adds `SecretString` or `SecretBinary` (base64) to a response object.
pub(crate) fn put_value(out: &mut Map<String, Value>, value: &SecretValue) {
    match value {
        SecretValue::String(s) => out.insert("SecretString".into(), s.clone().into()),
        SecretValue::Binary(b) => out.insert(
            "SecretBinary".into(),
            base64::engine::general_purpose::STANDARD.encode(b).into(),
        ),
    };
}

/// Epoch seconds with millisecond fractions, as the JSON protocol wants.
pub(crate) fn secs(ms: Millis) -> Value {
    if ms % 1000 == 0 {
        json!(ms / 1000)
    } else {
        json!(ms as f64 / 1000.0)
    }
}

/// A `Tags` member on the wire.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WireTag {
    /// Key.
    key: Option<String>,
    /// Value.
    value: Option<String>,
}

/// Converts wire tags.
pub(crate) fn tags_from_wire(tags: Vec<WireTag>) -> Result<Vec<Tag>, SmError> {
    tags.into_iter()
        .map(|t| {
            Ok(Tag {
                key: required(t.key, "tags.member.key")?,
                value: t.value.unwrap_or_default(),
            })
        })
        .collect()
}

/// A `Filters` member on the wire.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WireFilter {
    /// Key.
    key: Option<String>,
    /// Values.
    values: Option<Vec<String>>,
}

/// Converts and validates wire filters.
pub(crate) fn filters_from_wire(
    filters: Vec<WireFilter>,
) -> Result<Vec<super::model::listing::Filter>, SmError> {
    super::model::listing::parse_filters(filters.into_iter().map(|f| (f.key, f.values)).collect())
}

/// The DescribeSecret shape (ListSecrets uses it with `SecretVersionsToStages`).
/// Only fields with a value are present, as AWS does.
pub(crate) fn describe(secret: &Secret, region: &str, versions_key: &str) -> Value {
    let mut out = Map::new();
    out.insert("ARN".into(), secret.arn.clone().into());
    out.insert("Name".into(), secret.name.clone().into());
    if let Some(t) = &secret.secret_type {
        out.insert("Type".into(), t.clone().into());
    }
    if let Some(d) = &secret.description {
        out.insert("Description".into(), d.clone().into());
    }
    if let Some(k) = &secret.kms_key_id {
        out.insert("KmsKeyId".into(), k.clone().into());
    }
    if let Some(r) = &secret.rotation {
        out.insert("RotationEnabled".into(), r.enabled.into());
        if let Some(l) = &r.lambda_arn {
            out.insert("RotationLambdaARN".into(), l.clone().into());
        }
        let mut rules = Map::new();
        if let Some(d) = r.automatically_after_days {
            rules.insert("AutomaticallyAfterDays".into(), d.into());
        }
        if let Some(d) = &r.duration {
            rules.insert("Duration".into(), d.clone().into());
        }
        if let Some(s) = &r.schedule_expression {
            rules.insert("ScheduleExpression".into(), s.clone().into());
        }
        if !rules.is_empty() {
            out.insert("RotationRules".into(), rules.into());
        }
    }
    if let Some(t) = secret.last_rotated {
        out.insert("LastRotatedDate".into(), secs(t));
    }
    out.insert("LastChangedDate".into(), secs(secret.last_changed));
    if let Some(t) = secret.last_accessed.get() {
        out.insert("LastAccessedDate".into(), secs(t));
    }
    if let Some(t) = secret.deleted {
        out.insert("DeletedDate".into(), secs(t));
    }
    if let Some(tags) = &secret.tags {
        let tags: Vec<Value> = tags
            .iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect();
        out.insert("Tags".into(), tags.into());
    }
    let stages = secret.version_ids_to_stages();
    if !stages.is_empty() {
        out.insert(versions_key.into(), json!(stages));
    }
    if let Some(o) = &secret.owning_service {
        out.insert("OwningService".into(), o.clone().into());
    }
    out.insert("CreatedDate".into(), secs(secret.created));
    // PrimaryRegion only on a replicated secret: AWS's recorded
    // DescribeSecret responses for unreplicated secrets do not carry it
    // (aws-reference.md §3.5).
    if let Some(p) = &secret.primary_region {
        out.insert("PrimaryRegion".into(), p.clone().into());
    } else if !secret.replicas.is_empty() {
        out.insert("PrimaryRegion".into(), region.into());
        out.insert(
            "ReplicationStatus".into(),
            replication_status(&secret.replicas),
        );
    }
    Value::Object(out)
}
