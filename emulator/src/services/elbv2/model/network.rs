//! A load balancer's network settings after creation: SetSubnets (the
//! subnets and so the Availability Zones it serves) and SetIpAddressType.

use super::{Elbv2, LoadBalancer};
use crate::services::elbv2::errors::ElbError;

/// The `IpAddressType` values (the model's enum).
pub const IP_ADDRESS_TYPES: &[&str] = &["ipv4", "dualstack", "dualstack-without-public-ipv4"];

/// An application load balancer needs subnets in at least two zones.
pub fn check_subnet_count(subnets: &[String]) -> Result<(), ElbError> {
    if subnets.len() < 2 {
        return Err(ElbError::Validation(
            "At least two subnets in two different Availability Zones must be specified".into(),
        ));
    }
    Ok(())
}

/// Where a load balancer's subnets are: `(subnet, zone)` pairs, and their
/// VPC when EC2 said so (`Elbv2Service::place_subnets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// `(subnet, Availability Zone)` in the order given.
    pub zones: Vec<(String, String)>,
    /// The subnets' VPC; `None` without EC2.
    pub vpc_id: Option<String>,
}

impl Placement {
    /// The subnet ids, in order.
    pub fn subnets(&self) -> Vec<String> {
        self.zones.iter().map(|(s, _)| s.clone()).collect()
    }
}

impl Elbv2 {
    /// `subnets` placed without EC2, which alone knows their zones: the
    /// n-th subnet in the region's n-th zone.
    pub fn unplaced(&self, subnets: &[String]) -> Placement {
        let zones = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let az = format!("{}{}", self.region, (b'a' + (i % 26) as u8) as char);
                (s.clone(), az)
            })
            .collect();
        Placement {
            zones,
            vpc_id: None,
        }
    }

    fn load_balancer_mut(&mut self, arn: &str) -> Result<&mut LoadBalancer, ElbError> {
        self.load_balancers
            .get_mut(arn)
            .ok_or_else(|| ElbError::load_balancer_not_found(arn))
    }

    /// SetSubnets: the given subnets replace the enabled ones; returns the
    /// new `AvailabilityZones`.
    pub fn set_subnets(
        &mut self,
        lb_arn: &str,
        placement: Placement,
    ) -> Result<Vec<(String, String)>, ElbError> {
        if !self.load_balancers.contains_key(lb_arn) {
            return Err(ElbError::load_balancer_not_found(lb_arn));
        }
        let subnets = placement.subnets();
        check_subnet_count(&subnets)?;
        let mut seen = subnets.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != subnets.len() {
            return Err(ElbError::InvalidConfigurationRequest(
                "A subnet can be specified only once".into(),
            ));
        }
        self.load_balancer_mut(lb_arn)?.zones = placement.zones.clone();
        Ok(placement.zones)
    }

    /// SetIpAddressType.
    pub fn set_ip_address_type(&mut self, lb_arn: &str, kind: &str) -> Result<(), ElbError> {
        if !IP_ADDRESS_TYPES.contains(&kind) {
            return Err(ElbError::Validation(format!(
                "1 validation error detected: Value '{kind}' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                IP_ADDRESS_TYPES.join(", ")
            )));
        }
        self.load_balancer_mut(lb_arn)?.ip_address_type = kind.into();
        Ok(())
    }
}
