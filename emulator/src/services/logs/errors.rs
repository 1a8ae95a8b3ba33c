//! Every CloudWatch Logs error emul returns, with AWS's code and message.
//! Model code returns [`LogsError`]; the wire adapter turns it into an
//! [`AwsError`] with [`LogsError::to_aws`]. CloudWatch Logs reports
//! constraint violations ("1 validation error detected: …") as
//! `InvalidParameterException`, not `ValidationException`.

use crate::gateway::AwsError;

/// A CloudWatch Logs failure. Each variant's `#[error]` text is the
/// message AWS sends; [`LogsError::code`] is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogsError {
    /// The log group does not exist.
    #[error("The specified log group does not exist.")]
    GroupNotFound,
    /// The log stream does not exist (its group does).
    #[error("The specified log stream does not exist.")]
    StreamNotFound,
    /// CreateLogGroup with a name in use.
    #[error("The specified log group already exists")]
    GroupExists,
    /// CreateLogStream with a name in use.
    #[error("The specified log stream already exists")]
    StreamExists,
    /// PutLogEvents with events out of time order.
    #[error("Log events in a single PutLogEvents request must be in chronological order.")]
    NotChronological,
    /// PutLogEvents whose events span more than 24 hours.
    #[error(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
    )]
    SpanTooLong,
    /// PutLogEvents above 1,048,576 bytes (26 bytes per event counted).
    #[error("Upload too large: {0} bytes exceeds limit of 1048576")]
    UploadTooLarge(usize),
    /// A token emul did not issue.
    #[error("The specified nextToken is invalid.")]
    InvalidNextToken,
    /// A parameter value AWS refuses (the message says which and why).
    #[error("{0}")]
    InvalidParameter(String),
    /// A constraint violation in AWS's "1 validation error detected" form.
    #[error("{0}")]
    Validation(String),
    /// The request body does not match the operation's input shape.
    #[error("{0}")]
    Serialization(String),
    /// The durable store failed; nothing was acknowledged.
    #[error("{0}")]
    Internal(String),
}

impl LogsError {
    /// The wire code (`__type`).
    pub fn code(&self) -> &'static str {
        use LogsError::*;
        match self {
            GroupNotFound | StreamNotFound => "ResourceNotFoundException",
            GroupExists | StreamExists => "ResourceAlreadyExistsException",
            NotChronological | SpanTooLong | UploadTooLarge(_) | InvalidNextToken
            | InvalidParameter(_) | Validation(_) => "InvalidParameterException",
            Serialization(_) => "SerializationException",
            Internal(_) => "ServiceUnavailableException",
        }
    }

    /// The gateway error.
    pub fn to_aws(&self) -> AwsError {
        match self {
            LogsError::Internal(m) => AwsError::server(self.code(), m.clone()),
            other => AwsError::client(other.code(), other.to_string()),
        }
    }

    /// AWS's "Member must not be null" error for `member`.
    pub fn missing(member: &str) -> Self {
        LogsError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// AWS's length-constraint error for `member`.
    pub fn length(member: &str, value: &str, min: usize, max: usize) -> Self {
        let bound = if value.len() < min {
            format!("Member must have length greater than or equal to {min}")
        } else {
            format!("Member must have length less than or equal to {max}")
        };
        LogsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {bound}"
        ))
    }

    /// AWS's range-constraint error for a number `member`.
    pub fn range(member: &str, value: i64, min: i64, max: i64) -> Self {
        let bound = if value < min {
            format!("Member must have value greater than or equal to {min}")
        } else {
            format!("Member must have value less than or equal to {max}")
        };
        LogsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {bound}"
        ))
    }
}

impl From<LogsError> for AwsError {
    fn from(e: LogsError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let cases: Vec<(LogsError, &str, &str)> = vec![
            (
                LogsError::GroupNotFound,
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ),
            (
                LogsError::StreamNotFound,
                "ResourceNotFoundException",
                "The specified log stream does not exist.",
            ),
            (
                LogsError::GroupExists,
                "ResourceAlreadyExistsException",
                "The specified log group already exists",
            ),
            (
                LogsError::StreamExists,
                "ResourceAlreadyExistsException",
                "The specified log stream already exists",
            ),
            (
                LogsError::NotChronological,
                "InvalidParameterException",
                "Log events in a single PutLogEvents request must be in chronological order.",
            ),
            (
                LogsError::UploadTooLarge(1048601),
                "InvalidParameterException",
                "Upload too large: 1048601 bytes exceeds limit of 1048576",
            ),
            (
                LogsError::missing("logGroupName"),
                "InvalidParameterException",
                "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
            ),
            (
                LogsError::range("limit", 0, 1, 50),
                "InvalidParameterException",
                "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
        ];
        for (err, code, message) in cases {
            let aws = err.to_aws();
            assert_eq!((aws.code.as_str(), aws.message.as_str()), (code, message));
            assert_eq!(aws.status, 400);
        }
        assert_eq!(LogsError::Internal("disk".into()).to_aws().status, 500);
    }
}
