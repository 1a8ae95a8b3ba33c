//! Amazon ECS (awsJson1_1, target prefix `AmazonEC2ContainerServiceV20141113`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O) |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`Ecs`]: the model behind a lock, the gateway hook |
//!
//! Without a runtime attached (`emul serve`, the control plane only), the
//! API is complete but nothing launches tasks: RunTask's tasks stay
//! PROVISIONING, services keep `runningCount` 0, and StopTask/DeleteService
//! complete at once because nothing runs. See docs/decisions/0008-ecs-*.md.

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;

pub use service::Ecs;
