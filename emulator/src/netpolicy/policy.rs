//! The topology's security groups, normalised for enforcement and for
//! `emul verify` (pure, no I/O).
//!
//! A [`Policy`] holds every group's rules with `self` resolved to the group's
//! own name, AWS's default egress written out (an omitted `egress` is "all
//! traffic to 0.0.0.0/0"), and each rule's position in the file so a
//! mismatch can name the rule that should have allowed or blocked it.
//!
//! It also knows two facts that are not rules but decide reachability:
//! - the **host gateway**: emul's own address in the VPC, the VPC bridge's
//!   first address (the network's `.1`) when emul runs on the engine's
//!   host, base + 3 when it runs in a container
//!   ([`crate::runtime::placement`]). Everything emul does to an ENI
//!   arrives from it (docker-notes §1, "Host ↔ container reachability").
//!   It counts as "the internet", so only a `0.0.0.0/0` peer admits it; a
//!   narrower CIDR that happens to contain it (e.g. the VPC CIDR) does not,
//!   exactly as AWS's reserved VPC addresses never originate customer
//!   traffic.
//! - **managed replication**: the ENIs of one RDS instance (primary and
//!   Multi-AZ standby) or of one ElastiCache replication group replicate to
//!   each other. AWS does that outside the customer's security groups, so
//!   emul admits TCP between ENIs of the same [`replication_domain`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};

use crate::runtime::placement::Placement;
use crate::topology::Topology;
use crate::topology::model::security_groups::{IpProtocol, PortRange, SgRule};

/// Which way a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Inbound: the peer is the source.
    Ingress,
    /// Outbound: the peer is the destination.
    Egress,
}

impl Direction {
    /// `ingress` / `egress`, as in the topology file.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The protocols a rule can name (`-1` is [`Proto::All`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (ports are type and code).
    Icmp,
    /// Every protocol and port.
    All,
}

/// Whom a rule admits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// Addresses; `0.0.0.0/0` also admits the host.
    Cidr(Ipv4Net),
    /// IPv6 addresses (`ipv6_cidr_blocks`). emul's VPC network is
    /// IPv4-only, so these match no ENI and not the host; they are still
    /// compiled (`ip6 saddr/daddr`) so each ENI's ruleset is what AWS holds.
    Cidr6(Ipv6Net),
    /// Every ENI in this group (`security_groups: [name]` or `self: true`).
    Group(String),
}

/// One rule of one group, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The group the rule belongs to.
    pub group: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// 1-based position among the group's rules of this direction (0 for
    /// the implicit default egress).
    pub number: usize,
    /// Protocol.
    pub proto: Proto,
    /// Ports covered (ICMP: type/code).
    pub ports: PortRange,
    /// Peers, each one admitted on its own.
    pub peers: Vec<Peer>,
    /// The rule's `description`, for messages.
    pub description: Option<String>,
    /// Line in the topology file (0 for the implicit default egress).
    pub line: u32,
}

impl Rule {
    /// A short, human name: `rds-sg ingress #1 "PostgreSQL from ECS" (line 63)`.
    pub fn label(&self) -> String {
        let mut s = if self.number == 0 {
            format!(
                "{} default egress (egress omitted: all traffic)",
                self.group
            )
        } else {
            format!(
                "{} {} #{}",
                self.group,
                self.direction.as_str(),
                self.number
            )
        };
        if let (true, Some(d)) = (self.number != 0, &self.description) {
            s.push_str(&format!(" \"{d}\""));
        }
        if self.line > 0 {
            s.push_str(&format!(" (line {})", self.line));
        }
        s
    }

    /// Whether the rule covers TCP port `port`.
    pub fn covers_tcp(&self, port: u16) -> bool {
        self.covers(Proto::Tcp, port)
    }

    /// Whether the rule covers `port` of `proto` (TCP or UDP; `emul why`
    /// asks about either, `verify` about TCP).
    pub fn covers(&self, proto: Proto, port: u16) -> bool {
        match (self.proto, self.ports) {
            (Proto::All, _) => true,
            (p, PortRange::All) if p == proto => true,
            (p, PortRange::Range(a, b)) if p == proto && proto != Proto::Icmp => {
                (a..=b).contains(&port)
            }
            _ => false,
        }
    }
}

/// One group's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupRules {
    /// Position of the group in the topology (stable nft set names).
    pub index: usize,
    /// Inbound rules.
    pub ingress: Vec<Rule>,
    /// Outbound rules in force (the default allow-all when omitted).
    pub egress: Vec<Rule>,
}

/// Every group of a topology, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// By group name.
    pub groups: BTreeMap<String, GroupRules>,
    /// emul's address in the VPC: where its traffic comes from.
    pub gateway: Ipv4Addr,
}

impl Policy {
    /// Normalises a validated topology's security groups, for emul on the
    /// engine's host.
    pub fn from_topology(t: &Topology) -> Policy {
        Policy::placed(t, &Placement::Host)
    }

    /// [`Self::from_topology`] for emul placed as `placement`.
    pub fn placed(t: &Topology, placement: &Placement) -> Policy {
        let mut groups = BTreeMap::new();
        for (index, g) in t.security_groups.iter().enumerate() {
            let name = g.name.value.clone();
            let ingress = g
                .ingress
                .iter()
                .enumerate()
                .map(|(i, r)| normalise(&name, Direction::Ingress, i + 1, r))
                .collect();
            let egress = match &g.egress {
                Some(rules) => rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| normalise(&name, Direction::Egress, i + 1, r))
                    .collect(),
                None => g
                    .effective_egress()
                    .iter()
                    .map(|r| Rule {
                        number: 0,
                        line: 0,
                        ..normalise(&name, Direction::Egress, 0, r)
                    })
                    .collect(),
            };
            groups.insert(
                name,
                GroupRules {
                    index,
                    ingress,
                    egress,
                },
            );
        }
        let cidr = t.vpc.cidr_block.value;
        Policy {
            groups,
            gateway: placement
                .vpc_address(cidr)
                .unwrap_or_else(|| gateway_of(cidr)),
        }
    }

    /// The rules of `groups` in one direction (unknown names contribute nothing).
    pub fn rules<'a>(
        &'a self,
        groups: &'a [String],
        direction: Direction,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        groups
            .iter()
            .filter_map(|g| self.groups.get(g))
            .flat_map(move |g| match direction {
                Direction::Ingress => g.ingress.iter(),
                Direction::Egress => g.egress.iter(),
            })
    }

    /// The groups whose membership the rules of `groups` refer to: the
    /// named sets an ENI in `groups` needs.
    pub fn referenced_groups(&self, groups: &[String]) -> BTreeSet<String> {
        self.rules(groups, Direction::Ingress)
            .chain(self.rules(groups, Direction::Egress))
            .flat_map(|r| r.peers.iter())
            .filter_map(|p| match p {
                Peer::Group(g) => Some(g.clone()),
                Peer::Cidr(_) | Peer::Cidr6(_) => None,
            })
            .collect()
    }

    /// The nft set name of a group: `sg<index>` (group names may hold
    /// characters nft identifiers may not; the name is in the set's comment).
    pub fn set_name(&self, group: &str) -> String {
        match self.groups.get(group) {
            Some(g) => format!("sg{}", g.index),
            None => format!("sg_unknown_{}", sanitize(group)),
        }
    }
}

/// The replication domain of an ENI id: `rds/<id>` for `eni/rds/<id>[/...]`,
/// `elasticache/<rg>` for `eni/elasticache/<rg>/<node>`; `None` otherwise.
/// ENIs of one domain may always reach each other over TCP (see module doc).
pub fn replication_domain(eni_id: &str) -> Option<String> {
    let mut parts = eni_id.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("eni"), Some(kind @ ("rds" | "elasticache")), Some(name)) if !name.is_empty() => {
            Some(format!("{kind}/{name}"))
        }
        _ => None,
    }
}

/// The first host address of a network: the Docker bridge's gateway.
pub fn gateway_of(cidr: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.network()).wrapping_add(1))
}

/// Only `[A-Za-z0-9_]`, everything else `_`.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn normalise(group: &str, direction: Direction, number: usize, r: &SgRule) -> Rule {
    let proto = match *r.protocol {
        IpProtocol::Tcp => Proto::Tcp,
        IpProtocol::Udp => Proto::Udp,
        IpProtocol::Icmp => Proto::Icmp,
        IpProtocol::All => Proto::All,
    };
    let mut peers: Vec<Peer> = r.cidr_blocks.iter().map(|c| Peer::Cidr(c.value)).collect();
    peers.extend(r.ipv6_cidr_blocks.iter().map(|c| Peer::Cidr6(c.value)));
    peers.extend(
        r.security_groups
            .iter()
            .map(|g| Peer::Group(g.value.clone())),
    );
    if r.self_ {
        peers.push(Peer::Group(group.to_string()));
    }
    peers.sort();
    peers.dedup();
    Rule {
        group: group.to_string(),
        direction,
        number,
        proto,
        ports: r.port_range(),
        peers,
        description: r.description.clone(),
        line: r.span.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::parse_str;

    pub(crate) const SRC: &str = "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: web
    ingress:
      - { port: 443, cidr_blocks: [0.0.0.0/0], description: HTTPS }
  - name: app
    ingress:
      - { from_port: 8000, to_port: 8010, security_groups: [web] }
      - { port: 6379, self: true }
    egress:
      - { protocol: '-1', cidr_blocks: [10.0.0.0/16] }
  - name: db
    ingress: [{ port: 5432, security_groups: [app, web] }]
    egress: []
";

    #[test]
    fn normalises_self_default_egress_and_positions() {
        let p = Policy::from_topology(&parse_str(SRC).unwrap());
        assert_eq!(p.gateway, Ipv4Addr::new(10, 0, 0, 1));
        let web = &p.groups["web"];
        assert_eq!(web.egress.len(), 1, "omitted egress = the AWS default");
        assert_eq!(
            web.egress[0].peers,
            vec![Peer::Cidr("0.0.0.0/0".parse().unwrap())]
        );
        assert_eq!(web.egress[0].proto, Proto::All);
        assert_eq!(
            web.egress[0].label(),
            "web default egress (egress omitted: all traffic)"
        );
        let app = &p.groups["app"];
        assert_eq!(app.ingress[0].ports, PortRange::Range(8000, 8010));
        assert_eq!(app.ingress[1].peers, vec![Peer::Group("app".into())]);
        assert_eq!(app.ingress[0].label(), "app ingress #1 (line 12)");
        assert!(p.groups["db"].egress.is_empty(), "egress: [] = nothing out");
        assert_eq!(
            p.groups["web"].ingress[0].label(),
            "web ingress #1 \"HTTPS\" (line 9)"
        );
        assert_eq!(p.set_name("db"), "sg2");
        let refs = p.referenced_groups(&["db".into(), "app".into()]);
        assert_eq!(
            refs.into_iter().collect::<Vec<_>>(),
            vec!["app".to_string(), "web".to_string()]
        );
    }

    #[test]
    fn rule_port_coverage() {
        let p = Policy::from_topology(&parse_str(SRC).unwrap());
        let r = &p.groups["app"].ingress[0];
        assert!(!r.covers_tcp(7999));
        assert!(r.covers_tcp(8000) && r.covers_tcp(8005) && r.covers_tcp(8010));
        assert!(!r.covers_tcp(8011));
        assert!(p.groups["app"].egress[0].covers_tcp(1));
    }

    #[test]
    fn replication_domains() {
        assert_eq!(replication_domain("eni/rds/db").as_deref(), Some("rds/db"));
        assert_eq!(
            replication_domain("eni/rds/db/standby").as_deref(),
            Some("rds/db")
        );
        assert_eq!(
            replication_domain("eni/elasticache/cache/0002").as_deref(),
            Some("elasticache/cache")
        );
        assert_eq!(replication_domain("eni/ecs/api/abc"), None);
        assert_eq!(replication_domain("eni/rds/"), None);
        assert_eq!(replication_domain("rds/db"), None);
    }
}
