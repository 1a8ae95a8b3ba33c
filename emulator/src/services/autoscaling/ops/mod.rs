//! The wire operations, one file each, all shaped `run(aas, ctx, body)`:
//! parse the JSON request → apply it to the model → render the JSON
//! response. This file holds the dispatch table and what they share: the
//! target key's validation, pagination, and the renderers.

mod delete_scaling_policy;
mod delete_scheduled_action;
mod deregister_scalable_target;
mod describe_scalable_targets;
mod describe_scaling_activities;
mod describe_scaling_policies;
mod describe_scheduled_actions;
mod put_scaling_policy;
mod put_scheduled_action;
mod register_scalable_target;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::errors::ScalingError;
use super::model::policy::PolicyConfig;
use super::model::{
    Activity, ECS_DESIRED_COUNT, NAMESPACES, Region, ScalableTarget, ScalingPolicy,
    ScheduledAction, TargetKey,
};
use super::service::ApplicationAutoScaling;
use crate::gateway::AwsError;
use crate::gateway::registry::RequestContext;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "DeleteScalingPolicy",
    "DeleteScheduledAction",
    "DeregisterScalableTarget",
    "DescribeScalableTargets",
    "DescribeScalingActivities",
    "DescribeScalingPolicies",
    "DescribeScheduledActions",
    "PutScalingPolicy",
    "PutScheduledAction",
    "RegisterScalableTarget",
];

/// Runs `operation`.
pub fn dispatch(
    aas: &ApplicationAutoScaling,
    ctx: &RequestContext,
    operation: &str,
    body: Value,
) -> Result<Value, AwsError> {
    let result = match operation {
        "DeleteScalingPolicy" => delete_scaling_policy::run(aas, ctx, body),
        "DeleteScheduledAction" => delete_scheduled_action::run(aas, ctx, body),
        "DeregisterScalableTarget" => deregister_scalable_target::run(aas, ctx, body),
        "DescribeScalableTargets" => describe_scalable_targets::run(aas, ctx, body),
        "DescribeScalingActivities" => describe_scaling_activities::run(aas, ctx, body),
        "DescribeScalingPolicies" => describe_scaling_policies::run(aas, ctx, body),
        "DescribeScheduledActions" => describe_scheduled_actions::run(aas, ctx, body),
        "PutScalingPolicy" => put_scaling_policy::run(aas, ctx, body),
        "PutScheduledAction" => put_scheduled_action::run(aas, ctx, body),
        "RegisterScalableTarget" => register_scalable_target::run(aas, ctx, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// Decodes the request body into an operation's input struct.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, ScalingError> {
    serde_json::from_value(body)
        .map_err(|e| ScalingError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or AWS's "Member must not be null" error.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, ScalingError> {
    value.ok_or_else(|| ScalingError::missing(member))
}

/// `ServiceNamespace`: one of AWS's, and `ecs` (the one emul scales).
pub(crate) fn namespace(value: Option<String>) -> Result<String, ScalingError> {
    let ns = required(value, "serviceNamespace")?;
    if !NAMESPACES.contains(&ns.as_str()) {
        return Err(ScalingError::not_in_enum(
            "serviceNamespace",
            &ns,
            NAMESPACES,
        ));
    }
    if ns != "ecs" {
        return Err(ScalingError::Validation(format!(
            "Service namespace {ns} is not emulated: emul scales ECS services (service namespace ecs) only"
        )));
    }
    Ok(ns)
}

/// `ScalableDimension` for the `ecs` namespace.
pub(crate) fn dimension(value: Option<String>) -> Result<String, ScalingError> {
    let d = required(value, "scalableDimension")?;
    if d != ECS_DESIRED_COUNT {
        return Err(ScalingError::Validation(format!(
            "Unsupported scalable dimension {d} for service namespace ecs: expected {ECS_DESIRED_COUNT}"
        )));
    }
    Ok(d)
}

/// The full key of a target, with AWS's checks (resource id
/// `service/<cluster>/<service>` for ECS).
pub(crate) fn key(
    namespace_: Option<String>,
    resource_id: Option<String>,
    dimension_: Option<String>,
) -> Result<TargetKey, ScalingError> {
    let namespace = namespace(namespace_)?;
    let resource_id = required(resource_id, "resourceId")?;
    let dimension = dimension(dimension_)?;
    let key = TargetKey {
        namespace,
        resource_id,
        dimension,
    };
    if key.ecs_service().is_none() {
        return Err(ScalingError::Validation(format!(
            "Unsupported resource ID {}: an ECS service is service/<cluster-name>/<service-name>",
            key.resource_id
        )));
    }
    Ok(key)
}

/// `MaxResults` (1–50, default 50) and the index `NextToken` resumes at.
pub(crate) fn page(max: Option<i64>, token: Option<&str>) -> Result<(usize, usize), ScalingError> {
    let max = match max {
        None => 50,
        Some(n) if (1..=50).contains(&n) => n as usize,
        Some(n) => {
            return Err(ScalingError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value {} 50",
                if n < 1 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to"
                }
            )));
        }
    };
    let start = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t.parse().map_err(|_| ScalingError::InvalidNextToken)?,
    };
    Ok((start, max))
}

/// One page of `items` under `key` with `NextToken` when more remain.
pub(crate) fn paged(key: &str, items: Vec<Value>, start: usize, max: usize) -> Value {
    let end = (start + max).min(items.len());
    let mut out = Map::new();
    let more = end < items.len();
    out.insert(
        key.into(),
        Value::Array(items.into_iter().skip(start).take(max).collect()),
    );
    if more {
        out.insert("NextToken".into(), end.to_string().into());
    }
    Value::Object(out)
}

/// The ScalableTarget shape.
pub(crate) fn render_target(t: &ScalableTarget) -> Value {
    json!({
        "ServiceNamespace": t.key.namespace,
        "ResourceId": t.key.resource_id,
        "ScalableDimension": t.key.dimension,
        "MinCapacity": t.min,
        "MaxCapacity": t.max,
        "RoleARN": t.role_arn,
        "CreationTime": t.created,
        "SuspendedState": {
            "DynamicScalingInSuspended": t.suspended.dynamic_in,
            "DynamicScalingOutSuspended": t.suspended.dynamic_out,
            "ScheduledScalingSuspended": t.suspended.scheduled,
        },
        "ScalableTargetARN": t.arn,
    })
}

/// The `Alarms` list of a policy.
pub(crate) fn render_alarms(region: &Region, p: &ScalingPolicy) -> Value {
    Value::Array(
        p.alarms
            .iter()
            .map(|a| json!({"AlarmName": a.name, "AlarmARN": region.alarm_arn(&a.name)}))
            .collect(),
    )
}

/// The ScalingPolicy shape.
pub(crate) fn render_policy(region: &Region, p: &ScalingPolicy) -> Value {
    let mut out = json!({
        "PolicyARN": p.arn,
        "PolicyName": p.name,
        "ServiceNamespace": p.key.namespace,
        "ResourceId": p.key.resource_id,
        "ScalableDimension": p.key.dimension,
        "Alarms": render_alarms(region, p),
        "CreationTime": p.created,
    });
    match &p.config {
        PolicyConfig::Tracking(c) => {
            out["PolicyType"] = "TargetTrackingScaling".into();
            out["TargetTrackingScalingPolicyConfiguration"] =
                serde_json::to_value(c).unwrap_or_default();
        }
        PolicyConfig::Step(c) => {
            out["PolicyType"] = "StepScaling".into();
            out["StepScalingPolicyConfiguration"] = serde_json::to_value(c).unwrap_or_default();
        }
    }
    out
}

/// The ScheduledAction shape.
pub(crate) fn render_scheduled_action(a: &ScheduledAction) -> Value {
    let mut target = Map::new();
    if let Some(min) = a.min {
        target.insert("MinCapacity".into(), min.into());
    }
    if let Some(max) = a.max {
        target.insert("MaxCapacity".into(), max.into());
    }
    let mut out = json!({
        "ScheduledActionName": a.name,
        "ScheduledActionARN": a.arn,
        "ServiceNamespace": a.key.namespace,
        "Schedule": a.schedule_text,
        "ResourceId": a.key.resource_id,
        "ScalableDimension": a.key.dimension,
        "ScalableTargetAction": target,
        "CreationTime": a.created,
    });
    if let Some(tz) = &a.timezone {
        out["Timezone"] = tz.as_str().into();
    }
    if let Some(start) = a.start {
        out["StartTime"] = start.into();
    }
    if let Some(end) = a.end {
        out["EndTime"] = end.into();
    }
    out
}

/// The ScalingActivity shape.
pub(crate) fn render_activity(a: &Activity) -> Value {
    let mut out = json!({
        "ActivityId": a.id,
        "ServiceNamespace": a.key.namespace,
        "ResourceId": a.key.resource_id,
        "ScalableDimension": a.key.dimension,
        "Description": a.description,
        "Cause": a.cause,
        "StartTime": a.start,
        "StatusCode": a.status,
        "StatusMessage": a.status_message,
    });
    if let Some(end) = a.end {
        out["EndTime"] = end.into();
    }
    if let Some((code, max, min, current)) = a.not_scaled {
        out["NotScaledReasons"] = json!([{
            "Code": code, "MaxCapacity": max, "MinCapacity": min, "CurrentCapacity": current
        }]);
    }
    out
}
