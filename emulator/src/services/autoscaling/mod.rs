//! Application Auto Scaling (awsJson1_1, target prefix
//! `AnyScaleFrontendService`, signing name `application-autoscaling`),
//! for ECS services' desired count.
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules: targets, policies, scheduled actions, activities; [`model::decide`] the scaling arithmetic; [`model::schedule`] schedules and when they fire |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`ApplicationAutoScaling`]: the model behind a lock, the gateway hook, policies' alarms, acting on an alarm |
//! | [`driver`] | the loop: CloudWatch alarm evaluation → policies → ECS desired count; due scheduled actions (wall clock) |
//! | [`topology`] | a topology service's `autoscaling` block as a target and policies at `up` |
//!
//! Metrics come from the ECS scheduler (`AWS/ECS` CPU and memory, from
//! Docker stats) and the ALB (`AWS/ApplicationELB`), through CloudWatch.

pub mod driver;
pub mod errors;
pub mod model;
pub mod ops;
pub mod service;
pub mod topology;

pub use service::ApplicationAutoScaling;
