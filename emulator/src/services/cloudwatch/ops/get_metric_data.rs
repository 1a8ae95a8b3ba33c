//! GetMetricData: `MetricStat` queries (metric math is not emulated).

use serde_json::{Value, json};

use super::{boolean, dimensions, integer, list, required, seconds, string, timestamp};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{MetricKey, UNITS, is_statistic};
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let queries = list(body, "MetricDataQueries");
    if queries.is_empty() {
        return Err(errors::missing("MetricDataQueries"));
    }
    if queries.len() > 500 {
        return Err(errors::invalid_value(
            "The collection MetricDataQueries must not have a size greater than 500.",
        ));
    }
    let start =
        timestamp(body, "StartTime", "StartTime")?.ok_or_else(|| errors::missing("StartTime"))?;
    let end = timestamp(body, "EndTime", "EndTime")?.ok_or_else(|| errors::missing("EndTime"))?;
    if start >= end {
        return Err(errors::invalid_value(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let ascending = match string(body, "ScanBy").as_deref() {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => return Err(errors::invalid_param("ScanBy", other)),
    };
    let mut results = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, q) in queries.iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        let id = required(q, "Id", &format!("{at}.Id"))?;
        if !ids.insert(id.clone()) {
            // Closest AWS wording.
            return Err(errors::invalid_value(format!(
                "The value {id} for parameter MetricDataQueries.member.{}.Id is not unique.",
                i + 1
            )));
        }
        if q.get("Expression").is_some() {
            return Err(errors::not_supported(&format!(
                "metric math expressions ({at}.Expression); use MetricStat"
            )));
        }
        let stat = q
            .get("MetricStat")
            .filter(|v| v.is_object())
            .ok_or_else(|| errors::missing(&format!("{at}.MetricStat")))?;
        let sp = format!("{at}.MetricStat");
        let metric = stat
            .get("Metric")
            .ok_or_else(|| errors::missing(&format!("{sp}.Metric")))?;
        let namespace = required(metric, "Namespace", &format!("{sp}.Metric.Namespace"))?;
        let name = required(metric, "MetricName", &format!("{sp}.Metric.MetricName"))?;
        let dims = dimensions(metric, "Dimensions", &format!("{sp}.Metric.Dimensions"))?;
        let period = integer(stat, "Period", &format!("{sp}.Period"))?
            .ok_or_else(|| errors::missing(&format!("{sp}.Period")))?;
        if period == 0 || !(period.is_multiple_of(60) || matches!(period, 1 | 5 | 10 | 20 | 30)) {
            return Err(errors::invalid_param(
                &format!("{sp}.Period"),
                &period.to_string(),
            ));
        }
        let s = required(stat, "Stat", &format!("{sp}.Stat"))?;
        if !is_statistic(&s) {
            return Err(errors::invalid_param(&format!("{sp}.Stat"), &s));
        }
        let unit = string(stat, "Unit");
        if let Some(u) = &unit
            && !UNITS.contains(&u.as_str())
        {
            return Err(errors::invalid_param(&format!("{sp}.Unit"), u));
        }
        if boolean(q, "ReturnData", &format!("{at}.ReturnData"))? == Some(false) {
            continue;
        }
        let key = MetricKey::new(&namespace, &name, &dims);
        let mut points = cw.model().statistic(
            region,
            &key,
            &s,
            i64::from(period) * 1000,
            start,
            end,
            unit.as_deref(),
        );
        if !ascending {
            points.reverse();
        }
        results.push(json!({
            "Id": id,
            "Label": string(q, "Label").unwrap_or(name),
            "Timestamps": points.iter().map(|(t, _)| seconds(*t)).collect::<Vec<_>>(),
            "Values": points.iter().map(|(_, v)| json!(v)).collect::<Vec<_>>(),
            "StatusCode": "Complete",
        }));
    }
    Ok(json!({ "MetricDataResults": results, "Messages": [] }))
}
