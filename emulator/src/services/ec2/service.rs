//! The EC2 service as the gateway sees it: the `ec2` protocol over the
//! [`Network`] model.
//!
//! A security-group write runs on a copy of the model; the copy's groups
//! are enforced on every ENI ([`NetworkBackend::enforce`]) and written to
//! the [`LiveStore`], and only then does the copy replace the model and the
//! call answer. A write that fails at any step changes nothing.

use std::sync::{Arc, Mutex, RwLock};

use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::topology::Topology;

use super::live::{self, Interface, LiveStore, NetworkBackend};
use super::model::Network;
use super::ops;

/// EC2's XML namespace (API version 2016-11-15).
pub const XML_NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// The EC2 networking API of one project.
pub struct Ec2 {
    /// The VPC, subnets and groups as reads see them.
    network: RwLock<Network>,
    /// Serialises writes: each starts from the model the last one left.
    writer: Mutex<()>,
    /// The topology the model came from (the store's key).
    topology: Topology,
    /// The running project, when there is one (`up`); `serve --topology`
    /// has none and its writes change the model only.
    backend: Option<Arc<dyn NetworkBackend>>,
    /// Where writes are kept, when there is a state directory.
    store: Option<LiveStore>,
}

impl std::fmt::Debug for Ec2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2")
            .field("network", &self.network)
            .field("live", &self.backend.is_some())
            .field("store", &self.store)
            .finish()
    }
}

impl Ec2 {
    /// The EC2 view of a validated topology, with nothing running and
    /// nothing kept (`emul serve --topology`, tests).
    pub fn from_topology(t: &Topology) -> Ec2 {
        Ec2 {
            network: RwLock::new(Network::from_topology(t)),
            writer: Mutex::new(()),
            topology: t.clone(),
            backend: None,
            store: None,
        }
    }

    /// The EC2 API of a running project: the model starts from what
    /// `store` kept for this topology (else from the topology), and writes
    /// are enforced through `backend` and kept in `store`.
    pub fn live(
        t: &Topology,
        store: LiveStore,
        backend: Arc<dyn NetworkBackend>,
    ) -> Result<Ec2, String> {
        let network = store.load(t)?.unwrap_or_else(|| Network::from_topology(t));
        Ok(Ec2 {
            network: RwLock::new(network),
            writer: Mutex::new(()),
            topology: t.clone(),
            backend: Some(backend),
            store: Some(store),
        })
    }

    /// The groups in force, in the topology's form: what the daemon
    /// installs at start (the store may hold API changes).
    pub fn groups_in_force(&self) -> Vec<crate::topology::model::security_groups::SecurityGroup> {
        live::topology_groups(&self.network.read().expect("ec2 lock"))
    }

    fn interfaces(&self) -> Vec<Interface> {
        self.backend
            .as_ref()
            .map(|b| b.interfaces())
            .unwrap_or_default()
    }

    /// A write: on a copy, enforced, kept, then published.
    fn write(
        &self,
        operation: &str,
        params: &crate::gateway::query::QueryParams,
    ) -> Result<String, AwsError> {
        let _one_at_a_time = self.writer.lock().expect("ec2 writer lock");
        let mut next = self.network.read().expect("ec2 lock").clone();
        let answer = ops::write(&mut next, operation, params, &|| self.interfaces())?;
        if let Some(b) = &self.backend {
            b.enforce(live::topology_groups(&next)).map_err(|e| {
                AwsError::internal(format!("the security groups could not be enforced: {e}"))
            })?;
        }
        if let Some(Err(e)) = self.store.as_ref().map(|s| s.save(&self.topology, &next)) {
            // Put the rules in force back the way the model says.
            if let Some(b) = &self.backend {
                let current = self.network.read().expect("ec2 lock");
                let _ = b.enforce(live::topology_groups(&current));
            }
            return Err(AwsError::internal(format!(
                "the security groups could not be kept: {e}"
            )));
        }
        *self.network.write().expect("ec2 lock") = next;
        Ok(answer)
    }
}

impl crate::wiring::NetworkNames for Ec2 {
    fn name_of(&self, id_or_name: &str) -> String {
        let net = self.network.read().expect("ec2 lock");
        if let Some(s) = net.subnets.iter().find(|s| s.id == id_or_name) {
            return s.name.clone();
        }
        match net.group(id_or_name) {
            Some(g) => g.name.clone(),
            None => id_or_name.to_string(),
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
        if ops::is_write(operation) {
            return self.write(operation, &params).map(Output::QueryXml);
        }
        let net = self.network.read().expect("ec2 lock").clone();
        ops::read(&net, operation, &params, &|| self.interfaces()).map(Output::QueryXml)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    /// Reads of the model run inline; writes (which wait for the ENIs'
    /// agents) and DescribeNetworkInterfaces (which asks the enforcer) run
    /// on the blocking pool.
    fn is_non_blocking(&self, operation: &str) -> bool {
        operation.starts_with("Describe") && operation != "DescribeNetworkInterfaces"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::model::resource_id;
    use crate::wiring::NetworkNames as _;

    #[test]
    fn ids_from_the_api_name_the_topologys_subnets_and_groups() {
        let ec2 = Ec2::from_topology(&crate::project::fixture("wechat.yaml").topology);
        assert_eq!(
            ec2.name_of(&resource_id("subnet", "wechat", "private-1a")),
            "private-1a"
        );
        assert_eq!(
            ec2.name_of(&resource_id("sg", "wechat", "ecs-sg")),
            "ecs-sg"
        );
        assert_eq!(ec2.name_of("ecs-sg"), "ecs-sg");
        assert_eq!(ec2.name_of("sg-unknown"), "sg-unknown");
    }
}
