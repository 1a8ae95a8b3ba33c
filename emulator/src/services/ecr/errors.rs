//! Every ECR error emul returns, with AWS's exact code and message (the
//! messages match what ECR sends; `docs/decisions/0013-ecr-registry.md`).
//! Model code returns [`EcrError`]; the wire adapter turns it into an
//! [`AwsError`] with [`EcrError::to_aws`].

use crate::gateway::AwsError;

/// An ECR failure. Each variant's `#[error]` text is the message AWS sends;
/// [`EcrError::code`] is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcrError {
    /// No repository of that name in the registry.
    #[error(
        "The repository with name '{name}' does not exist in the registry with id '{registry}'"
    )]
    RepositoryNotFound {
        /// The repository name asked for.
        name: String,
        /// The registry (account) id.
        registry: String,
    },
    /// CreateRepository with a name already taken.
    #[error(
        "The repository with name '{name}' already exists in the registry with id '{registry}'"
    )]
    RepositoryAlreadyExists {
        /// The repository name.
        name: String,
        /// The registry (account) id.
        registry: String,
    },
    /// DeleteRepository without `force` on a repository holding images.
    #[error(
        "The repository with name '{name}' in registry with id '{registry}' cannot be deleted because it still contains images"
    )]
    RepositoryNotEmpty {
        /// The repository name.
        name: String,
        /// The registry (account) id.
        registry: String,
    },
    /// DescribeImages of an image id that matches nothing. `image_id` is
    /// ECR's rendering `{imageDigest:'…', imageTag:'…'}` (`null` when absent).
    #[error(
        "The image with imageId {image_id} does not exist within the repository with name '{name}' in the registry with id '{registry}'"
    )]
    ImageNotFound {
        /// The rendered image id.
        image_id: String,
        /// The repository name.
        name: String,
        /// The registry (account) id.
        registry: String,
    },
    /// A push that would move an existing tag in an IMMUTABLE repository.
    #[error(
        "The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten because the repository is immutable."
    )]
    ImageTagAlreadyExists {
        /// The tag.
        tag: String,
        /// The repository name.
        name: String,
    },
    /// GetLifecyclePolicy/DeleteLifecyclePolicy with no policy stored.
    #[error(
        "Lifecycle policy does not exist for the repository with name '{name}' in the registry with id '{registry}'"
    )]
    LifecyclePolicyNotFound {
        /// The repository name.
        name: String,
        /// The registry (account) id.
        registry: String,
    },
    /// A parameter ECR checks itself (names, ARNs, policy text).
    #[error("{0}")]
    InvalidParameter(String),
    /// A request that fails the API model's constraints (null, length, enum).
    #[error("{0}")]
    Validation(String),
    /// A malformed request body.
    #[error("{0}")]
    Serialization(String),
    /// emul could not persist the change (disk failure).
    #[error("{0}")]
    Internal(String),
}

impl EcrError {
    /// The wire `__type`.
    pub fn code(&self) -> &'static str {
        match self {
            EcrError::RepositoryNotFound { .. } => "RepositoryNotFoundException",
            EcrError::RepositoryAlreadyExists { .. } => "RepositoryAlreadyExistsException",
            EcrError::RepositoryNotEmpty { .. } => "RepositoryNotEmptyException",
            EcrError::ImageNotFound { .. } => "ImageNotFoundException",
            EcrError::ImageTagAlreadyExists { .. } => "ImageTagAlreadyExistsException",
            EcrError::LifecyclePolicyNotFound { .. } => "LifecyclePolicyNotFoundException",
            EcrError::InvalidParameter(_) => "InvalidParameterException",
            EcrError::Validation(_) => "ValidationException",
            EcrError::Serialization(_) => "SerializationException",
            EcrError::Internal(_) => "ServerException",
        }
    }

    /// The AWS error on the wire.
    pub fn to_aws(&self) -> AwsError {
        match self {
            EcrError::Internal(m) => AwsError::server(self.code(), m.clone()),
            other => AwsError::client(other.code(), other.to_string()),
        }
    }

    /// AWS's "Member must not be null" validation error for `member`.
    pub fn missing(member: &str) -> Self {
        EcrError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// An enum member outside its value set.
    pub fn not_in_enum(member: &str, value: &str, set: &str) -> Self {
        EcrError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{set}]"
        ))
    }
}

impl From<EcrError> for AwsError {
    fn from(e: EcrError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages_are_ecrs() {
        let e = EcrError::RepositoryNotFound {
            name: "x".into(),
            registry: "000000000000".into(),
        };
        assert_eq!(e.code(), "RepositoryNotFoundException");
        assert_eq!(
            e.to_string(),
            "The repository with name 'x' does not exist in the registry with id '000000000000'"
        );
        let e = EcrError::ImageTagAlreadyExists {
            tag: "v1".into(),
            name: "app".into(),
        };
        assert_eq!(
            e.to_string(),
            "The image tag 'v1' already exists in the 'app' repository and cannot be overwritten because the repository is immutable."
        );
        assert_eq!(e.to_aws().status, 400);
        assert_eq!(EcrError::Internal("disk".into()).to_aws().status, 500);
    }
}
