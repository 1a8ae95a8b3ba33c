//! EnableAlarmActions / DisableAlarmActions.

use serde_json::{Value, json};

use super::strings;
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value, enabled: bool) -> Result<Value, AwsError> {
    let names = strings(body, "AlarmNames");
    if names.is_empty() {
        return Err(errors::missing("AlarmNames"));
    }
    cw.model().set_actions_enabled(region, &names, enabled);
    Ok(json!({}))
}
