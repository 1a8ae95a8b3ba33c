//! The typed topology model: plain data, one file per family of resources.
//! Each struct knows how to decode itself from the spanned YAML tree (see
//! [`crate::topology::decode`]); none does I/O.

pub mod ecr;
pub mod ecs;
pub mod elasticache;
pub mod elbv2;
pub mod network;
pub mod rds;
pub mod references;
pub mod secrets;
pub mod security_groups;
