//! The EC2 service as the gateway sees it: the `ec2` protocol over one
//! [`Network`] model per region (the topology's region holds its VPC; any
//! other region, and every region of `emul serve` without a topology,
//! starts as a fresh account's, with its default VPC).
//!
//! A security-group write runs on a copy of the model; the copy's groups
//! are enforced on every ENI ([`NetworkBackend::enforce`]) and written to
//! the [`LiveStore`], and only then does the copy replace the model and the
//! call answer. A write that fails at any step changes nothing.

use std::collections::BTreeMap;
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

/// The EC2 networking API of one project (or of `emul serve`'s account).
pub struct Ec2 {
    /// The region the topology is in (the home of its VPC): writes there
    /// are enforced and kept.
    home_region: String,
    /// Each region's VPCs as reads see them; a region first asked about
    /// starts as a fresh account's (its default VPC).
    networks: RwLock<BTreeMap<String, Network>>,
    /// The project and account every default region is made for.
    owner: (String, String),
    /// Serialises writes: each starts from the model the last one left.
    writer: Mutex<()>,
    /// The topology the home model came from (the store's key); `None`
    /// for `emul serve` without a topology.
    topology: Option<Topology>,
    /// The running project, when there is one (`up`); `serve` has none and
    /// its writes change the model only.
    backend: Option<Arc<dyn NetworkBackend>>,
    /// Where the home region's writes are kept, when there is a project.
    store: Option<LiveStore>,
}

impl std::fmt::Debug for Ec2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2")
            .field("home_region", &self.home_region)
            .field("live", &self.backend.is_some())
            .field("store", &self.store)
            .finish()
    }
}

impl Ec2 {
    /// The EC2 view of a validated topology, with nothing running and
    /// nothing kept (`emul serve --topology`, tests).
    pub fn from_topology(t: &Topology) -> Ec2 {
        Ec2::with(Network::from_topology(t), Some(t.clone()), None, None)
    }

    /// A fresh account with its default VPC in every region, nothing
    /// running (`emul serve` without a topology).
    pub fn account(owner: &str) -> Ec2 {
        let region = crate::gateway::DEFAULT_REGION;
        Ec2::with(
            Network::default_account(NO_PROJECT, owner, region),
            None,
            None,
            None,
        )
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
        Ok(Ec2::with(
            network,
            Some(t.clone()),
            Some(backend),
            Some(store),
        ))
    }

    fn with(
        home: Network,
        topology: Option<Topology>,
        backend: Option<Arc<dyn NetworkBackend>>,
        store: Option<LiveStore>,
    ) -> Ec2 {
        let owner = (home.project.clone(), home.owner.clone());
        let home_region = home.region.clone();
        Ec2 {
            networks: RwLock::new(BTreeMap::from([(home_region.clone(), home)])),
            home_region,
            owner,
            writer: Mutex::new(()),
            topology,
            backend,
            store,
        }
    }

    /// Runs `f` on `region`'s model under the read lock (a region not seen
    /// yet is a fresh account's).
    fn with_region<T>(&self, region: &str, f: impl FnOnce(&Network) -> T) -> T {
        let networks = self.networks.read().expect("ec2 lock");
        match networks.get(region) {
            Some(n) => f(n),
            None => f(&Network::default_account(
                &self.owner.0,
                &self.owner.1,
                region,
            )),
        }
    }

    /// `region`'s model (a copy, for a write to start from).
    fn region(&self, region: &str) -> Network {
        self.with_region(region, Network::clone)
    }

    fn interfaces(&self) -> Vec<Interface> {
        self.backend
            .as_ref()
            .map(|b| b.interfaces())
            .unwrap_or_default()
    }

    /// A write in `region`: on a copy; in the home region enforced and
    /// kept; then published.
    fn write(
        &self,
        region: &str,
        operation: &str,
        params: &crate::gateway::query::QueryParams,
    ) -> Result<String, AwsError> {
        self.change_with(region, ops::changes_rules(operation), |next, enis| {
            ops::write(next, operation, params, enis)
        })
    }

    /// Runs `f` on a copy of `region`'s model; in the home region the
    /// result is enforced and kept; then it is published. `f` gets the
    /// running ENIs (none outside the home region).
    fn change(
        &self,
        region: &str,
        f: impl FnOnce(&mut Network, &dyn Fn() -> Vec<Interface>) -> Result<String, AwsError>,
    ) -> Result<String, AwsError> {
        self.change_with(region, true, f)
    }

    /// [`Ec2::change`], enforcing the groups only when `enforce` (a write
    /// that cannot change them, RunInstances or CreateTags, is only kept).
    fn change_with(
        &self,
        region: &str,
        enforce: bool,
        f: impl FnOnce(&mut Network, &dyn Fn() -> Vec<Interface>) -> Result<String, AwsError>,
    ) -> Result<String, AwsError> {
        let _one_at_a_time = self.writer.lock().expect("ec2 writer lock");
        let mut next = self.region(region);
        let home = region == self.home_region;
        let no_enis = Vec::new;
        let enis: &dyn Fn() -> Vec<Interface> = if home {
            &|| self.interfaces()
        } else {
            &no_enis
        };
        let answer = f(&mut next, enis)?;
        if let (true, true, Some(b)) = (home, enforce, &self.backend) {
            b.enforce(live::topology_groups(&next), next.eni_groups.clone())
                .map_err(|e| {
                    AwsError::internal(format!("the security groups could not be enforced: {e}"))
                })?;
        }
        if let (true, Some(s), Some(t)) = (home, &self.store, &self.topology)
            && let Err(e) = s.save(t, &next)
        {
            // Put the rules in force back the way the model says.
            if let Some(b) = &self.backend {
                let (groups, eni_groups) = self.with_region(&self.home_region, |home| {
                    (live::topology_groups(home), home.eni_groups.clone())
                });
                let _ = b.enforce(groups, eni_groups);
            }
            return Err(AwsError::internal(format!(
                "the security groups could not be kept: {e}"
            )));
        }
        self.networks
            .write()
            .expect("ec2 lock")
            .insert(region.to_string(), next);
        Ok(answer)
    }
}

impl crate::wiring::VpcGroups for Ec2 {
    fn group(&self, id_or_name: &str) -> Option<(String, String)> {
        self.with_region(&self.home_region, |net| {
            net.groups_of(&net.home_vpc().id)
                .find(|g| g.id == id_or_name || g.name == id_or_name)
                .map(|g| (g.id.clone(), g.name.clone()))
        })
    }

    fn set_eni_groups(&self, logical: &str, names: Vec<String>) -> Result<(), String> {
        let home = self.home_region.clone();
        self.change(&home, |net, enis| {
            if enis().iter().any(|e| e.logical == logical) {
                net.eni_groups.insert(logical.to_string(), names);
            }
            Ok(String::new())
        })
        .map(|_| ())
        .map_err(|e| e.message)
    }
}

/// The project name the ids of `emul serve`'s account derive from.
pub const NO_PROJECT: &str = "emul-serve";

impl crate::wiring::NetworkNames for Ec2 {
    fn name_of(&self, id_or_name: &str) -> String {
        self.with_region(&self.home_region, |net| {
            let subnet = net.subnets.iter().find(|s| s.id == id_or_name);
            match (subnet, net.group(id_or_name)) {
                (Some(s), _) => s.name.clone(),
                (None, Some(g)) => g.name.clone(),
                (None, None) => id_or_name.to_string(),
            }
        })
    }

    fn missing_subnet(&self, region: &str, subnets: &[String]) -> Option<String> {
        self.with_region(region, |net| {
            subnets
                .iter()
                .find(|asked| {
                    !net.subnets
                        .iter()
                        .any(|s| &s.id == *asked || &s.name == *asked)
                })
                .cloned()
        })
    }

    fn subnet_placement(&self, region: &str, id_or_name: &str) -> Option<(String, String)> {
        self.with_region(region, |net| {
            net.subnets
                .iter()
                .find(|s| s.id == id_or_name || s.name == id_or_name)
                .map(|s| (s.availability_zone.clone(), s.vpc_id.clone()))
        })
    }

    fn missing_group(&self, region: &str, groups: &[String]) -> Option<String> {
        self.with_region(region, |net| {
            groups
                .iter()
                .find(|asked| net.group(asked).is_none() && net.group_named(asked).is_none())
                .cloned()
        })
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
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Query(params) = input else {
            return Err(AwsError::serialization("EC2 speaks the ec2 query protocol"));
        };
        if ops::is_write(operation) {
            return self
                .write(&ctx.region, operation, &params)
                .map(Output::QueryXml);
        }
        let no_enis = Vec::new;
        let enis: &dyn Fn() -> Vec<Interface> = if ctx.region == self.home_region {
            &|| self.interfaces()
        } else {
            &no_enis
        };
        self.with_region(&ctx.region, |net| ops::read(net, operation, &params, enis))
            .map(Output::QueryXml)
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
