//! VPC networks: the overlap checks that must pass before one is created.
//!
//! Docker refuses a user subnet that overlaps another Docker network ("Pool
//! overlaps with other one on this address space"), but it does NOT check
//! the host's routes for user-specified subnets (docker-notes.md §2): a VPC
//! of 10.0.0.0/16 next to a VPN's 10.0.0.0/8 route is created, and then the
//! host cannot reach its containers. So we check both ourselves, before any
//! write, and name both sides of a clash.
//!
//! Everything here is pure: routes come from `/proc/net/route` text and
//! Docker networks from a list the caller fetched.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// One IPv4 route of the host (a row of `/proc/net/route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    /// The interface, e.g. `tun0`.
    pub iface: String,
    /// The destination prefix.
    pub dest: Ipv4Net,
}

/// An existing Docker network, as far as overlap checks care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingNetwork {
    /// Its Docker name.
    pub name: String,
    /// Its IPv4 IPAM subnets.
    pub subnets: Vec<Ipv4Net>,
    /// Its bridge interface name (so its kernel route is not reported twice).
    pub bridge: Option<String>,
    /// `io.emul.project` / `io.emul.resource` when it is one of ours.
    pub owner: Option<(String, String)>,
}

/// A VPC CIDR that cannot be used on this host.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NetworkClash {
    /// It overlaps a host route.
    #[error(
        "VPC {cidr} of project {project} overlaps host route {route} dev {iface} — change the topology's cidr_block or remove the route"
    )]
    HostRoute {
        /// The VPC CIDR.
        cidr: Ipv4Net,
        /// The project.
        project: String,
        /// The route's destination.
        route: Ipv4Net,
        /// The route's interface.
        iface: String,
    },
    /// It overlaps another Docker network.
    #[error(
        "VPC {cidr} of project {project} overlaps Docker network {network} ({subnet}){owner} — change the topology's cidr_block or remove that network (`docker network rm {network}`)"
    )]
    DockerNetwork {
        /// The VPC CIDR.
        cidr: Ipv4Net,
        /// The project.
        project: String,
        /// The other network's name.
        network: String,
        /// The overlapping subnet of it.
        subnet: Ipv4Net,
        /// ", which belongs to emul project p" when it is one of ours.
        owner: String,
    },
}

/// Parses `/proc/net/route` (hex, host byte order = little-endian on every
/// platform Docker runs Linux containers on). The default route is skipped:
/// it "overlaps" everything and is never a clash.
pub fn parse_proc_net_route(text: &str) -> Vec<HostRoute> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 8 {
                return None;
            }
            let dest = u32::from_str_radix(cols[1], 16).ok()?;
            let mask = u32::from_str_radix(cols[7], 16).ok()?;
            let dest = Ipv4Addr::from(dest.swap_bytes());
            let mask = Ipv4Addr::from(mask.swap_bytes());
            let prefix = ipnet::ipv4_mask_to_prefix(mask).ok()?;
            if prefix == 0 {
                return None;
            }
            Some(HostRoute {
                iface: cols[0].to_string(),
                dest: Ipv4Net::new(dest, prefix).ok()?.trunc(),
            })
        })
        .collect()
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Checks a VPC CIDR against Docker networks and host routes. `ours` is the
/// (project, resource) of the network about to be created: an existing
/// network with that owner is the one being replaced, and its route too.
pub fn check_overlaps(
    project: &str,
    resource: &str,
    cidr: Ipv4Net,
    routes: &[HostRoute],
    networks: &[ExistingNetwork],
) -> Result<(), NetworkClash> {
    let is_ours = |n: &ExistingNetwork| {
        n.owner
            .as_ref()
            .is_some_and(|(p, r)| p == project && r == resource)
    };
    for n in networks {
        if is_ours(n) {
            continue;
        }
        if let Some(s) = n.subnets.iter().find(|s| overlaps(cidr, **s)) {
            return Err(NetworkClash::DockerNetwork {
                cidr,
                project: project.to_string(),
                network: n.name.clone(),
                subnet: *s,
                owner: n
                    .owner
                    .as_ref()
                    .map(|(p, _)| format!(", which belongs to emul project {p}"))
                    .unwrap_or_default(),
            });
        }
    }
    let docker_bridges: Vec<&str> = networks
        .iter()
        .filter_map(|n| n.bridge.as_deref())
        .collect();
    for r in routes {
        if docker_bridges.contains(&r.iface.as_str()) {
            continue; // a Docker network's own route: checked above, or ours
        }
        if overlaps(cidr, r.dest) {
            return Err(NetworkClash::HostRoute {
                cidr,
                project: project.to_string(),
                route: r.dest,
                iface: r.iface.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0
";

    fn n(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn parses_proc_net_route() {
        let r = parse_proc_net_route(ROUTES);
        assert_eq!(
            r,
            vec![
                HostRoute {
                    iface: "docker0".into(),
                    dest: n("172.17.0.0/16")
                },
                HostRoute {
                    iface: "eth0".into(),
                    dest: n("192.0.2.0/24")
                },
                HostRoute {
                    iface: "tun0".into(),
                    dest: n("10.0.0.0/8")
                },
            ]
        );
    }

    #[test]
    fn host_route_clash_names_both_sides() {
        let r = parse_proc_net_route(ROUTES);
        let err = check_overlaps("x", "vpc/main", n("10.0.0.0/16"), &r, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "VPC 10.0.0.0/16 of project x overlaps host route 10.0.0.0/8 dev tun0 — change the topology's cidr_block or remove the route"
        );
        assert!(check_overlaps("x", "vpc/main", n("172.31.0.0/16"), &r, &[]).is_ok());
        // A VPC that contains a host route clashes too.
        let err = check_overlaps("x", "vpc/main", n("192.0.0.0/16"), &r, &[]).unwrap_err();
        assert!(matches!(err, NetworkClash::HostRoute { iface, .. } if iface == "eth0"));
    }

    #[test]
    fn docker_network_clash_is_reported_as_such() {
        let r = parse_proc_net_route(ROUTES);
        let nets = vec![
            ExistingNetwork {
                name: "bridge".into(),
                subnets: vec![n("172.17.0.0/16")],
                bridge: Some("docker0".into()),
                owner: None,
            },
            ExistingNetwork {
                name: "emul-other-vpc.main".into(),
                subnets: vec![n("172.20.0.0/16")],
                bridge: Some("em-0123456789ab".into()),
                owner: Some(("other".into(), "vpc/main".into())),
            },
        ];
        let err = check_overlaps("x", "vpc/main", n("172.17.5.0/24"), &r, &nets).unwrap_err();
        assert_eq!(
            err.to_string(),
            "VPC 172.17.5.0/24 of project x overlaps Docker network bridge (172.17.0.0/16) — change the topology's cidr_block or remove that network (`docker network rm bridge`)"
        );
        let err = check_overlaps("x", "vpc/main", n("172.20.0.0/16"), &r, &nets).unwrap_err();
        assert!(
            err.to_string()
                .contains("which belongs to emul project other")
        );
        // Our own network (being replaced) and its bridge route are not a clash.
        assert!(check_overlaps("other", "vpc/main", n("172.20.0.0/16"), &r, &nets).is_ok());
    }
}
