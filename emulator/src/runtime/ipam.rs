//! Pure IPv4 allocation for ENIs inside their subnets.
//!
//! AWS reserves the first four addresses of every subnet (network, VPC
//! router, DNS, future use) and the last one (broadcast); so do we. Docker
//! takes the VPC network's first host (.1 of the VPC CIDR) as the bridge
//! gateway, which is inside the reserved range of the first subnet.
//!
//! Allocation is deterministic and stable: pinned IPs first, then every other
//! ENI in id order takes the first free address at or after a start slot
//! derived from a hash of its id. Adding an ENI therefore rarely moves
//! another one (only on a collision), so a reconcile recreates little.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use sha2::{Digest, Sha256};

use super::plan::EniRequest;

/// Why an ENI could not get an address.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IpamError {
    /// The subnet is too small to hold any AWS-usable address.
    #[error("subnet {subnet} of {eni} is too small: AWS subnets are /28 or larger")]
    SubnetTooSmall {
        /// The ENI asking.
        eni: String,
        /// The subnet.
        subnet: Ipv4Net,
    },
    /// A pinned IP is outside the subnet or in its reserved addresses.
    #[error(
        "{eni} pins {ip}, which is not a usable address of subnet {subnet} (AWS reserves the first four and the last)"
    )]
    PinnedUnusable {
        /// The ENI.
        eni: String,
        /// The pinned address.
        ip: Ipv4Addr,
        /// Its subnet.
        subnet: Ipv4Net,
    },
    /// Two ENIs pin the same address.
    #[error("{eni} and {other} both pin {ip}")]
    PinnedTwice {
        /// One ENI.
        eni: String,
        /// The other.
        other: String,
        /// The address.
        ip: Ipv4Addr,
    },
    /// Every usable address is taken.
    #[error(
        "subnet {subnet} is exhausted: {usable} usable addresses, {asked} ENIs need one (first without: {eni})"
    )]
    Exhausted {
        /// The subnet.
        subnet: Ipv4Net,
        /// How many addresses AWS lets ENIs use in it.
        usable: u32,
        /// How many ENIs asked for one.
        asked: usize,
        /// The first ENI left without.
        eni: String,
    },
}

/// The usable range of a subnet: `.4` up to the address before broadcast.
pub fn usable_range(subnet: Ipv4Net) -> Option<(u32, u32)> {
    let first = u32::from(subnet.network()).checked_add(4)?;
    let last = u32::from(subnet.broadcast()).checked_sub(1)?;
    (subnet.prefix_len() <= 28 && first <= last).then_some((first, last))
}

/// Allocates an IP for every ENI. Same input → same output.
pub fn allocate(enis: &[EniRequest]) -> Result<BTreeMap<String, Ipv4Addr>, IpamError> {
    let mut out = BTreeMap::new();
    let mut taken: BTreeMap<u32, &str> = BTreeMap::new();
    for e in enis {
        let Some((first, last)) = usable_range(e.subnet) else {
            return Err(IpamError::SubnetTooSmall {
                eni: e.id.clone(),
                subnet: e.subnet,
            });
        };
        if let Some(ip) = e.ip {
            let n = u32::from(ip);
            if n < first || n > last {
                return Err(IpamError::PinnedUnusable {
                    eni: e.id.clone(),
                    ip,
                    subnet: e.subnet,
                });
            }
            if let Some(other) = taken.insert(n, &e.id) {
                return Err(IpamError::PinnedTwice {
                    eni: other.to_string(),
                    other: e.id.clone(),
                    ip,
                });
            }
            out.insert(e.id.clone(), ip);
        }
    }
    let mut unpinned: Vec<&EniRequest> = enis.iter().filter(|e| e.ip.is_none()).collect();
    unpinned.sort_by(|a, b| a.id.cmp(&b.id));
    let mut per_subnet: BTreeMap<Ipv4Net, usize> = BTreeMap::new();
    for e in enis {
        *per_subnet.entry(e.subnet).or_default() += 1;
    }
    for e in unpinned {
        let (first, last) = usable_range(e.subnet).expect("checked above");
        let size = last - first + 1;
        let start = slot(&e.id, size);
        let free = (0..size)
            .map(|k| first + (start + k) % size)
            .find(|n| !taken.contains_key(n));
        let Some(n) = free else {
            return Err(IpamError::Exhausted {
                subnet: e.subnet,
                usable: size,
                asked: per_subnet[&e.subnet],
                eni: e.id.clone(),
            });
        };
        taken.insert(n, &e.id);
        out.insert(e.id.clone(), Ipv4Addr::from(n));
    }
    Ok(out)
}

/// A stable start slot in `0..size` from the id's sha256.
fn slot(id: &str, size: u32) -> u32 {
    let d = Sha256::digest(id.as_bytes());
    let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
    n % size
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn req(id: &str, subnet: &str, ip: Option<&str>) -> EniRequest {
        EniRequest {
            id: id.into(),
            network: "vpc/main".into(),
            subnet: subnet.parse().unwrap(),
            ip: ip.map(|s| s.parse().unwrap()),
            aliases: vec![],
        }
    }

    #[test]
    fn usable_range_skips_aws_reserved() {
        let (f, l) = usable_range("10.0.1.0/24".parse().unwrap()).unwrap();
        assert_eq!(Ipv4Addr::from(f), Ipv4Addr::new(10, 0, 1, 4));
        assert_eq!(Ipv4Addr::from(l), Ipv4Addr::new(10, 0, 1, 254));
        let (f, l) = usable_range("10.0.1.16/28".parse().unwrap()).unwrap();
        assert_eq!(
            (Ipv4Addr::from(f), Ipv4Addr::from(l)),
            ("10.0.1.20".parse().unwrap(), "10.0.1.30".parse().unwrap())
        );
        assert_eq!(usable_range("10.0.1.0/29".parse().unwrap()), None);
    }

    #[test]
    fn deterministic_and_collision_free() {
        let enis: Vec<_> = (0..200)
            .map(|i| req(&format!("eni/{i}"), "10.0.1.0/24", None))
            .collect();
        let a = allocate(&enis).unwrap();
        let mut rev = enis.clone();
        rev.reverse();
        assert_eq!(a, allocate(&rev).unwrap(), "input order must not matter");
        let distinct: BTreeSet<_> = a.values().collect();
        assert_eq!(distinct.len(), 200);
        for ip in a.values() {
            let last = ip.octets()[3];
            assert!((4..=254).contains(&last), "{ip} is reserved");
        }
    }

    #[test]
    fn adding_an_eni_keeps_the_others_mostly() {
        let enis: Vec<_> = (0..10)
            .map(|i| req(&format!("eni/{i}"), "10.0.1.0/24", None))
            .collect();
        let a = allocate(&enis).unwrap();
        let mut more = enis.clone();
        more.push(req("eni/new", "10.0.1.0/24", None));
        let b = allocate(&more).unwrap();
        let moved = a.iter().filter(|(k, v)| b[*k] != **v).count();
        assert!(moved <= 1, "{moved} ENIs moved");
    }

    #[test]
    fn pinned_ips_are_honoured_and_checked() {
        let a = allocate(&[
            req("eni/x", "10.0.1.0/24", Some("10.0.1.10")),
            req("eni/y", "10.0.1.0/24", None),
        ])
        .unwrap();
        assert_eq!(a["eni/x"], Ipv4Addr::new(10, 0, 1, 10));
        assert_ne!(a["eni/y"], Ipv4Addr::new(10, 0, 1, 10));
        let err = allocate(&[req("eni/x", "10.0.1.0/24", Some("10.0.1.2"))]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "eni/x pins 10.0.1.2, which is not a usable address of subnet 10.0.1.0/24 (AWS reserves the first four and the last)"
        );
        let err = allocate(&[req("eni/x", "10.0.1.0/24", Some("10.0.1.255"))]).unwrap_err();
        assert!(matches!(err, IpamError::PinnedUnusable { .. }));
        let err = allocate(&[
            req("eni/x", "10.0.1.0/24", Some("10.0.1.9")),
            req("eni/y", "10.0.1.0/24", Some("10.0.1.9")),
        ])
        .unwrap_err();
        assert!(matches!(err, IpamError::PinnedTwice { .. }));
    }

    #[test]
    fn exhausted_subnet_is_a_clear_error() {
        let enis: Vec<_> = (0..12)
            .map(|i| req(&format!("eni/{i:02}"), "10.0.1.16/28", None))
            .collect();
        let err = allocate(&enis).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "subnet 10.0.1.16/28 is exhausted: 11 usable addresses, 12 ENIs need one"
            ),
            "{err}"
        );
        assert!(allocate(&enis[..11]).is_ok());
        let err = allocate(&[req("eni/x", "10.0.1.0/30", None)]).unwrap_err();
        assert!(matches!(err, IpamError::SubnetTooSmall { .. }));
    }
}
