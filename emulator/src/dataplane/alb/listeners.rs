//! The bound listeners, kept equal to the model's: [`ListenerSet::reconcile`]
//! runs on every published ELBv2 change (the service's observer, under its
//! write lock, so an API call returns only once its listeners are bound) and
//! binds a listener that appeared, re-binds one whose port, protocol or
//! certificate domains changed (TLS on or off, a new host port), and closes
//! one that is gone; [`ListenerSet::reconcile`] also runs when ACM's
//! certificates change, so a re-imported certificate is served at once.
//! Connections already accepted keep running.
//!
//! Host ports: `(ALB name, port)` in [`AlbOptions::host_ports`], else the
//! listener's own `host_port` (topology; cleared when the API moves the
//! listener), else the project rule `default_host_port(index, port)` for
//! ALBs in [`AlbOptions::alb_order`], else an ephemeral port.
//!
//! Each listener accepts on `127.0.0.1:<port>` and, when the host has IPv6
//! loopback, on `[::1]:<same port>` too, so IPv6 clients reach it and
//! `source-ip` conditions with IPv6 CIDRs can match (as on a dualstack ALB).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::connector::{AlbConnector, CONNECT_TIMEOUT};
use super::metrics::AlbMetrics;
use super::proxy::Proxy;
use super::select::Selector;
use super::{AlbOptions, ListenerEndpoint, serve, tls};
use crate::runtime::agent::BrokerClient;
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::{Elbv2, Listener, LoadBalancer};

/// `(ALB name, listener port) → admitted`: whether the ALB's security
/// groups let the internet reach that port.
pub type Admits = Box<dyn Fn(&str, u16) -> bool + Send + Sync>;

/// What a bound socket depends on; a change means re-binding.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BindSpec {
    /// The loopback port wanted (0 = ephemeral).
    host_port: u16,
    /// The listener's port inside the VPC.
    port: u16,
    /// `HTTP` or `HTTPS`.
    protocol: String,
    /// Names the local CA issues certificates for (topology).
    certificate_domains: Vec<String>,
    /// The listener's ACM certificates (default and SNI), as ACM has them
    /// now: a re-import or a new SNI certificate re-binds.
    certificates: Vec<crate::wiring::ServedCertificate>,
    /// The listener's default certificate ARN.
    default_certificate: Option<String>,
}

/// One bound listener.
struct Bound {
    /// What it was bound for.
    spec: BindSpec,
    /// Where it listens.
    endpoint: ListenerEndpoint,
    /// Its accept loop.
    task: JoinHandle<()>,
    /// A second handle on the listening socket. Aborting the accept loop
    /// drops its socket only when the runtime next polls the task, so a
    /// connection could still be accepted (and a re-bind to the same port
    /// refused) after the API call returned; shutting the socket down
    /// through this handle stops it listening synchronously.
    socket: std::net::TcpListener,
    /// The `[::1]` twin (accept loop and socket handle), when the host has
    /// IPv6 loopback and the port was free there: IPv6 clients come in here.
    v6: Option<(JoinHandle<()>, std::net::TcpListener)>,
}

impl Drop for Bound {
    fn drop(&mut self) {
        let _ = socket2::SockRef::from(&self.socket).shutdown(std::net::Shutdown::Both);
        self.task.abort();
        if let Some((task, socket)) = &self.v6 {
            let _ = socket2::SockRef::from(socket).shutdown(std::net::Shutdown::Both);
            task.abort();
        }
    }
}

/// Everything needed to bind listeners at any time.
pub struct ListenerSet {
    /// The ELBv2 service the proxies read.
    elbv2: Arc<Elbv2Service>,
    /// Shared target counters.
    selector: Arc<Selector>,
    /// Request counters for CloudWatch, shared by every proxy.
    metrics: Arc<AlbMetrics>,
    /// ALB name → its ENI agent's socket broker.
    brokers: HashMap<String, BrokerClient>,
    /// Fixed host ports.
    host_ports: HashMap<(String, u16), u16>,
    /// ALB name → index in the topology (project port rule).
    alb_index: HashMap<String, usize>,
    /// Whether the ALB's security groups admit the internet on a port
    /// (a listener that is not admitted refuses connections).
    admits: Admits,
    /// Where the local CA lives.
    ca_dir: PathBuf,
    /// The address listeners bind ([`AlbOptions::listen_address`]).
    listen_address: Ipv4Addr,
    /// The runtime accept loops are spawned on (reconcile may run on any thread).
    runtime: Handle,
    /// Mutable part: the CA once loaded, clients per ALB, bound listeners.
    state: Mutex<SetState>,
}

/// The mutable part of a [`ListenerSet`].
#[derive(Default)]
struct SetState {
    /// The local CA, loaded on the first HTTPS listener.
    ca: Option<tls::LocalCa>,
    /// Load balancer ARN → its pooled upstream client.
    clients: HashMap<String, Client<AlbConnector, hyper::body::Incoming>>,
    /// Listener ARN → bound socket.
    bound: HashMap<String, Bound>,
}

impl ListenerSet {
    /// A set with nothing bound yet; call [`Self::reconcile`].
    pub fn new(
        elbv2: Arc<Elbv2Service>,
        selector: Arc<Selector>,
        metrics: Arc<AlbMetrics>,
        options: AlbOptions,
        admits: Admits,
    ) -> ListenerSet {
        ListenerSet {
            elbv2,
            selector,
            metrics,
            brokers: options.brokers,
            host_ports: options.host_ports,
            alb_index: options
                .alb_order
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, i))
                .collect(),
            admits,
            ca_dir: options.ca_dir,
            listen_address: options.listen_address,
            runtime: Handle::current(),
            state: Mutex::new(SetState::default()),
        }
    }

    /// The connector of a load balancer (its ENI, or the host).
    pub fn connector(&self, lb_name: &str) -> AlbConnector {
        AlbConnector {
            broker: self.brokers.get(lb_name).cloned(),
            timeout: CONNECT_TIMEOUT,
        }
    }

    /// Every bound listener now.
    pub fn endpoints(&self) -> Vec<ListenerEndpoint> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = state.bound.values().map(|b| b.endpoint.clone()).collect();
        out.sort_by(|a, b| (&a.load_balancer, a.port).cmp(&(&b.load_balancer, b.port)));
        out
    }

    /// The local CA's certificate file, once an HTTPS listener created it.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.ca.as_ref().map(|c| c.cert_path())
    }

    fn host_port(&self, lb: &LoadBalancer, l: &Listener) -> u16 {
        self.host_ports
            .get(&(lb.name.clone(), l.port))
            .copied()
            .or(l.host_port)
            .or_else(|| {
                self.alb_index
                    .get(&lb.name)
                    .map(|i| crate::project::default_host_port(*i, l.port))
            })
            .unwrap_or(0)
    }

    /// What ACM has for an HTTPS listener's certificates (default first,
    /// then the SNI list); nothing for HTTP or without ACM.
    fn served_certificates(
        &self,
        model: &Elbv2,
        l: &Listener,
    ) -> Vec<crate::wiring::ServedCertificate> {
        let Some(store) = self.elbv2.certificates().filter(|_| l.protocol == "HTTPS") else {
            return Vec::new();
        };
        l.certificate_arns
            .iter()
            .chain(&l.sni_certificate_arns)
            .filter_map(|arn| store.served(&model.account, &model.region, arn))
            .collect()
    }

    /// Makes the bound listeners match `model`; returns what failed to bind
    /// (the listener stays unbound, the rest is done).
    pub fn reconcile(&self, model: &Elbv2) -> Vec<std::io::Error> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .bound
            .retain(|arn, _| model.listeners.contains_key(arn));
        let mut errors = Vec::new();
        for l in model.listeners.values() {
            let Some(lb) = model.load_balancers.get(&l.load_balancer_arn) else {
                continue;
            };
            let spec = BindSpec {
                host_port: self.host_port(lb, l),
                port: l.port,
                protocol: l.protocol.clone(),
                certificate_domains: l.certificate_domains.clone(),
                certificates: self.served_certificates(model, l),
                default_certificate: l.certificate_arns.first().cloned(),
            };
            if state.bound.get(&l.arn).is_some_and(|b| b.spec == spec) {
                continue;
            }
            // Close the old socket first: the new one may want its port.
            state.bound.remove(&l.arn);
            match self.bind(&mut state, lb, l, spec) {
                Ok(b) => {
                    tracing::info!(
                        listener = %l.arn, url = %b.endpoint.url, "alb: listener bound"
                    );
                    state.bound.insert(l.arn.clone(), b);
                }
                Err(e) => {
                    tracing::warn!(listener = %l.arn, error = %e, "alb: cannot bind listener");
                    errors.push(e);
                }
            }
        }
        errors
    }

    fn bind(
        &self,
        state: &mut SetState,
        lb: &LoadBalancer,
        l: &Listener,
        spec: BindSpec,
    ) -> std::io::Result<Bound> {
        let acceptor = if spec.protocol == "HTTPS" {
            if state.ca.is_none() {
                state.ca = Some(
                    tls::LocalCa::load_or_create(&self.ca_dir).map_err(std::io::Error::other)?,
                );
            }
            let ca = state.ca.as_ref().expect("just loaded");
            let config = tls::server_config(
                ca,
                &spec.certificate_domains,
                &spec.certificates,
                spec.default_certificate.as_deref(),
            )
            .map_err(std::io::Error::other)?;
            Some(tokio_rustls::TlsAcceptor::from(config))
        } else {
            None
        };
        let std_listener = std::net::TcpListener::bind((self.listen_address, spec.host_port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let socket = std_listener.try_clone()?;
        let listener = {
            let _enter = self.runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let client = state
            .clients
            .entry(lb.arn.clone())
            .or_insert_with(|| {
                Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(std::time::Duration::from_secs(55))
                    .pool_max_idle_per_host(64)
                    .pool_timer(TokioTimer::new())
                    .build(self.connector(&lb.name))
            })
            .clone();
        let admitted = (self.admits)(&lb.name, l.port);
        let proxy = Arc::new(Proxy {
            elbv2: self.elbv2.clone(),
            listener_arn: l.arn.clone(),
            selector: self.selector.clone(),
            client,
            view: Default::default(),
            metrics: self.metrics.clone(),
        });
        // Best effort: a host without IPv6 (or with [::1]:port taken) still
        // serves IPv4 clients.
        let v6 = match self.bind_v6(addr.port()) {
            Ok((socket, listener)) => Some((
                self.runtime.spawn(serve::accept_loop(
                    listener,
                    proxy.clone(),
                    admitted,
                    acceptor.clone(),
                )),
                socket,
            )),
            Err(e) => {
                tracing::debug!(port = addr.port(), error = %e, "alb: no [::1] listener");
                None
            }
        };
        let task = self
            .runtime
            .spawn(serve::accept_loop(listener, proxy, admitted, acceptor));
        Ok(Bound {
            endpoint: ListenerEndpoint {
                load_balancer: lb.name.clone(),
                listener_arn: l.arn.clone(),
                port: l.port,
                protocol: l.protocol.clone(),
                addr,
                // What a client on the host dials: loopback, where emul
                // binds on the host and where a container's port is published.
                url: format!(
                    "{}://{}:{}",
                    l.protocol.to_ascii_lowercase(),
                    Ipv4Addr::LOCALHOST,
                    addr.port()
                ),
                admitted,
            },
            spec,
            task,
            socket,
            v6,
        })
    }

    /// Binds `[::1]:port` (IPv6 only): the socket handle and its tokio twin.
    fn bind_v6(
        &self,
        port: u16,
    ) -> std::io::Result<(std::net::TcpListener, tokio::net::TcpListener)> {
        let socket = socket2::Socket::new(
            socket2::Domain::IPV6,
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )?;
        socket.set_only_v6(true)?;
        socket.set_reuse_address(true)?;
        socket.bind(&std::net::SocketAddr::from((Ipv6Addr::LOCALHOST, port)).into())?;
        socket.listen(1024)?;
        socket.set_nonblocking(true)?;
        let std_listener: std::net::TcpListener = socket.into();
        let handle = std_listener.try_clone()?;
        let _enter = self.runtime.enter();
        Ok((handle, tokio::net::TcpListener::from_std(std_listener)?))
    }
}
