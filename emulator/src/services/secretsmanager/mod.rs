//! AWS Secrets Manager (awsJson1_1, target prefix `secretsmanager`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O) |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`value_from`] | ECS `secrets[].valueFrom` resolution, as the ECS agent does it |
//! | [`service`] | [`SecretsManager`]: locking, durability, the gateway hook, and the topology API ([`SecretsManager::ensure_secret`]) |

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;
pub mod value_from;

pub use service::{EnsureValue, EnsuredSecret, SecretsManager};
