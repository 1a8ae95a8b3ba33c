//! [`Enforcer`]: keeps every ENI's ruleset in line with who is attached.
//!
//! It holds the topology's [`Policy`] and the attached ENIs (id, IP, groups,
//! and the client of the ENI's agent, which applies each script with its
//! own `nft`: [`crate::runtime::agent`]). On [`NetworkPolicy::eni_attached`] it installs the new ENI's
//! whole table, then updates — in place, `flush set` + `add element` — the
//! named sets of every other ENI whose rules refer to one of the new ENI's
//! groups (or that shares its replication domain). On `eni_detached` it
//! removes the address from those sets. One mutex serialises changes, so two
//! tasks starting at once never lose each other's update; each batch of nft
//! requests goes out in parallel.
//!
//! The scheduler awaits `eni_attached` before it starts the ENI's workloads
//! (see [`crate::wiring`]), so a new task never runs a moment without its
//! rules, and the ENIs it may reach already admit it. An agent container
//! that was recreated comes back through `eni_attached` with its new
//! namespace; the whole table is installed again (attach is idempotent).
//!
//! A changed topology (`emul up` run again with an edited file) goes through
//! [`Enforcer::reload`]: every attached ENI's table is installed again under
//! the new rules (~70 ms for 9 ENIs).
//!
//! An ENI whose agent no longer answers (its container died) is dropped
//! with a warning during an update of others; its own attach fails loudly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;

use super::compile::{self, EniRules, Membership};
use super::nft::{self, NftError};
use super::policy::{Policy, replication_domain};
use crate::runtime::agent::{self, AgentClient};
use crate::runtime::placement::Placement;
use crate::topology::Topology;
use crate::wiring::{BoxFuture, EniInfo, NetworkPolicy, WiringError};

/// One attached ENI, as the enforcer remembers it.
#[derive(Debug, Clone)]
struct Attached {
    /// What the compiler needs (id, IP, groups).
    rules: EniRules,
    /// Its agent, which applies the table in its namespace.
    agent: AgentClient,
    /// The topology name of its subnet (the EC2 API shows it).
    subnet: String,
    /// The groups it was attached with (its resource's); `rules.groups`
    /// differ when the EC2 API gave it others.
    declared: Vec<String>,
}

/// Timings of the last operations, for benchmarks and the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Wall time of the last full-table install (one agent request).
    pub last_install: Duration,
    /// Wall time of the last attach/detach as a whole (install + set updates).
    pub last_change: Duration,
    /// ENIs whose sets the last attach/detach updated.
    pub last_updated_enis: usize,
}

/// The security-group enforcer of one project.
pub struct Enforcer {
    /// The topology's groups, normalised; replaced by [`Enforcer::reload`]
    /// (only while the state lock is held, so a change sees one policy).
    policy: std::sync::RwLock<Arc<Policy>>,
    /// Attached ENIs by id; the mutex serialises membership changes.
    state: tokio::sync::Mutex<BTreeMap<String, Attached>>,
    /// Last timings.
    timings: std::sync::Mutex<Timings>,
    /// The project, whose agent token ([`agent::project_token`]) every
    /// request carries.
    project: String,
    /// Where emul runs: decides its own address in the VPC, which every
    /// ruleset admits to the agent's control port.
    placement: Placement,
    /// Groups the EC2 API gave ENIs (ModifyNetworkInterfaceAttribute), by
    /// ENI id: they replace the groups an ENI is attached with, now and
    /// when it is attached again.
    overrides: std::sync::RwLock<BTreeMap<String, Vec<String>>>,
}

/// Why the enforcer could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum EnforceError {
    /// An ENI names a group the topology does not declare.
    #[error("{eni} is in security group {group:?}, which the topology does not declare")]
    UnknownGroup {
        /// The ENI id.
        eni: String,
        /// The group name.
        group: String,
    },
    /// The ENI's agent could not apply the script (nft refused it, or the
    /// agent did not answer).
    #[error("security groups of {eni}: {source}")]
    Nft {
        /// The ENI id.
        eni: String,
        /// What the agent (or nft through it) said.
        source: NftError,
    },
}

impl Enforcer {
    /// An enforcer with nothing attached yet, for emul on the engine's host.
    pub fn new(topology: &Topology) -> Enforcer {
        Enforcer::placed(topology, Placement::Host)
    }

    /// [`Self::new`] for emul placed as `placement`.
    pub fn placed(topology: &Topology, placement: Placement) -> Enforcer {
        Enforcer {
            policy: std::sync::RwLock::new(Arc::new(Policy::placed(topology, &placement))),
            state: tokio::sync::Mutex::new(BTreeMap::new()),
            timings: std::sync::Mutex::new(Timings::default()),
            project: topology.name.value.clone(),
            placement,
            overrides: std::sync::RwLock::new(BTreeMap::new()),
        }
    }

    /// THE entry point the project daemon calls at `emul up`: builds the
    /// enforcer and installs the rulesets of the static ENIs (RDS instances,
    /// cache nodes, ALB ENIs) that already run, each knowing all the others.
    /// The returned handle is what the ECS scheduler gets as its
    /// `Arc<dyn NetworkPolicy>`. Rulesets are (re)installed whole, so calling
    /// this again after `up` re-applied a changed topology is correct.
    pub async fn start(
        topology: &Topology,
        initial: Vec<EniInfo>,
    ) -> Result<Arc<Enforcer>, EnforceError> {
        let enforcer = Arc::new(Enforcer::new(topology));
        let mut state = enforcer.state.lock().await;
        for eni in &initial {
            enforcer.check_groups(eni)?;
            state.insert(eni.id.clone(), enforcer.attached_eni(eni));
        }
        let members = Membership::of(state.values().map(|a| &a.rules));
        let policy = enforcer.policy();
        let jobs = state.values().map(|a| {
            let script = compile::ruleset(&policy, &a.rules, &members);
            run(a.clone(), script)
        });
        for r in join_all(jobs).await {
            r?;
        }
        drop(state);
        Ok(enforcer)
    }

    /// The normalised policy in force (what verify compares against).
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().expect("policy lock").clone()
    }

    /// A changed topology (`emul up` applied again): every attached ENI's
    /// table is installed again under the new groups and rules, in one
    /// transaction per ENI. Fails (keeping the old policy) when an attached
    /// ENI names a group the new topology no longer declares.
    pub async fn reload(&self, topology: &Topology) -> Result<(), EnforceError> {
        let overrides = self.overrides.read().expect("overrides lock").clone();
        self.reload_with(topology, overrides).await
    }

    /// [`Self::reload`] with `overrides` as the ENIs' groups set through
    /// the EC2 API (ENI id → group names; an ENI not named goes back to
    /// the groups it was attached with). Nothing changes when a group is
    /// unknown.
    pub async fn reload_with(
        &self,
        topology: &Topology,
        overrides: BTreeMap<String, Vec<String>>,
    ) -> Result<(), EnforceError> {
        let mut state = self.state.lock().await;
        let policy = Arc::new(Policy::placed(topology, &self.placement));
        let groups_of = |a: &Attached| {
            overrides
                .get(&a.rules.id)
                .cloned()
                .unwrap_or_else(|| a.declared.clone())
        };
        for a in state.values() {
            if let Some(g) = groups_of(a)
                .iter()
                .find(|g| !policy.groups.contains_key(*g))
            {
                return Err(EnforceError::UnknownGroup {
                    eni: a.rules.id.clone(),
                    group: g.clone(),
                });
            }
        }
        for a in state.values_mut() {
            a.rules.groups = groups_of(a);
        }
        *self.policy.write().expect("policy lock") = policy.clone();
        *self.overrides.write().expect("overrides lock") = overrides;
        let members = Membership::of(state.values().map(|a| &a.rules));
        let jobs = state
            .values()
            .map(|a| run(a.clone(), compile::ruleset(&policy, &a.rules, &members)));
        for r in join_all(jobs).await {
            r?;
        }
        Ok(())
    }

    /// Sets the ENIs' groups kept from the EC2 API before anything is
    /// attached (a restarted daemon); see [`Self::reload_with`] for later.
    pub fn set_overrides(&self, overrides: BTreeMap<String, Vec<String>>) {
        *self.overrides.write().expect("overrides lock") = overrides;
    }

    /// The attached ENIs, as they were attached.
    pub async fn attached(&self) -> Vec<EniInfo> {
        self.state
            .lock()
            .await
            .values()
            .map(|a| EniInfo {
                id: a.rules.id.clone(),
                ip: a.rules.ip,
                subnet: a.subnet.clone(),
                security_groups: a.rules.groups.clone(),
            })
            .collect()
    }

    /// Timings of the last operations.
    pub fn timings(&self) -> Timings {
        *self.timings.lock().expect("timings lock")
    }

    /// What the enforcer remembers of `eni`: its rules and its agent.
    fn attached_eni(&self, eni: &EniInfo) -> Attached {
        Attached {
            rules: EniRules {
                id: eni.id.clone(),
                ip: eni.ip,
                groups: self.groups_of(eni),
            },
            agent: AgentClient::new(eni.ip, agent::project_token(&self.project)),
            subnet: eni.subnet.clone(),
            declared: eni.security_groups.clone(),
        }
    }

    /// The groups `eni` is enforced with: the EC2 API's, else its own.
    fn groups_of(&self, eni: &EniInfo) -> Vec<String> {
        self.overrides
            .read()
            .expect("overrides lock")
            .get(&eni.id)
            .cloned()
            .unwrap_or_else(|| eni.security_groups.clone())
    }

    fn check_groups(&self, eni: &EniInfo) -> Result<(), EnforceError> {
        match self
            .groups_of(eni)
            .iter()
            .find(|g| !self.policy().groups.contains_key(*g))
        {
            Some(g) => Err(EnforceError::UnknownGroup {
                eni: eni.id.clone(),
                group: g.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Installs `eni`'s table and adds it to every set that refers to it.
    pub async fn attach(&self, eni: &EniInfo) -> Result<(), EnforceError> {
        self.check_groups(eni)?;
        let started = Instant::now();
        let mut state = self.state.lock().await;
        let new = self.attached_eni(eni);
        let old = state.insert(eni.id.clone(), new.clone());
        let members = Membership::of(state.values().map(|a| &a.rules));
        let install = run(
            new.clone(),
            compile::ruleset(&self.policy(), &new.rules, &members),
        )
        .await;
        let install_time = match install {
            Ok(d) => d,
            Err(e) => {
                // Keep the previous state: the caller will not start workloads.
                match old {
                    Some(o) => state.insert(eni.id.clone(), o),
                    None => state.remove(&eni.id),
                };
                return Err(e);
            }
        };
        // What changed for the others: the new ENI's groups (and the old
        // one's, if it was re-attached with other groups or another IP).
        let mut changed: BTreeSet<String> = new.rules.groups.iter().cloned().collect();
        let mut repl = replication_domain(&eni.id).is_some();
        if let Some(o) = &old {
            if o.rules == new.rules {
                changed.clear();
                repl = false;
            } else {
                changed.extend(o.rules.groups.iter().cloned());
            }
        }
        let updated = self
            .update_others(&mut state, &eni.id, &members, &changed, repl)
            .await;
        *self.timings.lock().expect("timings lock") = Timings {
            last_install: install_time,
            last_change: started.elapsed(),
            last_updated_enis: updated,
        };
        Ok(())
    }

    /// Forgets `eni_id` and removes its address from every set.
    pub async fn detach(&self, eni_id: &str) -> Result<(), EnforceError> {
        let started = Instant::now();
        let mut state = self.state.lock().await;
        let Some(gone) = state.remove(eni_id) else {
            return Ok(());
        };
        let members = Membership::of(state.values().map(|a| &a.rules));
        let changed: BTreeSet<String> = gone.rules.groups.iter().cloned().collect();
        let repl = replication_domain(eni_id).is_some();
        let updated = self
            .update_others(&mut state, eni_id, &members, &changed, repl)
            .await;
        *self.timings.lock().expect("timings lock") = Timings {
            last_install: Duration::ZERO,
            last_change: started.elapsed(),
            last_updated_enis: updated,
        };
        Ok(())
    }

    /// Set updates on every ENI except `except`; ENIs whose agent is gone
    /// are forgotten. Returns how many ENIs were updated.
    async fn update_others(
        &self,
        state: &mut BTreeMap<String, Attached>,
        except: &str,
        members: &Membership,
        changed: &BTreeSet<String>,
        replication_changed: bool,
    ) -> usize {
        let policy = self.policy();
        let jobs: Vec<_> = state
            .values()
            .filter(|a| a.rules.id != except)
            .filter_map(|a| {
                compile::set_updates(&policy, &a.rules, members, changed, replication_changed)
                    .map(|script| run(a.clone(), script))
            })
            .collect();
        let n = jobs.len();
        for r in join_all(jobs).await {
            if let Err(EnforceError::Nft { eni, source }) = r {
                if source.agent_gone() {
                    tracing::warn!(%eni, error = %source, "ENI agent gone; forgetting the ENI");
                    state.remove(&eni);
                } else {
                    tracing::error!(%eni, error = %source, "could not update security-group sets");
                }
            }
        }
        n
    }
}

/// Sends one script to the ENI's agent.
async fn run(a: Attached, script: String) -> Result<Duration, EnforceError> {
    nft::apply(&a.agent, &script)
        .await
        .map_err(|source| EnforceError::Nft {
            eni: a.rules.id,
            source,
        })
}

impl NetworkPolicy for Enforcer {
    fn eni_attached<'a>(&'a self, eni: &'a EniInfo) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            self.attach(eni)
                .await
                .map_err(|e| WiringError(e.to_string()))
        })
    }

    fn eni_detached<'a>(&'a self, eni_id: &'a str) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            self.detach(eni_id)
                .await
                .map_err(|e| WiringError(e.to_string()))
        })
    }
}
