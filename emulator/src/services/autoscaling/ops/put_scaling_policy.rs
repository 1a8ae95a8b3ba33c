//! PutScalingPolicy: `PolicyName`, `ServiceNamespace`, `ResourceId`,
//! `ScalableDimension`, `PolicyType`, `TargetTrackingScalingPolicyConfiguration`
//! / `StepScalingPolicyConfiguration` → `PolicyARN`, `Alarms`.
//!
//! A target-tracking policy creates its two CloudWatch alarms (AlarmHigh:
//! 3 of 3 minutes above the target; AlarmLow: 15 of 15 below 90 % of it,
//! unless scale-in is disabled). A step policy creates none: the caller's
//! own alarm names the policy ARN in its `AlarmActions`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{key, parse, render_alarms, required};
use crate::gateway::registry::RequestContext;
use crate::services::autoscaling::errors::ScalingError;
use crate::services::autoscaling::model::policy::{PolicyConfig, StepConfig, TrackingConfig};
use crate::services::autoscaling::service::{ApplicationAutoScaling, now};

const POLICY_TYPES: &[&str] = &["StepScaling", "TargetTrackingScaling", "PredictiveScaling"];
const ADJUSTMENT_TYPES: &[&str] = &[
    "ChangeInCapacity",
    "PercentChangeInCapacity",
    "ExactCapacity",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    policy_name: Option<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    policy_type: Option<String>,
    step_scaling_policy_configuration: Option<StepConfig>,
    target_tracking_scaling_policy_configuration: Option<TrackingConfig>,
}

pub(super) fn run(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    body: Value,
) -> Result<Value, ScalingError> {
    let req: Request = parse(body)?;
    let name = required(req.policy_name, "policyName")?;
    if name.is_empty() || name.len() > 256 {
        return Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: Member must have length {}",
            if name.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 256"
            }
        )));
    }
    let key = key(
        req.service_namespace,
        req.resource_id,
        req.scalable_dimension,
    )?;
    if !aas.read(&ctx.account, &ctx.region, |r| r.targets.contains_key(&key)) {
        return Err(ScalingError::no_target(
            &key.namespace,
            &key.resource_id,
            &key.dimension,
        ));
    }
    let policy_type = req.policy_type.unwrap_or_else(|| "StepScaling".into());
    if !POLICY_TYPES.contains(&policy_type.as_str()) {
        return Err(ScalingError::not_in_enum(
            "policyType",
            &policy_type,
            POLICY_TYPES,
        ));
    }
    let (config, alarms) = match policy_type.as_str() {
        "TargetTrackingScaling" => {
            let cfg = req.target_tracking_scaling_policy_configuration.ok_or_else(|| {
                ScalingError::Validation(
                    "TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling".into(),
                )
            })?;
            let (cluster, service) = key.ecs_service().expect("checked by key()");
            let metric = cfg.metric(cluster, service)?;
            let ids = (
                uuid::Uuid::new_v4().to_string(),
                uuid::Uuid::new_v4().to_string(),
            );
            let alarms = cfg.alarms(&key.resource_id, &metric, (&ids.0, &ids.1));
            (PolicyConfig::Tracking(cfg), alarms)
        }
        "StepScaling" => {
            let cfg = req.step_scaling_policy_configuration.ok_or_else(|| {
                ScalingError::Validation(
                    "StepScalingPolicyConfiguration is required for a policy of type StepScaling"
                        .into(),
                )
            })?;
            let kind = cfg.adjustment_type.as_deref().unwrap_or("ChangeInCapacity");
            if !ADJUSTMENT_TYPES.contains(&kind) {
                return Err(ScalingError::not_in_enum(
                    "stepScalingPolicyConfiguration.adjustmentType",
                    kind,
                    ADJUSTMENT_TYPES,
                ));
            }
            if cfg.step_adjustments.is_empty() {
                return Err(ScalingError::Validation(
                    "StepAdjustments must contain at least one step adjustment".into(),
                ));
            }
            (PolicyConfig::Step(cfg), Vec::new())
        }
        _ => {
            return Err(ScalingError::Validation(
                "PredictiveScaling is not emulated: use TargetTrackingScaling or StepScaling"
                    .into(),
            ));
        }
    };
    // A replaced tracking policy keeps its alarms' names (AWS keeps them).
    let alarms = aas.read(&ctx.account, &ctx.region, |r| {
        match r.policies.get(&(key.clone(), name.clone())) {
            Some(old) if old.alarms.len() == alarms.len() => alarms
                .iter()
                .zip(&old.alarms)
                .map(|(new, old)| {
                    let mut a = new.clone();
                    a.name = old.name.clone();
                    a
                })
                .collect(),
            _ => alarms,
        }
    });
    let (arn, stale, rendered) = aas.write(&ctx.account, &ctx.region, |r| {
        let (p, stale) = r.put_policy(&key, &name, config, alarms.clone(), now())?;
        let arn = p.arn.clone();
        let p = r.policies[&(key.clone(), name.clone())].clone();
        Ok::<_, ScalingError>((arn, stale, render_alarms(r, &p)))
    })?;
    aas.put_alarms(&ctx.region, &arn, &alarms, &stale)
        .map_err(|e| ScalingError::Validation(e.message))?;
    Ok(json!({ "PolicyARN": arn, "Alarms": rendered }))
}
