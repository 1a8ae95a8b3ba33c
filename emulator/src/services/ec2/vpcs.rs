//! VPCs and subnets beyond the topology's (pure): the region's default VPC
//! that every AWS account has (what `emul serve` shows without a topology),
//! and CreateVpc/CreateSubnet/DeleteVpc/DeleteSubnet.
//!
//! What the API makes here is control plane only: it exists, is listed,
//! filtered, tagged and referenced (a group in it, a subnet in it), but emul
//! runs nothing in it; only the topology's VPC has a Docker network behind
//! it (ADR 0014).

use ipnet::Ipv4Net;

use super::errors::{self, vpc_not_found};
use super::model::{
    Network, SecurityGroup, Subnet, Vpc, VpcAttributes, availability_zone_id, availability_zones,
    default_group, resource_id,
};
use crate::gateway::AwsError;

/// The default VPC's range (AWS's).
const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

impl Network {
    /// An account's region with nothing made yet: the default VPC
    /// (172.31.0.0/16), one default /20 subnet per zone, and its `default`
    /// group.
    pub fn default_account(project: &str, owner: &str, region: &str) -> Network {
        let vpc_id = resource_id("vpc", project, &format!("{region}/default"));
        let cidr: Ipv4Net = DEFAULT_VPC_CIDR.parse().expect("default VPC range");
        let blocks = cidr.subnets(20).expect("/20 blocks of a /16");
        let subnets = availability_zones(region, &[])
            .into_iter()
            .zip(blocks)
            .map(|(zone, block)| {
                let id = resource_id("subnet", project, &format!("{region}/default/{zone}"));
                Subnet {
                    vpc_id: vpc_id.clone(),
                    name: id.clone(),
                    id,
                    cidr: block,
                    availability_zone_id: availability_zone_id(&zone),
                    availability_zone: zone,
                    public: true,
                    default_for_az: true,
                    tags: vec![],
                }
            })
            .collect();
        let group = default_group(
            project,
            &vpc_id,
            resource_id("sg", project, &format!("{vpc_id}/default")),
        );
        Network {
            project: project.to_string(),
            owner: owner.to_string(),
            region: region.to_string(),
            vpcs: vec![Vpc {
                id: vpc_id,
                cidr,
                is_default: true,
                tags: vec![],
                attributes: VpcAttributes::new(true),
            }],
            subnets,
            groups: vec![group],
            created: 0,
            eni_groups: Default::default(),
            instances: Vec::new(),
        }
    }

    /// A fresh id for something the API makes (`prefix-` + 17 hex digits).
    pub(super) fn next_id(&mut self, prefix: &str) -> String {
        self.created += 1;
        resource_id(prefix, &self.project, &format!("api/{}", self.created))
    }

    /// CreateVpc: a VPC of `cidr` (/16 to /28) with its `default` group.
    pub fn create_vpc(
        &mut self,
        cidr: Ipv4Net,
        tags: Vec<(String, String)>,
    ) -> Result<String, AwsError> {
        if !(16..=28).contains(&cidr.prefix_len()) {
            return Err(AwsError::client(
                "InvalidVpc.Range",
                format!("The CIDR '{cidr}' is invalid."),
            ));
        }
        let id = self.next_id("vpc");
        let group_id = self.next_id("sg");
        self.groups
            .push(default_group(&self.project, &id, group_id));
        self.vpcs.push(Vpc {
            id: id.clone(),
            cidr,
            is_default: false,
            tags,
            attributes: VpcAttributes::new(false),
        });
        Ok(id)
    }

    /// DeleteVpc: refused while it has subnets or groups besides `default`,
    /// and for the topology's VPC, which emul runs.
    pub fn delete_vpc(&mut self, id: &str, runs: bool) -> Result<(), AwsError> {
        if self.vpc(id).is_none() {
            return Err(vpc_not_found(id));
        }
        let used = runs
            || self.subnets.iter().any(|s| s.vpc_id == id)
            || self
                .groups
                .iter()
                .any(|g| g.vpc_id == id && g.name != "default");
        if used {
            return Err(AwsError::client(
                "DependencyViolation",
                format!("The vpc '{id}' has dependencies and cannot be deleted."),
            ));
        }
        self.groups.retain(|g| g.vpc_id != id);
        self.vpcs.retain(|v| v.id != id);
        Ok(())
    }

    /// CreateSubnet: `cidr` inside the VPC's range, overlapping none of its
    /// subnets, in zone `zone` (default: the region's first).
    pub fn create_subnet(
        &mut self,
        vpc_id: &str,
        cidr: Ipv4Net,
        zone: Option<&str>,
        tags: Vec<(String, String)>,
    ) -> Result<String, AwsError> {
        let vpc = self.vpc(vpc_id).ok_or_else(|| vpc_not_found(vpc_id))?;
        if !(16..=28).contains(&cidr.prefix_len()) || !vpc.cidr.contains(&cidr) {
            return Err(AwsError::client(
                "InvalidSubnet.Range",
                format!("The CIDR '{cidr}' is invalid."),
            ));
        }
        let clash = self
            .subnets
            .iter()
            .any(|s| s.vpc_id == vpc_id && (s.cidr.contains(&cidr) || cidr.contains(&s.cidr)));
        if clash {
            return Err(AwsError::client(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{cidr}' conflicts with another subnet"),
            ));
        }
        let zones = availability_zones(&self.region, &[]);
        let zone = match zone {
            Some(z) if zones.iter().any(|x| x == z) => z.to_string(),
            Some(z) => {
                return Err(AwsError::client(
                    "InvalidParameterValue",
                    format!(
                        "Value ({z}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                        zones.join(", ")
                    ),
                ));
            }
            None => zones[0].clone(),
        };
        let id = self.next_id("subnet");
        self.subnets.push(Subnet {
            vpc_id: vpc_id.to_string(),
            name: id.clone(),
            id: id.clone(),
            cidr,
            availability_zone_id: availability_zone_id(&zone),
            availability_zone: zone,
            public: false,
            default_for_az: false,
            tags,
        });
        Ok(id)
    }

    /// DeleteSubnet: refused while an ENI is in it (`in_use`).
    pub fn delete_subnet(&mut self, id: &str, in_use: bool) -> Result<(), AwsError> {
        if !self.subnets.iter().any(|s| s.id == id) {
            return Err(errors::subnet_not_found(id));
        }
        if in_use {
            return Err(AwsError::client(
                "DependencyViolation",
                format!("The subnet '{id}' has dependencies and cannot be deleted."),
            ));
        }
        self.subnets.retain(|s| s.id != id);
        Ok(())
    }

    /// The groups of VPC `vpc`.
    pub fn groups_of<'a>(&'a self, vpc: &'a str) -> impl Iterator<Item = &'a SecurityGroup> {
        self.groups.iter().filter(move |g| g.vpc_id == vpc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_vpc_has_a_subnet_per_zone_and_a_default_group() {
        let net = Network::default_account("serve", "000000000000", "us-west-1");
        let vpc = net.home_vpc();
        assert!(vpc.is_default);
        assert_eq!(vpc.cidr.to_string(), "172.31.0.0/16");
        let cidrs: Vec<String> = net.subnets.iter().map(|s| s.cidr.to_string()).collect();
        assert_eq!(cidrs, ["172.31.0.0/20", "172.31.16.0/20"]);
        assert!(net.subnets.iter().all(|s| s.default_for_az && s.public));
        assert_eq!(net.groups_of(&vpc.id).count(), 1);
        assert_eq!(net.groups[0].name, "default");
    }

    #[test]
    fn vpcs_and_subnets_are_made_checked_and_deleted() {
        let mut net = Network::default_account("serve", "000000000000", "us-east-1");
        let err = net
            .create_vpc("10.0.0.0/8".parse().unwrap(), vec![])
            .unwrap_err();
        assert_eq!(err.code, "InvalidVpc.Range");
        let vpc = net
            .create_vpc("10.1.0.0/16".parse().unwrap(), vec![])
            .unwrap();
        let other = net
            .create_vpc("10.2.0.0/16".parse().unwrap(), vec![])
            .unwrap();
        assert_ne!(vpc, other);
        let sub = net
            .create_subnet(
                &vpc,
                "10.1.1.0/24".parse().unwrap(),
                Some("us-east-1b"),
                vec![],
            )
            .unwrap();
        for (cidr, code) in [
            ("10.1.1.128/25", "InvalidSubnet.Conflict"),
            ("10.9.0.0/24", "InvalidSubnet.Range"),
        ] {
            let err = net
                .create_subnet(&vpc, cidr.parse().unwrap(), None, vec![])
                .unwrap_err();
            assert_eq!(err.code, code);
        }
        let err = net
            .create_subnet(
                &vpc,
                "10.1.2.0/24".parse().unwrap(),
                Some("us-east-1z"),
                vec![],
            )
            .unwrap_err();
        assert!(
            err.message.contains("us-east-1a, us-east-1b"),
            "{}",
            err.message
        );
        assert_eq!(
            net.delete_vpc(&vpc, false).unwrap_err().code,
            "DependencyViolation"
        );
        net.delete_subnet(&sub, false).unwrap();
        net.delete_vpc(&vpc, false).unwrap();
        assert!(net.vpc(&vpc).is_none());
        assert_eq!(
            net.groups_of(&vpc).count(),
            0,
            "its default group went with it"
        );
    }
}
