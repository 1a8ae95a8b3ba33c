//! Every Secrets Manager error emul returns, with AWS's exact code and message
//! (aws-reference.md Part 3). Model code returns [`SmError`]; the wire adapter
//! turns it into an [`AwsError`] with [`SmError::to_aws`].

use crate::gateway::AwsError;

/// A Secrets Manager failure. Each variant's `#[error]` text is the message
/// AWS sends; [`SmError::code`] is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    /// The secret does not exist (or its recovery window has passed).
    #[error("Secrets Manager can't find the specified secret.")]
    SecretNotFound,
    /// No version carries the requested staging label.
    #[error("Secrets Manager can't find the specified secret value for staging label: {0}")]
    LabelNotFound(String),
    /// No version has the requested id.
    #[error("Secrets Manager can't find the specified secret value for VersionId: {0}")]
    VersionNotFound(String),
    /// GetSecretValue got a VersionId and a VersionStage for different versions.
    #[error("You provided a VersionStage that is not associated to the provided VersionId.")]
    StageVersionMismatch,
    /// CreateSecret with a name that already exists.
    #[error("The operation failed because the secret {0} already exists.")]
    SecretExists(String),
    /// A ClientRequestToken already used for a different value.
    #[error(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    )]
    TokenInUse {
        /// The reused token.
        token: String,
        /// The ARN of the secret holding it.
        arn: String,
    },
    /// CreateSecret with the name of a secret scheduled for deletion.
    #[error(
        "You can't create this secret because a secret with this name is already scheduled for deletion."
    )]
    NameScheduledForDeletion,
    /// An operation on a secret scheduled for deletion.
    #[error("You can't perform this operation on the secret because it was marked for deletion.")]
    MarkedForDeletion,
    /// A raw request without ClientRequestToken (InvalidRequestException,
    /// except RotateSecret, which says the same as InvalidParameterException).
    #[error("You must provide a ClientRequestToken value. We recommend a UUID-type value.")]
    MissingToken {
        /// `true` for RotateSecret's InvalidParameterException flavour.
        rotate: bool,
    },
    /// A name or SecretId with characters AWS does not allow.
    #[error(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
    )]
    InvalidName,
    /// Both SecretString and SecretBinary.
    #[error(
        "You can't specify both a binary secret value and a string secret value in the same secret."
    )]
    BothValues,
    /// Neither SecretString nor SecretBinary where one is needed.
    #[error("You must provide either SecretString or SecretBinary.")]
    NoValue,
    /// UpdateSecretVersionStage moving a label without naming its holder.
    #[error(
        "The parameter RemoveFromVersionId can't be empty. Staging label {label} is currently attached to version {holder}, so you must explicitly reference that version in RemoveFromVersionId."
    )]
    RemoveFromRequired {
        /// The label being moved.
        label: String,
        /// The version currently holding it.
        holder: String,
    },
    /// RemoveFromVersionId names a version that does not hold the label.
    #[error("Version stage {label} not found in version {version}")]
    StageNotOnVersion {
        /// The label.
        label: String,
        /// The version named by RemoveFromVersionId.
        version: String,
    },
    /// A version id that does not exist, in UpdateSecretVersionStage.
    #[error("Not a valid version: {0}")]
    NotAValidVersion(String),
    /// DeleteSecret window outside 7–30.
    #[error("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")]
    RecoveryWindowRange,
    /// DeleteSecret with both options.
    #[error("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")]
    ForceWithWindow,
    /// A non-force DeleteSecret of a secret already scheduled.
    #[error("You tried to perform the operation on a secret that's currently marked deleted.")]
    AlreadyScheduled,
    /// RotateSecret with no Lambda configured or given.
    #[error("No Lambda rotation function ARN is associated with this secret.")]
    NoRotationLambda,
    /// RotateSecret with a Lambda: emul cannot invoke Lambda functions.
    #[error(
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."
    )]
    CannotInvokeLambda,
    /// RotateSecret while AWSPENDING sits on a non-current version.
    #[error("Previous rotation request is still in progress.")]
    RotationInProgress,
    /// GetRandomPassword asked for more required types than its length.
    #[error("Password length is too short based on the required types.")]
    PasswordTooShort,
    /// BatchGetSecretValue with both or neither of SecretIdList and Filters.
    #[error("Either 'SecretIdList' or 'Filters' must be provided, but not both.")]
    BatchListXorFilters,
    /// A ListSecrets/BatchGetSecretValue filter without `Key`: the model
    /// leaves the member optional, so this is the service's own check (the
    /// wording moto's tests expect).
    #[error("Invalid filter key")]
    InvalidFilterKey,
    /// BatchGetSecretValue with MaxResults and SecretIdList (MaxResults
    /// pages the secrets a filter finds).
    #[error(
        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."
    )]
    MaxResultsWithoutFilters,
    /// A NextToken emul did not issue.
    #[error("The NextToken value is invalid.")]
    InvalidNextToken,
    /// A parameter value outside its documented range (message says which).
    #[error("{0}")]
    InvalidParameter(String),
    /// A value that is not valid for the resource's state (message says why).
    #[error("{0}")]
    InvalidRequest(String),
    /// A constraint violation in AWS's "1 validation error detected" form.
    #[error("{0}")]
    Validation(String),
    /// The resource policy is not a JSON document.
    #[error("{0}")]
    MalformedPolicy(String),
    /// The request body does not match the operation's input shape.
    #[error("{0}")]
    Serialization(String),
    /// The durable store failed; nothing was changed.
    #[error("{0}")]
    Internal(String),
}

impl SmError {
    /// The wire code (`__type`).
    pub fn code(&self) -> &'static str {
        use SmError::*;
        match self {
            SecretNotFound | LabelNotFound(_) | VersionNotFound(_) => "ResourceNotFoundException",
            SecretExists(_) | TokenInUse { .. } => "ResourceExistsException",
            StageVersionMismatch
            | NameScheduledForDeletion
            | MarkedForDeletion
            | NoValue
            | AlreadyScheduled
            | NoRotationLambda
            | InvalidRequest(_)
            | MissingToken { rotate: false } => "InvalidRequestException",
            MissingToken { rotate: true }
            | BothValues
            | RemoveFromRequired { .. }
            | StageNotOnVersion { .. }
            | NotAValidVersion(_)
            | RecoveryWindowRange
            | ForceWithWindow
            | RotationInProgress
            | PasswordTooShort
            | BatchListXorFilters
            | InvalidFilterKey
            | MaxResultsWithoutFilters
            | InvalidParameter(_) => "InvalidParameterException",
            InvalidName | Validation(_) => "ValidationException",
            CannotInvokeLambda => "AccessDeniedException",
            InvalidNextToken => "InvalidNextTokenException",
            MalformedPolicy(_) => "MalformedPolicyDocumentException",
            Serialization(_) => "SerializationException",
            Internal(_) => "InternalServiceError",
        }
    }

    /// The gateway error.
    pub fn to_aws(&self) -> AwsError {
        match self {
            SmError::Internal(m) => AwsError::server(self.code(), m.clone()),
            other => AwsError::client(other.code(), other.to_string()),
        }
    }

    /// AWS's "Member must not be null" validation error for `member`
    /// (lowerCamelCase, as AWS names it in these messages).
    pub fn missing(member: &str) -> Self {
        SmError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }
}

impl From<SmError> for AwsError {
    fn from(e: SmError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact strings of aws-reference.md §3.5's summary table.
    #[test]
    fn codes_and_messages_match_the_reference() {
        let cases: Vec<(SmError, &str, &str)> = vec![
            (
                SmError::SecretNotFound,
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            ),
            (
                SmError::LabelNotFound("AWSPREVIOUS".into()),
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
            ),
            (
                SmError::VersionNotFound("v9".into()),
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret value for VersionId: v9",
            ),
            (
                SmError::StageVersionMismatch,
                "InvalidRequestException",
                "You provided a VersionStage that is not associated to the provided VersionId.",
            ),
            (
                SmError::SecretExists("db".into()),
                "ResourceExistsException",
                "The operation failed because the secret db already exists.",
            ),
            (
                SmError::TokenInUse {
                    token: "T".into(),
                    arn: "arn:x".into(),
                },
                "ResourceExistsException",
                "You can't use ClientRequestToken T because that value is already in use for a version of secret arn:x.",
            ),
            (
                SmError::NameScheduledForDeletion,
                "InvalidRequestException",
                "You can't create this secret because a secret with this name is already scheduled for deletion.",
            ),
            (
                SmError::MarkedForDeletion,
                "InvalidRequestException",
                "You can't perform this operation on the secret because it was marked for deletion.",
            ),
            (
                SmError::MissingToken { rotate: false },
                "InvalidRequestException",
                "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
            ),
            (
                SmError::MissingToken { rotate: true },
                "InvalidParameterException",
                "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
            ),
            (
                SmError::InvalidName,
                "ValidationException",
                "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
            ),
            (
                SmError::BothValues,
                "InvalidParameterException",
                "You can't specify both a binary secret value and a string secret value in the same secret.",
            ),
            (
                SmError::RemoveFromRequired {
                    label: "AWSCURRENT".into(),
                    holder: "v1".into(),
                },
                "InvalidParameterException",
                "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version v1, so you must explicitly reference that version in RemoveFromVersionId.",
            ),
            (
                SmError::RecoveryWindowRange,
                "InvalidParameterException",
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ),
            (
                SmError::ForceWithWindow,
                "InvalidParameterException",
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            ),
            (
                SmError::NoRotationLambda,
                "InvalidRequestException",
                "No Lambda rotation function ARN is associated with this secret.",
            ),
            // The wording moto's tests expect.
            (
                SmError::InvalidFilterKey,
                "InvalidParameterException",
                "Invalid filter key",
            ),
            (
                SmError::MaxResultsWithoutFilters,
                "InvalidParameterException",
                "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
            ),
        ];
        for (err, code, message) in cases {
            let aws = err.to_aws();
            assert_eq!(aws.code, code, "{err:?}");
            assert_eq!(aws.message, message, "{err:?}");
            assert_eq!(aws.status, 400);
        }
        assert_eq!(SmError::Internal("disk".into()).to_aws().status, 500);
    }

    #[test]
    fn validation_messages() {
        assert_eq!(
            SmError::missing("secretId").to_string(),
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
        );
    }
}
