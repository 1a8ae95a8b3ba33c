//! RDS (awsQuery, API version `2014-10-31`): the instances of the running
//! topology, read and operated.
//!
//! - DescribeDBInstances: what the topology runs, as RDS shows it.
//! - RebootDBInstance: restarts the primary; with `ForceFailover=true` on a
//!   Multi-AZ instance the standby is promoted, the endpoint name follows it
//!   and the old primary is re-seeded as the new standby
//!   (`docs/decisions/0017-datastore-failover.md`).
//! - DescribeEvents: the events reboots and failovers record.
//! - ModifyDBInstance: `MasterUserPassword`, applied to the running server.
//!
//! The instances come from the topology; the service acts on the running
//! containers through [`crate::wiring::DatastoreRuntime`]. Without a
//! topology (`emul serve`) it lists nothing.

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;
pub mod topology;

pub use service::{RdsService, XML_NAMESPACE};
