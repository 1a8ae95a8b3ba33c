//! ValidateResourcePolicy: emul checks only that the policy is a JSON
//! object (it does not evaluate IAM policies), then reports it as valid.

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
    /// `ResourcePolicy`: the policy document (JSON text).
    resource_policy: Option<String>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let policy = required(req.resource_policy, "resourcePolicy")?;
    if let Some(id) = &req.secret_id {
        let now = now_ms();
        sm.read(scope, |r| r.get(id, now).map(|_| ()))?;
    }
    match serde_json::from_str::<Value>(&policy) {
        Ok(v) if v.is_object() => {
            Ok(json!({"PolicyValidationPassed": true, "ValidationErrors": []}))
        }
        _ => Err(SmError::MalformedPolicy(
            "This resource policy contains a syntax error.".into(),
        )),
    }
}
