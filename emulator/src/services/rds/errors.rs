//! Every RDS error emul returns, with AWS's wire code (the shape's
//! `error.code`) and message.

use crate::gateway::AwsError;

/// An RDS failure, named after its wire code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdsError {
    /// `DBInstanceNotFound` (HTTP 404).
    #[error("DBInstance {0} not found.")]
    DbInstanceNotFound(String),
    /// `InvalidDBInstanceState`: the instance is not `available`, or a
    /// failover was asked of a Single-AZ instance.
    #[error("{0}")]
    InvalidDbInstanceState(String),
    /// `InvalidParameterValue`.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `InvalidParameterCombination`.
    #[error("{0}")]
    InvalidParameterCombination(String),
    /// `MissingParameter`.
    #[error("{0}")]
    MissingParameter(String),
}

impl RdsError {
    /// The wire code.
    pub fn code(&self) -> &'static str {
        match self {
            RdsError::DbInstanceNotFound(_) => "DBInstanceNotFound",
            RdsError::InvalidDbInstanceState(_) => "InvalidDBInstanceState",
            RdsError::InvalidParameterValue(_) => "InvalidParameterValue",
            RdsError::InvalidParameterCombination(_) => "InvalidParameterCombination",
            RdsError::MissingParameter(_) => "MissingParameter",
        }
    }

    /// The HTTP status AWS sends with it.
    pub fn status(&self) -> u16 {
        match self {
            RdsError::DbInstanceNotFound(_) => 404,
            _ => 400,
        }
    }

    /// An instance that is not `available` (rebooting, resetting credentials).
    pub fn not_available(id: &str) -> Self {
        RdsError::InvalidDbInstanceState(format!("Instance {id} is not in available state."))
    }

    /// `ForceFailover` on a Single-AZ instance.
    pub fn not_multi_az(id: &str) -> Self {
        RdsError::InvalidDbInstanceState(format!(
            "Cannot failover DB instance {id} because it is not a Multi-AZ DB instance."
        ))
    }

    /// A required parameter is absent.
    pub fn missing(name: &str) -> Self {
        RdsError::MissingParameter(format!("The request must contain the parameter {name}"))
    }
}

impl From<RdsError> for AwsError {
    fn from(e: RdsError) -> Self {
        AwsError::client(e.code(), e.to_string()).with_status(e.status())
    }
}
