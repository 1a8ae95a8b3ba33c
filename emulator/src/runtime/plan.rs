//! The desired state of one project, as plain data.
//!
//! A [`Plan`] is what the topology translates into and what
//! [`reconcile::up`](super::reconcile::up) makes true on the engine. It holds
//! no Docker ids and does no I/O: networks (one per VPC), ENIs (each a fixed
//! IP in a subnet plus DNS aliases), containers (each joining one ENI's
//! network namespace) and named volumes.
//!
//! [`Plan::build`] validates the cross references, allocates the ENIs' IPs
//! ([`super::ipam`]) and is deterministic: the same input gives the same plan,
//! the same IPs and the same config hashes.
//!
//! Config hashes ([`Plan::network_hash`], [`Plan::eni_hash`],
//! [`Plan::container_hash`]) are sha256 over a canonical JSON of the object's
//! spec. They chain: an ENI's hash covers its network's hash, and a
//! container's hash covers its ENI's hash, so changing a VPC's CIDR recreates
//! everything inside it, and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ipam::{self, IpamError};

/// What kind of object a resource is; the `io.emul.kind` label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A VPC's bridge network.
    Network,
    /// The container that owns an ENI's network namespace.
    Pause,
    /// An RDS Postgres instance (primary or Multi-AZ standby).
    Rds,
    /// An ElastiCache Redis node.
    Elasticache,
    /// An ECS task container.
    Task,
    /// The ALB data plane.
    Alb,
    /// A short-lived helper (security-group rules, probes).
    Helper,
    /// A named volume.
    Volume,
}

impl Kind {
    /// The label value, e.g. `rds`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Network => "network",
            Kind::Pause => "pause",
            Kind::Rds => "rds",
            Kind::Elasticache => "elasticache",
            Kind::Task => "task",
            Kind::Alb => "alb",
            Kind::Helper => "helper",
            Kind::Volume => "volume",
        }
    }
}

/// A secret value (a password, an auth token): hashed into config hashes
/// like any other value, but never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The clear value, for the one place that must send it (env, probes).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One VPC: a Docker bridge network with the VPC CIDR as its IPAM subnet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkSpec {
    /// Logical id, e.g. `vpc/main`; the `io.emul.resource` label.
    pub id: String,
    /// The VPC CIDR block; the network's IPAM subnet (gateway = first host, .1).
    pub cidr: Ipv4Net,
    /// The VPC's subnets; ENIs draw their IPs from these.
    pub subnets: Vec<Ipv4Net>,
}

/// An ENI as the caller asks for it: a subnet, aliases, optionally a pinned IP.
#[derive(Debug, Clone, PartialEq)]
pub struct EniRequest {
    /// Logical id, e.g. `eni/rds/main-db`; the pause container's `io.emul.resource`.
    pub id: String,
    /// The [`NetworkSpec::id`] of the VPC this ENI lives in.
    pub network: String,
    /// The subnet the IP comes from; must be one of the network's subnets.
    pub subnet: Ipv4Net,
    /// A fixed IP the topology pins (`private_ip`); allocated when `None`.
    pub ip: Option<Ipv4Addr>,
    /// DNS names that resolve to this ENI inside the VPC (endpoint names).
    pub aliases: Vec<String>,
}

/// An ENI after allocation: the pause container's spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EniSpec {
    /// Logical id (see [`EniRequest::id`]).
    pub id: String,
    /// The VPC network's logical id.
    pub network: String,
    /// The subnet the IP was taken from.
    pub subnet: Ipv4Net,
    /// The fixed IPv4 address the pause container holds.
    pub ip: Ipv4Addr,
    /// DNS aliases registered on the VPC network for this IP.
    pub aliases: Vec<String>,
}

/// One image reference the runtime may use, in the order tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageCandidate {
    /// The reference, e.g. `postgres:15` or `emul/postgres:15`.
    pub reference: String,
    /// Whether a registry may have it (official images); `emul/` builds are local only.
    pub pullable: bool,
    /// Set when using this candidate means serving something other than what
    /// the topology asked for (e.g. Postgres 15 for 16); the warning to print.
    pub substitute_warning: Option<String>,
}

/// The images a container may run, in order of preference (see [`super::images`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageChoice {
    /// Ordered candidates; the first available wins.
    pub candidates: Vec<ImageCandidate>,
}

impl ImageChoice {
    /// A single exact reference (an application image, the pause image).
    pub fn exact(reference: impl Into<String>) -> Self {
        let reference = reference.into();
        let pullable = !reference.starts_with("emul/");
        ImageChoice {
            candidates: vec![ImageCandidate {
                reference,
                pullable,
                substitute_warning: None,
            }],
        }
    }
}

/// A named volume mounted into a container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeMount {
    /// The [`VolumeSpec::id`] mounted.
    pub volume: String,
    /// Absolute path inside the container.
    pub target: String,
}

/// A Docker HEALTHCHECK for `docker ps` / `emul status`; readiness for `up`
/// is [`Readiness`], which speaks the real protocol from the host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    /// The test, e.g. `["CMD-SHELL", "pg_isready"]`.
    pub test: Vec<String>,
    /// Seconds between checks.
    pub interval_secs: u32,
    /// Consecutive failures before "unhealthy".
    pub retries: u32,
}

/// CPU and memory limits, from the task definition or instance class.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    /// CPU limit in units of 1e-9 CPUs (Docker's NanoCpus); 1024 ECS units = 1e9.
    pub nano_cpus: Option<i64>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<i64>,
}

/// Docker log driver settings; bounded by default so long runs don't fill the disk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogConfig {
    /// The driver, `json-file` unless the topology says otherwise.
    pub driver: String,
    /// Driver options (`max-size`, `max-file`).
    pub options: BTreeMap<String, String>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            driver: "json-file".into(),
            options: BTreeMap::from([
                ("max-size".into(), "10m".into()),
                ("max-file".into(), "3".into()),
            ]),
        }
    }
}

/// How `up` decides a container is ready: a real protocol exchange from the
/// host to the ENI's IP (the operator path; see [`crate::probes`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Readiness {
    /// Running is enough (pause containers, apps without a health endpoint).
    Running,
    /// Postgres accepts an authenticated `SELECT 1`.
    Postgres {
        /// TCP port inside the ENI.
        port: u16,
        /// The login user.
        user: String,
        /// Its password.
        password: Secret,
        /// The database to connect to.
        database: String,
    },
    /// Redis answers `PING` with `PONG` (after `AUTH` when a password is set).
    Redis {
        /// TCP port inside the ENI.
        port: u16,
        /// The `requirepass` / AUTH token, if any.
        password: Option<Secret>,
    },
    /// A TCP connection is accepted.
    Tcp {
        /// TCP port inside the ENI.
        port: u16,
    },
}

/// A workload container that joins an ENI's network namespace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerSpec {
    /// Logical id, e.g. `rds/main-db` or `ecs/api/task-3f2a`.
    pub id: String,
    /// The `io.emul.kind` label.
    pub kind: Kind,
    /// The image to run, by preference.
    pub image: ImageChoice,
    /// Environment variables (sorted, so the hash is stable).
    pub env: BTreeMap<String, String>,
    /// Replaces the image's entrypoint when set.
    pub entrypoint: Option<Vec<String>>,
    /// Arguments (the image's CMD is used when empty and no entrypoint is set).
    pub cmd: Vec<String>,
    /// A shell snippet run before the image's own entrypoint (which then
    /// gets `cmd`): how a Multi-AZ standby runs `pg_basebackup` first while
    /// the image (official or `emul/`) keeps its own start-up logic.
    pub prelude: Option<String>,
    /// `uid[:gid]` to run as; the image's USER when `None`.
    pub user: Option<String>,
    /// The [`EniSpec::id`] whose namespace the container joins.
    pub eni: String,
    /// Named volumes mounted.
    pub volumes: Vec<VolumeMount>,
    /// Docker HEALTHCHECK, for status display.
    pub health: Option<HealthCheck>,
    /// CPU / memory limits.
    pub resources: Resources,
    /// Log driver settings.
    pub log: LogConfig,
    /// What "ready" means for `up --wait`.
    pub readiness: Readiness,
    /// Containers that must be ready before this one starts (a standby after
    /// its primary, a replica after its master).
    pub after: Vec<String>,
}

/// A named volume (database data that outlives `down` unless `--volumes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeSpec {
    /// Logical id, e.g. `rds/main-db/data`.
    pub id: String,
}

/// The whole desired state of one project, validated and with IPs allocated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The project name; the `io.emul.project` label and the name prefix.
    pub project: String,
    /// One per VPC.
    pub networks: Vec<NetworkSpec>,
    /// Every ENI, with its allocated IP.
    pub enis: Vec<EniSpec>,
    /// Every workload container.
    pub containers: Vec<ContainerSpec>,
    /// Every named volume.
    pub volumes: Vec<VolumeSpec>,
    /// Extra labels put on every object (tests add `io.emul.test=1`); not
    /// part of any config hash.
    pub extra_labels: BTreeMap<String, String>,
    /// The ENIs whose agents run a socket broker (the ALBs': their upstream
    /// connections leave from their address without emul entering their
    /// namespace), by id; part of their config hash.
    pub brokered_enis: BTreeSet<String>,
    /// The directory shared with those agents, where their broker sockets
    /// appear (`<state>/agents` on the host, a volume when emul runs in a
    /// container: [`super::placement`]); `None`: no broker runs. Part of
    /// the brokered ENIs' config hash.
    pub agent_share: Option<super::placement::AgentShare>,
}

/// A plan that cannot be made true, whatever the engine says.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    /// The project name would make invalid Docker names.
    #[error(
        "project name {0:?} is invalid: use lowercase letters, digits, '-' and '_', starting with a letter or digit (at most 40 characters)"
    )]
    InvalidProject(String),
    /// Two objects of one kind share a logical id.
    #[error("duplicate {kind} id {id:?}")]
    Duplicate {
        /// Which collection.
        kind: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A reference points at nothing.
    #[error("{from} refers to {what} {to:?}, which is not in the plan")]
    Dangling {
        /// The referring object.
        from: String,
        /// What kind of thing it names.
        what: &'static str,
        /// The missing id.
        to: String,
    },
    /// A subnet lies outside its VPC.
    #[error("subnet {subnet} of {network} is not inside the VPC CIDR {cidr}")]
    SubnetOutsideVpc {
        /// The network.
        network: String,
        /// The subnet.
        subnet: Ipv4Net,
        /// The VPC CIDR.
        cidr: Ipv4Net,
    },
    /// An ENI names a subnet its network does not have.
    #[error("{eni} asks for subnet {subnet}, which is not a subnet of {network}")]
    UnknownSubnet {
        /// The ENI.
        eni: String,
        /// The subnet asked for.
        subnet: Ipv4Net,
        /// The network.
        network: String,
    },
    /// IP allocation failed.
    #[error(transparent)]
    Ipam(#[from] IpamError),
    /// `after` dependencies form a cycle.
    #[error("containers wait on each other in a cycle involving {0:?}")]
    Cycle(String),
}

impl Plan {
    /// Validates the input and allocates ENI IPs. Deterministic.
    pub fn build(
        project: &str,
        networks: Vec<NetworkSpec>,
        enis: Vec<EniRequest>,
        containers: Vec<ContainerSpec>,
        volumes: Vec<VolumeSpec>,
    ) -> Result<Plan, PlanError> {
        validate_project(project)?;
        unique("network", networks.iter().map(|n| &n.id))?;
        unique("eni", enis.iter().map(|e| &e.id))?;
        unique("container", containers.iter().map(|c| &c.id))?;
        unique("volume", volumes.iter().map(|v| &v.id))?;
        // ENIs and containers share the container namespace (`io.emul.resource`).
        unique(
            "container or eni",
            enis.iter()
                .map(|e| &e.id)
                .chain(containers.iter().map(|c| &c.id)),
        )?;
        for n in &networks {
            for s in &n.subnets {
                if !n.cidr.contains(s) {
                    return Err(PlanError::SubnetOutsideVpc {
                        network: n.id.clone(),
                        subnet: *s,
                        cidr: n.cidr,
                    });
                }
            }
        }
        for e in &enis {
            let net =
                networks
                    .iter()
                    .find(|n| n.id == e.network)
                    .ok_or_else(|| PlanError::Dangling {
                        from: e.id.clone(),
                        what: "network",
                        to: e.network.clone(),
                    })?;
            if !net.subnets.contains(&e.subnet) {
                return Err(PlanError::UnknownSubnet {
                    eni: e.id.clone(),
                    subnet: e.subnet,
                    network: net.id.clone(),
                });
            }
        }
        let eni_ids: BTreeSet<&str> = enis.iter().map(|e| e.id.as_str()).collect();
        let volume_ids: BTreeSet<&str> = volumes.iter().map(|v| v.id.as_str()).collect();
        let container_ids: BTreeSet<&str> = containers.iter().map(|c| c.id.as_str()).collect();
        for c in &containers {
            if !eni_ids.contains(c.eni.as_str()) {
                return Err(dangling(&c.id, "eni", &c.eni));
            }
            for m in &c.volumes {
                if !volume_ids.contains(m.volume.as_str()) {
                    return Err(dangling(&c.id, "volume", &m.volume));
                }
            }
            for a in &c.after {
                if !container_ids.contains(a.as_str()) {
                    return Err(dangling(&c.id, "container", a));
                }
            }
        }
        let ips = ipam::allocate(&enis)?;
        let enis = enis
            .into_iter()
            .map(|e| EniSpec {
                ip: ips[&e.id],
                id: e.id,
                network: e.network,
                subnet: e.subnet,
                aliases: e.aliases,
            })
            .collect();
        let plan = Plan {
            project: project.to_string(),
            networks,
            enis,
            containers,
            volumes,
            extra_labels: BTreeMap::new(),
            brokered_enis: BTreeSet::new(),
            agent_share: None,
        };
        plan.waves()?;
        Ok(plan)
    }

    /// The network with this logical id.
    pub fn network(&self, id: &str) -> Option<&NetworkSpec> {
        self.networks.iter().find(|n| n.id == id)
    }

    /// The ENI with this logical id.
    pub fn eni(&self, id: &str) -> Option<&EniSpec> {
        self.enis.iter().find(|e| e.id == id)
    }

    /// The container with this logical id.
    pub fn container(&self, id: &str) -> Option<&ContainerSpec> {
        self.containers.iter().find(|c| c.id == id)
    }

    /// The `io.emul.*` labels of an object plus [`Plan::extra_labels`].
    pub fn labels(
        &self,
        resource: &str,
        kind: Kind,
        hash: &str,
    ) -> std::collections::HashMap<String, String> {
        let mut l = super::naming::labels(&self.project, resource, kind, hash);
        l.extend(
            self.extra_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        l
    }

    /// Config hash of a network.
    pub fn network_hash(&self, net: &NetworkSpec) -> String {
        hash_of(&("network", net))
    }

    /// Config hash of an ENI (its pause container); covers its network's hash
    /// and the pause image.
    pub fn eni_hash(&self, eni: &EniSpec, pause_image: &str) -> String {
        let net_hash = self
            .network(&eni.network)
            .map(|n| self.network_hash(n))
            .unwrap_or_default();
        if self.brokered_enis.contains(&eni.id) {
            let share = self.agent_share.as_ref().map(|s| &s.mount_source);
            hash_of(&("eni", eni, net_hash, pause_image, "broker", share))
        } else {
            hash_of(&("eni", eni, net_hash, pause_image))
        }
    }

    /// Where `eni`'s agent's socket broker listens, as the host sees it
    /// and as the agent container does; `None` when it runs none.
    pub fn broker_socket(&self, eni: &EniSpec) -> Option<(std::path::PathBuf, String)> {
        if !self.brokered_enis.contains(&eni.id) {
            return None;
        }
        let share = self.agent_share.as_ref()?;
        let file = format!("{}.sock", eni.ip);
        Some((
            share.daemon_dir.join(&file),
            format!("{}/{file}", share.inside_dir),
        ))
    }

    /// Config hash of a workload container; covers its ENI's hash.
    pub fn container_hash(&self, c: &ContainerSpec, pause_image: &str) -> String {
        let eni_hash = self
            .eni(&c.eni)
            .map(|e| self.eni_hash(e, pause_image))
            .unwrap_or_default();
        hash_of(&("container", c, eni_hash))
    }

    /// Containers grouped in start order: every container's `after` lies in
    /// an earlier wave. Within a wave, containers start together.
    pub fn waves(&self) -> Result<Vec<Vec<&ContainerSpec>>, PlanError> {
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        let mut waves = Vec::new();
        let mut left: Vec<&ContainerSpec> = self.containers.iter().collect();
        while !left.is_empty() {
            let (ready, rest): (Vec<_>, Vec<_>) = left
                .into_iter()
                .partition(|c| c.after.iter().all(|a| placed.contains(a.as_str())));
            if ready.is_empty() {
                return Err(PlanError::Cycle(rest[0].id.clone()));
            }
            placed.extend(ready.iter().map(|c| c.id.as_str()));
            waves.push(ready);
            left = rest;
        }
        Ok(waves)
    }
}

fn dangling(from: &str, what: &'static str, to: &str) -> PlanError {
    PlanError::Dangling {
        from: from.to_string(),
        what,
        to: to.to_string(),
    }
}

fn validate_project(p: &str) -> Result<(), PlanError> {
    let ok = !p.is_empty()
        && p.len() <= 40
        && p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(PlanError::InvalidProject(p.to_string()))
    }
}

fn unique<'a>(kind: &'static str, ids: impl Iterator<Item = &'a String>) -> Result<(), PlanError> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(PlanError::Duplicate {
                kind,
                id: id.clone(),
            });
        }
    }
    Ok(())
}

/// sha256 hex of the canonical JSON of `value`. Canonical because struct
/// fields serialize in declaration order and every map is a `BTreeMap`.
pub fn hash_of<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).expect("plan types always serialize");
    hex::encode(Sha256::digest(&json))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    pub(crate) fn app(id: &str, eni: &str) -> ContainerSpec {
        ContainerSpec {
            id: id.into(),
            kind: Kind::Task,
            image: ImageChoice::exact("emul/testapp:latest"),
            env: BTreeMap::new(),
            entrypoint: None,
            cmd: vec![],
            prelude: None,
            user: None,
            eni: eni.into(),
            volumes: vec![],
            health: None,
            resources: Resources::default(),
            log: LogConfig::default(),
            readiness: Readiness::Running,
            after: vec![],
        }
    }

    /// An ENI request on `vpc/main` in `subnet`, no fixed IP, no aliases.
    pub(crate) fn eni_in(id: &str, subnet: &str) -> EniRequest {
        EniRequest {
            id: id.into(),
            network: "vpc/main".into(),
            subnet: net(subnet),
            ip: None,
            aliases: vec![],
        }
    }

    pub(crate) fn sample() -> Plan {
        Plan::build(
            "demo",
            vec![NetworkSpec {
                id: "vpc/main".into(),
                cidr: net("10.0.0.0/16"),
                subnets: vec![net("10.0.1.0/24"), net("10.0.2.0/24")],
            }],
            vec![
                EniRequest {
                    id: "eni/a".into(),
                    network: "vpc/main".into(),
                    subnet: net("10.0.1.0/24"),
                    ip: None,
                    aliases: vec!["a.internal".into()],
                },
                eni_in("eni/b", "10.0.2.0/24"),
            ],
            vec![app("ecs/a", "eni/a"), app("ecs/b", "eni/b")],
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn build_is_deterministic() {
        assert_eq!(sample(), sample());
        let p = sample();
        assert_eq!(
            p.container_hash(&p.containers[0], "emul/pause:latest"),
            sample().container_hash(&sample().containers[0], "emul/pause:latest")
        );
    }

    #[test]
    fn hashes_chain_from_network_to_containers() {
        let p = sample();
        let mut q = p.clone();
        q.enis[0].aliases.push("extra.internal".into());
        let pause = "emul/pause:latest";
        assert_ne!(p.eni_hash(&p.enis[0], pause), q.eni_hash(&q.enis[0], pause));
        assert_ne!(
            p.container_hash(&p.containers[0], pause),
            q.container_hash(&q.containers[0], pause)
        );
        // The other ENI and its container are untouched.
        assert_eq!(p.eni_hash(&p.enis[1], pause), q.eni_hash(&q.enis[1], pause));
        assert_eq!(
            p.container_hash(&p.containers[1], pause),
            q.container_hash(&q.containers[1], pause)
        );
        // A CIDR change reaches everything.
        let mut r = p.clone();
        r.networks[0].cidr = net("10.0.0.0/15");
        assert_ne!(
            p.container_hash(&p.containers[1], pause),
            r.container_hash(&r.containers[1], pause)
        );
    }

    #[test]
    fn env_change_changes_only_that_container() {
        let p = sample();
        let mut q = p.clone();
        q.containers[1].env.insert("X".into(), "1".into());
        let pause = "emul/pause:latest";
        assert_eq!(
            p.container_hash(&p.containers[0], pause),
            q.container_hash(&q.containers[0], pause)
        );
        assert_ne!(
            p.container_hash(&p.containers[1], pause),
            q.container_hash(&q.containers[1], pause)
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let r = Readiness::Redis {
            port: 6379,
            password: Some(Secret("hunter2".into())),
        };
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn rejects_bad_references() {
        let base = sample();
        let err = Plan::build(
            "demo",
            base.networks.clone(),
            vec![],
            vec![app("ecs/a", "eni/none")],
            vec![],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ecs/a refers to eni \"eni/none\", which is not in the plan"
        );
        let err = Plan::build("Bad Name", vec![], vec![], vec![], vec![]).unwrap_err();
        assert!(matches!(err, PlanError::InvalidProject(_)));
        let err = Plan::build(
            "demo",
            vec![NetworkSpec {
                id: "vpc/x".into(),
                cidr: net("10.0.0.0/16"),
                subnets: vec![net("10.1.0.0/24")],
            }],
            vec![],
            vec![],
            vec![],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "subnet 10.1.0.0/24 of vpc/x is not inside the VPC CIDR 10.0.0.0/16"
        );
    }

    #[test]
    fn waves_follow_after_and_reject_cycles() {
        let base = sample();
        let mut b = app("ecs/b", "eni/b");
        b.after = vec!["ecs/a".into()];
        let p = Plan::build(
            "demo",
            base.networks.clone(),
            vec![
                eni_in("eni/a", "10.0.1.0/24"),
                eni_in("eni/b", "10.0.1.0/24"),
            ],
            vec![b.clone(), app("ecs/a", "eni/a")],
            vec![],
        )
        .unwrap();
        let waves: Vec<Vec<&str>> = p
            .waves()
            .unwrap()
            .iter()
            .map(|w| w.iter().map(|c| c.id.as_str()).collect())
            .collect();
        assert_eq!(waves, vec![vec!["ecs/a"], vec!["ecs/b"]]);
        let mut a = app("ecs/a", "eni/a");
        a.after = vec!["ecs/b".into()];
        let err = Plan::build(
            "demo",
            p.networks.clone(),
            vec![
                eni_in("eni/a", "10.0.1.0/24"),
                eni_in("eni/b", "10.0.1.0/24"),
            ],
            vec![a, b],
            vec![],
        )
        .unwrap_err();
        assert!(matches!(err, PlanError::Cycle(_)));
    }
}
