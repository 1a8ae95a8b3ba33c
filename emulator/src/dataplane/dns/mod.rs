//! The VPC resolver: what a task's DNS queries reach, as the Route 53
//! Resolver at the VPC's `.2` address would answer them on AWS.
//!
//! Task ENIs (pause containers) name the VPC bridge's gateway address as
//! their DNS server. Docker's embedded DNS inside each task still answers
//! the names Docker knows (RDS and ElastiCache endpoints, which are network
//! aliases) and passes every other name to this resolver, from the task's
//! own address; each ENI's security-group ruleset admits that traffic, as
//! the VPC resolver is reachable whatever the security groups say.
//!
//! | file | what it owns |
//! |---|---|
//! | [`message`] | the DNS wire format: read a query, write an answer (pure) |
//! | [`zone`] | the discovery namespaces, answered from the ECS model |
//! | [`server`] | the UDP/TCP sockets and forwarding to the host's resolvers |
//!
//! Discovery names are the healthy RUNNING tasks of the service that
//! registers them (`services::ecs::model::discovery`), up to eight per
//! answer, rotated; a name inside a namespace that nobody registers is
//! NXDOMAIN; anything else is forwarded verbatim.

pub mod message;
pub mod server;
pub mod zone;

pub use server::{BoundResolver, DISCOVERY_TTL, VpcResolver, host_upstreams};
pub use zone::{Lookup, Zone};
