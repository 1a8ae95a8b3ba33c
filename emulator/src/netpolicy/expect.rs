//! What `emul verify` expects: for every (source, destination, TCP port),
//! whether AWS would let the connection through, and which rule decides
//! (pure).
//!
//! A connection from S to D on port p is allowed when an egress rule of one
//! of S's groups admits (D, p) AND an ingress rule of one of D's groups
//! admits (S, p) — the union over each side's groups — or when S and D are
//! ENIs of one managed datastore (replication, see [`super::policy`]).
//! The host is a source with no egress rules of its own; only a `0.0.0.0/0`
//! ingress peer admits it.
//!
//! Ports: every TCP port a rule, listener, target group, container or data
//! store mentions, plus [`UNMENTIONED_PORTS`] that nothing mentions (so an
//! "allow everything" bug shows).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::policy::{Direction, Peer, Policy, Proto, Rule, replication_domain};
use crate::topology::Topology;
use crate::topology::model::security_groups::PortRange;

/// Ports that no seed fixture mentions, probed to catch over-permissive rules.
pub const UNMENTIONED_PORTS: [u16; 2] = [2222, 9999];

/// One end of a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host`, or the ENI id.
    pub name: String,
    /// The ENI's address; `None` for the host.
    pub ip: Option<Ipv4Addr>,
    /// Its security groups (empty for the host).
    pub groups: Vec<String>,
}

impl Endpoint {
    /// The host (the shell, the test runner): "the internet".
    pub fn host() -> Endpoint {
        Endpoint {
            name: "host".into(),
            ip: None,
            groups: vec![],
        }
    }

    /// An ENI.
    pub fn eni(id: &str, ip: Ipv4Addr, groups: &[String]) -> Endpoint {
        Endpoint {
            name: id.into(),
            ip: Some(ip),
            groups: groups.to_vec(),
        }
    }

    /// Whether this is the host (no address, no groups).
    pub fn is_host(&self) -> bool {
        self.ip.is_none()
    }
}

/// The verdict for one (source, destination, port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Source endpoint name.
    pub src: String,
    /// Destination endpoint name.
    pub dst: String,
    /// Destination address.
    pub dst_ip: Ipv4Addr,
    /// TCP port.
    pub port: u16,
    /// Whether the connection should succeed.
    pub allowed: bool,
    /// The rule(s) that allow it, or what is missing to allow it.
    pub reason: String,
}

/// Whether `rule` (of a group) admits `other` on `proto`/`port` (the one
/// statement of what a rule matches, shared by `verify` and `emul why`).
pub(crate) fn admits(
    policy: &Policy,
    rule: &Rule,
    other: &Endpoint,
    proto: Proto,
    port: u16,
) -> bool {
    if !rule.covers(proto, port) {
        return false;
    }
    rule.peers.iter().any(|peer| match (peer, other.ip) {
        (Peer::Cidr(net), None) => net.prefix_len() == 0,
        (Peer::Cidr(net), Some(ip)) => {
            net.contains(&ip) && (net.prefix_len() == 0 || ip != policy.gateway)
        }
        (Peer::Group(g), Some(_)) => other.groups.contains(g),
        (Peer::Group(_), None) => false,
        // Every ENI and the host gateway are IPv4 addresses.
        (Peer::Cidr6(_), _) => false,
    })
}

/// The first rule of `of`'s groups in `direction` that covers TCP `port`
/// for some IPv6 peer: it admits nothing in emul's IPv4-only VPC, which a
/// refusal says so the user is not left wondering why it did not apply.
pub(crate) fn ipv6_rule<'a>(
    policy: &'a Policy,
    of: &'a Endpoint,
    direction: Direction,
    proto: Proto,
    port: u16,
) -> Option<&'a Rule> {
    policy
        .rules(&of.groups, direction)
        .find(|r| r.covers(proto, port) && r.peers.iter().any(|p| matches!(p, Peer::Cidr6(_))))
}

/// `"; <rule> matches IPv6 peers only…"` when such a rule exists, else "".
pub(crate) fn ipv6_note(rule: Option<&Rule>) -> String {
    rule.map(|r| {
        format!(
            "; {} matches IPv6 peers only, and emul's VPC is IPv4-only",
            r.label()
        )
    })
    .unwrap_or_default()
}

/// The first rule of `of`'s groups in `direction` admitting `other` on
/// `proto`/`port`.
pub(crate) fn first_admitting<'a>(
    policy: &'a Policy,
    of: &'a Endpoint,
    direction: Direction,
    other: &Endpoint,
    proto: Proto,
    port: u16,
) -> Option<&'a Rule> {
    policy
        .rules(&of.groups, direction)
        .find(|r| admits(policy, r, other, proto, port))
}

/// The verdict for `src` → `dst`:`port`. `dst` must be an ENI.
pub fn expect(policy: &Policy, src: &Endpoint, dst: &Endpoint, port: u16) -> Expectation {
    let dst_ip = dst.ip.expect("destinations are ENIs");
    let verdict = |allowed: bool, reason: String| Expectation {
        src: src.name.clone(),
        dst: dst.name.clone(),
        dst_ip,
        port,
        allowed,
        reason,
    };
    if let (Some(a), Some(b)) = (replication_domain(&src.name), replication_domain(&dst.name))
        && a == b
    {
        return verdict(true, format!("managed replication inside {a}"));
    }
    let groups = |e: &Endpoint| {
        if e.groups.is_empty() {
            "no security group".to_string()
        } else {
            e.groups.join(", ")
        }
    };
    let egress = if src.is_host() {
        None
    } else {
        match first_admitting(policy, src, Direction::Egress, dst, Proto::Tcp, port) {
            Some(r) => Some(r.label()),
            None => {
                return verdict(
                    false,
                    format!(
                        "no egress rule of {} ({}) allows tcp/{port} to {}{}",
                        src.name,
                        groups(src),
                        dst.name,
                        ipv6_note(ipv6_rule(policy, src, Direction::Egress, Proto::Tcp, port))
                    ),
                );
            }
        }
    };
    match first_admitting(policy, dst, Direction::Ingress, src, Proto::Tcp, port) {
        Some(r) => {
            let mut reason = format!("allowed by {}", r.label());
            if let Some(e) = egress {
                reason.push_str(&format!(" and {e}"));
            }
            verdict(true, reason)
        }
        None => verdict(
            false,
            format!(
                "no ingress rule of {} ({}) admits tcp/{port} from {}{}{}",
                dst.name,
                groups(dst),
                src.name,
                if src.is_host() {
                    " (the host only matches 0.0.0.0/0)"
                } else {
                    ""
                },
                ipv6_note(ipv6_rule(policy, dst, Direction::Ingress, Proto::Tcp, port))
            ),
        ),
    }
}

/// Every TCP port worth probing for this topology (sorted), except the ENI
/// agent's control port (7411): every ruleset admits it from the VPC
/// gateway whatever the groups say, and the agent holds it in every ENI.
pub fn ports(topology: &Topology, policy: &Policy) -> Vec<u16> {
    let mut ports = BTreeSet::new();
    for g in policy.groups.values() {
        for r in g.ingress.iter().chain(g.egress.iter()) {
            if let (Proto::Tcp, PortRange::Range(a, b)) = (r.proto, r.ports) {
                ports.insert(a);
                ports.insert(b);
                if b > a + 1 {
                    ports.insert(a + (b - a) / 2);
                }
            }
        }
    }
    for lb in &topology.load_balancers {
        ports.extend(lb.listeners.iter().map(|l| l.port.value));
    }
    ports.extend(topology.target_groups.iter().map(|t| t.port.value));
    for s in topology.services() {
        for c in &s.task_definition.container_definitions {
            ports.extend(c.port_mappings.iter().map(|p| p.container_port.value));
        }
    }
    let port16 = |p: i64| u16::try_from(p).ok();
    ports.extend(
        topology
            .rds_instances
            .iter()
            .filter_map(|d| port16(d.port.value)),
    );
    ports.extend(
        topology
            .elasticache_clusters
            .iter()
            .filter_map(|c| port16(c.port.value)),
    );
    ports.remove(&crate::runtime::agent::CONTROL_PORT);
    let mut extra = 0;
    for p in UNMENTIONED_PORTS.iter().chain([7, 31337, 40000].iter()) {
        if extra < 2 && !ports.contains(p) {
            ports.insert(*p);
            extra += 1;
        }
    }
    ports.remove(&0);
    ports.into_iter().collect()
}

/// The whole matrix: every source (the host and every ENI) × every other
/// ENI × every port.
pub fn matrix(policy: &Policy, enis: &[Endpoint], ports: &[u16]) -> Vec<Expectation> {
    let mut out = Vec::new();
    let host = Endpoint::host();
    for src in std::iter::once(&host).chain(enis.iter()) {
        for dst in enis.iter().filter(|d| d.name != src.name) {
            for &port in ports {
                out.push(expect(policy, src, dst, port));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "expect_tests.rs"]
mod tests;
