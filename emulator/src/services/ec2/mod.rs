//! EC2's networking API over the topology (issue 13, first part): the VPC,
//! its subnets, its security groups and the region's availability zones,
//! read through the `ec2` query protocol (API version 2016-11-15) with
//! AWS's filters, tags and errors, under stable ids (`vpc-`, `subnet-`,
//! `sg-` + 17 hex digits derived from the project and the names).
//!
//! | file | what |
//! |---|---|
//! | [`model`] | the pure model: ids, the VPC, subnets, groups, zones |
//! | [`vpcs`] | the default VPC, and VPCs and subnets made through the API |
//! | [`rules`] | rules as AWS stores them (one per peer, `sgr-` ids) and the group writes |
//! | [`instances`] | instances RunInstances made: records only, no VM runs |
//! | [`instance_types`] | the instance types' vCPUs and memory |
//! | [`filters`] | `Filter.N.Name` / `Filter.N.Value.M` with EC2's wildcards and `tag:` |
//! | [`ops`] | one file per operation (parse → apply → render) |
//! | [`errors`] | the codes and messages |
//! | [`live`] | the running project: its ENIs, enforcement, the kept groups |
//! | [`service`] | the gateway adapter: writes on a copy, enforced, kept, published |
//!
//! Security-group writes take effect on live traffic before the call
//! answers (the daemon's enforcer reinstalls every ENI's ruleset), and
//! `emul verify` checks the groups they left.
//!
//! Not built yet: ModifyNetworkInterfaceAttribute, pagination (`MaxResults`/`NextToken`: every answer is one page), rule
//! tags.

pub mod errors;
pub mod filters;
pub mod instance_types;
pub mod instances;
pub mod live;
pub mod model;
pub mod ops;
pub mod rules;
pub mod service;
pub mod vpcs;

pub use service::Ec2;
