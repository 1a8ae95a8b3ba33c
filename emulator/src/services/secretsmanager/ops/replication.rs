//! ReplicateSecretToRegions, RemoveRegionsFromReplication and
//! StopReplicationToReplica (the model: `model::replication`). The
//! replicas themselves are written by the service in the same record as
//! the primary ([`SecretsManager::write`]).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, replication_status, required};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::model::replication::ReplicaRequest;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// One `AddReplicaRegions` member.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WireReplica {
    /// `Region`.
    region: Option<String>,
    /// `KmsKeyId`.
    kms_key_id: Option<String>,
}

/// The regions asked for, each with whether a secret named `name` that is
/// not already this secret's replica lives there.
pub(super) fn requests(
    sm: &SecretsManager,
    scope: &Scope,
    name: &str,
    asked: Vec<WireReplica>,
) -> Vec<ReplicaRequest> {
    let now = now_ms();
    asked
        .into_iter()
        .map(|a| {
            let region = a.region.unwrap_or_default();
            let there = Scope {
                account: scope.account.clone(),
                region: region.clone(),
            };
            let name_taken = !region.is_empty()
                && sm
                    .read(&there, |r| {
                        Ok(r.get(name, now).is_ok_and(|s| {
                            s.primary_region.as_deref() != Some(scope.region.as_str())
                        }))
                    })
                    .unwrap_or(false);
            ReplicaRequest {
                region,
                kms_key_id: a.kms_key_id,
                name_taken,
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Replicate {
    /// `SecretId`.
    secret_id: Option<String>,
    /// `AddReplicaRegions`.
    add_replica_regions: Option<Vec<WireReplica>>,
    /// `ForceOverwriteReplicaSecret`.
    force_overwrite_replica_secret: Option<bool>,
}

/// ReplicateSecretToRegions: parse → apply → render.
pub fn replicate(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Replicate = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let asked = required(req.add_replica_regions, "addReplicaRegions")?;
    let now = now_ms();
    let name = sm.read(scope, |r| Ok(r.get(&id, now)?.name.clone()))?;
    let asked = requests(sm, scope, &name, asked);
    let force = req.force_overwrite_replica_secret.unwrap_or(false);
    let (arn, replicas) = sm.write(scope, |r| r.add_replicas(&id, asked, force, now))?;
    Ok(json!({"ARN": arn, "ReplicationStatus": replication_status(&replicas)}))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Remove {
    /// `SecretId`.
    secret_id: Option<String>,
    /// `RemoveReplicaRegions`.
    remove_replica_regions: Option<Vec<String>>,
}

/// RemoveRegionsFromReplication: parse → apply → render.
pub fn remove(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Remove = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let regions = required(req.remove_replica_regions, "removeReplicaRegions")?;
    let now = now_ms();
    let (arn, replicas) = sm.write(scope, |r| r.remove_replicas(&id, &regions, now))?;
    Ok(json!({"ARN": arn, "ReplicationStatus": replication_status(&replicas)}))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stop {
    /// `SecretId`.
    secret_id: Option<String>,
}

/// StopReplicationToReplica (called in the replica's region): parse →
/// apply → render.
pub fn stop(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Stop = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let now = now_ms();
    let arn = sm.write(scope, |r| r.stop_replication(&id, now))?;
    Ok(json!({"ARN": arn}))
}
