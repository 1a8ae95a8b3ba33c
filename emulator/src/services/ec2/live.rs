//! The EC2 model against the running project: the ENIs it shows, the
//! enforcement of changed groups, and the file that keeps them.
//!
//! - [`NetworkBackend`] is what the project daemon lends the service (the
//!   service does not know the enforcer: no import circle). `emul serve
//!   --topology` has none: its writes change the model only.
//! - [`LiveStore`] keeps the groups as the API left them in
//!   `<state>/ec2-network.json`, written (and synced) before a write call
//!   returns: a daemon restart on the same topology keeps them, and
//!   `emul verify`, another process, checks the rules in force rather than
//!   the file's. A topology whose groups changed starts from the file
//!   again (re-applying the file resets drift, as `terraform apply` does).
//! - [`topology_groups`] turns the model's groups back into the topology's
//!   form, which the enforcer and verify compile.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Network;
use super::rules::RulePeer;
use crate::topology::Topology;
use crate::topology::model::security_groups::{IpProtocol, SecurityGroup, SgRule};
use crate::topology::span::{Span, Spanned};

/// One ENI emul runs, as the daemon reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Logical id: `eni/ecs/<cluster>/<service>/<task>`, `eni/alb/<name>`,
    /// `eni/rds/<db>[/standby]`, `eni/elasticache/<group>/<node>`.
    pub logical: String,
    /// Its private address.
    pub ip: Ipv4Addr,
    /// The topology name of its subnet.
    pub subnet: String,
    /// The names of its security groups.
    pub groups: Vec<String>,
}

impl Interface {
    /// `eni-` + 17 hex digits ([`super::model::eni_id`]), the id ECS
    /// shows in a task's attachment too.
    pub fn eni_id(&self, project: &str) -> String {
        super::model::eni_id(project, &self.logical)
    }
}

/// What the running project does for the EC2 service. Both calls are made
/// from a blocking thread (the gateway runs writes off the async workers).
pub trait NetworkBackend: Send + Sync {
    /// The ENIs attached now.
    fn interfaces(&self) -> Vec<Interface>;
    /// Installs `groups` on every ENI, each ENI named in `eni_groups`
    /// (logical id → group names) in those groups instead of its own;
    /// returns once each ENI's ruleset is in force, or says why not (the
    /// write then fails and changes nothing).
    fn enforce(
        &self,
        groups: Vec<SecurityGroup>,
        eni_groups: BTreeMap<String, Vec<String>>,
    ) -> Result<(), String>;
}

/// The file the live groups are kept in.
#[derive(Debug, Clone)]
pub struct LiveStore {
    /// `<state>/ec2-network.json`.
    path: PathBuf,
}

/// The file's content.
#[derive(Serialize, Deserialize)]
struct Saved {
    /// SHA-256 of the groups the topology declares (as the model shows
    /// them): the file applies only to the topology it was written under.
    topology_groups: String,
    /// The model as the API left it.
    network: Network,
}

/// Hash of the groups `t` declares.
fn topology_digest(t: &Topology) -> String {
    let declared = Network::from_topology(t);
    let json = serde_json::to_vec(&declared.groups).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

impl LiveStore {
    /// The store of the project whose state directory is `state_dir`.
    pub fn in_dir(state_dir: &Path) -> LiveStore {
        LiveStore {
            path: state_dir.join("ec2-network.json"),
        }
    }

    /// The model as the API left it under this topology, if it changed
    /// anything; `None` when nothing was written or the topology's groups
    /// changed since. A file that cannot be read is an error (it held
    /// acknowledged writes).
    pub fn load(&self, t: &Topology) -> Result<Option<Network>, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        let saved: Saved =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok((saved.topology_groups == topology_digest(t)).then_some(saved.network))
    }

    /// Writes `net` durably (temporary file, fsync, rename, fsync of the
    /// directory) before returning.
    pub fn save(&self, t: &Topology, net: &Network) -> Result<(), String> {
        let saved = Saved {
            topology_groups: topology_digest(t),
            network: net.clone(),
        };
        let json = serde_json::to_vec_pretty(&saved).map_err(|e| e.to_string())?;
        crate::state::write_durably(&self.path, &json)
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// What the EC2 API left in force for `t`, kept in `state_dir`: the
/// security groups (the topology's when nothing was changed) and the
/// groups ModifyNetworkInterfaceAttribute gave ENIs (logical ENI id →
/// group names). One read of the store serves the daemon's start.
pub struct InForce {
    /// The groups, in the topology's form.
    pub groups: Vec<SecurityGroup>,
    /// Per-ENI group overrides.
    pub eni_groups: BTreeMap<String, Vec<String>>,
}

/// See [`InForce`].
pub fn in_force(t: &Topology, state_dir: &Path) -> Result<InForce, String> {
    Ok(match LiveStore::in_dir(state_dir).load(t)? {
        Some(net) => InForce {
            groups: topology_groups(&net),
            eni_groups: net.eni_groups,
        },
        None => InForce {
            groups: t.security_groups.clone(),
            eni_groups: BTreeMap::new(),
        },
    })
}

/// The topology VPC's groups in the topology's form (one topology rule per
/// EC2 rule, peers by name, outbound rules always explicit), as the
/// enforcer and verify compile them. Spans are empty: these rules have no line.
pub fn topology_groups(net: &Network) -> Vec<SecurityGroup> {
    let none = Span::default();
    // Only the topology's VPC runs anything (groups of VPCs made through
    // the API have no ENI to install them on), and no ENI of a topology is
    // in the `default` group AWS made with its VPC.
    net.groups_of(&net.home_vpc().id)
        .filter(|g| !g.aws_default)
        .map(|g| {
            let rules = |egress: bool| -> Vec<SgRule> {
                g.rules
                    .iter()
                    .filter(|r| r.egress == egress)
                    .filter_map(|r| {
                        let s = &r.spec;
                        let protocol = match s.protocol.as_str() {
                            "tcp" => IpProtocol::Tcp,
                            "udp" => IpProtocol::Udp,
                            "icmp" => IpProtocol::Icmp,
                            "-1" => IpProtocol::All,
                            _ => return None,
                        };
                        let mut rule = SgRule {
                            protocol: Spanned::new(protocol, none),
                            from_port: s.from_port.map(|p| Spanned::new(p, none)),
                            to_port: s.to_port.map(|p| Spanned::new(p, none)),
                            description: s.description.clone(),
                            span: none,
                            ..SgRule::default()
                        };
                        match &s.peer {
                            RulePeer::Cidr4(c) => rule.cidr_blocks.push(Spanned::new(*c, none)),
                            RulePeer::Cidr6(c) => {
                                rule.ipv6_cidr_blocks.push(Spanned::new(*c, none))
                            }
                            RulePeer::Group(id) if *id == g.id => rule.self_ = true,
                            RulePeer::Group(id) => rule
                                .security_groups
                                .push(Spanned::new(net.group_name(id), none)),
                        }
                        Some(rule)
                    })
                    .collect()
            };
            SecurityGroup {
                name: Spanned::new(g.name.clone(), none),
                description: g.description.clone(),
                ingress: rules(false),
                egress: Some(rules(true)),
                span: none,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::rules::RuleSpec;

    #[test]
    fn the_topology_round_trips_through_the_model() {
        let t = crate::project::fixture("wechat.yaml").topology;
        let net = Network::from_topology(&t);
        let back = topology_groups(&net);
        let mut t2 = t.clone();
        t2.security_groups = back;
        // Same rules in force: the model of the converted groups is the
        // model of the file (ids and peers included).
        assert_eq!(Network::from_topology(&t2).groups, net.groups);
    }

    #[test]
    fn the_store_keeps_writes_for_the_same_topology_only() {
        let dir = tempfile::tempdir().unwrap();
        let t = crate::project::fixture("wechat.yaml").topology;
        let store = LiveStore::in_dir(dir.path());
        assert_eq!(store.load(&t).unwrap(), None);
        let mut net = Network::from_topology(&t);
        let rds = net.group_named("rds-sg").unwrap().id.clone();
        net.authorize(
            &rds,
            false,
            vec![RuleSpec {
                protocol: "tcp".into(),
                from_port: Some(5432),
                to_port: Some(5432),
                peer: RulePeer::Cidr4("10.0.1.0/24".parse().unwrap()),
                description: Some("from the public subnet".into()),
            }],
        )
        .unwrap();
        store.save(&t, &net).unwrap();
        assert_eq!(store.load(&t).unwrap().as_ref(), Some(&net));
        let in_force = in_force(&t, dir.path()).unwrap().groups;
        let rds_rules = &in_force
            .iter()
            .find(|g| *g.name == "rds-sg")
            .unwrap()
            .ingress;
        assert_eq!(rds_rules.len(), 2);

        let mut edited = t.clone();
        edited.security_groups.retain(|g| *g.name != "alb-sg");
        assert_eq!(store.load(&edited).unwrap(), None);
    }

    #[test]
    fn eni_ids_are_stable_and_long_form() {
        let i = Interface {
            logical: "eni/rds/db".into(),
            ip: Ipv4Addr::new(10, 0, 10, 5),
            subnet: "private-1a".into(),
            groups: vec![],
        };
        assert_eq!(i.eni_id("p"), i.clone().eni_id("p"));
        assert!(i.eni_id("p").starts_with("eni-") && i.eni_id("p").len() == 21);
        assert_ne!(i.eni_id("p"), i.eni_id("q"));
    }
}
