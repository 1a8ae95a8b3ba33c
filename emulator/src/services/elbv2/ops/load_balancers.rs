//! ModifyLoadBalancerAttributes (returns the full current attribute set,
//! takes effect on the next request), SetSecurityGroups (the load
//! balancer's ENI is in the new groups before the answer), SetSubnets,
//! SetIpAddressType and DeleteLoadBalancer (its listeners close at once).

use super::parse::{codec, required, strings};
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::service::Elbv2Service;

/// DeleteLoadBalancer.
pub fn delete(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| m.delete_load_balancer(&arn))?;
    Ok(String::new())
}

/// SetSecurityGroups: replaces the load balancer's groups. In the running
/// project the ids are the VPC's groups (unknown ones fail
/// `InvalidSecurityGroup`) and the load balancer's ENI is enforced in them
/// before the model changes; the answer lists the groups' ids.
pub fn set_security_groups(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    let asked = strings(p, "SecurityGroups")?;
    let name = svc
        .read(&ctx.account, &ctx.region, |m| {
            m.load_balancers.get(&arn).map(|lb| lb.name.clone())
        })
        .ok_or_else(|| ElbError::load_balancer_not_found(&arn))?;
    let live = svc
        .vpc_groups()
        .filter(|_| svc.is_primary(&ctx.account, &ctx.region));
    // (id shown, name kept in the model)
    let groups: Vec<(String, String)> = match &live {
        Some(vpc) => asked
            .iter()
            .map(|g| {
                vpc.group(g).ok_or_else(|| {
                    ElbError::InvalidSecurityGroup(format!(
                        "The specified security group '{g}' does not exist."
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
        None => {
            svc.check_groups(&ctx.region, &asked)?;
            asked.iter().map(|g| (g.clone(), g.clone())).collect()
        }
    };
    if let Some(vpc) = &live {
        let names = groups.iter().map(|(_, n)| n.clone()).collect();
        vpc.set_eni_groups(&format!("eni/alb/{name}"), names)
            .map_err(ElbError::InvalidConfigurationRequest)?;
    }
    svc.write(&ctx.account, &ctx.region, |m| {
        let lb = m
            .load_balancers
            .get_mut(&arn)
            .ok_or_else(|| ElbError::load_balancer_not_found(&arn))?;
        lb.security_groups = groups.iter().map(|(_, n)| n.clone()).collect();
        Ok(())
    })?;
    let mut w = XmlWriter::new();
    w.node("SecurityGroupIds", |l| {
        for (id, _) in &groups {
            l.leaf("member", id);
        }
    });
    Ok(w.finish())
}

/// `Subnets` or `SubnetMappings` (the subnet ids; an application load
/// balancer takes no Elastic IP or fixed address in a mapping).
pub fn subnets(p: &QueryParams) -> Result<Vec<String>, ElbError> {
    let plain = strings(p, "Subnets")?;
    let mappings = p
        .members("SubnetMappings")
        .map_err(codec)?
        .unwrap_or_default();
    if !plain.is_empty() && !mappings.is_empty() {
        return Err(ElbError::Validation(
            "You can specify subnets or subnet mappings, not both".into(),
        ));
    }
    if mappings.is_empty() {
        return Ok(plain);
    }
    mappings
        .iter()
        .map(|m| {
            if ["AllocationId", "PrivateIPv4Address", "IPv6Address"]
                .iter()
                .any(|k| m.contains(k))
            {
                return Err(ElbError::InvalidConfigurationRequest(
                    "Elastic IP addresses and private IP addresses can be specified in subnet mappings of network load balancers only".into(),
                ));
            }
            required(m, "SubnetId").map(str::to_string)
        })
        .collect()
}

/// SetSubnets: answers with the new zones and the IP address type.
pub fn set_subnets(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    let subnets = subnets(p)?;
    let ip_type = p.get("IpAddressType").map(str::to_string);
    let placed = svc.place_subnets(&ctx.region, &subnets)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        if let Some(t) = &ip_type {
            m.set_ip_address_type(&arn, t)?;
        }
        let placement = placed.unwrap_or_else(|| m.unplaced(&subnets));
        let zones = m.set_subnets(&arn, placement)?;
        let mut w = XmlWriter::new();
        w.list("AvailabilityZones", &zones, |x, (subnet, zone)| {
            x.leaf("ZoneName", zone).leaf("SubnetId", subnet);
        });
        w.leaf("IpAddressType", &m.load_balancers[&arn].ip_address_type);
        Ok(w.finish())
    })
}

/// SetIpAddressType.
pub fn set_ip_address_type(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    let kind = required(p, "IpAddressType")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| {
        m.set_ip_address_type(&arn, &kind)?;
        let mut w = XmlWriter::new();
        w.leaf("IpAddressType", &kind);
        Ok(w.finish())
    })
}

/// DescribeCapacityReservation: emul serves no ModifyCapacityReservation,
/// so a load balancer never has a reserved minimum capacity: the answer
/// has no `MinimumLoadBalancerCapacity` and no per-zone reservation state.
pub fn describe_capacity_reservation(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "LoadBalancerArn")?.to_string();
    svc.read(&ctx.account, &ctx.region, |m| {
        if !m.load_balancers.contains_key(&arn) {
            return Err(ElbError::load_balancer_not_found(&arn));
        }
        let mut w = XmlWriter::new();
        w.node("CapacityReservationState", |_| {});
        Ok(w.finish())
    })
}
