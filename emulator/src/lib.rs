//! `emul`: a local AWS-topology emulator.
//!
//! `emul up --topology prod.yaml` brings a whole topology to life on Docker:
//! the ECS, ELBv2 and Secrets Manager control planes behind one AWS-compatible
//! endpoint, the ALB data plane, real Postgres and Redis containers for RDS and
//! ElastiCache, and the declared security groups enforced on the traffic.
//!
//! # Layout
//!
//! The crate follows the flow of data from the user's file to running things:
//!
//! | module | what it owns |
//! |---|---|
//! | [`cli`] | argument parsing, one file per verb, stable exit codes |
//! | [`topology`] | the YAML topology file → typed, validated model with source spans (pure) |
//! | [`gateway`] | the one AWS endpoint: listener, routing, JSON/query codecs, SigV4, AWS-shaped errors |
//! | [`services`] | the AWS services behind the gateway (Secrets Manager, ECS, ELBv2, CloudWatch Logs, ECR and its image registry, the EC2 networking reads), RDS and ElastiCache over the running data stores, each a pure model + ops + errors |
//! | [`state`] | durable storage: the fsync'd append-only record log |
//! | [`runtime`] | the Docker runtime: plan → networks, ENIs, containers, volumes; reconcile up/down |
//! | [`project`] | one topology brought to life: topology → plan, secrets, the `emul up` daemon |
//! | [`probes`] | protocol-level readiness: Postgres (startup, auth, `SELECT 1`) and Redis (`AUTH`, `PING`) |
//! | [`netpolicy`] | security groups → per-ENI nftables rulesets; the enforcer; `emul verify` |
//! | [`dataplane`] | workload traffic: the ALB (listeners, rule matching, proxying to targets, health checks) and the VPC resolver (service-discovery names) |
//! | [`wiring`] | the seams between ECS, the ALB, security groups, CloudWatch Logs and the ECR registry, the data stores' failover (traits the daemon plugs together) |
//!
//! Rules that keep it clean (see `docs/decisions/`): service models are plain
//! Rust with no I/O; one module owns Docker; the data plane reads routing state
//! through snapshots and never waits on a control-plane lock.

pub mod cli;
pub mod dataplane;
pub mod gateway;
pub mod netpolicy;
pub mod probes;
pub mod project;
pub mod runtime;
pub mod services;
pub mod state;
pub mod topology;
pub mod wiring;
