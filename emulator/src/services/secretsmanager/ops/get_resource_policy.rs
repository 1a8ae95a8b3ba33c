//! GetResourcePolicy: the stored policy (omitted when none).

use serde::Deserialize;
use serde_json::{Map, Value};

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
    let secret = sm.read(scope, |r| r.get(&id, now).cloned())?;
    let mut out = Map::new();
    out.insert("ARN".into(), secret.arn.clone().into());
    out.insert("Name".into(), secret.name.clone().into());
    if let Some(p) = &secret.resource_policy {
        out.insert("ResourcePolicy".into(), p.clone().into());
    }
    Ok(Value::Object(out))
}
