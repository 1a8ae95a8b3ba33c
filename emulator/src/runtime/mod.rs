//! The Docker runtime: everything `emul up` / `emul down` needs to turn a
//! [`Plan`] (plain data: networks, ENIs, containers, volumes) into running
//! Docker objects, and to take them away again.
//!
//! | file | what it owns |
//! |---|---|
//! | [`plan`] | the desired state as plain data, its validation and config hashes |
//! | [`ipam`] | pure IPv4 allocation inside subnets (AWS's reserved addresses skipped) |
//! | [`naming`] | deterministic Docker names and the `io.emul.*` labels |
//! | [`agent`] | the client of the ENI agent (`emul/agent`, PID 1 of every ENI): rulesets, probes, listeners; the project token |
//! | [`network`] | host-route / Docker-network overlap checks (pure) and the VPC bridge spec |
//! | [`eni`] | the awsvpc pattern: the agent container owning an ENI, workloads joining it |
//! | [`image_recipes`] | building a missing `emul/` image with the recipes that ship with emul (`scripts/build-images.sh`) |
//! | [`images`] | which image a container runs: local official, pulled official, `emul/` build |
//! | [`datastores`] | RDS Postgres and ElastiCache Redis → container specs (pure) |
//! | [`docker`] | the ONE place that talks to bollard |
//! | [`diff`] | the pure half of reconcile: existing objects vs the plan |
//! | [`tasks`] | one ECS task on Docker: its ENI agent container and its containers in `dependsOn` order |
//! | [`task_logs`] | ECS task container logs kept per task under the state directory (`emul logs --service/--task`) |
//! | [`task_cgroup`] | a cgroup per ECS task so task-level cpu/memory bound the task as a whole |
//! | [`placement`] | where emul runs: on the engine's host or in one of its containers (its VPC address, what it shares with the agents) |
//! | [`vpc_services`] | the VPC resolver and metadata endpoint: AWS's addresses, emul's ports, the agents' DNAT |
//! | [`reconcile`] | `up` (adopt, replace drifted, remove orphans, roll back on failure) and `down` |
//!
//! Nothing outside `docker.rs` imports bollard. The topology module does not
//! exist here: the caller translates a topology into a [`Plan`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use emul::runtime::datastores::{self, ElastiCacheRedis};
//! use emul::runtime::{reconcile, Engine, NetworkSpec, Plan, Resources, UpOptions};
//!
//! let subnet = "10.0.1.0/24".parse()?;
//! let redis = datastores::elasticache_redis(&ElastiCacheRedis {
//!     id: "sessions".into(),
//!     engine_version: "7.1".into(),
//!     replicas: 1,
//!     port: 6379,
//!     auth_token: None,
//!     parameters: Default::default(),
//!     network: "vpc/main".into(),
//!     subnets: vec![subnet],
//!     region: "us-east-1".into(),
//!     suffix: datastores::endpoint_suffix("shop"),
//!     resources: Resources::default(),
//! })?;
//! let vpc = NetworkSpec { id: "vpc/main".into(), cidr: "10.0.0.0/16".parse()?, subnets: vec![subnet] };
//! let plan = Plan::build("shop", vec![vpc], redis.enis, redis.containers, redis.volumes)?;
//! let engine = Engine::connect().await?; // EngineError::Unreachable → exit code 3
//! let report = reconcile::up(&engine, &plan, &UpOptions::default()).await?;
//! println!("created {:?} in {:?}", report.created, report.elapsed);
//! reconcile::down(&engine, "shop", reconcile::DownOptions { volumes: true }).await?;
//! # Ok(()) }
//! ```

pub mod agent;
pub mod datastores;
pub mod diff;
pub mod docker;
pub mod eni;
pub mod image_recipes;
pub mod images;
pub mod ipam;
pub mod naming;
pub mod network;
pub mod placement;
pub mod plan;
pub mod reconcile;
pub mod task_cgroup;
pub mod task_logs;
pub mod tasks;
pub mod vpc_services;

pub use docker::{Engine, EngineError};
pub use plan::{
    ContainerSpec, EniRequest, EniSpec, HealthCheck, ImageCandidate, ImageChoice, Kind, LogConfig,
    NetworkSpec, Plan, PlanError, Readiness, Resources, Secret, VolumeMount, VolumeSpec,
};
pub use reconcile::{DownOptions, DownReport, Progress, Step, UpError, UpOptions, UpReport};
