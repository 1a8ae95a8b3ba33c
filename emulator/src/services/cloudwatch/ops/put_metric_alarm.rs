//! PutMetricAlarm: creates or replaces a metric alarm.

use serde_json::{Value, json};

use super::{boolean, dimensions, double, integer, required, string, strings};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{AlarmExtras, AlarmSpec, Millis};
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value, now: Millis) -> Result<Value, AwsError> {
    let name = required(body, "AlarmName", "AlarmName")?;
    if body
        .get("Metrics")
        .is_some_and(|m| m.as_array().is_some_and(|a| !a.is_empty()))
    {
        return Err(errors::not_supported("metric math alarms (Metrics)"));
    }
    if body.get("ThresholdMetricId").is_some() {
        return Err(errors::not_supported(
            "anomaly detection alarms (ThresholdMetricId)",
        ));
    }
    let statistic = string(body, "Statistic");
    let extended = string(body, "ExtendedStatistic");
    let statistic = match (statistic, extended) {
        (Some(_), Some(_)) => return Err(errors::exclusive("Statistic", "ExtendedStatistic")),
        (Some(s), None) => {
            if !crate::services::cloudwatch::model::STATISTICS.contains(&s.as_str()) {
                return Err(errors::invalid_param("Statistic", &s));
            }
            s
        }
        (None, Some(e)) => {
            if crate::services::cloudwatch::model::parse_percentile(&e).is_none() {
                return Err(errors::invalid_param("ExtendedStatistic", &e));
            }
            e
        }
        // Closest AWS wording.
        (None, None) => return Err(errors::missing("Statistic or ExtendedStatistic")),
    };
    let spec = AlarmSpec {
        name,
        description: string(body, "AlarmDescription"),
        namespace: required(body, "Namespace", "Namespace")?,
        metric_name: required(body, "MetricName", "MetricName")?,
        dimensions: dimensions(body, "Dimensions", "Dimensions")?,
        statistic,
        period_secs: integer(body, "Period", "Period")?.ok_or_else(|| errors::missing("Period"))?,
        evaluation_periods: integer(body, "EvaluationPeriods", "EvaluationPeriods")?
            .ok_or_else(|| errors::missing("EvaluationPeriods"))?,
        datapoints_to_alarm: integer(body, "DatapointsToAlarm", "DatapointsToAlarm")?,
        threshold: double(body, "Threshold", "Threshold")?
            .ok_or_else(|| errors::missing("Threshold"))?,
        comparison: required(body, "ComparisonOperator", "ComparisonOperator")?,
        treat_missing_data: string(body, "TreatMissingData"),
        alarm_actions: strings(body, "AlarmActions"),
        ok_actions: strings(body, "OKActions"),
        unit: string(body, "Unit"),
    };
    for (key, actions) in [
        ("AlarmActions", &spec.alarm_actions),
        ("OKActions", &spec.ok_actions),
    ] {
        check_actions(key, actions)?;
    }
    let extras = AlarmExtras {
        insufficient_data_actions: strings(body, "InsufficientDataActions"),
        actions_enabled: boolean(body, "ActionsEnabled", "ActionsEnabled")?.unwrap_or(true),
    };
    check_actions("InsufficientDataActions", &extras.insufficient_data_actions)?;
    cw.model().put_alarm(region, spec, extras, now)?;
    Ok(json!({}))
}

/// At most 5 actions, each an ARN.
fn check_actions(key: &str, actions: &[String]) -> Result<(), AwsError> {
    if actions.len() > 5 {
        return Err(errors::invalid_value(format!(
            "The collection {key} must not have a size greater than 5."
        )));
    }
    for a in actions {
        if !a.starts_with("arn:") {
            // AWS wording for a malformed action.
            return Err(errors::invalid_value(format!("Invalid arn syntax: {a}")));
        }
    }
    Ok(())
}
