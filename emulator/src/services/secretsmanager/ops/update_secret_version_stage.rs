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
    secret_id: Option<String>,
    version_stage: Option<String>,
    remove_from_version_id: Option<String>,
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
