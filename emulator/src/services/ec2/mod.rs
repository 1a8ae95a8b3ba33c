//! EC2's networking API over the topology (issue 13, first part): the VPC,
//! its subnets, its security groups and the region's availability zones,
//! read through the `ec2` query protocol (API version 2016-11-15) with
//! AWS's filters, tags and errors, under stable ids (`vpc-`, `subnet-`,
//! `sg-` + 17 hex digits derived from the project and the names).
//!
//! | file | what |
//! |---|---|
//! | [`model`] | the pure model: ids, subnets, groups as `IpPermission`s, zones |
//! | [`filters`] | `Filter.N.Name` / `Filter.N.Value.M` with EC2's wildcards and `tag:` |
//! | [`ops`] | one file per operation (parse → apply → render) |
//! | [`errors`] | the codes and messages |
//! | [`service`] | the gateway adapter |
//!
//! Not built yet: the ENIs (DescribeNetworkInterfaces), security-group
//! writes enforced on live traffic, DescribeSecurityGroupRules,
//! CreateVpc/CreateSubnet, pagination (`MaxResults`/`NextToken`: every
//! answer is one page).

pub mod errors;
pub mod filters;
pub mod model;
pub mod ops;
pub mod service;

pub use service::Ec2;
