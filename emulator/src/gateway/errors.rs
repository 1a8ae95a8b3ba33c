//! AWS-shaped errors that every protocol codec knows how to render.
//!
//! A service (or the gateway itself) fails a request with an [`AwsError`]: the
//! wire `code` (JSON `__type`, query `<Code>`), a human `message`, the HTTP
//! status and whether the caller is at fault. The codecs in [`super::json`]
//! and [`super::query`] turn it into bytes; nothing here knows the wire.

/// One AWS error as the client will see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// The error code on the wire: the JSON `__type`, the query `<Code>`, and
    /// the `X-Amzn-Errortype` header. SDKs map it back to a typed exception.
    pub code: String,
    /// The message, exactly as AWS words it (tests compare it verbatim).
    pub message: String,
    /// The HTTP status (400 for client faults, 500 for server faults).
    pub status: u16,
    /// `true` when the caller is at fault (`<Type>Sender</Type>` in XML).
    pub sender_fault: bool,
}

impl AwsError {
    /// A client-fault (HTTP 400) error.
    pub fn client(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: 400,
            sender_fault: true,
        }
    }

    /// A server-fault (HTTP 500) error.
    pub fn server(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: 500,
            sender_fault: false,
        }
    }

    /// Overrides the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// An operation the service does not have. JSON protocols answer
    /// `UnknownOperationException`; query protocols `InvalidAction`.
    pub fn unknown_operation(operation: &str) -> Self {
        Self::client(
            "UnknownOperationException",
            format!("Unknown operation: {operation}"),
        )
    }

    /// The query-protocol counterpart of [`Self::unknown_operation`].
    pub fn invalid_action(action: &str) -> Self {
        Self::client(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        )
    }

    /// The request body could not be read as the protocol demands.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    /// A request that names no service we host, or none at all.
    pub fn unknown_service(what: &str) -> Self {
        Self::client(
            "UnknownServiceException",
            format!(
                "emul does not serve {what}; it serves Secrets Manager \
                 (X-Amz-Target: secretsmanager.<Operation>) and the services listed at GET /_emul/health"
            ),
        )
        .with_status(400)
    }

    /// A body larger than the gateway accepts.
    pub fn body_too_large(limit: usize) -> Self {
        Self::client(
            "RequestEntityTooLargeException",
            format!("Request body exceeds the maximum allowed size of {limit} bytes."),
        )
        .with_status(413)
    }

    /// `--strict-auth`: the request carries no (parsable) SigV4 signature.
    pub fn missing_authentication() -> Self {
        Self::client(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// `--strict-auth`: the access key is not one of `--credentials`.
    pub fn unrecognized_client() -> Self {
        Self::client(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// `--strict-auth`: the signature does not match.
    pub fn invalid_signature() -> Self {
        Self::client(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.",
        )
    }

    /// An unexpected failure inside emul (I/O, a poisoned store).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::server("InternalFailure", message)
    }
}
