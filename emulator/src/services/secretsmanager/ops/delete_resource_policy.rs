//! DeleteResourcePolicy: forget the stored policy.

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
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let now = now_ms();
    let (arn, name) = sm.write(scope, |r| r.delete_policy(&id, now))?;
    Ok(json!({"ARN": arn, "Name": name}))
}
