//! The `networkConfiguration.awsvpcConfiguration` a task or service is
//! given, checked as AWS checks it: required when the task definition's
//! network mode is `awsvpc`, with at least one subnet, and (where emul
//! knows the VPC) naming subnets and security groups that exist.

use serde_json::Value;

use crate::services::ecs::errors::EcsError;
use crate::wiring::NetworkNames;

/// The subnets and security groups an `awsvpcConfiguration` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsVpc {
    /// `subnets` (ids, or topology names under `emul up`).
    pub subnets: Vec<String>,
    /// `securityGroups`.
    pub security_groups: Vec<String>,
}

impl AwsVpc {
    /// The `awsvpcConfiguration` of `network_configuration`, `None` when
    /// there is none. A configuration without subnets is refused with
    /// AWS's message.
    pub fn of(network_configuration: Option<&Value>) -> Result<Option<AwsVpc>, EcsError> {
        let Some(config) = network_configuration.and_then(|n| n.get("awsvpcConfiguration")) else {
            return Ok(None);
        };
        let strings = |key: &str| -> Vec<String> {
            config
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let vpc = AwsVpc {
            subnets: strings("subnets"),
            security_groups: strings("securityGroups"),
        };
        if vpc.subnets.is_empty() {
            return Err(EcsError::InvalidParameter(
                "subnets can not be empty.".into(),
            ));
        }
        Ok(Some(vpc))
    }

    /// The configuration a task of a definition in `network_mode` needs:
    /// an `awsvpc` definition cannot do without one.
    pub fn required(
        network_mode: &str,
        network_configuration: Option<&Value>,
    ) -> Result<Option<AwsVpc>, EcsError> {
        let vpc = AwsVpc::of(network_configuration)?;
        if network_mode == "awsvpc" && vpc.is_none() {
            return Err(EcsError::InvalidParameter(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                    .into(),
            ));
        }
        Ok(vpc)
    }

    /// Refuses subnets or groups that `region`'s EC2 does not have, with
    /// the message AWS's ECS relays from EC2.
    pub fn check_exists(&self, network: &dyn NetworkNames, region: &str) -> Result<(), EcsError> {
        if let Some(missing) = network.missing_subnet(region, &self.subnets) {
            return Err(EcsError::InvalidParameter(format!(
                "Error retrieving subnet information for [{}]: The subnet ID '{missing}' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
                self.subnets.join(", ")
            )));
        }
        if let Some(missing) = network.missing_group(region, &self.security_groups) {
            return Err(EcsError::InvalidParameter(format!(
                "Error retrieving security group information for [{}]: The security group '{missing}' does not exist (ErrorCode: InvalidGroup.NotFound)",
                self.security_groups.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A VPC with subnet `subnet-1` and group `sg-1`.
    struct OneOfEach;

    impl NetworkNames for OneOfEach {
        fn name_of(&self, id_or_name: &str) -> String {
            id_or_name.to_string()
        }
        fn missing_subnet(&self, _: &str, subnets: &[String]) -> Option<String> {
            subnets.iter().find(|s| *s != "subnet-1").cloned()
        }
        fn missing_group(&self, _: &str, groups: &[String]) -> Option<String> {
            groups.iter().find(|g| *g != "sg-1").cloned()
        }
        fn subnet_placement(&self, _: &str, subnet: &str) -> Option<(String, String)> {
            (subnet == "subnet-1").then(|| ("us-east-1a".into(), "vpc-1".into()))
        }
    }

    fn config(subnets: &[&str], groups: &[&str]) -> Value {
        json!({"awsvpcConfiguration": {"subnets": subnets, "securityGroups": groups}})
    }

    #[test]
    fn awsvpc_definitions_need_a_configuration_with_subnets() {
        let err = AwsVpc::required("awsvpc", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        );
        let err = AwsVpc::required("awsvpc", Some(&config(&[], &[]))).unwrap_err();
        assert_eq!(err.to_string(), "subnets can not be empty.");
        assert_eq!(AwsVpc::required("bridge", None).unwrap(), None);
        let vpc = AwsVpc::required("awsvpc", Some(&config(&["subnet-1"], &["sg-1"])))
            .unwrap()
            .unwrap();
        assert_eq!(vpc.subnets, ["subnet-1"]);
        assert_eq!(vpc.security_groups, ["sg-1"]);
    }

    #[test]
    fn unknown_subnets_and_groups_are_refused_as_aws_relays_ec2() {
        let check = |subnets: &[&str], groups: &[&str]| {
            AwsVpc::of(Some(&config(subnets, groups)))
                .unwrap()
                .unwrap()
                .check_exists(&OneOfEach, "us-east-1")
                .map_err(|e| e.to_string())
        };
        assert_eq!(check(&["subnet-1"], &["sg-1"]), Ok(()));
        assert_eq!(
            check(&["fake-subnet"], &[]).unwrap_err(),
            "Error retrieving subnet information for [fake-subnet]: The subnet ID 'fake-subnet' does not exist (ErrorCode: InvalidSubnetID.NotFound)"
        );
        assert_eq!(
            check(&["subnet-1"], &["sg-123456"]).unwrap_err(),
            "Error retrieving security group information for [sg-123456]: The security group 'sg-123456' does not exist (ErrorCode: InvalidGroup.NotFound)"
        );
    }
}
