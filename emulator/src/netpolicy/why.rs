//! `emul why SRC DST PORT`: why a connection is allowed or refused, in the
//! words of the topology's rules (pure).
//!
//! The verdict is [`super::expect`]'s: the same [`expect::first_admitting`]
//! decides each side (egress of SRC, ingress of DST), so `why` and
//! `verify` can never disagree. What `why` adds is the explanation:
//!
//! - allowed: the rule that lets it out of SRC and the rule that lets it
//!   into DST (`allowed: ecs-sg egress #1 all traffic to 0.0.0.0/0 →
//!   rds-sg ingress #1 tcp/5432 from ecs-sg`);
//! - refused: the side that refuses and what is missing, with what that
//!   side's groups do admit on the port (`refused: no ingress rule of
//!   rds-sg admits tcp/5432 from alb-sg (rds-sg admits tcp/5432 from:
//!   ecs-sg)`), and whether the other side would have let it through;
//! - the special cases of docs/decisions/0010-security-groups.md: ENIs of
//!   one data store always reach each other over TCP (managed
//!   replication), the daemon reaches every agent's control port from the
//!   host (`emul control`), DNS to the VPC resolver and the task metadata
//!   endpoint (`runtime::vpc_services`) leave whatever the
//!   groups say.
//!
//! Names are resolved the way users think of them ([`resolve`]): a data
//! store, a cache replication group (its nodes), an ALB, an ECS service
//! (its running tasks), a task id, an address, or `internet`/`host`. Without
//! a running project a resource's ENIs are assumed at the first usable
//! address of its first subnet (so CIDR peers still match as they would).

use std::net::Ipv4Addr;

use super::expect::{self, Endpoint};
use super::policy::{Direction, Peer, Policy, Proto, Rule, replication_domain};
use crate::runtime::vpc_services;
use crate::topology::Topology;
use crate::topology::model::security_groups::PortRange;

/// The answer for one (source ENI, destination ENI, protocol, port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Source endpoint (ENI id or `host`), for the per-pair line.
    pub src: String,
    /// Destination endpoint, likewise.
    pub dst: String,
    /// Whether AWS would let the connection through (what `verify` expects).
    pub allowed: bool,
    /// `allowed: …` / `refused: …`, naming rules by group, direction and
    /// number as the topology file has them.
    pub text: String,
}

/// `tcp`/`udp`, as messages and the deny log spell it.
pub fn proto_name(proto: Proto) -> &'static str {
    match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Icmp => "icmp",
        Proto::All => "all",
    }
}

/// Parses `PORT[/tcp|udp]` (TCP when no protocol is given).
pub fn parse_port(s: &str) -> Result<(Proto, u16), String> {
    let (port, proto) = match s.split_once('/') {
        Some((p, "tcp")) => (p, Proto::Tcp),
        Some((p, "udp")) => (p, Proto::Udp),
        Some((_, other)) => {
            return Err(format!("PORT {s:?}: protocol {other:?} is not tcp or udp"));
        }
        None => (s, Proto::Tcp),
    };
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok((proto, p)),
        _ => Err(format!(
            "PORT {s:?}: expected a port 1-65535, optionally /tcp or /udp"
        )),
    }
}

/// The protocol and ports a rule covers: `all traffic`, `tcp/5432`,
/// `tcp/8000-8010`, `udp/all ports`, `icmp`.
fn what(rule: &Rule) -> String {
    match (rule.proto, rule.ports) {
        (Proto::All, _) => "all traffic".into(),
        (Proto::Icmp, _) => "icmp".into(),
        (p, PortRange::All) => format!("{}/all ports", proto_name(p)),
        (p, PortRange::Range(a, b)) if a == b => format!("{}/{a}", proto_name(p)),
        (p, PortRange::Range(a, b)) => format!("{}/{a}-{b}", proto_name(p)),
    }
}

fn peer_name(peer: &Peer) -> String {
    match peer {
        Peer::Cidr(n) => n.to_string(),
        Peer::Cidr6(n) => n.to_string(),
        Peer::Group(g) => g.clone(),
    }
}

/// `rds-sg ingress #1 tcp/5432 from ecs-sg (line 64)`.
pub fn rule_text(rule: &Rule) -> String {
    let peers = rule.peers.iter().map(peer_name).collect::<Vec<_>>();
    let head = if rule.number == 0 {
        format!("{} default egress (egress omitted)", rule.group)
    } else {
        format!(
            "{} {} #{}",
            rule.group,
            rule.direction.as_str(),
            rule.number
        )
    };
    let dir = match rule.direction {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let mut s = format!("{head} {} {dir} {}", what(rule), peers.join(", "));
    if rule.line > 0 {
        s.push_str(&format!(" (line {})", rule.line));
    }
    s
}

/// How the other side looks to a rule: its groups, or what it is.
fn describe(e: &Endpoint) -> String {
    match (e.ip, e.groups.is_empty()) {
        (None, _) => "the host (only 0.0.0.0/0 matches it)".into(),
        (Some(ip), true) => format!("{} ({ip}, no security group)", e.name),
        (Some(_), false) => e.groups.join(", "),
    }
}

fn groups_of(e: &Endpoint) -> String {
    if e.groups.is_empty() {
        format!("{} (no security group)", e.name)
    } else {
        e.groups.join(", ")
    }
}

/// What `of`'s groups do admit on `proto`/`port` in `direction`:
/// `(rds-sg admits tcp/5432 from: ecs-sg)`.
fn what_exists(
    policy: &Policy,
    of: &Endpoint,
    direction: Direction,
    proto: Proto,
    port: u16,
) -> String {
    let mut peers: Vec<String> = Vec::new();
    for r in policy.rules(&of.groups, direction) {
        if r.covers(proto, port) {
            for p in &r.peers {
                let n = peer_name(p);
                if !peers.contains(&n) {
                    peers.push(n);
                }
            }
        }
    }
    let (verb, dir) = match direction {
        Direction::Ingress => ("admits", "from"),
        Direction::Egress => ("allows", "to"),
    };
    let p = format!("{}/{port}", proto_name(proto));
    if peers.is_empty() {
        format!("({} {verb} {p} {dir} nobody)", groups_of(of))
    } else {
        format!("({} {verb} {p} {dir}: {})", groups_of(of), peers.join(", "))
    }
}

/// Explains `src` → `dst` on `proto`/`port`. Either end may be the host.
pub fn explain(
    policy: &Policy,
    src: &Endpoint,
    dst: &Endpoint,
    proto: Proto,
    port: u16,
) -> Explanation {
    let out = |allowed: bool, text: String| Explanation {
        src: src.name.clone(),
        dst: dst.name.clone(),
        allowed,
        text,
    };
    let p = format!("{}/{port}", proto_name(proto));
    if proto == Proto::Tcp
        && let (Some(a), Some(b)) = (replication_domain(&src.name), replication_domain(&dst.name))
        && a == b
    {
        return out(
            true,
            format!(
                "allowed: managed replication inside {a} (ENIs of one data store always reach each other over TCP, whatever the groups say)"
            ),
        );
    }
    if src.is_host()
        && !dst.is_host()
        && proto == Proto::Tcp
        && port == crate::runtime::agent::CONTROL_PORT
    {
        return out(
            true,
            format!(
                "allowed: {} (the daemon reaches every ENI's agent on tcp/{port} from the VPC gateway, above every group's rules; not an AWS rule)",
                super::compile::CONTROL
            ),
        );
    }
    if dst.is_host() && !src.is_host() && (port == 53 || port == vpc_services::RESOLVER_PORT) {
        return out(
            true,
            format!(
                "allowed: {} ({p} to the VPC resolver, which the ENI's agent sends to tcp/udp {} of the VPC gateway, leaves whatever the groups say, as AWS's resolver is not subject to security groups)",
                super::compile::VPC_RESOLVER,
                vpc_services::RESOLVER_PORT
            ),
        );
    }
    if dst.is_host() && !src.is_host() && proto == Proto::Tcp && port == vpc_services::METADATA_PORT
    {
        return out(
            true,
            format!(
                "allowed: {} (169.254.170.2:80, which the ENI's agent sends to tcp/{port} of the VPC gateway, leaves whatever the groups say, as in AWS)",
                super::compile::TASK_METADATA
            ),
        );
    }
    if src.is_host() && dst.is_host() {
        return out(
            true,
            "allowed: the host talking to itself crosses no ENI".into(),
        );
    }
    let egress = (!src.is_host())
        .then(|| expect::first_admitting(policy, src, Direction::Egress, dst, proto, port));
    let ingress = (!dst.is_host())
        .then(|| expect::first_admitting(policy, dst, Direction::Ingress, src, proto, port));
    match (egress, ingress) {
        (Some(None), ingress) => {
            let other = match ingress {
                Some(Some(r)) => format!("; {} would admit it", rule_text(r)),
                Some(None) => format!(
                    "; no ingress rule of {} admits it either {}",
                    groups_of(dst),
                    what_exists(policy, dst, Direction::Ingress, proto, port)
                ),
                None => String::new(),
            };
            out(
                false,
                format!(
                    "refused: no egress rule of {} allows {p} to {} {}{}{} (refused by {} on the way out)",
                    groups_of(src),
                    describe(dst),
                    what_exists(policy, src, Direction::Egress, proto, port),
                    expect::ipv6_note(expect::ipv6_rule(
                        policy,
                        src,
                        Direction::Egress,
                        proto,
                        port
                    )),
                    other,
                    src.name
                ),
            )
        }
        (egress, Some(None)) => {
            let other = match egress {
                Some(Some(r)) => format!("; {} lets it out", rule_text(r)),
                _ => String::new(),
            };
            out(
                false,
                format!(
                    "refused: no ingress rule of {} admits {p} from {} {}{}{} (refused by {} on the way in)",
                    groups_of(dst),
                    describe(src),
                    what_exists(policy, dst, Direction::Ingress, proto, port),
                    expect::ipv6_note(expect::ipv6_rule(
                        policy,
                        dst,
                        Direction::Ingress,
                        proto,
                        port
                    )),
                    other,
                    dst.name
                ),
            )
        }
        (egress, ingress) => {
            let out_side = match egress.flatten() {
                Some(r) => rule_text(r),
                None => "the host (no security group)".into(),
            };
            let in_side = match ingress.flatten() {
                Some(r) => rule_text(r),
                None => "the host (no security group)".into(),
            };
            out(true, format!("allowed: {out_side} → {in_side}"))
        }
    }
}

/// What a name resolved to: the ENIs it stands for and how they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The endpoints (one for the host, a task, an address; every ENI of a
    /// service, a replication group, a Multi-AZ instance).
    pub enis: Vec<Endpoint>,
    /// True when the addresses are assumed from the topology (the project
    /// does not run, or the resource has no running ENI).
    pub assumed: bool,
}

/// The first usable address (AWS reserves four) + `i` of the subnet named
/// `subnet`, or of the VPC when no subnet is named.
fn assumed_ip(
    t: &Topology,
    subnets: &[crate::topology::span::Spanned<String>],
    i: u32,
) -> Ipv4Addr {
    let net = subnets
        .first()
        .and_then(|s| t.vpc.subnets.iter().find(|n| *n.name == s.value))
        .map(|n| n.cidr_block.value)
        .unwrap_or(t.vpc.cidr_block.value);
    Ipv4Addr::from(u32::from(net.network()) + 4 + i)
}

/// A resource of the topology that `name` matched: (ENI id prefix, its
/// groups, the ENI ids it has when it runs as declared, its subnets).
type Resource<'a> = (
    String,
    Vec<String>,
    Vec<String>,
    &'a [crate::topology::span::Spanned<String>],
);

fn names(g: &[crate::topology::span::Spanned<String>]) -> Vec<String> {
    g.iter().map(|s| s.value.clone()).collect()
}

/// Resolves SRC/DST: `internet`/`host`, an address, an ENI id, a task id
/// (or task ARN), an RDS instance, a cache replication group, an ALB, or an
/// ECS service. `running` is the running project's ENIs (as `emul verify`
/// discovers them), `None` when it does not run. The error names `name` and
/// lists what exists.
pub fn resolve(t: &Topology, running: Option<&[Endpoint]>, name: &str) -> Result<Resolved, String> {
    if name == "internet" || name == "host" {
        return Ok(Resolved {
            enis: vec![Endpoint::host()],
            assumed: false,
        });
    }
    let found = |enis: Vec<Endpoint>| Resolved {
        enis,
        assumed: false,
    };
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        let Some(run) = running else {
            return Err(format!(
                "{name}: an address names an ENI of the running project, and project {} is not running",
                *t.name
            ));
        };
        return match run.iter().find(|e| e.ip == Some(ip)) {
            Some(e) => Ok(found(vec![e.clone()])),
            None => Err(format!(
                "{name}: no running ENI has this address (running: {})",
                run.iter()
                    .map(|e| format!(
                        "{} {}",
                        e.name,
                        e.ip.map(|i| i.to_string()).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    let mut resources: Vec<Resource> = Vec::new();
    for d in &t.rds_instances {
        let id = format!("eni/rds/{}", *d.name);
        let mut ids = vec![id.clone()];
        if d.multi_az {
            ids.push(format!("{id}/standby"));
        }
        if *d.name == name {
            resources.push((id, names(&d.security_groups), ids, &d.subnets));
        }
    }
    for c in &t.elasticache_clusters {
        if *c.name == name {
            let id = format!("eni/elasticache/{}", *c.name);
            let ids = (1..=*c.num_cache_clusters)
                .map(|n| format!("{id}/{n:04}"))
                .collect();
            resources.push((id, names(&c.security_groups), ids, &c.subnets));
        }
    }
    for lb in &t.load_balancers {
        if *lb.name == name {
            let id = format!("eni/alb/{}", *lb.name);
            resources.push((
                id.clone(),
                names(&lb.security_groups),
                vec![id],
                &lb.subnets,
            ));
        }
    }
    let cluster = t
        .ecs_cluster
        .as_ref()
        .map(|c| c.name.value.clone())
        .unwrap_or_default();
    for s in t.services() {
        if *s.name == name {
            let id = format!("eni/ecs/{cluster}/{}", *s.name);
            let ids = (0..(*s.desired_count).max(1))
                .map(|i| format!("{id}/task-{i}"))
                .collect();
            resources.push((id, names(&s.security_groups), ids, &s.subnets));
        }
    }
    // Each resource's assumed addresses start 16 apart, so two resources of
    // one subnet never share one.
    let ordinal = t
        .rds_instances
        .iter()
        .map(|d| d.name.value.as_str())
        .chain(t.elasticache_clusters.iter().map(|c| c.name.value.as_str()))
        .chain(t.load_balancers.iter().map(|l| l.name.value.as_str()))
        .chain(t.services().iter().map(|s| s.name.value.as_str()))
        .position(|n| n == name)
        .unwrap_or(0) as u32;
    if let Some((prefix, groups, ids, subnets)) = resources.into_iter().next() {
        if let Some(run) = running {
            let live: Vec<Endpoint> = run
                .iter()
                .filter(|e| e.name == prefix || e.name.starts_with(&format!("{prefix}/")))
                .cloned()
                .collect();
            if !live.is_empty() {
                return Ok(found(live));
            }
        }
        let enis = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                Endpoint::eni(id, assumed_ip(t, subnets, ordinal * 16 + i as u32), &groups)
            })
            .collect();
        return Ok(Resolved {
            enis,
            assumed: true,
        });
    }
    if let Some(run) = running {
        // An ENI id, or a task id / task ARN (the ENI of a task ends in the
        // task id's first 12 characters).
        let task = name.rsplit('/').next().unwrap_or(name);
        let hit: Vec<Endpoint> = run
            .iter()
            .filter(|e| {
                e.name == name
                    || e.name == format!("eni/{name}")
                    || (e.name.starts_with("eni/ecs/")
                        && task.len() >= 12
                        && e.name
                            .rsplit('/')
                            .next()
                            .is_some_and(|s| task.starts_with(s)))
            })
            .cloned()
            .collect();
        if !hit.is_empty() {
            return Ok(found(hit));
        }
    }
    let mut known: Vec<String> = vec!["internet".into(), "host".into()];
    known.extend(t.rds_instances.iter().map(|d| format!("rds {}", *d.name)));
    known.extend(
        t.elasticache_clusters
            .iter()
            .map(|c| format!("elasticache {}", *c.name)),
    );
    known.extend(t.load_balancers.iter().map(|l| format!("alb {}", *l.name)));
    known.extend(t.services().iter().map(|s| format!("service {}", *s.name)));
    match running {
        Some(run) => known.extend(run.iter().map(|e| e.name.clone())),
        None => known.push(format!(
            "(task ids and addresses need project {} running)",
            *t.name
        )),
    }
    Err(format!(
        "{name:?} names nothing in {}: known are {}",
        *t.name,
        known.join(", ")
    ))
}

#[cfg(test)]
#[path = "why_tests.rs"]
mod tests;
