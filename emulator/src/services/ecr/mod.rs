//! Amazon ECR (awsJson1_1, target prefix `AmazonEC2ContainerRegistry_V20150921`,
//! signing name `ecr`) and its registry (the OCI distribution API on a
//! loopback port, so the stock Docker CLI pushes and pulls without TLS).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O) |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`store`] | the files under `<state-dir>/ecr/` (state, password, blobs, uploads) |
//! | [`service`] | [`Ecr`]: locking, durability, the gateway hook, the launcher's pull lookup |
//! | [`registry`] | the OCI distribution v2 server over the same state |
//!
//! Decisions: docs/decisions/0013-ecr-registry.md.

pub mod errors;
pub mod model;
pub mod ops;
pub mod registry;
pub mod service;
pub mod store;

pub use service::{Ecr, REGISTRY_USER, RegistryPull};
