//! PutSecretValue: a new version, labelled AWSCURRENT unless VersionStages
//! says otherwise.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required, secret_value};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `ClientRequestToken`: idempotency token; becomes the VersionId.
    client_request_token: Option<String>,
    /// `SecretString`: a text value.
    secret_string: Option<String>,
    /// `SecretBinary`: a binary value, base64 on the wire.
    secret_binary: Option<String>,
    /// `VersionStages`: labels for the new version (default AWSCURRENT).
    version_stages: Option<Vec<String>>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let value = secret_value(req.secret_string, req.secret_binary)?;
    let now = now_ms();
    let out = sm.write(scope, |r| {
        r.put_value(
            &id,
            req.client_request_token.as_deref(),
            value,
            req.version_stages,
            now,
        )
    })?;
    Ok(json!({
        "ARN": out.arn,
        "Name": out.name,
        "VersionId": out.version_id,
        "VersionStages": out.version_stages,
    }))
}
