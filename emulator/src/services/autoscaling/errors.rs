//! Every Application Auto Scaling error emul returns, with AWS's code and
//! message. Model code returns [`ScalingError`]; the wire adapter turns it
//! into an [`AwsError`] (`__type` + `Message`, awsJson1_1).

use crate::gateway::AwsError;

/// An Application Auto Scaling failure. Each variant's `#[error]` text is
/// the message AWS sends; [`ScalingError::code`] is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalingError {
    /// A bad parameter: constraint violations in AWS's "1 validation
    /// error detected" form, or a rule of the service.
    #[error("{0}")]
    Validation(String),
    /// PutScalingPolicy / DeleteScalingPolicy / DeregisterScalableTarget
    /// naming something that is not registered.
    #[error("{0}")]
    NotFound(String),
    /// A token emul did not issue.
    #[error("Invalid NextToken")]
    InvalidNextToken,
    /// The request body does not match the operation's input shape.
    #[error("{0}")]
    Serialization(String),
}

impl ScalingError {
    /// The wire code (`__type`).
    pub fn code(&self) -> &'static str {
        match self {
            ScalingError::Validation(_) => "ValidationException",
            ScalingError::NotFound(_) => "ObjectNotFoundException",
            ScalingError::InvalidNextToken => "InvalidNextTokenException",
            ScalingError::Serialization(_) => "SerializationException",
        }
    }

    /// The gateway error.
    pub fn to_aws(&self) -> AwsError {
        AwsError::client(self.code(), self.to_string())
    }

    /// AWS's "Member must not be null" error for `member`.
    pub fn missing(member: &str) -> Self {
        ScalingError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// AWS's enum-constraint error for `member`.
    pub fn not_in_enum(member: &str, value: &str, allowed: &[&str]) -> Self {
        ScalingError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))
    }

    /// What PutScalingPolicy and DeleteScalingPolicy say when no target is
    /// registered for the resource.
    pub fn no_target(namespace: &str, resource_id: &str, dimension: &str) -> Self {
        ScalingError::NotFound(format!(
            "No scalable target registered for service namespace: {namespace}, resource ID: {resource_id}, scalable dimension: {dimension}"
        ))
    }
}

impl From<ScalingError> for AwsError {
    fn from(e: ScalingError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = ScalingError::no_target("ecs", "service/default/web", "ecs:service:DesiredCount");
        assert_eq!(e.code(), "ObjectNotFoundException");
        assert_eq!(
            e.to_string(),
            "No scalable target registered for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount"
        );
        let e = ScalingError::missing("resourceId");
        assert_eq!(e.code(), "ValidationException");
        assert!(e.to_string().ends_with("Member must not be null"));
        assert_eq!(
            ScalingError::InvalidNextToken.code(),
            "InvalidNextTokenException"
        );
    }
}
