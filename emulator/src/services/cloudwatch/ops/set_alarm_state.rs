//! SetAlarmState: a temporary state until the alarm's next evaluation.

use serde_json::{Value, json};

use super::{required, string};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;
use crate::services::cloudwatch::model::{AlarmState, Millis};
use crate::services::cloudwatch::service::CloudWatch;

pub fn run(cw: &CloudWatch, region: &str, body: &Value, now: Millis) -> Result<Value, AwsError> {
    let name = required(body, "AlarmName", "AlarmName")?;
    let value = required(body, "StateValue", "StateValue")?;
    let state =
        AlarmState::parse(&value).ok_or_else(|| errors::invalid_param("StateValue", &value))?;
    let reason = required(body, "StateReason", "StateReason")?;
    let data = string(body, "StateReasonData");
    if let Some(d) = &data
        && serde_json::from_str::<Value>(d).is_err()
    {
        // Closest AWS wording.
        return Err(errors::invalid_format(
            "The parameter StateReasonData is not valid JSON.",
        ));
    }
    cw.model()
        .set_alarm_state(region, &name, state, &reason, data, now)?;
    Ok(json!({}))
}
