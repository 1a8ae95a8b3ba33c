//! Helpers for the ALB loopback tests: in-process upstream HTTP servers that
//! report who they are, a small HTTP client, and a topology to route with.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use emul::dataplane::alb::{AlbOptions, AlbRuntime};
use emul::gateway::AwsService;
use emul::gateway::query::QueryParams;
use emul::gateway::registry::{Input, Output, RequestContext};
use emul::services::elbv2::service::now_ms;

/// An upstream HTTP server standing in for a task.
pub struct Upstream {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `/health` answers 200 while true, 503 otherwise.
    pub healthy: Arc<AtomicBool>,
    /// Requests served (health checks excluded).
    pub hits: Arc<AtomicUsize>,
    /// The accept loop; aborting it stops new connections.
    pub task: tokio::task::JoinHandle<()>,
    /// The CA directory of a TLS upstream (kept until the upstream goes).
    _tls_dir: Option<tempfile::TempDir>,
}

impl Upstream {
    /// Starts a server answering every path with its `name` and echoing the
    /// forwarding headers it saw as `x-seen-*`.
    pub async fn start(name: &'static str) -> Upstream {
        Self::serve(name, None).await
    }

    /// Like [`Upstream::start`] but speaking only TLS (a certificate from a
    /// throwaway CA the ALB knows nothing of), as an HTTPS target does.
    pub async fn start_tls(name: &'static str) -> Upstream {
        let dir = tempfile::tempdir().unwrap();
        let ca = emul::dataplane::alb::tls::LocalCa::load_or_create(dir.path()).unwrap();
        let config =
            emul::dataplane::alb::tls::server_config(&ca, &["target.internal".into()], &[], None)
                .unwrap();
        let mut up = Self::serve(name, Some(tokio_rustls::TlsAcceptor::from(config))).await;
        up._tls_dir = Some(dir);
        up
    }

    async fn serve(name: &'static str, tls: Option<tokio_rustls::TlsAcceptor>) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let healthy = Arc::new(AtomicBool::new(true));
        let hits = Arc::new(AtomicUsize::new(0));
        let (h, n) = (healthy.clone(), hits.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (h, n) = (h.clone(), n.clone());
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                        let (h, n) = (h.clone(), n.clone());
                        async move {
                            if req.uri().path() == "/ws" {
                                // An echo protocol after `101`: stands in for WebSocket.
                                let upgrade = hyper::upgrade::on(&mut req);
                                tokio::spawn(async move {
                                    if let Ok(io) = upgrade.await {
                                        let (mut r, mut w) = tokio::io::split(TokioIo::new(io));
                                        let _ = tokio::io::copy(&mut r, &mut w).await;
                                    }
                                });
                                let mut r = hyper::Response::new(Full::new(Bytes::new()));
                                *r.status_mut() = hyper::StatusCode::SWITCHING_PROTOCOLS;
                                r.headers_mut().insert(
                                    "connection",
                                    http::HeaderValue::from_static("upgrade"),
                                );
                                r.headers_mut()
                                    .insert("upgrade", http::HeaderValue::from_static("echo"));
                                return Ok::<_, std::convert::Infallible>(r);
                            }
                            if req.uri().path() == "/health" {
                                let ua = req
                                    .headers()
                                    .get("user-agent")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or("");
                                assert_eq!(ua, "ELB-HealthChecker/2.0");
                                let ok = h.load(Ordering::SeqCst);
                                let mut r = hyper::Response::new(Full::new(Bytes::from("health")));
                                *r.status_mut() = if ok {
                                    hyper::StatusCode::OK
                                } else {
                                    hyper::StatusCode::SERVICE_UNAVAILABLE
                                };
                                return Ok::<_, std::convert::Infallible>(r);
                            }
                            n.fetch_add(1, Ordering::SeqCst);
                            if req.uri().path() == "/slow" {
                                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                            }
                            let mut r = hyper::Response::new(Full::new(Bytes::from(name)));
                            if req.uri().path() == "/login" {
                                r.headers_mut().insert(
                                    "set-cookie",
                                    http::HeaderValue::from_static("session=s1; Path=/"),
                                );
                            }
                            for (src, dst) in [
                                ("x-forwarded-for", "x-seen-xff"),
                                ("x-forwarded-proto", "x-seen-proto"),
                                ("x-forwarded-port", "x-seen-port"),
                                ("x-amzn-trace-id", "x-seen-trace"),
                                ("host", "x-seen-host"),
                                ("x_custom", "x-seen-underscore"),
                            ] {
                                if let Some(v) = req.headers().get(src) {
                                    r.headers_mut().insert(dst, v.clone());
                                }
                            }
                            Ok(r)
                        }
                    });
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), svc)
                                .with_upgrades()
                                .await;
                        }
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), svc)
                                    .with_upgrades()
                                    .await;
                            }
                        }
                    }
                });
            }
        });
        Upstream {
            addr,
            healthy,
            hits,
            task,
            _tls_dir: None,
        }
    }

    /// `(ip, port)` as a target registration.
    pub fn target(&self) -> (String, Option<u16>) {
        (self.addr.ip().to_string(), Some(self.addr.port()))
    }
}

/// A pooled HTTP/1.1 client.
pub fn client() -> Client<HttpConnector, Empty<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Got {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Whole body as text.
    pub body: String,
}

/// Sends `GET url` with extra headers.
pub async fn get(
    c: &Client<HttpConnector, Empty<Bytes>>,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Got, String> {
    let mut b = hyper::Request::get(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = c
        .request(b.body(Empty::new()).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Got {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The ALB data plane on [`TOPOLOGY`], host mode, ephemeral ports.
pub async fn start() -> AlbRuntime {
    let topology = emul::topology::parse_str(TOPOLOGY).expect("valid topology");
    AlbRuntime::start(&topology, AlbOptions::default(), now_ms())
        .await
        .expect("ALB starts")
}

/// Sets every load balancer's `idle_timeout.timeout_seconds` (the 504 and
/// 408 tests want one of a second, not AWS's default 60).
pub fn set_idle_timeout(alb: &AlbRuntime, secs: u32) {
    alb.elbv2
        .write_primary(|m| {
            for lb in m.load_balancers.values_mut() {
                lb.attributes
                    .insert("idle_timeout.timeout_seconds".into(), secs.to_string());
            }
            Ok(())
        })
        .unwrap();
}

/// The ARN of target group `name`.
pub fn tg_arn(alb: &AlbRuntime, name: &str) -> String {
    alb.elbv2
        .snapshot()
        .target_groups
        .values()
        .find(|t| t.name == name)
        .unwrap()
        .arn
        .clone()
}

/// The ARN of load balancer `name`.
pub fn lb_arn(alb: &AlbRuntime, name: &str) -> String {
    alb.elbv2
        .snapshot()
        .load_balancers
        .values()
        .find(|l| l.name == name)
        .unwrap()
        .arn
        .clone()
}

/// Registers `ups` in target group `tg`.
pub fn register(alb: &AlbRuntime, tg: &str, ups: &[&Upstream]) {
    let arn = tg_arn(alb, tg);
    let targets: Vec<_> = ups.iter().map(|u| u.target()).collect();
    alb.elbv2
        .write_primary(|m| m.register_targets(&arn, &targets, now_ms()))
        .unwrap();
}

/// Calls ELBv2 operation `op` in-process (account 123456789012, us-west-2).
pub fn api(
    alb: &AlbRuntime,
    op: &str,
    params: &[(&str, &str)],
) -> Result<String, emul::gateway::AwsError> {
    let ctx = RequestContext {
        request_id: "test".into(),
        account: "123456789012".into(),
        region: "us-west-2".into(),
    };
    let p = QueryParams::from_pairs(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    match alb.elbv2.handle(&ctx, op, Input::Query(p))? {
        Output::QueryXml(x) => Ok(x),
        Output::Json(_) => unreachable!(),
    }
}

/// The topology the loopback tests route with: `web` (default) and `api`
/// (`/api/*`, host `api.example.com`) groups, a weighted rule, a redirect
/// rule, short health checks and deregistration delays.
pub const TOPOLOGY: &str = r#"
name: albtest
region: us-west-2
account_id: "123456789012"
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: public-a, cidr_block: 10.0.1.0/24, availability_zone: us-west-2a, public: true }
    - { name: public-b, cidr_block: 10.0.2.0/24, availability_zone: us-west-2b, public: true }
security_groups:
  - name: alb-sg
    ingress:
      - { protocol: tcp, port: 80, cidr_blocks: [0.0.0.0/0] }
  - name: closed-sg
    ingress:
      - { protocol: tcp, port: 80, cidr_blocks: [10.0.0.0/16] }
target_groups:
  - name: web
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2 }
    deregistration_delay: 2
  - name: api
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2 }
    deregistration_delay: 2
    stickiness: { type: lb_cookie, cookie_duration: 3600 }
  - name: app
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2 }
    deregistration_delay: 0
    stickiness: { type: app_cookie, cookie_name: session, cookie_duration: 3600 }
  - name: canary
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2 }
    deregistration_delay: 0
load_balancers:
  - name: front
    subnets: [public-a, public-b]
    security_groups: [alb-sg]
    listeners:
      - port: 80
        protocol: HTTP
        default_action:
          forward: { target_group: web }
        rules:
          - priority: 10
            conditions:
              - path_pattern: ["/api/*"]
            action:
              forward: { target_group: api }
          - priority: 20
            conditions:
              - host_header: ["api.example.com"]
            action:
              forward: { target_group: api }
          - priority: 30
            conditions:
              - path_pattern: ["/split/*"]
            action:
              forward:
                target_groups:
                  - { name: web, weight: 1 }
                  - { name: canary, weight: 3 }
          - priority: 40
            conditions:
              - path_pattern: ["/old/*"]
            action:
              redirect: { protocol: HTTPS, port: "443", path: "/new/#{path}", status_code: HTTP_301 }
          - priority: 45
            conditions:
              - path_pattern: ["/app/*", "/login"]
            action:
              forward: { target_group: app }
          - priority: 50
            conditions:
              - path_pattern: ["/teapot"]
            action:
              fixed_response: { status_code: "418", content_type: text/plain, message_body: short and stout }
  - name: private
    subnets: [public-a, public-b]
    security_groups: [closed-sg]
    listeners:
      - port: 80
        protocol: HTTP
        default_action:
          fixed_response: { status_code: "200", content_type: text/plain, message_body: never }
"#;
