//! Application Auto Scaling (awsJson1_1, target prefix
//! `AnyScaleFrontendService`, signing name `application-autoscaling`),
//! for ECS services' desired count.
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules: targets, policies, activities; [`model::decide`] the scaling arithmetic |
//! | [`errors`] | every error code and message |
pub mod errors;
pub mod model;
