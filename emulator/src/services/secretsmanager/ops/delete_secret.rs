//! DeleteSecret: schedule (7–30 days, default 30) or force-delete.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required, secs};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `RecoveryWindowInDays`: 7–30, default 30.
    recovery_window_in_days: Option<i64>,
    /// `ForceDeleteWithoutRecovery`: delete now, no recovery window.
    force_delete_without_recovery: Option<bool>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let now = now_ms();
    let (arn, name, deletion) = sm.write(scope, |r| {
        r.delete(
            &id,
            req.recovery_window_in_days,
            req.force_delete_without_recovery,
            now,
            &mut rand::rng(),
        )
    })?;
    Ok(json!({"ARN": arn, "Name": name, "DeletionDate": secs(deletion)}))
}
