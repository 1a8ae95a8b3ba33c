//! One request through the ALB, in pingora-style named phases:
//!
//! 1. [`Proxy::match_rule`]: read the snapshot, validate the request
//!    (400/414/463), evaluate the listener's rules;
//! 2. redirect / fixed-response actions answer here;
//! 3. [`Proxy::pick_target`]: weighted group (with `AWSALBTG`), then a target
//!    (stickiness cookie or the group's algorithm);
//! 4. [`Proxy::rewrite_request`]: hop-by-hop headers out, `X-Forwarded-*`
//!    and `X-Amzn-Trace-Id` in;
//! 5. forward through the pooled client (bodies streamed both ways);
//! 6. [`Proxy::rewrite_response`]: stickiness cookies;
//! 7. log.
//!
//! Failures are a [`ProxyError`] whose kind decides 502/503/504.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, Uri, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;

use super::connector::AlbConnector;
use super::responses::{self, AlbBody};
use super::select::{self, Selector};
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::rules::{Action, RequestView, pick_weighted, total_weight};
use crate::services::elbv2::model::target_group::{Stickiness, TargetKey};
use crate::services::elbv2::service::now_ms;

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
    /// The request is malformed (status 400/414/463).
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
}

/// Hop-by-hop headers never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The target chosen for a request, and what the response must carry.
struct Chosen {
    /// The group ARN.
    tg: String,
    /// The target.
    key: TargetKey,
    /// `Set-Cookie` lines to add to the response.
    cookies: Vec<String>,
    /// App-cookie stickiness: the application cookie's name and the
    /// `AWSALBAPP-0` line to add once the target sets that cookie (or at
    /// once when the client already carried a valid `AWSALBAPP-0`).
    app_cookie: Option<(String, String, bool)>,
}

impl Proxy {
    /// Handles one request end to end; never fails (errors become pages).
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<AlbBody> {
        let started = std::time::Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let resp = match self.clone().route(req, peer).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "alb: generated error");
                responses::page(e.status())
            }
        };
        tracing::trace!(
            %method, %path, status = resp.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64, "alb request"
        );
        resp
    }

    async fn route(
        self: Arc<Self>,
        mut req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<Response<AlbBody>, ProxyError> {
        let snapshot = self.elbv2.snapshot();
        let listener = snapshot
            .listeners
            .get(&self.listener_arn)
            .ok_or(ProxyError::NoTargets)?;
        let idle = snapshot
            .load_balancers
            .get(&listener.load_balancer_arn)
            .and_then(|lb| lb.attributes.get("idle_timeout.timeout_seconds"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(60u64);
        let action = self.match_rule(&req, peer, &snapshot, &listener.protocol, listener.port)?;
        let (groups, tg_sticky) = match action {
            Action::Redirect(r) => {
                let view_headers: Vec<(&str, &str)> = Vec::new();
                let host = host_of(&req);
                let view = view(
                    &req,
                    host.as_deref(),
                    &view_headers,
                    peer,
                    &listener.protocol,
                    listener.port,
                );
                return Ok(responses::redirect(r.status, &r.location(&view)));
            }
            Action::FixedResponse(f) => {
                return Ok(responses::fixed(
                    f.status,
                    f.content_type.as_deref(),
                    f.body.as_deref(),
                ));
            }
            Action::Forward {
                groups,
                stickiness_seconds,
            } => (groups, stickiness_seconds),
        };
        let chosen = self.pick_target(&req, &snapshot, &groups, tg_sticky)?;
        let in_flight = self.selector.start(&chosen.tg, &chosen.key);
        let upgrade = req.headers().contains_key(header::UPGRADE);
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let upstream = self.rewrite_request(
            req,
            peer,
            &chosen.key,
            &listener.protocol,
            listener.port,
            upgrade,
        )?;
        let fut = self.client.request(upstream);
        let mut resp = match tokio::time::timeout(Duration::from_secs(idle), fut).await {
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
            let mut out = Response::from_parts(parts, responses::full(Bytes::new()));
            Self::rewrite_response(&mut out, &chosen, true);
            return Ok(out);
        }
        let (parts, body) = resp.into_parts();
        // The in-flight guard lives as long as the streamed body.
        let body = GuardedBody {
            inner: body,
            _guard: in_flight,
        }
        .boxed();
        let mut out = Response::from_parts(parts, body);
        Self::rewrite_response(&mut out, &chosen, false);
        Ok(out)
    }

    /// Phase 1: validation and rule evaluation.
    fn match_rule(
        &self,
        req: &Request<Incoming>,
        peer: SocketAddr,
        snapshot: &crate::services::elbv2::model::Elbv2,
        protocol: &str,
        port: u16,
    ) -> Result<Action, ProxyError> {
        if req.uri().to_string().len() > 16 * 1024 {
            return Err(ProxyError::BadRequest(414));
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
        crate::services::elbv2::model::rules::evaluate(
            snapshot.listener_rules(&self.listener_arn),
            &view,
        )
        .map(|r| r.action.clone())
        .ok_or(ProxyError::NoTargets)
    }

    /// Phase 3: group (weighted, `AWSALBTG`) and target (`AWSALB` or algorithm).
    fn pick_target(
        &self,
        req: &Request<Incoming>,
        snapshot: &crate::services::elbv2::model::Elbv2,
        groups: &[crate::services::elbv2::model::rules::WeightedGroup],
        tg_sticky: Option<u32>,
    ) -> Result<Chosen, ProxyError> {
        let now = now_ms();
        let now_s = now / 1000;
        let mut cookies = Vec::new();
        let sticky_group = tg_sticky
            .and_then(|_| select::cookie(req.headers(), "AWSALBTG"))
            .and_then(|v| select::decode_group_cookie(v, now_s))
            .filter(|g| {
                groups
                    .iter()
                    .any(|w| &w.target_group_arn == g && w.weight > 0)
            });
        let tg_arn = match sticky_group {
            Some(g) => g,
            None => {
                let total = total_weight(groups);
                let roll = if total == 0 {
                    0
                } else {
                    rand::random_range(0..total)
                };
                pick_weighted(groups, roll)
                    .map(|g| g.target_group_arn.clone())
                    .ok_or(ProxyError::NoTargets)?
            }
        };
        if let Some(d) = tg_sticky {
            let v = select::encode_group_cookie(&tg_arn, now_s + i64::from(d));
            cookies.extend(cookie_pair("AWSALBTG", &v, now_s));
        }
        let tg = snapshot
            .target_groups
            .get(&tg_arn)
            .ok_or(ProxyError::NoTargets)?;
        let routable = tg.routable(now);
        let sticky = tg.stickiness();
        let from_cookie = match &sticky {
            Some(Stickiness::LbCookie { .. }) => select::cookie(req.headers(), "AWSALB")
                .and_then(|v| select::decode_target_cookie(v, &tg_arn, now_s))
                .filter(|k| routable.iter().any(|(r, _)| *r == k)),
            Some(Stickiness::AppCookie { .. }) => select::cookie(req.headers(), "AWSALBAPP-0")
                .and_then(|v| select::decode_target_cookie(v, &tg_arn, now_s))
                .filter(|k| routable.iter().any(|(r, _)| *r == k)),
            None => None,
        };
        let carried = from_cookie.is_some();
        let key = match from_cookie {
            Some(k) => k,
            None => self
                .selector
                .pick(tg, now, rand::random::<f64>())
                .ok_or(ProxyError::NoTargets)?,
        };
        if let Some(Stickiness::LbCookie { duration_s }) = sticky {
            let v = select::encode_target_cookie(&tg_arn, &key, now_s + i64::from(duration_s));
            cookies.extend(cookie_pair("AWSALB", &v, now_s));
        }
        let app_cookie = match sticky {
            Some(Stickiness::AppCookie {
                cookie_name,
                duration_s,
            }) => {
                let v = select::encode_target_cookie(&tg_arn, &key, now_s + i64::from(duration_s));
                let line = format!(
                    "AWSALBAPP-0={v}; Expires={}; Path=/",
                    http_date(now_s + 7 * 86400)
                );
                Some((cookie_name, line, carried))
            }
            _ => None,
        };
        Ok(Chosen {
            tg: tg_arn,
            key,
            cookies,
            app_cookie,
        })
    }

    /// Phase 4: the request as the target receives it.
    fn rewrite_request(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        key: &TargetKey,
        protocol: &str,
        port: u16,
        upgrade: bool,
    ) -> Result<Request<Incoming>, ProxyError> {
        let (mut parts, body) = req.into_parts();
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
        strip_hop_by_hop(&mut parts.headers, upgrade);
        if let Some(h) = host {
            parts.headers.insert(header::HOST, h);
        }
        let xff = match parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            Some(prev) if !prev.trim().is_empty() => format!("{prev}, {}", peer.ip()),
            _ => peer.ip().to_string(),
        };
        set(&mut parts.headers, "x-forwarded-for", &xff);
        set(
            &mut parts.headers,
            "x-forwarded-proto",
            &protocol.to_ascii_lowercase(),
        );
        set(&mut parts.headers, "x-forwarded-port", &port.to_string());
        let trace = trace_id(
            parts
                .headers
                .get("x-amzn-trace-id")
                .and_then(|v| v.to_str().ok()),
        );
        set(&mut parts.headers, "x-amzn-trace-id", &trace);
        let pq = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let authority = if key.id.contains(':') {
            format!("[{}]:{}", key.id, key.port)
        } else {
            format!("{}:{}", key.id, key.port)
        };
        parts.uri = Uri::builder()
            .scheme("http")
            .authority(authority)
            .path_and_query(pq)
            .build()
            .map_err(|_| ProxyError::BadRequest(400))?;
        parts.version = http::Version::HTTP_11;
        Ok(Request::from_parts(parts, body))
    }

    /// Phase 6: the response as the client receives it.
    fn rewrite_response(resp: &mut Response<AlbBody>, chosen: &Chosen, upgraded: bool) {
        if !upgraded {
            strip_hop_by_hop(resp.headers_mut(), false);
        }
        let mut lines = chosen.cookies.clone();
        if let Some((name, line, carried)) = &chosen.app_cookie {
            let prefix = format!("{name}=");
            let sets_app_cookie = resp
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.trim_start().starts_with(&prefix));
            if sets_app_cookie || *carried {
                lines.push(line.clone());
            }
        }
        for c in &lines {
            if let Ok(v) = HeaderValue::from_str(c) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

fn strip_hop_by_hop(h: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<String> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for n in HOP_BY_HOP.iter().map(|s| s.to_string()).chain(named) {
        if keep_upgrade && (n == "upgrade" || n == "connection") {
            continue;
        }
        h.remove(n.as_str());
    }
}

/// `AWSALB`-style cookie pair: the plain one and the `…CORS` one, both with
/// the fixed 7-day `Expires` AWS sets.
fn cookie_pair(name: &str, value: &str, now_s: i64) -> [String; 2] {
    let expires = http_date(now_s + 7 * 86400);
    [
        format!("{name}={value}; Expires={expires}; Path=/"),
        format!("{name}CORS={value}; Expires={expires}; Path=/; SameSite=None; Secure"),
    ]
}

/// An RFC 7231 date (`Tue, 27 Feb 2024 11:21:53 GMT`).
fn http_date(epoch_s: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch_s)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap_or_default()
}

/// The `X-Amzn-Trace-Id` toward the target (aws-reference.md §1.7).
pub fn trace_id(existing: Option<&str>) -> String {
    let new_id = || {
        format!(
            "1-{:08x}-{}",
            now_ms() / 1000,
            &uuid::Uuid::new_v4().simple().to_string()[..24]
        )
    };
    match existing {
        None => format!("Root={}", new_id()),
        Some(v) if v.len() > 7 * 1024 => format!("Root={}", new_id()),
        Some(v) => {
            let fields: Vec<&str> = v
                .split(';')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            if fields.iter().any(|f| f.starts_with("Self=")) {
                fields
                    .iter()
                    .map(|f| {
                        if f.starts_with("Self=") {
                            format!("Self={}", new_id())
                        } else {
                            f.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            } else if fields.iter().any(|f| f.starts_with("Root=")) {
                format!("Self={};{}", new_id(), fields.join(";"))
            } else {
                format!("Root={};{}", new_id(), fields.join(";"))
            }
        }
    }
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
        source_ip: peer.ip(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_id_forms() {
        let root = trace_id(None);
        assert!(root.starts_with("Root=1-") && root.len() == "Root=1-".len() + 8 + 1 + 24);
        let with_root = trace_id(Some("Root=1-67891233-abcdef012345678912345678"));
        assert!(with_root.starts_with("Self=1-"));
        assert!(with_root.ends_with(";Root=1-67891233-abcdef012345678912345678"));
        let with_self = trace_id(Some("Self=1-0-0;Root=1-2-3;CalledFrom=app"));
        assert!(!with_self.contains("Self=1-0-0"));
        assert!(with_self.ends_with(";Root=1-2-3;CalledFrom=app"));
    }

    #[test]
    fn cookie_lines_look_like_aws() {
        let [a, b] = cookie_pair("AWSALB", "abc", 0);
        assert_eq!(
            a,
            "AWSALB=abc; Expires=Thu, 08 Jan 1970 00:00:00 GMT; Path=/"
        );
        assert!(
            b.starts_with("AWSALBCORS=abc; Expires=") && b.ends_with("; SameSite=None; Secure")
        );
    }
}
