//! What the VPC resolver owns: the service-discovery namespaces, answered
//! from the ECS model at query time (no copy to keep in sync), and which
//! names it passes on to the host's resolvers.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::services::ecs::Ecs;
use crate::services::ecs::model::discovery::MAX_ANSWERS;

/// How a name is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A name in a namespace: these addresses (possibly none: the service
    /// exists but has no healthy task, or the name is the namespace itself).
    Records(Vec<Ipv4Addr>),
    /// Inside a namespace, but no service registers it (NXDOMAIN).
    NoSuchName,
    /// Outside every namespace: the host's resolvers answer.
    Forward,
}

/// The discovery namespaces and the ECS model behind them.
pub struct Zone {
    /// Where tasks and their services' discovery names live.
    ecs: Arc<Ecs>,
    /// Namespace names (lower-case, no trailing dot), e.g. `prod.local`.
    namespaces: Vec<String>,
    /// Rotates multi-address answers so clients spread their connections
    /// (Route 53 shuffles multivalue answers too).
    turn: AtomicUsize,
}

impl Zone {
    /// A zone for `namespaces` backed by `ecs`.
    pub fn new(ecs: Arc<Ecs>, namespaces: impl IntoIterator<Item = String>) -> Zone {
        Zone {
            ecs,
            namespaces: namespaces
                .into_iter()
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .collect(),
            turn: AtomicUsize::new(0),
        }
    }

    /// How to answer `name` (lower-case, no trailing dot).
    pub fn lookup(&self, name: &str) -> Lookup {
        let mut found = None::<Vec<Ipv4Addr>>;
        for scope in self.ecs.scopes() {
            if let Some(ips) = self.ecs.read(&scope, |r| r.discovery_addresses(name)) {
                found.get_or_insert_with(Vec::new).extend(ips);
            }
        }
        if let Some(mut ips) = found {
            ips.sort();
            ips.dedup();
            if !ips.is_empty() {
                let turn = self.turn.fetch_add(1, Ordering::Relaxed) % ips.len();
                ips.rotate_left(turn);
                ips.truncate(MAX_ANSWERS);
            }
            return Lookup::Records(ips);
        }
        for ns in &self.namespaces {
            if name == ns {
                return Lookup::Records(vec![]);
            }
            if name.len() > ns.len()
                && name.ends_with(ns.as_str())
                && name.as_bytes()[name.len() - ns.len() - 1] == b'.'
            {
                return Lookup::NoSuchName;
            }
        }
        Lookup::Forward
    }
}
