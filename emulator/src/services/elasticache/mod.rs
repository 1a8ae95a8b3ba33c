//! ElastiCache (awsQuery, API version `2015-02-02`): the Redis replication
//! groups of the running topology, read and operated.
//!
//! - DescribeReplicationGroups / DescribeCacheClusters: what runs, with
//!   each node's current role.
//! - TestFailover: a replica is promoted (once it has caught up with the
//!   primary), the other nodes follow it and the primary endpoint name
//!   moves to it (`docs/decisions/0017-datastore-failover.md`).
//! - DescribeEvents: the events a failover records.
//!
//! The groups come from the topology; the service acts on the containers
//! through [`crate::wiring::DatastoreRuntime`]. Without a topology
//! (`emul serve`) it lists nothing.

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;
pub mod topology;

pub use service::{ElastiCacheService, XML_NAMESPACE};
