//! GetMetricStatistics: per-period statistics of one metric.

use serde_json::{Map, Value, json};

use super::{dimensions, integer, required, seconds, string, strings, timestamp};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{MetricKey, Millis, STATISTICS, UNITS, parse_percentile};
use crate::services::cloudwatch::service::CloudWatch;

/// AWS returns at most 1,440 datapoints per call.
const MAX_DATAPOINTS: i64 = 1440;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let namespace = required(body, "Namespace", "Namespace")?;
    let name = required(body, "MetricName", "MetricName")?;
    let dims = dimensions(body, "Dimensions", "Dimensions")?;
    let (start, end, period) = window(body)?;
    let stats = strings(body, "Statistics");
    let extended = strings(body, "ExtendedStatistics");
    if stats.is_empty() && extended.is_empty() {
        // Closest AWS wording.
        return Err(errors::missing("Statistics or ExtendedStatistics"));
    }
    for s in &stats {
        if !STATISTICS.contains(&s.as_str()) {
            return Err(errors::invalid_param("Statistics", s));
        }
    }
    for s in &extended {
        if parse_percentile(s).is_none() {
            return Err(errors::invalid_param("ExtendedStatistics", s));
        }
    }
    let unit = string(body, "Unit");
    if let Some(u) = &unit
        && !UNITS.contains(&u.as_str())
    {
        return Err(errors::invalid_param("Unit", u));
    }
    let key = MetricKey::new(&namespace, &name, &dims);
    let buckets = cw
        .model()
        .buckets(region, &key, start, end, period, unit.as_deref());
    let datapoints: Vec<Value> = buckets
        .iter()
        .map(|(t, a)| {
            let mut dp = json!({ "Timestamp": seconds(*t) });
            for s in &stats {
                if let Some(v) = a.stat(s) {
                    dp[s.as_str()] = json!(v);
                }
            }
            if !extended.is_empty() {
                let map: Map<String, Value> = extended
                    .iter()
                    .filter_map(|s| a.stat(s).map(|v| (s.clone(), json!(v))))
                    .collect();
                dp["ExtendedStatistics"] = Value::Object(map);
            }
            let u = unit
                .clone()
                .or_else(|| a.unit.clone())
                .unwrap_or_else(|| "None".into());
            dp["Unit"] = u.into();
            dp
        })
        .collect();
    Ok(json!({ "Label": name, "Datapoints": datapoints }))
}

/// StartTime, EndTime and Period (ms), validated as GetMetricStatistics does.
pub(crate) fn window(body: &Value) -> Result<(Millis, Millis, Millis), AwsError> {
    let start =
        timestamp(body, "StartTime", "StartTime")?.ok_or_else(|| errors::missing("StartTime"))?;
    let end = timestamp(body, "EndTime", "EndTime")?.ok_or_else(|| errors::missing("EndTime"))?;
    let period = integer(body, "Period", "Period")?.ok_or_else(|| errors::missing("Period"))?;
    if period == 0 || !(period.is_multiple_of(60) || matches!(period, 1 | 5 | 10 | 20 | 30)) {
        return Err(errors::invalid_value(
            "The parameter Period must be a multiple of 60, or 1, 5, 10, 20 or 30 for high-resolution metrics.",
        ));
    }
    if start >= end {
        // AWS wording.
        return Err(errors::invalid_value(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let period = i64::from(period) * 1000;
    let requested = (end - start + period - 1) / period;
    if requested > MAX_DATAPOINTS {
        // AWS wording.
        return Err(errors::combination(format!(
            "You have requested up to {requested} datapoints, which exceeds the limit of 1,440. \
             You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )));
    }
    Ok((start, end, period))
}
