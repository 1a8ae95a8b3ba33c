//! ListMetrics: filters by namespace, name, dimensions and recent activity; 500 per page.

use serde_json::{Value, json};

use super::{list, next_token, page, render_dimensions, required, string};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{Millis, RECENTLY_ACTIVE_MS};
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value, now: Millis) -> Result<Value, AwsError> {
    let namespace = string(body, "Namespace");
    let name = string(body, "MetricName");
    let mut filters = Vec::new();
    for (i, d) in list(body, "Dimensions").iter().enumerate() {
        let n = required(d, "Name", &format!("Dimensions.member.{}.Name", i + 1))?;
        filters.push((n, string(d, "Value")));
    }
    let since = match string(body, "RecentlyActive").as_deref() {
        None => None,
        Some("PT3H") => Some(now - RECENTLY_ACTIVE_MS),
        Some(other) => return Err(errors::invalid_param("RecentlyActive", other)),
    };
    let offset = next_token(body)?;
    let keys = cw.model().list_metrics(
        region,
        namespace.as_deref(),
        name.as_deref(),
        &filters,
        since,
    );
    let (keys, next) = page(keys, offset, 500);
    let metrics: Vec<Value> = keys
        .iter()
        .map(|k| json!({"Namespace": k.namespace, "MetricName": k.name, "Dimensions": render_dimensions(&k.dimensions)}))
        .collect();
    let mut out = json!({ "Metrics": metrics });
    if let Some(t) = next {
        out["NextToken"] = t.into();
    }
    Ok(out)
}
