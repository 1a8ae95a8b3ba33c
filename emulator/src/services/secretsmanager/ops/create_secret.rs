//! CreateSecret: a new secret, optionally with its first (AWSCURRENT) version.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{WireTag, parse, required, secret_value, tags_from_wire};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::{CreateRequest, Scope};
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members emul reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `Name`: the new secret's name.
    name: Option<String>,
    /// `ClientRequestToken`: idempotency token; becomes the VersionId.
    client_request_token: Option<String>,
    /// `Description`.
    description: Option<String>,
    /// `KmsKeyId` (recorded; emul does not encrypt with KMS).
    kms_key_id: Option<String>,
    /// `SecretString`: a text value.
    secret_string: Option<String>,
    /// `SecretBinary`: a binary value, base64 on the wire.
    secret_binary: Option<String>,
    /// `Tags`.
    tags: Option<Vec<WireTag>>,
    /// `Type` (e.g. for service-managed secrets).
    #[serde(rename = "Type")]
    secret_type: Option<String>,
    /// `AddReplicaRegions`: replicate at once.
    add_replica_regions: Option<Vec<super::replication::WireReplica>>,
    /// `ForceOverwriteReplicaSecret`.
    force_overwrite_replica_secret: Option<bool>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let create = CreateRequest {
        name: required(req.name, "name")?,
        token: req.client_request_token,
        value: secret_value(req.secret_string, req.secret_binary)?,
        description: req.description,
        kms_key_id: req.kms_key_id,
        tags: req.tags.map(tags_from_wire).transpose()?,
        secret_type: req.secret_type,
        owning_service: None,
    };
    let now = now_ms();
    let replicas = req
        .add_replica_regions
        .map(|asked| super::replication::requests(sm, scope, &create.name, asked));
    let force = req.force_overwrite_replica_secret.unwrap_or(false);
    let (out, status) = sm.write(scope, |r| {
        let out = r.create(create, now, &mut rand::rng())?;
        let status = match replicas {
            Some(asked) => Some(r.add_replicas(&out.name, asked, force, now)?.1),
            None => None,
        };
        Ok((out, status))
    })?;
    let mut resp = Map::new();
    resp.insert("ARN".into(), out.arn.into());
    resp.insert("Name".into(), out.name.into());
    if let Some(v) = out.version_id {
        resp.insert("VersionId".into(), v.into());
    }
    if let Some(replicas) = status {
        resp.insert(
            "ReplicationStatus".into(),
            super::replication_status(&replicas),
        );
    }
    Ok(Value::Object(resp))
}
