//! RotateSecret: emul stores the rotation configuration, then fails the
//! rotation the way AWS does when it cannot invoke the Lambda
//! (docs/decisions/0006-secretsmanager-rotation.md).

use serde::Deserialize;
use serde_json::Value;

use super::{parse, required};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::model::secret::Rotation;
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// RotationRules on the wire.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Rules {
    /// `AutomaticallyAfterDays`: 1–1000.
    automatically_after_days: Option<i64>,
    /// `Duration`: the rotation window, e.g. `3h`.
    duration: Option<String>,
    /// `ScheduleExpression`: `rate(…)` or `cron(…)`.
    schedule_expression: Option<String>,
}

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretId`: which secret (name, full ARN or partial ARN).
    secret_id: Option<String>,
    /// `ClientRequestToken`: idempotency token; becomes the VersionId.
    client_request_token: Option<String>,
    /// `RotationLambdaARN`: the rotation function (never invoked by emul).
    #[serde(rename = "RotationLambdaARN")]
    rotation_lambda_arn: Option<String>,
    /// `RotationRules`: the schedule, stored.
    rotation_rules: Option<Rules>,
    /// `RotateImmediately`: accepted; either way emul cannot invoke the Lambda.
    #[allow(dead_code)]
    rotate_immediately: Option<bool>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let id = required(req.secret_id, "secretId")?;
    let rules = req.rotation_rules.map(|r| Rotation {
        enabled: true,
        lambda_arn: None,
        automatically_after_days: r.automatically_after_days,
        duration: r.duration,
        schedule_expression: r.schedule_expression,
    });
    let now = now_ms();
    sm.write(scope, |r| {
        r.rotate(
            &id,
            req.client_request_token.as_deref(),
            req.rotation_lambda_arn,
            rules,
            now,
        )
    })?;
    // The configuration is stored; running it needs a Lambda emul cannot
    // invoke (both RotateImmediately=true and the testSecret-only path).
    Err(SmError::CannotInvokeLambda)
}
