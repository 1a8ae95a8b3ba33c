//! The VPC's own services as a task sees them, and where emul serves them.
//!
//! A task asks AWS's addresses: the VPC resolver at the VPC base + 2 (the
//! `AmazonProvidedDNS` address) on port 53, and the task metadata and
//! credentials endpoint at `169.254.170.2:80`. emul serves both on its own
//! address in the VPC (the bridge's gateway when it runs on the engine's
//! host, base + 3 when it runs in a container: [`super::placement`]) at
//! unprivileged ports ([`RESOLVER_PORT`], [`METADATA_PORT`]). The task
//! ENI's agent bridges the two: at start, before it answers its control
//! API, it installs a `nat` table in its own namespace that DNATs AWS's
//! addresses to emul's ([`VpcServices::nat_spec`], passed in the agent's
//! environment as [`NAT_ENV`]), as the ECS agent DNATs 169.254.170.2 to its
//! credentials proxy. So emul enters no namespace and binds no privileged
//! port: a non-root user runs it (docs/decisions/0011).
//!
//! The metadata endpoint tells tasks apart by the connection's source
//! address, the task's ENI address (DNAT keeps it).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::placement::Placement;

/// Where emul's VPC resolver listens on the gateway address.
pub const RESOLVER_PORT: u16 = 5300;
/// Where emul's task metadata endpoint listens on the gateway address.
pub const METADATA_PORT: u16 = 5169;
/// The link-local address of the task metadata endpoint.
pub const METADATA_ADDRESS: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
/// The agent's environment variable carrying [`VpcServices::nat_spec`].
pub const NAT_ENV: &str = "EMUL_AGENT_VPC_NAT";

/// One VPC's service addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VpcServices {
    /// The VPC resolver as tasks know it: the VPC base + 2.
    pub resolver: Ipv4Addr,
    /// Where emul serves: its address in the VPC
    /// ([`Placement::vpc_address`]).
    pub host: Ipv4Addr,
}

impl VpcServices {
    /// The addresses of the VPC `cidr` for emul placed as `placement`
    /// (`None` for a network too small to have them).
    pub fn of_vpc(cidr: Ipv4Net, placement: &Placement) -> Option<VpcServices> {
        let base = u32::from(cidr.network());
        let host = placement.vpc_address(cidr)?;
        let resolver = Ipv4Addr::from(base.checked_add(2)?);
        (cidr.contains(&resolver) && resolver != cidr.broadcast())
            .then_some(VpcServices { resolver, host })
    }

    /// The agent's DNAT rules, `proto:ip:port=ip:port` joined by commas:
    /// the metadata endpoint and the resolver (UDP and TCP).
    pub fn nat_spec(&self) -> String {
        let (h, r) = (self.host, self.resolver);
        format!(
            "tcp:{METADATA_ADDRESS}:80={h}:{METADATA_PORT},udp:{r}:53={h}:{RESOLVER_PORT},tcp:{r}:53={h}:{RESOLVER_PORT}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_aws_and_the_spec_names_them() {
        let v = VpcServices::of_vpc("10.0.0.0/16".parse().unwrap(), &Placement::Host).unwrap();
        assert_eq!(v.resolver, Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(v.host, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(
            v.nat_spec(),
            "tcp:169.254.170.2:80=10.0.0.1:5169,udp:10.0.0.2:53=10.0.0.1:5300,tcp:10.0.0.2:53=10.0.0.1:5300"
        );
        assert_eq!(
            VpcServices::of_vpc("10.0.0.0/31".parse().unwrap(), &Placement::Host),
            None
        );
        let in_container = Placement::Container {
            container: "emul".into(),
            agent_volume: "emul-agents".into(),
        };
        let c = VpcServices::of_vpc("10.0.0.0/16".parse().unwrap(), &in_container).unwrap();
        assert_eq!(c.host, Ipv4Addr::new(10, 0, 0, 3));
        assert!(
            c.nat_spec()
                .starts_with("tcp:169.254.170.2:80=10.0.0.3:5169,")
        );
    }
}
