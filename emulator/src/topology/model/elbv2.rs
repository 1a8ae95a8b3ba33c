//! Target groups and Application Load Balancers with their listeners, rules,
//! conditions and actions (`aws_lb_target_group`, `aws_lb`, `aws_lb_listener`,
//! `aws_lb_listener_rule`).

use crate::string_enum;
use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::{Node, NodeKind};
use ipnet::IpNet;

string_enum! {
    /// HTTP or HTTPS (listeners, target groups, health checks, redirects).
    pub enum HttpProtocol: "protocol" {
        /// Plain HTTP.
        Http = ["HTTP"],
        /// TLS.
        Https = ["HTTPS"],
    }
}

string_enum! {
    /// What a target group's targets are.
    pub enum TargetType: "target type" {
        /// EC2 instance ids (AWS's default).
        Instance = ["instance"],
        /// IP addresses (awsvpc tasks).
        Ip = ["ip"],
    }
}

string_enum! {
    /// `load_balancing.algorithm.type`.
    pub enum Algorithm: "load balancing algorithm" {
        /// Round robin (default).
        RoundRobin = ["round_robin"],
        /// Least outstanding requests.
        LeastOutstandingRequests = ["least_outstanding_requests"],
        /// Weighted random.
        WeightedRandom = ["weighted_random"],
    }
}

string_enum! {
    /// Stickiness type.
    pub enum StickinessType: "stickiness type" {
        /// Duration-based, cookie `AWSALB`.
        LbCookie = ["lb_cookie"],
        /// Application cookie, `AWSALBAPP-*`.
        AppCookie = ["app_cookie"],
    }
}

string_enum! {
    /// Redirect status.
    pub enum RedirectStatus: "redirect status code" {
        /// 301 Moved Permanently.
        Http301 = ["HTTP_301"],
        /// 302 Found.
        Http302 = ["HTTP_302"],
    }
}

/// A target group.
#[derive(Debug, Clone, Default)]
pub struct TargetGroup {
    /// Name (≤ 32).
    pub name: Spanned<String>,
    /// Default target port (`traffic-port`).
    pub port: Spanned<u16>,
    /// HTTP or HTTPS toward targets.
    pub protocol: HttpProtocol,
    /// ip or instance.
    pub target_type: Spanned<TargetType>,
    /// Health checking.
    pub health_check: TgHealthCheck,
    /// Stickiness, if configured.
    pub stickiness: Option<Stickiness>,
    /// `deregistration_delay.timeout_seconds`.
    pub deregistration_delay: Spanned<i64>,
    /// `slow_start.duration_seconds` (0 = off).
    pub slow_start: Spanned<i64>,
    /// Routing algorithm.
    pub load_balancing_algorithm_type: Spanned<Algorithm>,
    /// Where the mapping starts.
    pub span: Span,
}

/// Where health checks connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HealthCheckPort {
    /// The port each target was registered with.
    #[default]
    TrafficPort,
    /// A fixed port.
    Port(u16),
}

/// A target group's health check.
#[derive(Debug, Clone, Default)]
pub struct TgHealthCheck {
    /// Checks on (always true for ip targets in AWS).
    pub enabled: bool,
    /// Request path.
    pub path: Spanned<String>,
    /// Port.
    pub port: Spanned<HealthCheckPort>,
    /// HTTP or HTTPS.
    pub protocol: HttpProtocol,
    /// Seconds between checks.
    pub interval: Spanned<i64>,
    /// Seconds before a check fails.
    pub timeout: Spanned<i64>,
    /// Successes to become healthy.
    pub healthy_threshold: Spanned<i64>,
    /// Failures to become unhealthy.
    pub unhealthy_threshold: Spanned<i64>,
    /// Success codes: `200`, `200,202`, `200-299`.
    pub matcher: Spanned<String>,
    /// Where the mapping starts (the target group's when omitted).
    pub span: Span,
}

impl TgHealthCheck {
    /// AWS's defaults for an HTTP target group (aws-reference.md §1.2).
    pub fn defaults(span: Span) -> Self {
        TgHealthCheck {
            enabled: true,
            path: Spanned::new("/".into(), span),
            port: Spanned::new(HealthCheckPort::TrafficPort, span),
            protocol: HttpProtocol::Http,
            interval: Spanned::new(30, span),
            timeout: Spanned::new(5, span),
            healthy_threshold: Spanned::new(5, span),
            unhealthy_threshold: Spanned::new(2, span),
            matcher: Spanned::new("200".into(), span),
            span,
        }
    }
}

/// Target group stickiness.
#[derive(Debug, Clone, Default)]
pub struct Stickiness {
    /// On/off.
    pub enabled: bool,
    /// lb_cookie or app_cookie.
    pub kind: Spanned<StickinessType>,
    /// Seconds.
    pub cookie_duration: Spanned<i64>,
    /// The application cookie (app_cookie only).
    pub cookie_name: Option<Spanned<String>>,
    /// Where the mapping starts.
    pub span: Span,
}

/// An Application Load Balancer.
#[derive(Debug, Clone, Default)]
pub struct LoadBalancer {
    /// Name (≤ 32).
    pub name: Spanned<String>,
    /// Scheme `internal` when true, else `internet-facing`.
    pub internal: bool,
    /// Subnet names (≥ 2 AZs).
    pub subnets: Vec<Spanned<String>>,
    /// Security group names.
    pub security_groups: Vec<Spanned<String>>,
    /// Idle timeout (seconds).
    pub idle_timeout: Spanned<i64>,
    /// Listeners.
    pub listeners: Vec<Listener>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A listener and its rules.
#[derive(Debug, Clone, Default)]
pub struct Listener {
    /// Port inside the VPC.
    pub port: Spanned<u16>,
    /// HTTP or HTTPS.
    pub protocol: Spanned<HttpProtocol>,
    /// Fixed loopback port on the host (emul only).
    pub host_port: Option<Spanned<u16>>,
    /// Names for the self-signed certificate (HTTPS).
    pub certificate_domains: Option<Spanned<Vec<String>>>,
    /// Runs when no rule matches.
    pub default_action: Action,
    /// Rules by priority.
    pub rules: Vec<ListenerRule>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A listener rule.
#[derive(Debug, Clone, Default)]
pub struct ListenerRule {
    /// 1..50000, lowest first.
    pub priority: Spanned<i64>,
    /// ANDed conditions.
    pub conditions: Spanned<Vec<Condition>>,
    /// What to do on a match.
    pub action: Action,
    /// Where the mapping starts.
    pub span: Span,
}

/// One rule condition; values within it are ORed.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// URL path globs.
    PathPattern(Vec<Spanned<String>>),
    /// Host globs.
    HostHeader(Vec<Spanned<String>>),
    /// A named header's value globs.
    HttpHeader {
        /// Header name.
        name: Spanned<String>,
        /// Value globs.
        values: Vec<Spanned<String>>,
    },
    /// Methods.
    HttpRequestMethod(Vec<Spanned<String>>),
    /// Query pairs: (optional key glob, value glob).
    QueryString(Vec<(Option<Spanned<String>>, Spanned<String>)>),
    /// Client CIDRs, IPv4 or IPv6 (AWS's `SourceIpConfig` takes both).
    SourceIp(Vec<Spanned<IpNet>>),
}

impl Condition {
    /// The AWS field name (`path-pattern`...) used in messages.
    pub fn field(&self) -> &'static str {
        match self {
            Condition::PathPattern(_) => "path_pattern",
            Condition::HostHeader(_) => "host_header",
            Condition::HttpHeader { .. } => "http_header",
            Condition::HttpRequestMethod(_) => "http_request_method",
            Condition::QueryString(_) => "query_string",
            Condition::SourceIp(_) => "source_ip",
        }
    }

    /// The match values as text, for the per-rule limits.
    pub fn values(&self) -> Vec<Spanned<String>> {
        match self {
            Condition::PathPattern(v)
            | Condition::HostHeader(v)
            | Condition::HttpRequestMethod(v)
            | Condition::HttpHeader { values: v, .. } => v.clone(),
            Condition::QueryString(pairs) => pairs
                .iter()
                .map(|(k, v)| match k {
                    Some(k) => Spanned::new(format!("{}={}", k.value, v.value), v.span),
                    None => v.clone(),
                })
                .collect(),
            Condition::SourceIp(v) => v
                .iter()
                .map(|n| Spanned::new(n.to_string(), n.span))
                .collect(),
        }
    }
}

/// A listener or rule action.
#[derive(Debug, Clone, Default)]
pub enum Action {
    /// Placeholder while decoding a broken action.
    #[default]
    Missing,
    /// Forward to one or more weighted target groups.
    Forward {
        /// Target group names and weights.
        target_groups: Vec<WeightedTargetGroup>,
        /// Group stickiness duration in seconds, when enabled (`AWSALBTG`).
        stickiness: Option<Spanned<i64>>,
        /// Where the `forward` mapping starts.
        span: Span,
    },
    /// Redirect.
    Redirect(Redirect),
    /// Fixed response.
    FixedResponse(FixedResponse),
}

/// A target group in a forward action.
#[derive(Debug, Clone, Default)]
pub struct WeightedTargetGroup {
    /// Target group name.
    pub name: Spanned<String>,
    /// 0..999.
    pub weight: Spanned<i64>,
}

/// A redirect action. Unset parts keep the request's.
#[derive(Debug, Clone, Default)]
pub struct Redirect {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    pub protocol: Option<Spanned<String>>,
    /// Host.
    pub host: Option<Spanned<String>>,
    /// Port or `#{port}`.
    pub port: Option<Spanned<String>>,
    /// Path starting with `/`.
    pub path: Option<Spanned<String>>,
    /// Query without `?`.
    pub query: Option<Spanned<String>>,
    /// 301 or 302.
    pub status_code: Spanned<RedirectStatus>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A fixed-response action.
#[derive(Debug, Clone, Default)]
pub struct FixedResponse {
    /// `"503"`.
    pub status_code: Spanned<String>,
    /// One of the five allowed types.
    pub content_type: Spanned<String>,
    /// ≤ 1024 bytes.
    pub message_body: Option<Spanned<String>>,
    /// Where the mapping starts.
    pub span: Span,
}

impl Decode for TargetGroup {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a target group");
        let s = node.span;
        let t = TargetGroup {
            name: m.req(cx, "name"),
            port: m.req(cx, "port"),
            protocol: m.or(cx, "protocol", HttpProtocol::Http),
            target_type: m.or(cx, "target_type", Spanned::new(TargetType::Instance, s)),
            health_check: m.or(cx, "health_check", TgHealthCheck::defaults(s)),
            stickiness: m.opt(cx, "stickiness"),
            deregistration_delay: m.or(cx, "deregistration_delay", Spanned::new(300, s)),
            slow_start: m.or(cx, "slow_start", Spanned::new(0, s)),
            load_balancing_algorithm_type: m.or(
                cx,
                "load_balancing_algorithm_type",
                Spanned::new(Algorithm::RoundRobin, s),
            ),
            span: s,
        };
        m.finish(cx);
        t
    }
}

impl Decode for HealthCheckPort {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        if let NodeKind::Scalar { text, .. } = &node.kind {
            if text == "traffic-port" {
                return HealthCheckPort::TrafficPort;
            }
            if let Some(p) = crate::topology::decode::parse_int(text)
                && (1..=65535).contains(&p)
            {
                return HealthCheckPort::Port(p as u16);
            }
        }
        cx.error(
            node.span,
            format!("invalid health check port {}", node.describe()),
            "use `traffic-port` or a port from 1 to 65535",
        );
        HealthCheckPort::TrafficPort
    }
}

impl Decode for TgHealthCheck {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a target group health check");
        let d = TgHealthCheck::defaults(node.span);
        let h = TgHealthCheck {
            enabled: m.or(cx, "enabled", true),
            path: m.or(cx, "path", d.path),
            port: m.or(cx, "port", d.port),
            protocol: m.or(cx, "protocol", d.protocol),
            interval: m.or(cx, "interval", d.interval),
            timeout: m.or(cx, "timeout", d.timeout),
            healthy_threshold: m.or(cx, "healthy_threshold", d.healthy_threshold),
            unhealthy_threshold: m.or(cx, "unhealthy_threshold", d.unhealthy_threshold),
            matcher: m.or(cx, "matcher", d.matcher),
            span: node.span,
        };
        m.finish(cx);
        h
    }
}

impl Decode for Stickiness {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "target group stickiness");
        let st = Stickiness {
            enabled: m.or(cx, "enabled", true),
            kind: m.req(cx, "type"),
            cookie_duration: m.or(cx, "cookie_duration", Spanned::new(86400, node.span)),
            cookie_name: m.opt(cx, "cookie_name"),
            span: node.span,
        };
        m.finish(cx);
        st
    }
}

impl Decode for LoadBalancer {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a load balancer");
        let lb = LoadBalancer {
            name: m.req(cx, "name"),
            internal: m.or(cx, "internal", false),
            subnets: m.req(cx, "subnets"),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            idle_timeout: m.or(cx, "idle_timeout", Spanned::new(60, node.span)),
            listeners: m.or(cx, "listeners", Vec::new()),
            span: node.span,
        };
        m.finish(cx);
        lb
    }
}

impl Decode for Listener {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a listener");
        let l = Listener {
            port: m.req(cx, "port"),
            protocol: m.or(cx, "protocol", Spanned::new(HttpProtocol::Http, node.span)),
            host_port: m.opt(cx, "host_port"),
            certificate_domains: m.opt(cx, "certificate_domains"),
            default_action: m.req(cx, "default_action"),
            rules: m.or(cx, "rules", Vec::new()),
            span: node.span,
        };
        m.finish(cx);
        l
    }
}

impl Decode for ListenerRule {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a listener rule");
        let r = ListenerRule {
            priority: m.req(cx, "priority"),
            conditions: m.req(cx, "conditions"),
            action: m.req(cx, "action"),
            span: node.span,
        };
        m.finish(cx);
        r
    }
}

/// The single key of a one-key mapping (conditions, actions), or a report.
fn single_key<'n>(
    node: &'n Node,
    cx: &mut Cx,
    what: &str,
    keys: &[&str],
) -> Option<(&'n str, &'n Node, Span)> {
    let list = keys.join(", ");
    match &node.kind {
        NodeKind::Map(entries) if entries.len() == 1 => {
            let (k, v) = &entries[0];
            let NodeKind::Scalar { text, .. } = &k.kind else {
                cx.error(
                    k.span,
                    format!("{what} key must be a word"),
                    format!("use one of: {list}"),
                );
                return None;
            };
            if keys.contains(&text.as_str()) {
                return Some((text, v, k.span));
            }
            let msg = match crate::topology::decode::suggest(text, keys) {
                Some(s) => format!("unknown key `{text}`; did you mean `{s}`?"),
                None => format!("unknown key `{text}` in {what}"),
            };
            cx.error(k.span, msg, format!("{what} takes exactly one of: {list}"));
            None
        }
        NodeKind::Map(entries) => {
            cx.error(
                node.span,
                format!("{what} must have exactly one key, found {}", entries.len()),
                format!("use exactly one of: {list} (write several as separate list items)"),
            );
            None
        }
        _ => {
            cx.error(
                node.span,
                format!("expected a mapping for {what}, found {}", node.describe()),
                format!("write one of: {list}"),
            );
            None
        }
    }
}

impl Decode for Option<Condition> {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        const KEYS: &[&str] = &[
            "path_pattern",
            "host_header",
            "http_header",
            "http_request_method",
            "query_string",
            "source_ip",
        ];
        let (key, v, _) = single_key(node, cx, "a rule condition", KEYS)?;
        Some(match key {
            "path_pattern" => Condition::PathPattern(Decode::decode(v, cx)),
            "host_header" => Condition::HostHeader(Decode::decode(v, cx)),
            "http_request_method" => Condition::HttpRequestMethod(Decode::decode(v, cx)),
            "source_ip" => Condition::SourceIp(Decode::decode(v, cx)),
            "http_header" => {
                let mut m = cx.map(v, "an `http_header` condition");
                let c = Condition::HttpHeader {
                    name: m.req(cx, "http_header_name"),
                    values: m.req(cx, "values"),
                };
                m.finish(cx);
                c
            }
            _ => {
                let pairs: Vec<Node> = match &v.kind {
                    NodeKind::Seq(items) => items.clone(),
                    _ => {
                        cx.error(
                            v.span,
                            format!("expected a list for `query_string`, found {}", v.describe()),
                            "write `- {key: k, value: v}` items",
                        );
                        Vec::new()
                    }
                };
                Condition::QueryString(
                    pairs
                        .iter()
                        .map(|p| {
                            let mut m = cx.map(p, "a `query_string` pair");
                            let pair = (m.opt(cx, "key"), m.req(cx, "value"));
                            m.finish(cx);
                            pair
                        })
                        .collect(),
                )
            }
        })
    }
}

impl Decode for Vec<Condition> {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let items: Vec<Option<Condition>> = Decode::decode(node, cx);
        items.into_iter().flatten().collect()
    }
}

impl Decode for Action {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let Some((key, v, _)) = single_key(
            node,
            cx,
            "an action",
            &["forward", "redirect", "fixed_response"],
        ) else {
            return Action::Missing;
        };
        match key {
            "forward" => {
                let mut m = cx.map(v, "a `forward` action");
                let single: Option<Spanned<String>> = m.opt(cx, "target_group");
                let many: Option<Vec<WeightedTargetGroup>> = m.opt(cx, "target_groups");
                let stickiness = match m.node("stickiness") {
                    Some(n) => {
                        let mut s = cx.map(n, "forward stickiness");
                        let enabled: bool = s.or(cx, "enabled", true);
                        let duration: Spanned<i64> =
                            s.or(cx, "duration", Spanned::new(3600, n.span));
                        s.finish(cx);
                        enabled.then_some(duration)
                    }
                    None => None,
                };
                let target_groups = match (single, many) {
                    (Some(one), None) => vec![WeightedTargetGroup {
                        weight: Spanned::new(1, one.span),
                        name: one,
                    }],
                    (None, Some(many)) => many,
                    (Some(_), Some(_)) => {
                        cx.error(
                            v.span,
                            "a forward action has both `target_group` and `target_groups`",
                            "use `target_group: NAME` for one group or `target_groups:` for weighted groups",
                        );
                        Vec::new()
                    }
                    (None, None) => {
                        m.missing("target_group");
                        Vec::new()
                    }
                };
                m.finish(cx);
                Action::Forward {
                    target_groups,
                    stickiness,
                    span: v.span,
                }
            }
            "redirect" => Action::Redirect(Decode::decode(v, cx)),
            _ => Action::FixedResponse(Decode::decode(v, cx)),
        }
    }
}

impl Decode for WeightedTargetGroup {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a weighted target group");
        let w = WeightedTargetGroup {
            name: m.req(cx, "name"),
            weight: m.or(cx, "weight", Spanned::new(1, node.span)),
        };
        m.finish(cx);
        w
    }
}

impl Decode for Redirect {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a `redirect` action");
        let r = Redirect {
            protocol: m.opt(cx, "protocol"),
            host: m.opt(cx, "host"),
            port: m.opt(cx, "port"),
            path: m.opt(cx, "path"),
            query: m.opt(cx, "query"),
            status_code: m.req(cx, "status_code"),
            span: node.span,
        };
        m.finish(cx);
        r
    }
}

impl Decode for FixedResponse {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a `fixed_response` action");
        let f = FixedResponse {
            status_code: m.req(cx, "status_code"),
            content_type: m.or(
                cx,
                "content_type",
                Spanned::new("text/plain".into(), node.span),
            ),
            message_body: m.opt(cx, "message_body"),
            span: node.span,
        };
        m.finish(cx);
        f
    }
}
