//! DescribeAlarmHistory: configuration and state changes, newest first by default.

use serde_json::{Value, json};

use super::{integer, next_token, page, seconds, string, strings, timestamp};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let name = string(body, "AlarmName");
    let kind = string(body, "HistoryItemType");
    if let Some(k) = &kind
        && ![
            "ConfigurationUpdate",
            "StateUpdate",
            "Action",
            "AlarmContributorStateUpdate",
            "AlarmContributorAction",
        ]
        .contains(&k.as_str())
    {
        return Err(errors::invalid_param("HistoryItemType", k));
    }
    let types = strings(body, "AlarmTypes");
    let metric_alarms = types.is_empty() || types.iter().any(|t| t == "MetricAlarm");
    let start = timestamp(body, "StartDate", "StartDate")?;
    let end = timestamp(body, "EndDate", "EndDate")?;
    let ascending = match string(body, "ScanBy").as_deref() {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => return Err(errors::invalid_param("ScanBy", other)),
    };
    let max = integer(body, "MaxRecords", "MaxRecords")?.unwrap_or(100);
    if !(1..=100).contains(&max) {
        return Err(errors::invalid_param("MaxRecords", &max.to_string()));
    }
    let offset = next_token(body)?;
    let model = cw.model();
    let mut items: Vec<Value> = model
        .regions
        .get(region)
        .into_iter()
        .flat_map(|r| r.history.iter())
        .filter(|_| metric_alarms)
        .filter(|h| name.as_ref().is_none_or(|n| &h.alarm_name == n))
        .filter(|h| kind.as_ref().is_none_or(|k| h.item_type == k))
        .filter(|h| start.is_none_or(|s| h.timestamp >= s) && end.is_none_or(|e| h.timestamp <= e))
        .map(|h| {
            json!({
                "AlarmName": h.alarm_name,
                "AlarmType": "MetricAlarm",
                "Timestamp": seconds(h.timestamp),
                "HistoryItemType": h.item_type,
                "HistorySummary": h.summary,
                "HistoryData": h.data,
            })
        })
        .collect();
    if !ascending {
        items.reverse();
    }
    let (items, next) = page(items, offset, max as usize);
    let mut out = json!({ "AlarmHistoryItems": items });
    if let Some(t) = next {
        out["NextToken"] = t.into();
    }
    Ok(out)
}
