//! ListSecretVersionIds: versions with labels; deprecated ones (no labels)
//! only with IncludeDeprecated, and then without a VersionStages key.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{parse, required, secs};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::model::listing::{decode_token, page};
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `MaxResults`: page size.
    max_results: Option<i64>,
    /// `NextToken`: where the previous page stopped.
    next_token: Option<String>,
    /// `IncludeDeprecated`: also list versions without labels.
    include_deprecated: Option<bool>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let max = max_results(req.max_results)?;
    let offset = req
        .next_token
        .as_deref()
        .map(decode_token)
        .transpose()?
        .unwrap_or(0);
    let now = now_ms();
    let secret = sm.read(scope, |r| r.get(&id, now).cloned())?;
    let include_deprecated = req.include_deprecated.unwrap_or(false);
    let mut versions: Vec<Value> = secret
        .versions_oldest_first()
        .into_iter()
        .rev()
        .filter(|v| include_deprecated || !v.stages.is_empty())
        .map(|v| {
            let mut m = Map::new();
            m.insert("VersionId".into(), v.id.clone().into());
            if !v.stages.is_empty() {
                m.insert(
                    "VersionStages".into(),
                    v.stages.iter().cloned().collect::<Vec<_>>().into(),
                );
            }
            if let Some(t) = v.last_accessed.get() {
                m.insert("LastAccessedDate".into(), secs(t));
            }
            m.insert("CreatedDate".into(), secs(v.created));
            m.insert(
                "KmsKeyIds".into(),
                vec![
                    secret
                        .kms_key_id
                        .clone()
                        .unwrap_or_else(|| "DefaultEncryptionKey".into()),
                ]
                .into(),
            );
            Value::Object(m)
        })
        .collect();
    let (items, next) = page(&versions, offset, max);
    versions = items;
    let mut out = Map::new();
    out.insert("Versions".into(), versions.into());
    if let Some(n) = next {
        out.insert("NextToken".into(), n.into());
    }
    out.insert("ARN".into(), secret.arn.clone().into());
    out.insert("Name".into(), secret.name.clone().into());
    Ok(Value::Object(out))
}

/// MaxResults 1–100 (default 100).
pub(crate) fn max_results(m: Option<i64>) -> Result<usize, SmError> {
    match m {
        None => Ok(100),
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) => Err(SmError::Validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value {}",
            if n < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 100"
            }
        ))),
    }
}
