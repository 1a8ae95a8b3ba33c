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

impl Elbv2 {
    /// (subnet, zone) pairs for `subnets`: emul does not see the subnets'
    /// own zones, so the n-th subnet is placed in the region's n-th zone.
    pub fn zones_for(&self, subnets: &[String]) -> Vec<(String, String)> {
        subnets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let az = format!("{}{}", self.region, (b'a' + (i % 26) as u8) as char);
                (s.clone(), az)
            })
            .collect()
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
        subnets: &[String],
    ) -> Result<Vec<(String, String)>, ElbError> {
        if !self.load_balancers.contains_key(lb_arn) {
            return Err(ElbError::load_balancer_not_found(lb_arn));
        }
        check_subnet_count(subnets)?;
        let mut seen = subnets.to_vec();
        seen.sort();
        seen.dedup();
        if seen.len() != subnets.len() {
            return Err(ElbError::InvalidConfigurationRequest(
                "A subnet can be specified only once".into(),
            ));
        }
        let zones = self.zones_for(subnets);
        self.load_balancer_mut(lb_arn)?.zones = zones.clone();
        Ok(zones)
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
