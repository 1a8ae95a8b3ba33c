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

/// `InvalidPermission.Duplicate`: the rule is already in the group.
pub fn duplicate_permission(spec: &super::rules::RuleSpec) -> AwsError {
    AwsError::client(
        "InvalidPermission.Duplicate",
        format!("the specified rule \"{}\" already exists", spec.quoted()),
    )
}

/// `InvalidPermission.NotFound`: a revoke names a rule the group does not
/// have (a non-default VPC's answer; nothing is revoked).
pub fn permission_not_found() -> AwsError {
    AwsError::client(
        "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group.",
    )
}

/// `InvalidSecurityGroupRuleId.NotFound`.
pub fn rule_not_found(id: &str) -> AwsError {
    AwsError::client(
        "InvalidSecurityGroupRuleId.NotFound",
        format!("The security group rule ID '{id}' does not exist"),
    )
}

/// `InvalidGroup.Duplicate`: the name is taken in the VPC.
pub fn group_duplicate(name: &str, vpc: &str) -> AwsError {
    AwsError::client(
        "InvalidGroup.Duplicate",
        format!("The security group '{name}' already exists for VPC '{vpc}'"),
    )
}

/// `DependencyViolation`: a rule of another group or an ENI uses it.
pub fn dependency_violation(id: &str) -> AwsError {
    AwsError::client(
        "DependencyViolation",
        format!("resource {id} has a dependent object"),
    )
}

/// `MissingParameter`.
pub fn missing(param: &str) -> AwsError {
    AwsError::client(
        "MissingParameter",
        format!("The request must contain the parameter {param}"),
    )
}

/// `InvalidParameterValue` naming the parameter and the value.
pub fn invalid_value(param: &str, value: &str, why: &str) -> AwsError {
    AwsError::client(
        "InvalidParameterValue",
        format!("Invalid value '{value}' for {param}. {why}"),
    )
}
