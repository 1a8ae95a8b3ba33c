//! Every ECS error emul returns, with AWS's code and message
//! (aws-reference.md §2.1). Model code returns [`EcsError`]; the wire adapter
//! turns it into an [`AwsError`] with [`EcsError::to_aws`]. ECS error bodies
//! carry a lowercase `message` member.

use crate::gateway::AwsError;

/// An ECS failure. Each variant's `#[error]` text is the message AWS sends;
/// [`EcsError::code`] is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    /// The named cluster does not exist (or is INACTIVE).
    #[error("Cluster not found.")]
    ClusterNotFound,
    /// The named service does not exist in the cluster.
    #[error("Service not found.")]
    ServiceNotFound,
    /// UpdateService on a DRAINING/INACTIVE service.
    #[error("Service was not ACTIVE.")]
    ServiceNotActive,
    /// A task definition reference that resolves to nothing.
    #[error("Unable to describe task definition.")]
    TaskDefinitionNotFound,
    /// A task definition revision that was deregistered.
    #[error("TaskDefinition is inactive")]
    TaskDefinitionInactive,
    /// CreateService with the name of an ACTIVE or DRAINING service.
    #[error("Creation of service was not idempotent.")]
    ServiceNotIdempotent,
    /// DeleteService without `force` on a service that still wants tasks.
    #[error("The service cannot be stopped while it is scaled above 0.")]
    ServiceScaledAboveZero,
    /// DeleteCluster while services are ACTIVE/DRAINING.
    #[error("The Cluster cannot be deleted while Services are active.")]
    ClusterContainsServices,
    /// DeleteCluster while tasks still run.
    #[error("The Cluster cannot be deleted while Tasks are active.")]
    ClusterContainsTasks,
    /// StopTask / a tag operation naming a task that does not exist.
    #[error("The referenced task was not found.")]
    TaskNotFound,
    /// A task set that does not exist in the service.
    #[error("The specified task set does not exist.")]
    TaskSetNotFound,
    /// DeleteCluster while container instances are registered.
    #[error("The Cluster cannot be deleted while Container Instances are active or draining.")]
    ClusterContainsContainerInstances,
    /// A container instance parameter that names none of the cluster's.
    #[error("The referenced container instance was not found.")]
    ContainerInstanceNotFound,
    /// An attribute's target that names no container instance; the text
    /// names the target.
    #[error("Could not find {0}")]
    TargetNotFound(String),
    /// More than 10 custom attributes on one resource.
    #[error("You can apply up to 10 custom attributes per resource.")]
    AttributeLimitExceeded,
    /// A tag operation on an ARN that names nothing.
    #[error("The specified resource could not be found.")]
    ResourceNotFound,
    /// A malformed or out-of-range parameter; the text names it.
    #[error("{0}")]
    InvalidParameter(String),
    /// A client-side mistake ECS reports as `ClientException`; the text says what.
    #[error("{0}")]
    Client(String),
    /// The request body did not decode.
    #[error("{0}")]
    Serialization(String),
}

impl EcsError {
    /// The `__type` on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            EcsError::ClusterNotFound => "ClusterNotFoundException",
            EcsError::ServiceNotFound => "ServiceNotFoundException",
            EcsError::ServiceNotActive => "ServiceNotActiveException",
            EcsError::TaskDefinitionNotFound
            | EcsError::TaskDefinitionInactive
            | EcsError::Client(_) => "ClientException",
            EcsError::ServiceNotIdempotent
            | EcsError::ServiceScaledAboveZero
            | EcsError::TaskNotFound
            | EcsError::InvalidParameter(_) => "InvalidParameterException",
            EcsError::ClusterContainsServices => "ClusterContainsServicesException",
            EcsError::ClusterContainsTasks => "ClusterContainsTasksException",
            EcsError::ClusterContainsContainerInstances => {
                "ClusterContainsContainerInstancesException"
            }
            EcsError::ContainerInstanceNotFound => "InvalidParameterException",
            EcsError::TargetNotFound(_) => "TargetNotFoundException",
            EcsError::AttributeLimitExceeded => "AttributeLimitExceededException",
            EcsError::ResourceNotFound => "ResourceNotFoundException",
            EcsError::TaskSetNotFound => "TaskSetNotFoundException",
            EcsError::Serialization(_) => "SerializationException",
        }
    }

    /// A required member that is missing.
    pub fn missing(member: &str) -> Self {
        EcsError::InvalidParameter(format!("{member} can not be null or empty."))
    }

    /// The protocol-neutral error the gateway renders.
    pub fn to_aws(&self) -> AwsError {
        AwsError::client(self.code(), self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages_match_aws() {
        let e = EcsError::ClusterNotFound.to_aws();
        assert_eq!(e.code, "ClusterNotFoundException");
        assert_eq!(e.message, "Cluster not found.");
        assert_eq!(e.status, 400);
        assert_eq!(
            EcsError::ServiceNotIdempotent.to_aws().code,
            "InvalidParameterException"
        );
        assert_eq!(
            EcsError::TaskDefinitionNotFound.to_string(),
            "Unable to describe task definition."
        );
    }
}
