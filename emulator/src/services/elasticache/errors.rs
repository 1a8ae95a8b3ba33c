//! Every ElastiCache error emul returns, with AWS's wire code (the shape's
//! `error.code`) and message.

use crate::gateway::AwsError;

/// An ElastiCache failure, named after its wire code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// `ReplicationGroupNotFoundFault` (HTTP 404).
    #[error("Replication group {0} not found.")]
    ReplicationGroupNotFound(String),
    /// `CacheClusterNotFound` (HTTP 404).
    #[error("CacheCluster not found: {0}")]
    CacheClusterNotFound(String),
    /// `NodeGroupNotFoundFault` (HTTP 404).
    #[error("{0}")]
    NodeGroupNotFound(String),
    /// `InvalidReplicationGroupState`.
    #[error("{0}")]
    InvalidReplicationGroupState(String),
    /// `TestFailoverNotAvailableFault`.
    #[error("{0}")]
    TestFailoverNotAvailable(String),
    /// `InvalidParameterValue`.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `MissingParameter`.
    #[error("{0}")]
    MissingParameter(String),
}

impl CacheError {
    /// The wire code.
    pub fn code(&self) -> &'static str {
        match self {
            CacheError::ReplicationGroupNotFound(_) => "ReplicationGroupNotFoundFault",
            CacheError::CacheClusterNotFound(_) => "CacheClusterNotFound",
            CacheError::NodeGroupNotFound(_) => "NodeGroupNotFoundFault",
            CacheError::InvalidReplicationGroupState(_) => "InvalidReplicationGroupState",
            CacheError::TestFailoverNotAvailable(_) => "TestFailoverNotAvailableFault",
            CacheError::InvalidParameterValue(_) => "InvalidParameterValue",
            CacheError::MissingParameter(_) => "MissingParameter",
        }
    }

    /// The HTTP status AWS sends with it.
    pub fn status(&self) -> u16 {
        match self {
            CacheError::ReplicationGroupNotFound(_)
            | CacheError::CacheClusterNotFound(_)
            | CacheError::NodeGroupNotFound(_) => 404,
            _ => 400,
        }
    }

    /// A required parameter is absent.
    pub fn missing(name: &str) -> Self {
        CacheError::MissingParameter(format!("The request must contain the parameter {name}"))
    }
}

impl From<CacheError> for AwsError {
    fn from(e: CacheError) -> Self {
        AwsError::client(e.code(), e.to_string()).with_status(e.status())
    }
}
