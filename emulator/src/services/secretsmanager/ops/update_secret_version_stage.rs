//! UpdateSecretVersionStage: move or remove a staging label.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `VersionStage`: the staging label to select or move.
    version_stage: Option<String>,
    /// `RemoveFromVersionId`: the version that currently holds the label.
    remove_from_version_id: Option<String>,
    /// `MoveToVersionId`: the version that gets the label.
    move_to_version_id: Option<String>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let stage = required(req.version_stage, "versionStage")?;
    let now = now_ms();
    let (arn, name) = sm.write(scope, |r| {
        r.update_version_stage(
            &id,
            &stage,
            req.remove_from_version_id.as_deref(),
            req.move_to_version_id.as_deref(),
            now,
        )
    })?;
    Ok(json!({"ARN": arn, "Name": name}))
}
