//! PutScheduledAction: `ServiceNamespace`, `ScheduledActionName`,
//! `ResourceId`, `ScalableDimension`, `Schedule`, `Timezone`, `StartTime`,
//! `EndTime`, `ScalableTargetAction` → `{}`. Putting an existing name
//! updates it: what is left out is kept, except StartTime and EndTime,
//! which are cleared (as AWS documents).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse, required};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::model::ScheduledActionSpec;
use crate::services::autoscaling::service::{ApplicationAutoScaling, now};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    service_namespace: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    scalable_target_action: Option<TargetAction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TargetAction {
    min_capacity: Option<i64>,
    max_capacity: Option<i64>,
}

/// The name's pattern in AWS's model: no leading or trailing spaces, no
/// control characters, no `:`, `/` or `|`.
const NAME_PATTERN: &str =
    r"(?!((^[ ]+.*)|(.*([\u0000-\u001f]|[\u007f-\u009f]|[:/|])+.*)|(.*[ ]+$))).+";

/// `ScheduledActionName`: 1–256 characters of AWS's pattern.
pub(super) fn check_name(name: &str) -> Result<(), ScalingError> {
    let len = name.chars().count();
    if len == 0 || len > 256 {
        return Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'scheduledActionName' failed to satisfy constraint: Member must have length {}",
            if len == 0 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 256"
            }
        )));
    }
    let bad_char = |c: char| c.is_control() || matches!(c, ':' | '/' | '|');
    if name.starts_with(' ') || name.ends_with(' ') || name.chars().any(bad_char) {
        return Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'scheduledActionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )));
    }
    Ok(())
}

fn capacity(v: Option<i64>, member: &str) -> Result<Option<u32>, ScalingError> {
    match v {
        Some(n) if n < 0 => Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{n}' at 'scalableTargetAction.{member}' failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))),
        Some(n) => Ok(Some(n.min(i64::from(u32::MAX)) as u32)),
        None => Ok(None),
    }
}

fn text(v: Option<String>, member: &str) -> Result<Option<String>, ScalingError> {
    match v {
        Some(s) if s.is_empty() || s.chars().count() > 1600 => {
            Err(ScalingError::Validation(format!(
                "1 validation error detected: Value '{s}' at '{member}' failed to satisfy constraint: Member must have length {}",
                if s.is_empty() {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 1600"
                }
            )))
        }
        v => Ok(v),
    }
}

pub(super) fn run(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    body: Value,
) -> Result<Value, ScalingError> {
    let req: Request = parse(body)?;
    let name = required(req.scheduled_action_name, "scheduledActionName")?;
    check_name(&name)?;
    let key = key(
        req.service_namespace,
        req.resource_id,
        req.scalable_dimension,
    )?;
    let action = match req.scalable_target_action {
        Some(a) => Some((
            capacity(a.min_capacity, "minCapacity")?,
            capacity(a.max_capacity, "maxCapacity")?,
        )),
        None => None,
    };
    let spec = ScheduledActionSpec {
        schedule: text(req.schedule, "schedule")?,
        timezone: text(req.timezone, "timezone")?,
        start: req.start_time,
        end: req.end_time,
        action,
    };
    aas.write(&ctx.account, &ctx.region, |r| {
        r.put_scheduled(&key, &name, spec, now()).map(|_| ())
    })?;
    Ok(json!({}))
}
