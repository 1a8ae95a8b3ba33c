//! The Application Load Balancer data plane, inside the emul process.
//!
//! | file | what it owns |
//! |---|---|
//! | [`proxy`] | one request in named phases (match rule → pick target → rewrite request → forward → rewrite response → log), [`proxy::ProxyError`] → 502/503/504 |
//! | [`select`] | round robin, least outstanding requests, weighted random, slow start, `AWSALB`/`AWSALBTG` cookies |
//! | [`responses`] | ALB-generated pages (`Server: awselb/2.0`, AWS's bodies and status lines) |
//! | [`connector`] | upstream TCP from the ALB ENI's network namespace (or the host in NetNs-less tests) |
//! | [`health`] | the health checker and the end of deregistration delays |
//! | [`registry`] | [`crate::wiring::TargetRegistry`] for ECS |
//!
//! # Entry point
//!
//! The project daemon calls [`AlbRuntime::start`] once:
//!
//! ```text
//! let opts = AlbOptions { netns: netns_by_alb_name, host_ports, ..AlbOptions::default() };
//! let alb = AlbRuntime::start(&topology, opts, now_ms).await?;
//! registry.register(alb.elbv2.clone());      // the ELBv2 API on the gateway
//! ecs_deps.targets = alb.targets.clone();    // Arc<dyn TargetRegistry> for the scheduler
//! for l in &alb.listeners { println!("{} {}", l.load_balancer, l.url); }
//! ```
//!
//! - [`AlbOptions::netns`]: the network namespace of each ALB's ENI (its
//!   pause container). An ALB without one connects from the host (NetNs-less
//!   mode, for tests without Docker).
//! - [`AlbOptions::host_ports`]: `(alb name, listener port) → loopback port`,
//!   overriding the topology's `host_port`; neither → an ephemeral port.
//! - [`AlbOptions::ca_dir`]: where the local CA lives ([`tls::default_ca_dir`]);
//!   created on first use by an HTTPS listener. `ca.pem` there is the file to
//!   trust (`alb.ca_cert_path`).
//!
//! Listeners bind `127.0.0.1`. A listener whose ALB security groups don't
//! admit `0.0.0.0/0` on its port ([`admits_internet`]) accepts and
//! immediately closes every connection, as a refused connection would.
//! Every change through the ELBv2 API reaches the next request: the proxy
//! reads the service's `arc-swap` snapshot, never a lock.
//!
//! HTTPS listeners terminate TLS with certificates from the local CA
//! ([`tls`]), one per `certificate_domains` entry chosen by SNI, HTTP/2 or
//! HTTP/1.1 by ALPN. Not implemented yet: HTTPS toward targets.
//!
//! [`admits_internet`]: crate::services::elbv2::model::build::admits_internet

pub mod connector;
pub mod health;
pub mod proxy;
pub mod registry;
pub mod responses;
pub mod select;
pub mod tls;

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::runtime::netns::NetNs;
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::{Elbv2, build};
use crate::topology::Topology;
use crate::wiring::TargetRegistry;
use connector::{AlbConnector, CONNECT_TIMEOUT};
use proxy::Proxy;
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
    /// ALB name → its ENI's namespace; absent → host mode.
    pub netns: HashMap<String, NetNs>,
    /// (ALB name, listener port) → loopback port.
    pub host_ports: HashMap<(String, u16), u16>,
    /// The local CA's directory.
    pub ca_dir: PathBuf,
}

impl Default for AlbOptions {
    fn default() -> Self {
        AlbOptions {
            netns: HashMap::new(),
            host_ports: HashMap::new(),
            ca_dir: tls::default_ca_dir(),
        }
    }
}

/// A running ALB data plane; dropping it stops listeners and health checks.
pub struct AlbRuntime {
    /// The ELBv2 API (register it with the gateway).
    pub elbv2: Arc<Elbv2Service>,
    /// The target registry ECS uses.
    pub targets: Arc<dyn TargetRegistry>,
    /// The bound listeners.
    pub listeners: Vec<ListenerEndpoint>,
    /// The local CA certificate to trust for HTTPS listeners, once created.
    pub ca_cert_path: Option<PathBuf>,
    /// Accept loops and the health checker.
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for AlbRuntime {
    fn drop(&mut self) {
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
        let mut refused = HashSet::new();
        for lb in &topology.load_balancers {
            for l in &lb.listeners {
                if !build::admits_internet(topology, lb, *l.port) {
                    refused.insert((lb.name.value.clone(), *l.port));
                }
            }
        }
        Self::start_model(model, options, refused).await
    }

    /// Starts from an already-built model (tests). `refused`: (ALB name,
    /// listener port) pairs whose listener refuses connections.
    pub async fn start_model(
        model: Elbv2,
        options: AlbOptions,
        refused: HashSet<(String, u16)>,
    ) -> std::io::Result<AlbRuntime> {
        let AlbOptions {
            netns,
            host_ports,
            ca_dir,
        } = options;
        let mut ca: Option<tls::LocalCa> = None;
        let elbv2 = Arc::new(Elbv2Service::new(model.clone()));
        let selector = Arc::new(Selector::default());
        let mut connectors = HashMap::new();
        let mut tasks = Vec::new();
        let mut listeners = Vec::new();
        for lb in model.load_balancers.values() {
            let connector = AlbConnector {
                netns: netns.get(&lb.name).cloned(),
                timeout: CONNECT_TIMEOUT,
            };
            connectors.insert(lb.arn.clone(), connector.clone());
            let client: Client<AlbConnector, hyper::body::Incoming> =
                Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(std::time::Duration::from_secs(55))
                    .pool_max_idle_per_host(64)
                    .pool_timer(TokioTimer::new())
                    .build(connector);
            for l in model
                .listeners
                .values()
                .filter(|l| l.load_balancer_arn == lb.arn)
            {
                let acceptor = if l.protocol == "HTTPS" {
                    if ca.is_none() {
                        ca = Some(
                            tls::LocalCa::load_or_create(&ca_dir).map_err(std::io::Error::other)?,
                        );
                    }
                    let local_ca = ca.as_ref().expect("just created");
                    let config = tls::server_config(local_ca, &l.certificate_domains)
                        .map_err(std::io::Error::other)?;
                    Some(tokio_rustls::TlsAcceptor::from(config))
                } else {
                    None
                };
                let host_port = host_ports
                    .get(&(lb.name.clone(), l.port))
                    .copied()
                    .or(l.host_port)
                    .unwrap_or(0);
                let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, host_port)).await?;
                let addr = listener.local_addr()?;
                let admitted = !refused.contains(&(lb.name.clone(), l.port));
                listeners.push(ListenerEndpoint {
                    load_balancer: lb.name.clone(),
                    listener_arn: l.arn.clone(),
                    port: l.port,
                    protocol: l.protocol.clone(),
                    addr,
                    url: format!("{}://{addr}", l.protocol.to_ascii_lowercase()),
                    admitted,
                });
                let proxy = Arc::new(Proxy {
                    elbv2: elbv2.clone(),
                    listener_arn: l.arn.clone(),
                    selector: selector.clone(),
                    client: client.clone(),
                });
                tasks.push(tokio::spawn(accept_loop(
                    listener, proxy, admitted, acceptor,
                )));
            }
        }
        let fallback = AlbConnector {
            netns: None,
            timeout: CONNECT_TIMEOUT,
        };
        tasks.push(tokio::spawn(health::run(
            elbv2.clone(),
            connectors,
            fallback,
        )));
        let targets: Arc<dyn TargetRegistry> = Arc::new(registry::AlbTargetRegistry {
            elbv2: elbv2.clone(),
        });
        let ca_cert_path = ca.map(|c| c.cert_path());
        Ok(AlbRuntime {
            elbv2,
            targets,
            listeners,
            ca_cert_path,
            tasks,
        })
    }

    /// The endpoint of `alb`'s listener on `port`.
    pub fn listener(&self, alb: &str, port: u16) -> Option<&ListenerEndpoint> {
        self.listeners
            .iter()
            .find(|l| l.load_balancer == alb && l.port == port)
    }
}

async fn accept_loop(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    admitted: bool,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        if !admitted {
            // Security groups refuse the internet: behave like a refusal.
            let _ = stream.set_zero_linger();
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let proxy = proxy.clone();
        let builder = builder.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let proxy = proxy.clone();
                async move { Ok::<_, std::convert::Infallible>(proxy.handle(req, peer).await) }
            });
            match tls {
                None => {
                    let _ = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                        .await;
                }
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(stream),
                    );
                    if let Ok(Ok(tls_stream)) = handshake.await {
                        let _ = builder
                            .serve_connection_with_upgrades(TokioIo::new(tls_stream), svc)
                            .await;
                    }
                }
            }
        });
    }
}
