//! UntagResource: remove tag keys (absent keys are fine); body `{}`.

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
    /// `TagKeys`: keys to remove.
    tag_keys: Option<Vec<String>>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let keys = required(req.tag_keys, "tagKeys")?;
    let now = now_ms();
    sm.write(scope, |r| r.untag(&id, &keys, now))?;
    Ok(json!({}))
}
