//! The EC2 service as the gateway sees it: the `ec2` protocol over the
//! [`Network`] model.

use std::sync::RwLock;

use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::topology::Topology;

use super::model::Network;
use super::ops;

/// EC2's XML namespace (API version 2016-11-15).
pub const XML_NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// The EC2 networking API of one project.
#[derive(Debug)]
pub struct Ec2 {
    /// The VPC, subnets and groups; behind a lock because security-group
    /// writes will change it while reads are served.
    network: RwLock<Network>,
}

impl Ec2 {
    /// The EC2 view of a validated topology.
    pub fn from_topology(t: &Topology) -> Ec2 {
        Ec2 {
            network: RwLock::new(Network::from_topology(t)),
        }
    }
}

impl AwsService for Ec2 {
    fn name(&self) -> &'static str {
        "ec2"
    }

    fn signing_name(&self) -> &'static str {
        "ec2"
    }

    fn protocol(&self) -> Protocol {
        Protocol::Ec2 {
            xml_namespace: XML_NAMESPACE,
        }
    }

    fn handle(
        &self,
        _ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Query(params) = input else {
            return Err(AwsError::serialization("EC2 speaks the ec2 query protocol"));
        };
        let net = self.network.read().expect("ec2 lock");
        ops::dispatch(&net, operation, &params).map(Output::QueryXml)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        operation.starts_with("Describe")
    }
}
