//! The Docker runtime: everything `emul up` / `emul down` needs to turn a
//! [`Plan`] (plain data: networks, ENIs, containers, volumes) into running
//! Docker objects, and to take them away again.
//!
//! | file | what it owns |
//! |---|---|
//! | [`plan`] | the desired state as plain data, its validation and config hashes |
//! | [`ipam`] | pure IPv4 allocation inside subnets (AWS's reserved addresses skipped) |
//! | [`naming`] | deterministic Docker names and the `io.emul.*` labels |
//! | [`network`] | host-route / Docker-network overlap checks (pure) and the VPC bridge spec |
//! | [`eni`] | the awsvpc pattern: the pause container owning an ENI, workloads joining it |
//! | [`images`] | which image a container runs: local official, pulled official, `emul/` build |
//! | [`datastores`] | RDS Postgres and ElastiCache Redis → container specs (pure) |
//! | [`docker`] | the ONE place that talks to bollard |
//! | [`diff`] | the pure half of reconcile: existing objects vs the plan |
//! | [`reconcile`] | `up` (adopt, replace drifted, remove orphans, roll back on failure) and `down` |
//!
//! Nothing outside `docker.rs` imports bollard. The topology module does not
//! exist here: the caller translates a topology into a [`Plan`].

pub mod datastores;
pub mod diff;
pub mod docker;
pub mod eni;
pub mod images;
pub mod ipam;
pub mod naming;
pub mod network;
pub mod plan;
pub mod reconcile;

pub use docker::{Engine, EngineError};
pub use plan::{
    ContainerSpec, EniRequest, EniSpec, HealthCheck, ImageCandidate, ImageChoice, Kind, LogConfig,
    NetworkSpec, Plan, PlanError, Readiness, Resources, Secret, VolumeMount, VolumeSpec,
};
pub use reconcile::{DownOptions, DownReport, UpError, UpOptions, UpReport};
