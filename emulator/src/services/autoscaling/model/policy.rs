//! Scaling policies as PutScalingPolicy takes them and DescribeScalingPolicies
//! shows them (the wire shapes, PascalCase), plus the two CloudWatch alarms
//! a target-tracking policy owns.

use serde::{Deserialize, Serialize};

use crate::services::autoscaling::errors::ScalingError;

/// `TargetTrackingScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingConfig {
    /// The metric value the policy keeps the resource at.
    pub target_value: f64,
    /// One of AWS's predefined metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predefined_metric_specification: Option<PredefinedMetric>,
    /// A CloudWatch metric of the caller's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customized_metric_specification: Option<CustomizedMetric>,
    /// Seconds after a scale-out before another scale-out (AWS's default 300 for ECS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<i64>,
    /// Seconds after a scale-in before another scale-in (default 300).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<i64>,
    /// The policy only ever adds capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

/// `PredefinedMetricSpecification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PredefinedMetric {
    /// e.g. `ECSServiceAverageCPUUtilization`.
    pub predefined_metric_type: String,
    /// For `ALBRequestCountPerTarget`: `app/<lb>/<id>/targetgroup/<tg>/<id>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_label: Option<String>,
}

/// `CustomizedMetricSpecification` (a single metric; metric math is not
/// emulated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomizedMetric {
    /// The metric name.
    pub metric_name: Option<String>,
    /// Its namespace.
    pub namespace: Option<String>,
    /// Its dimensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MetricDimension>,
    /// `Average`, `Sum`, ...
    pub statistic: Option<String>,
    /// The unit, when the metric has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// `MetricDimension`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDimension {
    /// The dimension's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// `StepScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepConfig {
    /// `ChangeInCapacity`, `PercentChangeInCapacity` or `ExactCapacity`.
    pub adjustment_type: Option<String>,
    /// The steps, by how far the metric is past the alarm's threshold.
    #[serde(default)]
    pub step_adjustments: Vec<StepAdjustment>,
    /// For `PercentChangeInCapacity`: change at least this many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_adjustment_magnitude: Option<i64>,
    /// Seconds after an activity of this policy before the next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<i64>,
    /// How the alarm's datapoints are combined: `Average` (default),
    /// `Minimum`, `Maximum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_aggregation_type: Option<String>,
}

/// `StepAdjustment`: bounds are relative to the alarm's threshold; a
/// missing lower bound is −∞, a missing upper bound +∞.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepAdjustment {
    /// Inclusive lower bound of the breach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_interval_lower_bound: Option<f64>,
    /// Exclusive upper bound of the breach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_interval_upper_bound: Option<f64>,
    /// The change (its meaning is the policy's adjustment type).
    pub scaling_adjustment: i64,
}

/// A policy's configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyConfig {
    /// `TargetTrackingScaling`.
    Tracking(TrackingConfig),
    /// `StepScaling`.
    Step(StepConfig),
}

/// The metric a target-tracking policy watches, in CloudWatch's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedMetric {
    /// e.g. `AWS/ECS`.
    pub namespace: String,
    /// e.g. `CPUUtilization`.
    pub name: String,
    /// e.g. `ClusterName`, `ServiceName`.
    pub dimensions: Vec<(String, String)>,
    /// `Average` or `Sum`.
    pub statistic: String,
    /// The unit, when given.
    pub unit: Option<String>,
}

/// One of the alarms a target-tracking policy owns.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingAlarm {
    /// `TargetTracking-<resource>-AlarmHigh-<uuid>` (or `AlarmLow`).
    pub name: String,
    /// What it watches.
    pub metric: WatchedMetric,
    /// Breaching above (`GreaterThanThreshold`) or below (`LessThanThreshold`).
    pub comparison: &'static str,
    /// The threshold.
    pub threshold: f64,
    /// Periods evaluated (each 60 s).
    pub evaluation_periods: u32,
}

/// The predefined metric types emul can measure.
pub const PREDEFINED_ECS: &[&str] = &[
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
];

/// Periods AWS gives a tracking policy's high alarm: 3 of 3 minutes.
pub const HIGH_PERIODS: u32 = 3;
/// Periods of the low alarm: 15 of 15 minutes, at 90 % of the target.
pub const LOW_PERIODS: u32 = 15;
/// The low alarm's threshold, as a share of the target value.
pub const LOW_FACTOR: f64 = 0.9;

impl TrackingConfig {
    /// The metric this policy tracks for ECS service `cluster`/`service`.
    pub fn metric(&self, cluster: &str, service: &str) -> Result<WatchedMetric, ScalingError> {
        match (
            &self.predefined_metric_specification,
            &self.customized_metric_specification,
        ) {
            (Some(_), Some(_)) => Err(ScalingError::Validation(
                "Only one of PredefinedMetricSpecification or CustomizedMetricSpecification can be specified".into(),
            )),
            (None, None) => Err(ScalingError::Validation(
                "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified".into(),
            )),
            (Some(p), None) => predefined(p, cluster, service),
            (None, Some(c)) => Ok(WatchedMetric {
                namespace: c.namespace.clone().ok_or_else(|| {
                    ScalingError::missing(
                        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.namespace",
                    )
                })?,
                name: c.metric_name.clone().ok_or_else(|| {
                    ScalingError::missing(
                        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metricName",
                    )
                })?,
                dimensions: c
                    .dimensions
                    .iter()
                    .map(|d| (d.name.clone(), d.value.clone()))
                    .collect(),
                statistic: c.statistic.clone().unwrap_or_else(|| "Average".into()),
                unit: c.unit.clone(),
            }),
        }
    }

    /// The high and low alarms for `resource_id`, named with `ids`.
    pub fn alarms(
        &self,
        resource_id: &str,
        metric: &WatchedMetric,
        ids: (&str, &str),
    ) -> Vec<TrackingAlarm> {
        let mut out = vec![TrackingAlarm {
            name: format!("TargetTracking-{resource_id}-AlarmHigh-{}", ids.0),
            metric: metric.clone(),
            comparison: "GreaterThanThreshold",
            threshold: self.target_value,
            evaluation_periods: HIGH_PERIODS,
        }];
        if self.disable_scale_in != Some(true) {
            out.push(TrackingAlarm {
                name: format!("TargetTracking-{resource_id}-AlarmLow-{}", ids.1),
                metric: metric.clone(),
                comparison: "LessThanThreshold",
                threshold: self.target_value * LOW_FACTOR,
                evaluation_periods: LOW_PERIODS,
            });
        }
        out
    }
}

fn predefined(
    p: &PredefinedMetric,
    cluster: &str,
    service: &str,
) -> Result<WatchedMetric, ScalingError> {
    let ecs = |name: &str| WatchedMetric {
        namespace: "AWS/ECS".into(),
        name: name.into(),
        dimensions: vec![
            ("ClusterName".into(), cluster.into()),
            ("ServiceName".into(), service.into()),
        ],
        statistic: "Average".into(),
        unit: None,
    };
    match p.predefined_metric_type.as_str() {
        "ECSServiceAverageCPUUtilization" => Ok(ecs("CPUUtilization")),
        "ECSServiceAverageMemoryUtilization" => Ok(ecs("MemoryUtilization")),
        "ALBRequestCountPerTarget" => {
            let label = p.resource_label.as_deref().unwrap_or_default();
            // app/<lb>/<id>/targetgroup/<tg>/<id>: the metric's dimension
            // is the target group's part.
            let tg = label
                .find("/targetgroup/")
                .filter(|_| label.starts_with("app/"))
                .map(|at| &label[at + 1..])
                .ok_or_else(|| {
                    ScalingError::Validation(format!(
                        "Invalid resource label {label:?} for ALBRequestCountPerTarget: expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
                    ))
                })?;
            Ok(WatchedMetric {
                namespace: "AWS/ApplicationELB".into(),
                name: "RequestCountPerTarget".into(),
                dimensions: vec![("TargetGroup".into(), tg.into())],
                statistic: "Sum".into(),
                unit: None,
            })
        }
        other if is_known_metric_type(other) => Err(ScalingError::Validation(format!(
            "The predefined metric type {other} is not valid for service namespace ecs"
        ))),
        other => Err(ScalingError::Validation(format!(
            "1 validation error detected: Value '{other}' at 'targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

/// Whether `t` is one of AWS's predefined metric types at all.
fn is_known_metric_type(t: &str) -> bool {
    t.starts_with("DynamoDB")
        || t.starts_with("EC2SpotFleet")
        || t.starts_with("RDSReader")
        || t.starts_with("SageMaker")
        || t.starts_with("ElastiCache")
        || t.starts_with("Cassandra")
        || matches!(
            t,
            "AppStreamAverageCapacityUtilization"
                | "ComprehendInferenceUtilization"
                | "LambdaProvisionedConcurrencyUtilization"
                | "KafkaBrokerStorageUtilization"
                | "NeptuneReaderAverageCPUUtilization"
                | "WorkSpacesAverageUserSessionsCapacityUtilization"
        )
}
