//! Amazon CloudWatch Logs (awsJson1_1, target prefix `Logs_20140328`,
//! signing name `logs`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O): groups, streams, events, filter patterns |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`CloudWatchLogs`]: locking, the durable record log, the gateway hook, the awslogs API |
//! | [`awslogs`] | the ECS `awslogs` log driver's sink (`wiring::TaskLogSink`) |

pub mod awslogs;
pub mod errors;
pub mod model;
pub mod ops;
pub mod service;

pub use service::CloudWatchLogs;
