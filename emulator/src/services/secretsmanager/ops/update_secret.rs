//! UpdateSecret: metadata and/or a new AWSCURRENT version.

use serde::Deserialize;
use serde_json::{Map, Value};

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
    /// `Description`.
    description: Option<String>,
    /// `KmsKeyId` (recorded; emul does not encrypt with KMS).
    kms_key_id: Option<String>,
    /// `SecretString`: a text value.
    secret_string: Option<String>,
    /// `SecretBinary`: a binary value, base64 on the wire.
    secret_binary: Option<String>,
    /// `Type` (e.g. for service-managed secrets).
    #[serde(rename = "Type")]
    secret_type: Option<String>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let value = secret_value(req.secret_string, req.secret_binary)?;
    let now = now_ms();
    let out = sm.write(scope, |r| {
        r.update(
            &id,
            req.client_request_token.as_deref(),
            value,
            req.description,
            req.kms_key_id,
            req.secret_type,
            now,
        )
    })?;
    let mut resp = Map::new();
    resp.insert("ARN".into(), out.arn.into());
    resp.insert("Name".into(), out.name.into());
    if let Some(v) = out.version_id {
        resp.insert("VersionId".into(), v.into());
    }
    Ok(Value::Object(resp))
}
