//! DeleteAlarms: names that do not exist are ignored (AWS: "If you specify
//! any incorrect alarm names, the alarms you specify with correct names are
//! still deleted"; emul answers success).

use serde_json::{Value, json};

use super::strings;
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value) -> Result<Value, AwsError> {
    let names = strings(body, "AlarmNames");
    if names.is_empty() {
        return Err(errors::missing("AlarmNames"));
    }
    if names.len() > 100 {
        return Err(errors::invalid_value(
            "The collection AlarmNames must not have a size greater than 100.",
        ));
    }
    cw.model().delete_alarms(region, &names);
    Ok(json!({}))
}
