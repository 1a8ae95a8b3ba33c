//! DescribeAlarms: metric alarms by names, prefix, state or action prefix.

use serde_json::{Value, json};

use super::{integer, next_token, page, render_alarm, string, strings};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::AlarmState;
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let names = strings(body, "AlarmNames");
    let prefix = string(body, "AlarmNamePrefix");
    if !names.is_empty() && prefix.is_some() {
        return Err(errors::exclusive("AlarmNames", "AlarmNamePrefix"));
    }
    let state = match string(body, "StateValue") {
        None => None,
        Some(s) => {
            Some(AlarmState::parse(&s).ok_or_else(|| errors::invalid_param("StateValue", &s))?)
        }
    };
    let action_prefix = string(body, "ActionPrefix");
    let types = strings(body, "AlarmTypes");
    for t in &types {
        if t != "MetricAlarm" && t != "CompositeAlarm" {
            return Err(errors::invalid_param("AlarmTypes", t));
        }
    }
    let metric_alarms = types.is_empty() || types.iter().any(|t| t == "MetricAlarm");
    let max = integer(body, "MaxRecords", "MaxRecords")?.unwrap_or(50);
    if !(1..=100).contains(&max) {
        return Err(errors::invalid_param("MaxRecords", &max.to_string()));
    }
    let offset = next_token(body)?;
    let model = cw.model();
    let alarms: Vec<Value> = model
        .alarms(region)
        .into_iter()
        .flat_map(|a| a.values())
        .filter(|_| metric_alarms)
        .filter(|a| names.is_empty() || names.contains(&a.spec.name))
        .filter(|a| {
            prefix
                .as_ref()
                .is_none_or(|p| a.spec.name.starts_with(p.as_str()))
        })
        .filter(|a| state.is_none_or(|s| a.state == s))
        .filter(|a| {
            action_prefix
                .as_ref()
                .is_none_or(|p| a.all_actions().any(|x| x.starts_with(p.as_str())))
        })
        .map(render_alarm)
        .collect();
    let (alarms, next) = page(alarms, offset, max as usize);
    let mut out = json!({ "MetricAlarms": alarms });
    if types.iter().any(|t| t == "CompositeAlarm") {
        out["CompositeAlarms"] = json!([]);
    }
    if let Some(t) = next {
        out["NextToken"] = t.into();
    }
    Ok(out)
}
