//! One request through the ALB, in pingora-style named phases, each a
//! function [`Proxy::route`] calls in turn:
//!
//! 1. [`Proxy::match_rule`]: read the snapshot, validate the request
//!    (400/405/414/463), evaluate the listener's rules;
//! 2. [`answer_action`]: redirect / fixed-response actions answer here;
//! 3. [`pick_target`]: weighted group (with `AWSALBTG`), then a target
//!    (stickiness cookie or the group's algorithm) — in [`super::pick`];
//! 4. [`rewrite_request`]: hop-by-hop headers out, `X-Forwarded-*`
//!    and `X-Amzn-Trace-Id` in — in [`super::rewrite`];
//! 5. [`Proxy::forward`]: through the pooled client within the idle
//!    timeout (bodies streamed both ways, protocol switches spliced);
//! 6. [`rewrite_response`]: hop-by-hop headers out, stickiness cookies in,
//!    then the listener's response-header attributes (also on answers of
//!    phase 2);
//! 7. [`log`]: one trace line per request, and the request counted for
//!    CloudWatch ([`Proxy::handle`], [`super::metrics`]).
//!
//! Failures are a [`ProxyError`] whose kind decides 502/503/504.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::client::legacy::Client;

use super::connector::AlbConnector;
use super::front::{Front, OpenRequest};
use super::metrics::{AlbMetrics, Served};
use super::pick::pick_target;
use super::request_limits::MAX_REQUEST_LINE;
use super::responses::{self, AlbBody};
use super::rewrite::{HeaderPolicy, rewrite_request, rewrite_response};
use super::select::{self, Selector};
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::Elbv2;
use crate::services::elbv2::model::listener_attributes::ResponseHeaders;
use crate::services::elbv2::model::rules::{
    Action, RequestView, Rule, WeightedGroup, first_match, in_evaluation_order,
};

/// Why a request could not be proxied; the kind picks the status.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The forward target groups have no registered (non-draining) target → 503.
    #[error("no registered targets")]
    NoTargets,
    /// Connect refused/reset, or a malformed response → 502.
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// Connect or response timed out → 504.
    #[error("gateway timeout: {0}")]
    Timeout(String),
    /// The request is refused (status 400/405/414/463).
    #[error("bad request ({0})")]
    BadRequest(u16),
}

impl ProxyError {
    /// The ALB status for this failure.
    pub fn status(&self) -> u16 {
        match self {
            ProxyError::NoTargets => 503,
            ProxyError::BadGateway(_) => 502,
            ProxyError::Timeout(_) => 504,
            ProxyError::BadRequest(s) => *s,
        }
    }
}

/// One listener's request handler, shared by its connections.
pub struct Proxy {
    /// The ELBv2 service whose snapshot routes requests.
    pub elbv2: Arc<Elbv2Service>,
    /// The listener this proxy serves.
    pub listener_arn: String,
    /// Counters for round robin / least outstanding requests.
    pub selector: Arc<Selector>,
    /// The pooled upstream client (connections from the ALB ENI).
    pub client: Client<AlbConnector, Incoming>,
    /// What requests read from the latest published model: rules in
    /// evaluation order and the load balancer's attributes (rebuilt when
    /// the model is republished, not on every request).
    pub view: ArcSwapOption<ListenerView>,
    /// The request counters CloudWatch's `AWS/ApplicationELB` metrics come from.
    pub metrics: Arc<AlbMetrics>,
}

/// What the phases learned about one request, for the log phase's metrics.
#[derive(Default)]
struct Outcome {
    /// The load balancer's ARN, once the listener was found.
    lb: Option<String>,
    /// The target group picked, if the request was forwarded.
    tg: Option<String>,
    /// From forwarding to the target's response head, if it answered.
    target_time: Option<Duration>,
}

/// A listener as one published model configures it.
pub struct ListenerView {
    /// The published model this view was taken from (compared by pointer: a
    /// new publication means a new view).
    snapshot: Arc<Elbv2>,
    /// By priority, the default rule last.
    rules: Vec<Rule>,
    /// The load balancer's `idle_timeout.timeout_seconds` (60 by default).
    idle_timeout: Duration,
    /// What the load balancer's attributes do to forwarded headers.
    headers: HeaderPolicy,
    /// What the listener's attributes do to every response.
    response_headers: ResponseHeaders,
}

/// The length of `uri` as a request target (no allocation): scheme,
/// authority and path with query, as HTTP/2's pseudo-headers carry them.
fn uri_len(uri: &http::Uri) -> usize {
    uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len())
}

impl Proxy {
    /// Handles one request end to end; never fails (errors become pages).
    /// `front` is the connection's door: a rejection request it planted is
    /// answered with AWS's page, and every other response counts as in
    /// flight until its body ends.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
        front: &Arc<Front>,
    ) -> Response<AlbBody> {
        if let Some(status) = front.rejection(req.headers()) {
            return responses::page(status);
        }
        let started = std::time::Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let counted = OpenRequest::start(front);
        let client_closes = req
            .headers()
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        let mut outcome = Outcome::default();
        let mut resp = match self.clone().route(req, peer, &mut outcome).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "alb: generated error");
                responses::page(e.status())
            }
        };
        self.count(&outcome, resp.status().as_u16());
        log(&method, &path, resp.status(), started);
        if client_closes
            && resp
                .headers()
                .get(header::CONNECTION)
                .is_some_and(|v| v == "keep-alive")
        {
            // The client ends the connection: the page says so too.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp.map(|body| counted.around(body))
    }

    /// Phase 7's metrics: the request counted for its load balancer and,
    /// when forwarded, its target group.
    fn count(&self, outcome: &Outcome, status: u16) {
        let Some(lb) = &outcome.lb else { return };
        let served = match (&outcome.tg, outcome.target_time) {
            (Some(tg), Some(elapsed)) => Served::ByTarget {
                tg,
                status,
                elapsed,
            },
            (Some(tg), None) => Served::TargetFailed { tg, status },
            (None, _) => Served::ByElb(status),
        };
        self.metrics.record(lb, served);
    }

    /// The load balancer's `idle_timeout.timeout_seconds` in `snapshot`.
    pub fn idle_timeout(&self, snapshot: &Arc<Elbv2>) -> Duration {
        self.listener_view(snapshot).idle_timeout
    }

    /// The phases in order, from the request as hyper parsed it to the
    /// response the client gets (or the error that becomes its page).
    async fn route(
        self: Arc<Self>,
        mut req: Request<Incoming>,
        peer: SocketAddr,
        outcome: &mut Outcome,
    ) -> Result<Response<AlbBody>, ProxyError> {
        let snapshot = self.elbv2.snapshot();
        let listener = snapshot
            .listeners
            .get(&self.listener_arn)
            .ok_or(ProxyError::NoTargets)?;
        outcome.lb = Some(listener.load_balancer_arn.clone());
        let view = self.listener_view(&snapshot);
        let action = self.match_rule(&req, peer, &view, &listener.protocol, listener.port)?;
        let (groups, tg_sticky) =
            match answer_action(action, &req, peer, &listener.protocol, listener.port) {
                Answer::Respond(mut resp) => {
                    view.response_headers.apply(resp.headers_mut());
                    return Ok(resp);
                }
                Answer::Forward { groups, sticky } => (groups, sticky),
            };
        let chosen = pick_target(&self.selector, &req, &snapshot, &groups, tg_sticky)?;
        outcome.tg = Some(chosen.tg.clone());
        let in_flight = self.selector.start(&chosen.tg, &chosen.key);
        let upgrade = req.headers().contains_key(header::UPGRADE);
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let scheme = match snapshot.target_groups.get(&chosen.tg) {
            Some(tg) if tg.protocol == "HTTPS" => "https",
            _ => "http",
        };
        let upstream = rewrite_request(
            req,
            peer,
            (scheme, &chosen.key),
            (&listener.protocol, listener.port),
            upgrade,
            view.headers,
        )?;
        let forwarded = std::time::Instant::now();
        let (mut out, upgraded) = self
            .forward(upstream, view.idle_timeout, client_upgrade, in_flight)
            .await?;
        outcome.target_time = Some(forwarded.elapsed());
        rewrite_response(&mut out, &chosen, upgraded);
        view.response_headers.apply(out.headers_mut());
        Ok(out)
    }

    /// The listener as `snapshot` configures it: built once per published
    /// model (rules sorted, attributes read), not on every request.
    fn listener_view(&self, snapshot: &Arc<Elbv2>) -> Arc<ListenerView> {
        if let Some(cached) = self.view.load_full()
            && Arc::ptr_eq(&cached.snapshot, snapshot)
        {
            return cached;
        }
        let rules = in_evaluation_order(snapshot.listener_rules(&self.listener_arn))
            .into_iter()
            .cloned()
            .collect();
        let lb = snapshot
            .listeners
            .get(&self.listener_arn)
            .and_then(|l| snapshot.load_balancers.get(&l.load_balancer_arn));
        let idle_secs = lb
            .and_then(|lb| lb.attributes.get("idle_timeout.timeout_seconds"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(60u64);
        let fresh = Arc::new(ListenerView {
            snapshot: snapshot.clone(),
            rules,
            idle_timeout: Duration::from_secs(idle_secs),
            headers: HeaderPolicy::of(lb),
            response_headers: ResponseHeaders::of(snapshot, &self.listener_arn),
        });
        self.view.store(Some(fresh.clone()));
        fresh
    }

    /// Phase 1: validation and rule evaluation.
    fn match_rule(
        &self,
        req: &Request<Incoming>,
        peer: SocketAddr,
        listener: &ListenerView,
        protocol: &str,
        port: u16,
    ) -> Result<Action, ProxyError> {
        // HTTP/1 request lines were judged at the door; this holds for HTTP/2.
        if uri_len(req.uri()) > MAX_REQUEST_LINE {
            return Err(ProxyError::BadRequest(414));
        }
        if req.method() == Method::TRACE {
            return Err(ProxyError::BadRequest(405));
        }
        let xff_count: usize = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).count())
            .sum();
        if xff_count > 30 {
            return Err(ProxyError::BadRequest(463));
        }
        let host = host_of(req);
        if host.is_none() && req.version() == http::Version::HTTP_11 {
            return Err(ProxyError::BadRequest(400));
        }
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)))
            .collect();
        let view = view(req, host.as_deref(), &headers, peer, protocol, port);
        first_match(listener.rules.iter(), &view)
            .map(|r| r.action.clone())
            .ok_or(ProxyError::NoTargets)
    }

    /// Phase 5: `upstream` to the target through the pooled client, which
    /// must answer within `idle`. A `101` answer to a client that asked to
    /// upgrade (`client_upgrade`) splices the two connections (the second
    /// value is then `true`); otherwise the target's body streams to the
    /// client. `in_flight` counts the request on the target until either ends.
    async fn forward(
        &self,
        upstream: Request<Incoming>,
        idle: Duration,
        client_upgrade: Option<OnUpgrade>,
        in_flight: select::InFlight,
    ) -> Result<(Response<AlbBody>, bool), ProxyError> {
        let fut = self.client.request(upstream);
        let mut resp = match tokio::time::timeout(idle, fut).await {
            Err(_) => {
                return Err(ProxyError::Timeout(
                    "target did not answer within the idle timeout".into(),
                ));
            }
            Ok(Err(e)) => return Err(classify(&e)),
            Ok(Ok(r)) => r,
        };
        if resp.status() == http::StatusCode::SWITCHING_PROTOCOLS
            && let Some(client_side) = client_upgrade
        {
            let target_side = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                let _guard = in_flight;
                if let (Ok(a), Ok(b)) = (client_side.await, target_side.await) {
                    let mut a = hyper_util::rt::TokioIo::new(a);
                    let mut b = hyper_util::rt::TokioIo::new(b);
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                }
            });
            let (parts, _) = resp.into_parts();
            return Ok((
                Response::from_parts(parts, responses::full(Bytes::new())),
                true,
            ));
        }
        let (parts, body) = resp.into_parts();
        // The in-flight guard lives as long as the streamed body.
        let body = GuardedBody {
            inner: body,
            _guard: in_flight,
        }
        .boxed();
        Ok((Response::from_parts(parts, body), false))
    }
}

/// What phase 2 decided.
enum Answer {
    /// The action is answered by the load balancer itself.
    Respond(Response<AlbBody>),
    /// The action forwards to these groups.
    Forward {
        /// The weighted target groups of the forward action.
        groups: Vec<WeightedGroup>,
        /// Group stickiness duration (seconds), when enabled.
        sticky: Option<u32>,
    },
}

/// Phase 2: a redirect or fixed-response action is answered here; a
/// forward goes on to the target phases.
fn answer_action(
    action: Action,
    req: &Request<Incoming>,
    peer: SocketAddr,
    protocol: &str,
    port: u16,
) -> Answer {
    match action {
        Action::Redirect(r) => {
            let view_headers: Vec<(&str, &str)> = Vec::new();
            let host = host_of(req);
            let view = view(req, host.as_deref(), &view_headers, peer, protocol, port);
            Answer::Respond(responses::redirect(r.status, &r.location(&view)))
        }
        Action::FixedResponse(f) => Answer::Respond(responses::fixed(
            f.status,
            f.content_type.as_deref(),
            f.body.as_deref(),
        )),
        Action::Forward {
            groups,
            stickiness_seconds,
        } => Answer::Forward {
            groups,
            sticky: stickiness_seconds,
        },
    }
}

/// Phase 7: one trace line per request, whatever answered it.
fn log(method: &Method, path: &str, status: http::StatusCode, started: std::time::Instant) {
    tracing::trace!(
        %method, %path, status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64, "alb request"
    );
}

fn host_of<B>(req: &Request<B>) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn view<'a, B>(
    req: &'a Request<B>,
    host: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
    peer: SocketAddr,
    protocol: &'a str,
    port: u16,
) -> RequestView<'a> {
    RequestView {
        method: req.method().as_str(),
        host,
        path: req.uri().path(),
        query: req.uri().query(),
        headers,
        // An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is
        // matched as the IPv4 address it is.
        source_ip: peer.ip().to_canonical(),
        protocol,
        port,
    }
}

/// Maps a client error to 502 or 504.
fn classify(e: &hyper_util::client::legacy::Error) -> ProxyError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return ProxyError::Timeout(io.to_string());
        }
        source = s.source();
    }
    ProxyError::BadGateway(e.to_string())
}

/// A response body that keeps the target's in-flight count until it ends.
struct GuardedBody {
    /// The streamed upstream body.
    inner: Incoming,
    /// Released when the body is dropped (finished or abandoned).
    _guard: select::InFlight,
}

impl hyper::body::Body for GuardedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
