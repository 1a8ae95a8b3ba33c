//! Elastic Load Balancing v2 (awsQuery, version 2015-12-01): the API side
//! of emul's Application Load Balancer.
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules: resources, rule evaluation, health state machine, limits |
//! | [`ops`] | one file per operation family: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`Elbv2Service`]: the gateway hook, the write lock, and the `arc-swap` snapshot the data plane reads |
//!
//! Every change (API call, health-check result, registration) builds a new
//! model under the write lock and publishes it as an immutable snapshot; the
//! data plane (`crate::dataplane::alb`) reads snapshots only, so a request
//! never waits on the control plane and sees a change on its next lookup.

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;

pub use service::Elbv2Service;
