//! GetSecretValue: the value of one version (AWSCURRENT by default).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{parse, put_value, required, secs};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `VersionId`: select this version.
    version_id: Option<String>,
    /// `VersionStage`: the staging label to select or move.
    version_stage: Option<String>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let now = now_ms();
    let (secret, version_id) = sm.read(scope, |r| {
        r.get_value(
            &id,
            req.version_id.as_deref(),
            req.version_stage.as_deref(),
            now,
        )
    })?;
    let version = &secret.versions[&version_id];
    let mut out = Map::new();
    out.insert("ARN".into(), secret.arn.clone().into());
    out.insert("Name".into(), secret.name.clone().into());
    out.insert("VersionId".into(), version.id.clone().into());
    put_value(&mut out, &version.value);
    out.insert(
        "VersionStages".into(),
        version.stages.iter().cloned().collect::<Vec<_>>().into(),
    );
    out.insert("CreatedDate".into(), secs(version.created));
    Ok(Value::Object(out))
}
