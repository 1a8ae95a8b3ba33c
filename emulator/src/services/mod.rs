//! The AWS services emul hosts behind the gateway: `secretsmanager`, `ecs`,
//! `acm` (the certificates HTTPS listeners present),
//! `elbv2`, `logs`, `ecr`, `ec2` (the VPC, subnets and security groups),
//! `cloudwatch` (metrics and alarms), `autoscaling`, and `rds` and
//! `elasticache` (the running data stores, read and operated, failover
//! included).
//!
//! Each service is split like moto: a pure `model` (state and rules, no I/O,
//! no async), `ops` (one file per operation: parse → apply → render), and
//! `errors` (every code and message exactly as AWS sends it). The service
//! type implements [`crate::gateway::AwsService`] to plug into the gateway.

pub mod acm;
pub mod autoscaling;
pub mod cloudwatch;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elasticache;
pub mod elbv2;
pub mod logs;
pub mod project_scoped;
pub mod rds;
pub mod secretsmanager;
