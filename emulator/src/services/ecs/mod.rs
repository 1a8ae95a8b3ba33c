//! Amazon ECS (awsJson1_1, target prefix `AmazonEC2ContainerServiceV20141113`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O) |
//! | [`errors`] | every error code and message |

pub mod errors;
pub mod model;
