//! Security groups + current memberships → one nftables script per ENI
//! (pure: text in, text out; [`super::nft`] runs it).
//!
//! Each ENI gets its own table `inet emul` in its own network namespace:
//!
//! ```text
//! table inet emul {
//!   comment "emul eni=<id> ip=<ip> groups=<g1,g2>"     ← what `emul verify` reads back
//!   set sg3  { type ipv4_addr; comment "ecs-sg"; elements = { … } }   ← one per referenced group
//!   set repl { type ipv4_addr; … }                     ← managed-replication peers (RDS, cache)
//!   chain input  { policy drop; iif lo; ct established,related; <ingress rules>; log → group 7 }
//!   chain output { policy drop; oif lo; ct established,related; <egress rules>; log → group 7 }
//! }
//! ```
//!
//! - Default deny both ways, stateful: replies to an allowed connection pass
//!   in either direction (`ct state established,related`).
//! - Loopback passes, which also keeps Docker's embedded DNS working: the
//!   resolver is `127.0.0.11`, DNAT-ed by Docker's own rules in the
//!   namespace's `nat` table (which this table never touches) to another
//!   loopback port.
//! - DNS to the VPC resolver and connections to the task metadata endpoint
//!   leave whatever the groups say: both are served on the host gateway
//!   (`dataplane::dns` on UDP/TCP `RESOLVER_PORT`, the ECS scheduler on TCP
//!   `METADATA_PORT`), where the ENI agent's DNAT sends AWS's addresses
//!   (`runtime::vpc_services`; Docker's embedded DNS asks from the ENI's own
//!   address), and AWS's are not subject to security groups either.
//! - TCP to the ENI agent's control port (7411) from the VPC gateway is
//!   admitted above everything the groups say (`comment "emul control"`):
//!   that is how the daemon on the host reaches the agent that applies this
//!   very table (docs/decisions/0011-eni-agent-portability.md). No other
//!   source reaches it, and the agent wants the project token besides.
//! - One `accept` per (rule, peer): a CIDR peer matches addresses
//!   (`0.0.0.0/0` matches any IPv4 source, the host included; a narrower
//!   CIDR never matches the host gateway, see [`super::policy`]); a group
//!   peer matches the named set of that group's member IPs, so membership
//!   changes are set updates ([`set_updates`]) and no rule is rewritten.
//! - The union of several groups is just all their accepts in one chain.
//! - Before the chain's policy drops a packet, `limit rate 20/second log
//!   prefix "emul-deny in|out" group 7` hands a copy to NFLOG group 7,
//!   which the ENI's agent reads (`GET /denied`, `emul logs --denied`).
//! - IPv6 peers (`ipv6_cidr_blocks`) become `ip6 saddr/daddr` accepts
//!   (`::/0` is `meta nfproto ipv6`) in the same `inet` table; any other
//!   IPv6 traffic is dropped by the chains' policy. emul's VPC network is
//!   IPv4-only, so they admit nothing today, but the ruleset is AWS's.
//!
//! [`ruleset`] replaces the whole table in one nft transaction (`add
//! table`, `delete table`, then the new table), so there is never a moment
//! without rules, and re-applying is idempotent.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::policy::{Direction, Peer, Policy, Proto, Rule, replication_domain};
use crate::runtime::vpc_services;
use crate::topology::model::security_groups::PortRange;

/// The nft table emul owns in every ENI namespace.
pub const TABLE: &str = "inet emul";
/// The comment of the rules that let an ENI reach the VPC resolver.
pub const VPC_RESOLVER: &str = "VPC resolver";
/// The comment of the rule that lets an ENI reach the task metadata endpoint.
pub const TASK_METADATA: &str = "task metadata";
/// The comment of the rule that lets the daemon reach the ENI's agent.
pub const CONTROL: &str = "emul control";
/// The set of managed-replication peers.
pub const REPLICATION_SET: &str = "repl";
/// The NFLOG group the chains log refused packets to; the ENI agent reads
/// it (the agent crate's `denied` module has the same number).
pub const DENY_LOG_GROUP: u16 = 7;
/// The log prefix of refused packets, followed by `in` or `out` (the chain).
pub const DENY_PREFIX: &str = "emul-deny ";
/// Refused packets logged per second and chain at most.
pub const DENY_LOG_RATE: u32 = 20;
/// The comment of the log rule at the end of each chain.
pub const DENY_LOG: &str = "emul deny log";

/// An ENI, as the compiler needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniRules {
    /// Logical id (`eni/rds/main-db`).
    pub id: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its security groups.
    pub groups: Vec<String>,
}

/// Who is in what, right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Membership {
    /// Group name → member ENI addresses.
    pub groups: BTreeMap<String, BTreeSet<Ipv4Addr>>,
    /// Replication domain → member ENI addresses.
    pub replication: BTreeMap<String, BTreeSet<Ipv4Addr>>,
}

impl Membership {
    /// Builds the membership of a set of ENIs.
    pub fn of<'a>(enis: impl IntoIterator<Item = &'a EniRules>) -> Membership {
        let mut m = Membership::default();
        for e in enis {
            for g in &e.groups {
                m.groups.entry(g.clone()).or_default().insert(e.ip);
            }
            if let Some(d) = replication_domain(&e.id) {
                m.replication.entry(d).or_default().insert(e.ip);
            }
        }
        m
    }

    fn group(&self, g: &str) -> BTreeSet<Ipv4Addr> {
        self.groups.get(g).cloned().unwrap_or_default()
    }

    fn replication_peers(&self, eni: &EniRules) -> BTreeSet<Ipv4Addr> {
        replication_domain(&eni.id)
            .and_then(|d| self.replication.get(&d).cloned())
            .unwrap_or_default()
            .into_iter()
            .filter(|ip| *ip != eni.ip)
            .collect()
    }
}

/// The table comment: the ENI's identity, read back by `emul verify`.
pub fn identity_comment(eni: &EniRules) -> String {
    format!(
        "emul eni={} ip={} groups={}",
        clean(&eni.id),
        eni.ip,
        eni.groups
            .iter()
            .map(|g| clean(g))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Parses [`identity_comment`] back: (id, ip, groups).
pub fn parse_identity(comment: &str) -> Option<EniRules> {
    let rest = comment.strip_prefix("emul ")?;
    let mut id = None;
    let mut ip = None;
    let mut groups = Vec::new();
    for part in rest.split(' ') {
        if let Some(v) = part.strip_prefix("eni=") {
            id = Some(v.to_string());
        } else if let Some(v) = part.strip_prefix("ip=") {
            ip = v.parse().ok();
        } else if let Some(v) = part.strip_prefix("groups=") {
            groups = v
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
    }
    Some(EniRules {
        id: id?,
        ip: ip?,
        groups,
    })
}

/// The whole script that (re)installs `eni`'s table.
pub fn ruleset(policy: &Policy, eni: &EniRules, members: &Membership) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "add table {TABLE}");
    let _ = writeln!(s, "delete table {TABLE}");
    let _ = writeln!(s, "table {TABLE} {{");
    let _ = writeln!(s, "  comment \"{}\"", identity_comment(eni));
    for g in policy.referenced_groups(&eni.groups) {
        let _ = writeln!(
            s,
            "  set {} {{ type ipv4_addr; comment \"{}\";{} }}",
            policy.set_name(&g),
            clean(&g),
            elements(&members.group(&g))
        );
    }
    let repl = replication_domain(&eni.id).is_some();
    if repl {
        let _ = writeln!(
            s,
            "  set {REPLICATION_SET} {{ type ipv4_addr; comment \"managed replication\";{} }}",
            elements(&members.replication_peers(eni))
        );
    }
    for (chain, direction, hook, iface) in [
        ("input", Direction::Ingress, "input", "iif"),
        ("output", Direction::Egress, "output", "oif"),
    ] {
        let _ = writeln!(s, "  chain {chain} {{");
        let _ = writeln!(
            s,
            "    type filter hook {hook} priority filter; policy drop;"
        );
        let _ = writeln!(s, "    {iface} lo accept");
        let _ = writeln!(s, "    ct state established,related accept");
        let addr = match direction {
            Direction::Ingress => "saddr",
            Direction::Egress => "daddr",
        };
        if direction == Direction::Ingress {
            // The daemon → agent control connection (from the host, so from
            // the VPC gateway): without it the agent could not be told
            // anything once its table is in place.
            let _ = writeln!(
                s,
                "    ip saddr {} tcp dport {} accept comment \"{CONTROL}\"",
                policy.gateway,
                crate::runtime::agent::CONTROL_PORT
            );
        }
        if direction == Direction::Egress {
            // The VPC resolver (`dataplane::dns`) and the task metadata
            // endpoint, on the bridge gateway where the agent's DNAT sends
            // AWS's addresses (`runtime::vpc_services`), are reachable
            // whatever the groups say, as AWS's are.
            for proto in ["udp", "tcp"] {
                let _ = writeln!(
                    s,
                    "    ip daddr {} {proto} dport {} accept comment \"{VPC_RESOLVER}\"",
                    policy.gateway,
                    vpc_services::RESOLVER_PORT
                );
            }
            let _ = writeln!(
                s,
                "    ip daddr {} tcp dport {} accept comment \"{TASK_METADATA}\"",
                policy.gateway,
                vpc_services::METADATA_PORT
            );
        }
        if repl {
            let _ = writeln!(
                s,
                "    ip {addr} @{REPLICATION_SET} meta l4proto tcp accept comment \"managed replication\""
            );
        }
        for rule in policy.rules(&eni.groups, direction) {
            for line in rule_lines(policy, rule) {
                let _ = writeln!(s, "    {line}");
            }
        }
        // What reaches the end of the chain is about to be dropped: the
        // agent records it (`emul logs --denied`, `emul why`). Rate-limited
        // so a flood costs the kernel and the agent little.
        let _ = writeln!(
            s,
            "    limit rate {DENY_LOG_RATE}/second log prefix \"{DENY_PREFIX}{}\" group {DENY_LOG_GROUP} comment \"{DENY_LOG}\"",
            match direction {
                Direction::Ingress => "in",
                Direction::Egress => "out",
            }
        );
        let _ = writeln!(s, "  }}");
    }
    let _ = writeln!(s, "}}");
    s
}

/// The nft statements of one rule: one `accept` per peer.
pub fn rule_lines(policy: &Policy, rule: &Rule) -> Vec<String> {
    let addr = match rule.direction {
        Direction::Ingress => "saddr",
        Direction::Egress => "daddr",
    };
    let l4 = l4_match(rule);
    let comment = format!(
        "{} {} #{}",
        clean(&rule.group),
        rule.direction.as_str(),
        rule.number
    );
    rule.peers
        .iter()
        .map(|peer| {
            let who = match peer {
                Peer::Cidr(net) if net.prefix_len() == 0 => "meta nfproto ipv4".to_string(),
                Peer::Cidr(net) if net.contains(&policy.gateway) => {
                    format!("ip {addr} {net} ip {addr} != {}", policy.gateway)
                }
                Peer::Cidr(net) => format!("ip {addr} {net}"),
                Peer::Cidr6(net) if net.prefix_len() == 0 => "meta nfproto ipv6".to_string(),
                Peer::Cidr6(net) => format!("ip6 {addr} {net}"),
                Peer::Group(g) => format!("ip {addr} @{}", policy.set_name(g)),
            };
            let mut line = who;
            if !l4.is_empty() {
                line.push(' ');
                line.push_str(&l4);
            }
            line.push_str(&format!(" accept comment \"{comment}\""));
            line
        })
        .collect()
}

fn l4_match(rule: &Rule) -> String {
    let ports = |p: &str| match rule.ports {
        PortRange::All => format!("meta l4proto {p}"),
        PortRange::Range(a, b) if a == b => format!("{p} dport {a}"),
        PortRange::Range(a, b) => format!("{p} dport {a}-{b}"),
    };
    match rule.proto {
        Proto::All => String::new(),
        Proto::Tcp => ports("tcp"),
        Proto::Udp => ports("udp"),
        Proto::Icmp => match rule.ports {
            PortRange::All => "meta l4proto icmp".into(),
            PortRange::Range(t, c) => format!("icmp type {t} icmp code {c}"),
        },
    }
}

/// The script that brings `eni`'s named sets in line with `members` for the
/// groups in `changed` (and its replication set when `replication_changed`):
/// `flush set` + `add element` per set, one transaction, rules untouched and
/// established connections unaffected. `None` when nothing in `eni`'s
/// table refers to what changed.
pub fn set_updates(
    policy: &Policy,
    eni: &EniRules,
    members: &Membership,
    changed: &BTreeSet<String>,
    replication_changed: bool,
) -> Option<String> {
    let mut s = String::new();
    for g in policy.referenced_groups(&eni.groups).intersection(changed) {
        let set = policy.set_name(g);
        let _ = writeln!(s, "flush set {TABLE} {set}");
        let ips = members.group(g);
        if !ips.is_empty() {
            let _ = writeln!(s, "add element {TABLE} {set} {{ {} }}", join(&ips));
        }
    }
    if replication_changed && replication_domain(&eni.id).is_some() {
        let _ = writeln!(s, "flush set {TABLE} {REPLICATION_SET}");
        let ips = members.replication_peers(eni);
        if !ips.is_empty() {
            let _ = writeln!(
                s,
                "add element {TABLE} {REPLICATION_SET} {{ {} }}",
                join(&ips)
            );
        }
    }
    (!s.is_empty()).then_some(s)
}

fn elements(ips: &BTreeSet<Ipv4Addr>) -> String {
    if ips.is_empty() {
        String::new()
    } else {
        format!(" elements = {{ {} }};", join(ips))
    }
}

fn join(ips: &BTreeSet<Ipv4Addr>) -> String {
    ips.iter()
        .map(Ipv4Addr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text safe inside an nft double-quoted comment and inside the
/// space-separated identity comment: printable ASCII except quotes and
/// backslashes, at most 100 bytes (nft's comment limit is 128).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect()
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
