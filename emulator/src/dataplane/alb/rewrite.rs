//! Phases 4 and 6 of a request ([`super::proxy`]): the request as the
//! target receives it and the response as the client receives it
//! (aws-reference.md §1.7). Hop-by-hop headers (and those `Connection`
//! names) never cross; `X-Forwarded-For/-Proto/-Port` and
//! `X-Amzn-Trace-Id` are set toward the target; stickiness cookies are
//! added toward the client.

use std::net::SocketAddr;

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, Uri, header};
use hyper::body::Incoming;

use super::pick::Chosen;
use super::proxy::ProxyError;
use super::responses::AlbBody;
use crate::services::elbv2::model::LoadBalancer;
use crate::services::elbv2::model::lb_attributes::XffMode;
use crate::services::elbv2::model::target_group::TargetKey;
use crate::services::elbv2::service::now_ms;

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

/// What the load balancer's attributes say about the request headers a
/// target sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderPolicy {
    /// `routing.http.xff_header_processing.mode`.
    pub xff: XffMode,
    /// `routing.http.xff_client_port.enabled` (append mode only).
    pub xff_client_port: bool,
    /// `routing.http.drop_invalid_header_fields.enabled`.
    pub drop_invalid_header_fields: bool,
}

impl HeaderPolicy {
    /// The policy of `lb` (AWS's defaults when it is gone).
    pub fn of(lb: Option<&LoadBalancer>) -> HeaderPolicy {
        let (xff, xff_client_port) = lb.map_or((XffMode::Append, false), |l| l.forwarded_for());
        HeaderPolicy {
            xff,
            xff_client_port,
            drop_invalid_header_fields: lb.is_some_and(|l| l.drops_invalid_header_fields()),
        }
    }
}

/// The request as the target receives it: `(scheme, key)` is `http` (or
/// `https` for an HTTPS target group) and the target; `protocol`/`port` are
/// the listener's; `upgrade` keeps `Upgrade`/`Connection` for a protocol
/// switch; `policy` comes from the load balancer's attributes.
pub fn rewrite_request(
    req: Request<Incoming>,
    peer: SocketAddr,
    (scheme, key): (&str, &TargetKey),
    (protocol, port): (&str, u16),
    upgrade: bool,
    policy: HeaderPolicy,
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
    if policy.drop_invalid_header_fields {
        drop_invalid_header_fields(&mut parts.headers);
    }
    forwarded_for(&mut parts.headers, peer, policy);
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
        .scheme(scheme)
        .authority(authority)
        .path_and_query(pq)
        .build()
        .map_err(|_| ProxyError::BadRequest(400))?;
    parts.version = http::Version::HTTP_11;
    Ok(Request::from_parts(parts, body))
}

/// The response as the client receives it: hop-by-hop headers out (kept
/// on a protocol switch, `upgraded`), the stickiness cookies of `chosen` in.
pub fn rewrite_response(resp: &mut Response<AlbBody>, chosen: &Chosen, upgraded: bool) {
    if !upgraded {
        strip_hop_by_hop(resp.headers_mut(), false);
    }
    for c in chosen.cookie_lines(resp.headers()) {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

/// `X-Forwarded-For` by the load balancer's mode: append the client (every
/// incoming line joined first), leave it, or delete it.
fn forwarded_for(h: &mut HeaderMap, peer: SocketAddr, policy: HeaderPolicy) {
    match policy.xff {
        XffMode::Preserve => {}
        XffMode::Remove => {
            h.remove("x-forwarded-for");
        }
        XffMode::Append => {
            let client = match (policy.xff_client_port, peer) {
                (false, _) => peer.ip().to_string(),
                (true, SocketAddr::V4(a)) => a.to_string(),
                (true, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
            };
            let previous: Vec<&str> = h
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            let xff = if previous.is_empty() {
                client
            } else {
                format!("{}, {client}", previous.join(", "))
            };
            set(h, "x-forwarded-for", &xff);
        }
    }
}

/// Removes header fields whose names are not letters, digits and hyphens
/// (`routing.http.drop_invalid_header_fields.enabled`).
fn drop_invalid_header_fields(h: &mut HeaderMap) {
    let invalid: Vec<HeaderName> = h
        .keys()
        .filter(|n| {
            !n.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .cloned()
        .collect();
    for name in invalid {
        h.remove(&name);
    }
}

/// Sets `name` to `value`, skipping a value that is not a valid header.
fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

/// Removes [`HOP_BY_HOP`] and every header `Connection` names, except
/// `Upgrade`/`Connection` themselves when `keep_upgrade`.
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
    fn hop_by_hop_and_connection_named_headers_are_stripped() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, "Upgrade, X-Private".parse().unwrap());
        h.insert(header::UPGRADE, "websocket".parse().unwrap());
        h.insert("x-private", "1".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("x-kept", "1".parse().unwrap());
        let mut upgrading = h.clone();
        strip_hop_by_hop(&mut h, false);
        let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-kept"]);
        strip_hop_by_hop(&mut upgrading, true);
        let mut names: Vec<&str> = upgrading.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["connection", "upgrade", "x-kept"]);
    }
}
