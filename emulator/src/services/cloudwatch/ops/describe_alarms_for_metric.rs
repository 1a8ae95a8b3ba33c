//! DescribeAlarmsForMetric: the alarms watching one metric.

use serde_json::{Value, json};

use super::{dimensions, integer, render_alarm, required, string};
use crate::gateway::AwsError;
use crate::services::cloudwatch::model::MetricKey;
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let namespace = required(body, "Namespace", "Namespace")?;
    let name = required(body, "MetricName", "MetricName")?;
    let dims = dimensions(body, "Dimensions", "Dimensions")?;
    let statistic = string(body, "Statistic").or_else(|| string(body, "ExtendedStatistic"));
    let period = integer(body, "Period", "Period")?;
    let unit = string(body, "Unit");
    let key = MetricKey::new(&namespace, &name, &dims);
    let model = cw.model();
    let alarms: Vec<Value> = model
        .alarms(region)
        .into_iter()
        .flat_map(|a| a.values())
        .filter(|a| a.metric() == key)
        .filter(|a| statistic.as_ref().is_none_or(|s| &a.spec.statistic == s))
        .filter(|a| period.is_none_or(|p| a.spec.period_secs == p))
        .filter(|a| unit.is_none() || a.spec.unit == unit)
        .map(render_alarm)
        .collect();
    Ok(json!({ "MetricAlarms": alarms }))
}
