//! TagResource: append or overwrite tags; the response body is `{}`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireTag, parse, required, tags_from_wire};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `Tags`.
    tags: Option<Vec<WireTag>>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let tags = tags_from_wire(required(req.tags, "tags")?)?;
    let now = now_ms();
    sm.write(scope, |r| r.tag(&id, tags, now))?;
    Ok(json!({}))
}
