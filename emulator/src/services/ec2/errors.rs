//! EC2's errors for the operations emul has, codes and messages as AWS
//! words them.

use crate::gateway::AwsError;

/// `InvalidVpcID.NotFound`.
pub fn vpc_not_found(id: &str) -> AwsError {
    AwsError::client(
        "InvalidVpcID.NotFound",
        format!("The vpc ID '{id}' does not exist"),
    )
}

/// `InvalidSubnetID.NotFound`.
pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::client(
        "InvalidSubnetID.NotFound",
        format!("The subnet ID '{id}' does not exist"),
    )
}

/// `InvalidGroup.NotFound` for a group id.
pub fn group_not_found(id: &str) -> AwsError {
    AwsError::client(
        "InvalidGroup.NotFound",
        format!("The security group '{id}' does not exist"),
    )
}

/// `InvalidParameterValue` for a zone the region does not have.
pub fn zone_not_found(name: &str) -> AwsError {
    AwsError::client(
        "InvalidParameterValue",
        format!("Invalid availability zone: [{name}]"),
    )
}
