//! Amazon CloudWatch: custom and emul-produced metrics, statistics, and
//! metric alarms whose evaluation drives Auto Scaling.
//!
//! Shaped like the other services: a pure [`model`] (metrics, statistics,
//! alarm evaluation; no I/O, no clock), [`ops`] (one file per operation:
//! parse → apply → render), [`errors`] (AWS's codes and messages), and
//! [`service`] ([`CloudWatch`]: the in-process API and the gateway plug).
//!
//! Wire: CloudWatch is `smithy-rpc-v2-cbor` (current AWS CLI and
//! aws-sdk-rust), also JSON 1.0 and awsQuery (older clients); see
//! [`crate::gateway::registry::Protocol::RpcV2Cbor`].
//!
//! State: **in memory only** — metrics and alarms are lost when emul stops
//! (metrics keep 3 hours of raw samples; see [`model`] for the retention).
//! Alarms are evaluated by whoever calls [`CloudWatch::evaluate`]: `emul
//! serve` and the daemon run [`crate::services::autoscaling::driver`], which
//! hands Auto Scaling actions to their policies and logs the others.
//!
//! Not emulated: metric math (`Expression`, alarms on `Metrics`), anomaly
//! detection, composite alarms, dashboards, metric streams, insight rules,
//! tags on alarms (accepted by PutMetricAlarm, not stored).

pub mod errors;
pub mod metric_sink;
pub mod model;
pub mod ops;
pub mod service;

pub use model::{AlarmInvocation, AlarmSpec, AlarmState, Datum};
pub use service::CloudWatch;
