//! CloudWatch's errors: the awsQuery codes botocore's model gives
//! (`InvalidParameterValue`, `MissingParameter`, `ResourceNotFound`, …), the
//! modeled shape names that CBOR / JSON 1.0 errors carry as `__type`, and
//! the messages. Messages marked "AWS wording" are the text AWS sends; the
//! others follow AWS's closest wording for that code (AWS does not document
//! them) and say so.

use crate::gateway::AwsError;

/// Query error code → modeled shape (botocore `cloudwatch/2010-08-01`).
pub const ERROR_SHAPES: &[(&str, &str)] = &[
    ("InvalidParameterValue", "InvalidParameterValueException"),
    ("MissingParameter", "MissingRequiredParameterException"),
    (
        "InvalidParameterCombination",
        "InvalidParameterCombinationException",
    ),
    ("ResourceNotFound", "ResourceNotFound"),
    ("InvalidNextToken", "InvalidNextToken"),
    ("InvalidFormat", "InvalidFormatFault"),
    ("LimitExceeded", "LimitExceededFault"),
    ("InternalServiceError", "InternalServiceFault"),
];

/// `InvalidParameterValue` (HTTP 400).
pub fn invalid_value(message: impl Into<String>) -> AwsError {
    AwsError::client("InvalidParameterValue", message)
}

/// AWS wording: `The value AWS/ECS for parameter Namespace is invalid.`
pub fn invalid_param(param: &str, value: &str) -> AwsError {
    invalid_value(format!(
        "The value {value} for parameter {param} is invalid."
    ))
}

/// AWS wording: `The parameter X is required.` (`MissingParameter`).
pub fn missing(param: &str) -> AwsError {
    AwsError::client(
        "MissingParameter",
        format!("The parameter {param} is required."),
    )
}

/// AWS wording: `The parameters A and B are mutually exclusive and you have
/// specified both.` (`InvalidParameterCombination`).
pub fn exclusive(a: &str, b: &str) -> AwsError {
    AwsError::client(
        "InvalidParameterCombination",
        format!("The parameters {a} and {b} are mutually exclusive and you have specified both."),
    )
}

/// `InvalidParameterCombination` with a free message.
pub fn combination(message: impl Into<String>) -> AwsError {
    AwsError::client("InvalidParameterCombination", message)
}

/// SetAlarmState on a missing alarm: `ResourceNotFound`, HTTP 404 as
/// modeled; AWS wording `Alarm <name> not found`.
pub fn alarm_not_found(name: &str) -> AwsError {
    AwsError::client("ResourceNotFound", format!("Alarm {name} not found")).with_status(404)
}

/// A `NextToken` emul did not issue (closest AWS wording).
pub fn invalid_next_token() -> AwsError {
    AwsError::client(
        "InvalidNextToken",
        "The service cannot parse the NextToken.",
    )
}

/// `StateReasonData` that is not JSON (`InvalidFormat`, closest AWS wording).
pub fn invalid_format(message: impl Into<String>) -> AwsError {
    AwsError::client("InvalidFormat", message)
}

/// A feature of the API emul does not emulate (metric math, anomaly
/// detection): `InvalidParameterValue` saying so plainly.
pub fn not_supported(what: &str) -> AwsError {
    invalid_value(format!("emul does not support {what}."))
}
