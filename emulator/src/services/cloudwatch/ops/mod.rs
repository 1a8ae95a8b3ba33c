//! The wire operations, one file each, all shaped `run(cw, region, body)`:
//! read the JSON request (CBOR and awsQuery requests arrive as the same
//! JSON, query scalars as strings — hence the lenient readers here) →
//! apply it to the model → build the JSON response (timestamps as epoch
//! seconds; the gateway re-encodes for CBOR and XML).

mod delete_alarms;
mod describe_alarm_history;
mod describe_alarms;
mod describe_alarms_for_metric;
mod get_metric_data;
mod get_metric_statistics;
mod list_metrics;
mod put_metric_alarm;
mod put_metric_data;
mod set_alarm_actions;
mod set_alarm_state;

use serde_json::{Value, json};

use super::errors;
use super::model::{Alarm, Millis, STATISTICS};
use super::service::CloudWatch;
use crate::gateway::AwsError;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "DeleteAlarms",
    "DescribeAlarmHistory",
    "DescribeAlarms",
    "DescribeAlarmsForMetric",
    "DisableAlarmActions",
    "EnableAlarmActions",
    "GetMetricData",
    "GetMetricStatistics",
    "ListMetrics",
    "PutMetricAlarm",
    "PutMetricData",
    "SetAlarmState",
];

/// Output members that are timestamps (for the CBOR and XML encoders).
pub const TIMESTAMP_MEMBERS: &[&str] = &[
    "Timestamp",
    "Timestamps",
    "StateUpdatedTimestamp",
    "StateTransitionedTimestamp",
    "AlarmConfigurationUpdatedTimestamp",
];

/// Output members that are maps (`<entry><key/><value/></entry>` in XML).
pub const MAP_MEMBERS: &[&str] = &["ExtendedStatistics"];

/// Runs `operation` at `now`.
pub fn dispatch(
    cw: &CloudWatch,
    region: &str,
    operation: &str,
    body: Value,
    now: Millis,
) -> Result<Value, AwsError> {
    match operation {
        "DeleteAlarms" => delete_alarms::run(cw, region, &body),
        "DescribeAlarmHistory" => describe_alarm_history::run(cw, region, &body),
        "DescribeAlarms" => describe_alarms::run(cw, region, &body),
        "DescribeAlarmsForMetric" => describe_alarms_for_metric::run(cw, region, &body),
        "DisableAlarmActions" => set_alarm_actions::run(cw, region, &body, false),
        "EnableAlarmActions" => set_alarm_actions::run(cw, region, &body, true),
        "GetMetricData" => get_metric_data::run(cw, region, &body),
        "GetMetricStatistics" => get_metric_statistics::run(cw, region, &body),
        "ListMetrics" => list_metrics::run(cw, region, &body, now),
        "PutMetricAlarm" => put_metric_alarm::run(cw, region, &body, now),
        "PutMetricData" => put_metric_data::run(cw, region, &body, now),
        "SetAlarmState" => set_alarm_state::run(cw, region, &body, now),
        other => Err(AwsError::unknown_operation(other)),
    }
}

/// A string member (`None` when absent).
pub(crate) fn string(body: &Value, key: &str) -> Option<String> {
    match body.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A required, non-empty string member.
pub(crate) fn required(body: &Value, key: &str, param: &str) -> Result<String, AwsError> {
    string(body, key)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| errors::missing(param))
}

/// A double member (a JSON number, or a numeric string from awsQuery).
pub(crate) fn double(body: &Value, key: &str, param: &str) -> Result<Option<f64>, AwsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .parse::<f64>()
            .map(Some)
            .map_err(|_| errors::invalid_param(param, s)),
        Some(other) => Err(errors::invalid_param(param, &other.to_string())),
    }
}

/// A non-negative integer member.
pub(crate) fn integer(body: &Value, key: &str, param: &str) -> Result<Option<u32>, AwsError> {
    match double(body, key, param)? {
        None => Ok(None),
        Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= f64::from(u32::MAX) => Ok(Some(f as u32)),
        Some(f) => Err(errors::invalid_param(param, &f.to_string())),
    }
}

/// A boolean member.
pub(crate) fn boolean(body: &Value, key: &str, param: &str) -> Result<Option<bool>, AwsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(errors::invalid_param(param, &other.to_string())),
    }
}

/// A timestamp member: epoch seconds (JSON, CBOR) or ISO 8601 (awsQuery).
pub(crate) fn timestamp(body: &Value, key: &str, param: &str) -> Result<Option<Millis>, AwsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64().map(|s| (s * 1000.0).round() as Millis)),
        Some(Value::String(s)) => {
            if let Ok(secs) = s.parse::<f64>() {
                return Ok(Some((secs * 1000.0).round() as Millis));
            }
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as Millis)
                .map(Some)
                .map_err(|_| errors::invalid_param(param, s))
        }
        Some(other) => Err(errors::invalid_param(param, &other.to_string())),
    }
}

/// A list member: a JSON array, or `""` (an empty awsQuery list).
pub(crate) fn list<'a>(body: &'a Value, key: &str) -> &'a [Value] {
    match body.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A list of strings.
pub(crate) fn strings(body: &Value, key: &str) -> Vec<String> {
    list(body, key)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// `Dimensions` as (name, value) pairs; at most 30, names and values required.
pub(crate) fn dimensions(
    body: &Value,
    key: &str,
    param: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let items = list(body, key);
    if items.len() > 30 {
        // Closest AWS wording.
        return Err(errors::invalid_value(format!(
            "The collection {param} must not have a size greater than 30."
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = format!("{param}.member.{}", i + 1);
            Ok((
                required(d, "Name", &format!("{at}.Name"))?,
                required(d, "Value", &format!("{at}.Value"))?,
            ))
        })
        .collect()
}

/// Dimensions as the wire renders them.
pub(crate) fn render_dimensions(dims: &[(String, String)]) -> Value {
    Value::Array(
        dims.iter()
            .map(|(n, v)| json!({"Name": n, "Value": v}))
            .collect(),
    )
}

/// Epoch milliseconds as the wire's epoch seconds.
pub(crate) fn seconds(ms: Millis) -> Value {
    json!(ms as f64 / 1000.0)
}

/// `NextToken`: an offset emul issued.
pub(crate) fn next_token(body: &Value) -> Result<usize, AwsError> {
    match string(body, "NextToken") {
        None => Ok(0),
        Some(t) => t.parse().map_err(|_| errors::invalid_next_token()),
    }
}

/// One page of `items` from `offset`, and the token of the next page.
pub(crate) fn page<T>(items: Vec<T>, offset: usize, size: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let out: Vec<T> = items.into_iter().skip(offset).take(size).collect();
    let next = (offset + size < total).then(|| (offset + size).to_string());
    (out, next)
}

/// A MetricAlarm as DescribeAlarms renders it.
pub(crate) fn render_alarm(a: &Alarm) -> Value {
    let s = &a.spec;
    let mut v = json!({
        "AlarmName": s.name,
        "AlarmArn": a.arn,
        "AlarmConfigurationUpdatedTimestamp": seconds(a.config_updated),
        "ActionsEnabled": a.extras.actions_enabled,
        "OKActions": s.ok_actions,
        "AlarmActions": s.alarm_actions,
        "InsufficientDataActions": a.extras.insufficient_data_actions,
        "StateValue": a.state.as_str(),
        "StateReason": a.state_reason,
        "StateUpdatedTimestamp": seconds(a.state_updated),
        "StateTransitionedTimestamp": seconds(a.state_transitioned),
        "MetricName": s.metric_name,
        "Namespace": s.namespace,
        "Dimensions": render_dimensions(&s.dimensions),
        "Period": s.period_secs,
        "EvaluationPeriods": s.evaluation_periods,
        "Threshold": s.threshold,
        "ComparisonOperator": s.comparison,
        "TreatMissingData": s.treat_missing_data.as_deref().unwrap_or("missing"),
    });
    if STATISTICS.contains(&s.statistic.as_str()) {
        v["Statistic"] = s.statistic.clone().into();
    } else {
        v["ExtendedStatistic"] = s.statistic.clone().into();
    }
    if let Some(d) = &s.description {
        v["AlarmDescription"] = d.clone().into();
    }
    if let Some(d) = &a.state_reason_data {
        v["StateReasonData"] = d.clone().into();
    }
    if let Some(m) = s.datapoints_to_alarm {
        v["DatapointsToAlarm"] = m.into();
    }
    if let Some(u) = &s.unit {
        v["Unit"] = u.clone().into();
    }
    v
}
