//! [`Elbv2Service`]: the ELBv2 model behind the gateway.
//!
//! State is per account and region. Writes take one mutex, clone-modify the
//! model and, for the data plane's account/region, publish the result as an
//! `Arc` snapshot through `arc-swap`; readers (the data plane, Describe*)
//! never hold the lock across anything slow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;

use super::errors::ElbError;
use super::model::Elbv2;
use super::model::network::Placement;
use super::ops;
use crate::gateway::registry::{Input, Output, Protocol, RequestContext, ServiceHealth};
use crate::gateway::{AwsError, AwsService};

/// The XML namespace of every ELBv2 response.
pub const XML_NAMESPACE: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The ELBv2 service.
pub struct Elbv2Service {
    /// (account, region) → model. The one lock writers take.
    states: Mutex<HashMap<(String, String), Elbv2>>,
    /// The account/region whose model the data plane serves.
    primary: (String, String),
    /// The latest published model of `primary`.
    snapshot: ArcSwap<Elbv2>,
    /// Called with every newly published `primary` model, under the write
    /// lock, before the write returns: the data plane re-binds listeners
    /// here so an API call takes effect before its response.
    observer: Mutex<Option<Observer>>,
    /// The running VPC's groups (`emul up`): SetSecurityGroups resolves
    /// group ids and moves the load balancer's ENI through it; `None`
    /// takes the groups as given.
    vpc_groups: Mutex<Option<Arc<dyn crate::wiring::VpcGroups>>>,
    /// ACM: listeners' certificates must exist there, and the ALB serves
    /// them; `None` takes certificate ARNs as given.
    certificates: Mutex<Option<Arc<dyn crate::wiring::CertificateStore>>>,
    /// EC2's subnets and groups: a load balancer's subnets and groups must
    /// exist, and its zones and VPC are its subnets'; `None` takes them
    /// as given (zones assigned in order).
    network: Mutex<Option<Arc<dyn crate::wiring::NetworkNames>>>,
}

/// See [`Elbv2Service::set_observer`].
pub type Observer = Box<dyn Fn(&Elbv2) + Send + Sync>;

impl Elbv2Service {
    /// A service whose data-plane model starts as `initial`.
    pub fn new(initial: Elbv2) -> Self {
        let primary = (initial.account.clone(), initial.region.clone());
        let snapshot = ArcSwap::from_pointee(initial.clone());
        let mut states = HashMap::new();
        states.insert(primary.clone(), initial);
        Elbv2Service {
            states: Mutex::new(states),
            primary,
            snapshot,
            observer: Mutex::new(None),
            vpc_groups: Mutex::new(None),
            certificates: Mutex::new(None),
            network: Mutex::new(None),
        }
    }

    /// Lends EC2's network (see the field).
    pub fn set_network(&self, network: Arc<dyn crate::wiring::NetworkNames>) {
        *self.network.lock().unwrap_or_else(|p| p.into_inner()) = Some(network);
    }

    fn network(&self) -> Option<Arc<dyn crate::wiring::NetworkNames>> {
        self.network
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Places `subnets` as EC2 has them in `region`: each must exist
    /// (`SubnetNotFound`), at most one per zone (the model checks the
    /// count). `None` without EC2 (the model's [`Elbv2::unplaced`]).
    pub fn place_subnets(
        &self,
        region: &str,
        subnets: &[String],
    ) -> Result<Option<Placement>, ElbError> {
        let Some(net) = self.network() else {
            return Ok(None);
        };
        let mut zones: Vec<(String, String)> = Vec::new();
        let mut vpc = String::new();
        for s in subnets {
            let (zone, vpc_id) = net.subnet_placement(region, s).ok_or_else(|| {
                ElbError::SubnetNotFound("The specified subnet does not exist.".into())
            })?;
            if zones.iter().any(|(_, z)| *z == zone) {
                return Err(ElbError::InvalidConfigurationRequest(
                    "A load balancer cannot be attached to multiple subnets in the same Availability Zone".into(),
                ));
            }
            vpc = vpc_id;
            zones.push((s.clone(), zone));
        }
        Ok(Some(Placement {
            zones,
            vpc_id: Some(vpc),
        }))
    }

    /// Refuses security groups EC2 does not have in `region`
    /// (`InvalidSecurityGroup`); without EC2 every group passes.
    pub fn check_groups(&self, region: &str, groups: &[String]) -> Result<(), ElbError> {
        match self.network().and_then(|n| n.missing_group(region, groups)) {
            Some(g) => Err(ElbError::InvalidSecurityGroup(format!(
                "The specified security group '{g}' does not exist."
            ))),
            None => Ok(()),
        }
    }

    /// Lends ACM (see the field).
    pub fn set_certificates(&self, store: Arc<dyn crate::wiring::CertificateStore>) {
        *self.certificates.lock().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    /// ACM, when lent.
    pub fn certificates(&self) -> Option<Arc<dyn crate::wiring::CertificateStore>> {
        self.certificates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Refuses a certificate ARN ACM does not have (`CertificateNotFound`,
    /// as AWS does). IAM server certificates pass unchecked (emul has no
    /// IAM), and so do the ARNs emul gives a topology's own HTTPS
    /// listeners (`certificate/emul-…`, `model::build`).
    pub fn check_certificates(
        &self,
        account: &str,
        region: &str,
        arns: &[String],
    ) -> Result<(), ElbError> {
        let Some(store) = self.certificates() else {
            return Ok(());
        };
        for arn in arns {
            let iam = arn.split(':').nth(2) == Some("iam");
            let local = super::model::build::is_local_certificate_arn(arn);
            if !iam && !local && !store.has(account, region, arn) {
                return Err(ElbError::CertificateNotFound(arn.clone()));
            }
        }
        Ok(())
    }

    /// Sets the function told of every published data-plane model.
    pub fn set_observer(&self, observer: Observer) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    /// Lends the running VPC's groups (see the field).
    pub fn set_vpc_groups(&self, groups: Arc<dyn crate::wiring::VpcGroups>) {
        *self.vpc_groups.lock().unwrap_or_else(|p| p.into_inner()) = Some(groups);
    }

    /// The running VPC's groups, when lent.
    pub fn vpc_groups(&self) -> Option<Arc<dyn crate::wiring::VpcGroups>> {
        self.vpc_groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether `account`/`region` is the data plane's.
    pub fn is_primary(&self, account: &str, region: &str) -> bool {
        self.primary.0 == account && self.primary.1 == region
    }

    /// Removes the observer (the data plane stopped).
    pub fn clear_observer(&self) {
        self.observer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// An empty service (`emul serve` without a topology).
    pub fn empty(account: &str, region: &str) -> Self {
        Self::new(Elbv2::new(account, region))
    }

    /// The current data-plane model (lock-free).
    pub fn snapshot(&self) -> Arc<Elbv2> {
        self.snapshot.load_full()
    }

    /// Reads the model of `account`/`region`.
    pub fn read<T>(&self, account: &str, region: &str, f: impl FnOnce(&Elbv2) -> T) -> T {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let key = (account.to_string(), region.to_string());
        let m = states
            .entry(key)
            .or_insert_with(|| Elbv2::new(account, region));
        f(m)
    }

    /// Applies `f` to a copy of the model; on success the copy replaces it
    /// (and is published if it is the data plane's). Failure leaves it as is.
    pub fn write<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Elbv2) -> Result<T, ElbError>,
    ) -> Result<T, ElbError> {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let key = (account.to_string(), region.to_string());
        let m = states
            .entry(key.clone())
            .or_insert_with(|| Elbv2::new(account, region));
        let mut next = m.clone();
        let out = f(&mut next)?;
        if next != *m {
            if key == self.primary {
                let published = Arc::new(next.clone());
                self.snapshot.store(published.clone());
                if let Some(observe) = &*self.observer.lock().unwrap_or_else(|p| p.into_inner()) {
                    observe(&published);
                }
            }
            *m = next;
        }
        Ok(out)
    }

    /// Writes to the data plane's model (health checker, target registry).
    pub fn write_primary<T>(
        &self,
        f: impl FnOnce(&mut Elbv2) -> Result<T, ElbError>,
    ) -> Result<T, ElbError> {
        let (a, r) = self.primary.clone();
        self.write(&a, &r, f)
    }
}

impl crate::wiring::CertificateUsers for Elbv2Service {
    fn users(&self, account: &str, region: &str, arn: &str) -> Vec<String> {
        self.read(account, region, |m| {
            let mut out: Vec<String> = m
                .listeners
                .values()
                .filter(|l| {
                    l.certificate_arns.iter().any(|a| a == arn)
                        || l.sni_certificate_arns.iter().any(|a| a == arn)
                })
                .map(|l| l.load_balancer_arn.clone())
                .collect();
            out.sort();
            out.dedup();
            out
        })
    }
}

impl AwsService for Elbv2Service {
    fn name(&self) -> &'static str {
        "elasticloadbalancing"
    }

    fn signing_name(&self) -> &'static str {
        "elasticloadbalancing"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsQuery {
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
            return Err(AwsError::serialization("ELBv2 speaks the query protocol"));
        };
        ops::dispatch(self, ctx, operation, &params).map(Output::QueryXml)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        operation.starts_with("Describe")
    }
}
