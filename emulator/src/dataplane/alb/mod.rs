//! The Application Load Balancer data plane, inside the emul process.
//!
//! | file | what it owns |
//! |---|---|
//! | [`listeners`] | the bound listeners, re-bound at once when the API creates, moves, switches (HTTP↔HTTPS) or deletes one |
//! | [`serve`] | one listener's accept loop: TLS, the front door, hyper |
//! | [`front`] | the front door: holds each HTTP/1 request head until judged, before hyper; 408 on a stalled head; idle close |
//! | [`request_limits`] | AWS's limits on a request head and the verdict on its bytes (400/414/501/505), pure functions |
//! | [`proxy`] | one request in named phases (match rule → pick target → rewrite request → forward → rewrite response → log), [`proxy::ProxyError`] → 502/503/504 |
//! | [`pick`] | phase 3: target group and target for a request, the stickiness cookies its response carries |
//! | [`rewrite`] | phases 4 and 6: hop-by-hop stripping, `X-Forwarded-*`, `X-Amzn-Trace-Id`, cookies on the response |
//! | [`select`] | round robin, least outstanding requests, weighted random, slow start, `AWSALB`/`AWSALBTG` cookies |
//! | [`responses`] | ALB-generated pages (`Server: awselb/2.0`, AWS's bodies and status lines) |
//! | [`connector`] | upstream TCP (or TLS for HTTPS target groups) from the ALB ENI's address, through its agent's socket broker (or from the host in tests without Docker) |
//! | [`health`] | the health checker and the end of deregistration delays |
//! | [`metrics`] | `AWS/ApplicationELB` request counts, 5xx, response time, host counts for CloudWatch |
//! | [`registry`] | [`crate::wiring::TargetRegistry`] for ECS |
//!
//! # Entry point
//!
//! The project daemon calls [`AlbRuntime::start`] once:
//!
//! ```text
//! let opts = AlbOptions { brokers: brokers_by_alb_name, host_ports, alb_order, ..AlbOptions::default() };
//! let alb = AlbRuntime::start(&topology, opts, now_ms).await?;
//! registry.register(alb.elbv2.clone());      // the ELBv2 API on the gateway
//! ecs_deps.targets = alb.targets.clone();    // Arc<dyn TargetRegistry> for the scheduler
//! for l in alb.endpoints() { println!("{} {}", l.load_balancer, l.url); }
//! ```
//!
//! - [`AlbOptions::brokers`]: the socket broker of each ALB ENI's agent,
//!   which opens upstream connections from the ENI's address. An ALB
//!   without one connects from the host (for tests without Docker).
//! - [`AlbOptions::host_ports`]: `(alb name, listener port) → loopback port`,
//!   overriding the topology's `host_port`; neither → the project rule for
//!   ALBs in [`AlbOptions::alb_order`], else an ephemeral port.
//! - [`AlbOptions::ca_dir`]: where the local CA lives ([`tls::default_ca_dir`]);
//!   created on first use by an HTTPS listener. `ca.pem` there is the file to
//!   trust ([`AlbRuntime::ca_cert_path`]).
//!
//! Listeners bind `127.0.0.1`. A listener whose ALB security groups don't
//! admit `0.0.0.0/0` on its port ([`admits_internet`]) accepts and
//! immediately closes every connection, as a refused connection would.
//! Every change through the ELBv2 API reaches the next request: the proxy
//! reads the service's `arc-swap` snapshot, never a lock; listener changes
//! are applied by the service's observer before the API call returns.
//!
//! HTTPS listeners terminate TLS with certificates from the local CA
//! ([`tls`]), one per `certificate_domains` entry chosen by SNI, HTTP/2 or
//! HTTP/1.1 by ALPN. Target groups with protocol HTTPS are reached over TLS
//! (target certificates are not verified, as ALB does not), health checks
//! included.
//!
//! [`admits_internet`]: crate::services::elbv2::model::build::admits_internet

pub mod connector;
pub mod front;
pub mod health;
pub mod listeners;
pub mod metrics;
pub mod pick;
pub mod proxy;
pub mod registry;
pub mod request_limits;
pub mod responses;
pub mod rewrite;
pub mod select;
pub mod serve;
pub mod tls;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::runtime::agent::BrokerClient;
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::{Elbv2, build};
use crate::topology::Topology;
use crate::wiring::TargetRegistry;
use connector::{AlbConnector, CONNECT_TIMEOUT};
use listeners::{Admits, ListenerSet};
use select::Selector;

/// One bound listener.
#[derive(Debug, Clone)]
pub struct ListenerEndpoint {
    /// The load balancer's name.
    pub load_balancer: String,
    /// The listener's ARN.
    pub listener_arn: String,
    /// The listener's port inside the VPC.
    pub port: u16,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// Where it listens on the host.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `false` when the ALB's security groups refuse the internet.
    pub admitted: bool,
}

/// How the ALB is started (see the module docs).
#[derive(Debug, Clone)]
pub struct AlbOptions {
    /// ALB name → its ENI agent's socket broker; absent → host mode.
    pub brokers: HashMap<String, BrokerClient>,
    /// (ALB name, listener port) → loopback port.
    pub host_ports: HashMap<(String, u16), u16>,
    /// ALB names in topology order: a listener of one of them without a
    /// fixed host port (one created or moved through the API) gets the
    /// project's `default_host_port(index, port)`; empty → ephemeral ports.
    pub alb_order: Vec<String>,
    /// The local CA's directory.
    pub ca_dir: PathBuf,
    /// Where listeners bind: loopback, or every address when emul runs in
    /// a container whose ports are published (`runtime::placement`).
    pub listen_address: std::net::Ipv4Addr,
}

impl Default for AlbOptions {
    fn default() -> Self {
        AlbOptions {
            brokers: HashMap::new(),
            host_ports: HashMap::new(),
            alb_order: Vec::new(),
            ca_dir: tls::default_ca_dir(),
            listen_address: std::net::Ipv4Addr::LOCALHOST,
        }
    }
}

/// A running ALB data plane; dropping it stops listeners and health checks.
pub struct AlbRuntime {
    /// The ELBv2 API (register it with the gateway).
    pub elbv2: Arc<Elbv2Service>,
    /// The target registry ECS uses.
    pub targets: Arc<dyn TargetRegistry>,
    /// The listeners bound at start (see [`AlbRuntime::endpoints`] for now).
    pub listeners: Vec<ListenerEndpoint>,
    /// The local CA certificate to trust for HTTPS listeners, if one
    /// existed at start (see [`AlbRuntime::ca_cert_path`] for now).
    pub ca_cert_path: Option<PathBuf>,
    /// The request counters (`AWS/ApplicationELB` metrics); see
    /// [`AlbRuntime::publish_metrics`].
    pub metrics: Arc<metrics::AlbMetrics>,
    /// The bound listeners, kept equal to the model's.
    set: Arc<ListenerSet>,
    /// The health checker.
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for AlbRuntime {
    fn drop(&mut self) {
        self.elbv2.clear_observer();
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl AlbRuntime {
    /// Starts every listener of the topology's ALBs and the health checker.
    pub async fn start(
        topology: &Topology,
        options: AlbOptions,
        now_ms: i64,
    ) -> std::io::Result<AlbRuntime> {
        let model = build::from_topology(topology, now_ms);
        let topo = topology.clone();
        let admits: Admits = Box::new(move |alb: &str, port: u16| {
            topo.load_balancers
                .iter()
                .find(|lb| lb.name.value == alb)
                .is_none_or(|lb| build::admits_internet(&topo, lb, port))
        });
        Self::start_with(model, options, admits).await
    }

    /// Starts from an already-built model (tests). `refused`: (ALB name,
    /// listener port) pairs whose listener refuses connections.
    pub async fn start_model(
        model: Elbv2,
        options: AlbOptions,
        refused: HashSet<(String, u16)>,
    ) -> std::io::Result<AlbRuntime> {
        let admits: Admits =
            Box::new(move |alb: &str, port: u16| !refused.contains(&(alb.to_string(), port)));
        Self::start_with(model, options, admits).await
    }

    async fn start_with(
        model: Elbv2,
        options: AlbOptions,
        admits: Admits,
    ) -> std::io::Result<AlbRuntime> {
        let elbv2 = Arc::new(Elbv2Service::new(model.clone()));
        let selector = Arc::new(Selector::default());
        let connectors: HashMap<String, AlbConnector> = model
            .load_balancers
            .values()
            .map(|lb| {
                let c = AlbConnector {
                    broker: options.brokers.get(&lb.name).cloned(),
                    timeout: CONNECT_TIMEOUT,
                };
                (lb.arn.clone(), c)
            })
            .collect();
        let metrics = Arc::new(metrics::AlbMetrics::default());
        let set = Arc::new(ListenerSet::new(
            elbv2.clone(),
            selector,
            metrics.clone(),
            options,
            admits,
        ));
        if let Some(e) = set.reconcile(&model).into_iter().next() {
            return Err(e);
        }
        let observer = set.clone();
        elbv2.set_observer(Box::new(move |m: &Elbv2| {
            observer.reconcile(m);
        }));
        let fallback = AlbConnector {
            broker: None,
            timeout: CONNECT_TIMEOUT,
        };
        let tasks = vec![tokio::spawn(health::run(
            elbv2.clone(),
            connectors,
            fallback,
        ))];
        let targets: Arc<dyn TargetRegistry> = Arc::new(registry::AlbTargetRegistry {
            elbv2: elbv2.clone(),
        });
        Ok(AlbRuntime {
            elbv2,
            targets,
            listeners: set.endpoints(),
            ca_cert_path: set.ca_cert_path(),
            metrics,
            set,
            tasks,
        })
    }

    /// Publishes the load balancers' metrics to `sink` every `every` (as
    /// `account` in `region`) for as long as the data plane runs.
    pub fn publish_metrics(
        &mut self,
        sink: Arc<dyn crate::wiring::MetricSink>,
        account: &str,
        region: &str,
        every: std::time::Duration,
    ) {
        self.tasks.push(tokio::spawn(metrics::publish(
            self.metrics.clone(),
            self.elbv2.clone(),
            sink,
            (account.to_string(), region.to_string()),
            every,
        )));
    }

    /// Every listener bound now (listeners follow the API at once).
    pub fn endpoints(&self) -> Vec<ListenerEndpoint> {
        self.set.endpoints()
    }

    /// The endpoint of `alb`'s listener on `port`, now.
    pub fn listener(&self, alb: &str, port: u16) -> Option<ListenerEndpoint> {
        self.endpoints()
            .into_iter()
            .find(|l| l.load_balancer == alb && l.port == port)
    }

    /// The local CA certificate to trust, once an HTTPS listener created it.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        self.set.ca_cert_path()
    }

    /// Serves ACM's certificates on HTTPS listeners: ELBv2 checks
    /// certificate ARNs against `acm`, listeners present what it holds, and
    /// a change in ACM (a re-import) re-binds the listeners it touches
    /// before the ACM call returns.
    pub fn attach_certificates(&self, acm: &Arc<crate::services::acm::Acm>) {
        acm.pair_with(&self.elbv2);
        let set = self.set.clone();
        let elbv2 = self.elbv2.clone();
        acm.set_observer(Box::new(move || {
            set.reconcile(&elbv2.snapshot());
        }));
    }
}
