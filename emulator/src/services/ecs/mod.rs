//! Amazon ECS (awsJson1_1, target prefix `AmazonEC2ContainerServiceV20141113`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O) |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`Ecs`]: the model behind a lock, the gateway hook |
//! | [`topology`] | [`topology::seed`]: the topology's cluster, task definitions and services at `up` |
//! | [`scheduler`] | [`EcsRuntime::start`]: services at desired count, deployments, task launch/stop on Docker |
//!
//! Entry point for the project daemon: [`EcsRuntime::start`]`(EcsDeps)` →
//! (`Arc<Ecs>` to register with the gateway, [`EcsHandle`] to shut down).
//!
//! Without a runtime attached (`emul serve`, the control plane only), the
//! API is complete but nothing launches tasks: RunTask's tasks stay
//! PROVISIONING, services keep `runningCount` 0, and StopTask/DeleteService
//! complete at once because nothing runs. See docs/decisions/0008-ecs-*.md.

pub mod errors;
pub mod model;
pub mod ops;
pub mod scaling;
pub mod scheduler;
pub mod service;
pub mod topology;

pub use scheduler::{EcsDeps, EcsHandle, EcsRuntime};
pub use service::Ecs;
