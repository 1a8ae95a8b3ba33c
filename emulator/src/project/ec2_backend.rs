//! The EC2 service's view of the running project
//! ([`crate::services::ec2::live::NetworkBackend`]): the ENIs the enforcer
//! has attached, and security-group changes installed through it on every
//! ENI before the API call that made them answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::netpolicy::Enforcer;
use crate::services::ec2::live::{Interface, NetworkBackend};
use crate::topology::Topology;
use crate::topology::model::security_groups::SecurityGroup;

/// The daemon's enforcer, lent to the EC2 service.
pub struct EnforcerBackend {
    /// Installs the rulesets.
    enforcer: Arc<Enforcer>,
    /// The project's topology, whose groups each change replaces.
    topology: Topology,
    /// The daemon's runtime: the service calls from a blocking thread and
    /// waits here for the enforcer's async work.
    runtime: tokio::runtime::Handle,
}

impl EnforcerBackend {
    /// A backend over `enforcer` for `topology`, run on the current runtime.
    pub fn new(enforcer: Arc<Enforcer>, topology: &Topology) -> EnforcerBackend {
        EnforcerBackend {
            enforcer,
            topology: topology.clone(),
            runtime: tokio::runtime::Handle::current(),
        }
    }
}

impl NetworkBackend for EnforcerBackend {
    fn interfaces(&self) -> Vec<Interface> {
        self.runtime
            .block_on(self.enforcer.attached())
            .into_iter()
            .map(|e| Interface {
                logical: e.id,
                ip: e.ip,
                subnet: e.subnet,
                groups: e.security_groups,
            })
            .collect()
    }

    fn enforce(
        &self,
        groups: Vec<SecurityGroup>,
        eni_groups: BTreeMap<String, Vec<String>>,
    ) -> Result<(), String> {
        let mut next = self.topology.clone();
        next.security_groups = groups;
        self.runtime
            .block_on(self.enforcer.reload_with(&next, eni_groups))
            .map_err(|e| e.to_string())
    }
}
