//! Every ACM error emul returns, with AWS's code and message. Model code
//! returns [`AcmError`]; the wire adapter turns it into an [`AwsError`].

use crate::gateway::AwsError;

/// An ACM failure. Each variant's text is the message sent; [`AcmError::code`]
/// is the `__type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcmError {
    /// No certificate with that ARN in the account and region.
    #[error("Certificate with arn {arn} not found in account {account}")]
    NotFound {
        /// The ARN asked for.
        arn: String,
        /// The caller's account.
        account: String,
    },
    /// A string that is not a certificate ARN.
    #[error("String '{0}' is not a valid ARN")]
    InvalidArn(String),
    /// DeleteCertificate of a certificate a load balancer presents.
    #[error("Certificate {arn} in use by {user}")]
    InUse {
        /// The certificate.
        arn: String,
        /// The first resource using it.
        user: String,
    },
    /// More than 50 tags on one certificate.
    #[error("the TagSet: '{0}' contains too many Tags")]
    TooManyTags(String),
    /// A tag key or value AWS refuses (reserved prefix, length).
    #[error("{0}")]
    InvalidTag(String),
    /// A parameter value AWS refuses (the message says which and why).
    #[error("{0}")]
    InvalidParameter(String),
    /// An unusable domain name or validation option in RequestCertificate.
    #[error("{0}")]
    InvalidDomainValidationOptions(String),
    /// A constraint violation or unreadable certificate material.
    #[error("{0}")]
    Validation(String),
    /// A ListCertificates `NextToken` emul did not issue.
    #[error("Invalid NextToken")]
    InvalidNextToken,
    /// The request body does not match the operation's input shape.
    #[error("{0}")]
    Serialization(String),
    /// The durable store or the local CA failed; nothing was acknowledged.
    #[error("{0}")]
    Internal(String),
}

impl AcmError {
    /// The wire code (`__type`).
    pub fn code(&self) -> &'static str {
        use AcmError::*;
        match self {
            NotFound { .. } => "ResourceNotFoundException",
            InvalidArn(_) => "InvalidArnException",
            InUse { .. } => "ResourceInUseException",
            TooManyTags(_) => "TooManyTagsException",
            InvalidTag(_) => "InvalidTagException",
            InvalidParameter(_) => "InvalidParameterException",
            InvalidDomainValidationOptions(_) => "InvalidDomainValidationOptionsException",
            Validation(_) => "ValidationException",
            InvalidNextToken => "InvalidArgsException",
            Serialization(_) => "SerializationException",
            Internal(_) => "InternalFailure",
        }
    }

    /// The gateway error.
    pub fn to_aws(&self) -> AwsError {
        match self {
            AcmError::Internal(m) => AwsError::server(self.code(), m.clone()),
            other => AwsError::client(other.code(), other.to_string()),
        }
    }

    /// AWS's "Member must not be null" error for `member`.
    pub fn missing(member: &str) -> Self {
        AcmError::Validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }
}

impl From<AcmError> for AwsError {
    fn from(e: AcmError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = AcmError::NotFound {
            arn: "arn:aws:acm:us-east-1:123456789012:certificate/x".into(),
            account: "123456789012".into(),
        };
        assert_eq!(e.code(), "ResourceNotFoundException");
        assert_eq!(
            e.to_string(),
            "Certificate with arn arn:aws:acm:us-east-1:123456789012:certificate/x not found in account 123456789012"
        );
        let e = AcmError::InUse {
            arn: "arn:c".into(),
            user: "arn:lb".into(),
        };
        assert_eq!(e.code(), "ResourceInUseException");
        assert_eq!(e.to_string(), "Certificate arn:c in use by arn:lb");
        assert_eq!(
            AcmError::missing("domainName").to_string(),
            "1 validation error detected: Value null at 'domainName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            AcmError::InvalidArn("x".into()).code(),
            "InvalidArnException"
        );
    }
}
