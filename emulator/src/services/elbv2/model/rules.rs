//! Listener rules: conditions, actions, evaluation order and redirect
//! templating, exactly as aws-reference.md §1.4 describes ALB's.
//!
//! Evaluation: non-default rules by ascending priority, the first whose
//! conditions ALL match wins (values inside one condition are ORed); the
//! default rule (no conditions) runs last.

use std::net::IpAddr;

use ipnet::IpNet;

use super::glob::{self, NOCASE, PATH, QUERY};

/// One rule condition; the values inside it are ORed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Globs over the URL path (no query), case-sensitive.
    PathPattern(Vec<String>),
    /// Globs over the Host header's name, case-insensitive.
    HostHeader(Vec<String>),
    /// Globs over the named header's values (name and value without case).
    HttpHeader {
        /// The header name.
        name: String,
        /// Value globs.
        values: Vec<String>,
    },
    /// Exact, case-sensitive request methods.
    HttpRequestMethod(Vec<String>),
    /// Query pairs: optional key glob and a value glob, case-insensitive.
    QueryString(Vec<QueryPair>),
    /// CIDRs the TCP peer address must fall in.
    SourceIp(Vec<IpNet>),
}

/// One `query-string` condition value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPair {
    /// Key glob; `None` matches any key.
    pub key: Option<String>,
    /// Value glob.
    pub value: String,
}

impl Condition {
    /// The AWS `Field` name.
    pub fn field(&self) -> &'static str {
        match self {
            Condition::PathPattern(_) => "path-pattern",
            Condition::HostHeader(_) => "host-header",
            Condition::HttpHeader { .. } => "http-header",
            Condition::HttpRequestMethod(_) => "http-request-method",
            Condition::QueryString(_) => "query-string",
            Condition::SourceIp(_) => "source-ip",
        }
    }

    /// How many match evaluations (values) this condition holds.
    pub fn value_count(&self) -> usize {
        match self {
            Condition::PathPattern(v)
            | Condition::HostHeader(v)
            | Condition::HttpRequestMethod(v)
            | Condition::HttpHeader { values: v, .. } => v.len(),
            Condition::QueryString(v) => v.len(),
            Condition::SourceIp(v) => v.len(),
        }
    }

    /// Wildcard characters used (AWS allows 5 per rule).
    pub fn wildcard_count(&self) -> usize {
        match self {
            Condition::PathPattern(v)
            | Condition::HostHeader(v)
            | Condition::HttpHeader { values: v, .. } => {
                v.iter().map(|s| glob::wildcard_count(s)).sum()
            }
            Condition::QueryString(v) => v
                .iter()
                .map(|p| {
                    glob::wildcard_count(&p.value)
                        + p.key.as_deref().map_or(0, glob::wildcard_count)
                })
                .sum(),
            Condition::HttpRequestMethod(_) | Condition::SourceIp(_) => 0,
        }
    }

    /// `true` when the request satisfies this condition.
    pub fn matches(&self, req: &RequestView<'_>) -> bool {
        match self {
            Condition::PathPattern(v) => v.iter().any(|p| glob::matches(p, req.path, PATH)),
            Condition::HostHeader(v) => {
                let Some(host) = req.host.map(strip_port) else {
                    return false;
                };
                v.iter().any(|p| glob::matches(p, host, NOCASE))
            }
            Condition::HttpHeader { name, values } => req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .any(|(_, value)| values.iter().any(|p| glob::matches(p, value, NOCASE))),
            Condition::HttpRequestMethod(v) => v.iter().any(|m| m == req.method),
            Condition::QueryString(pairs) => {
                let query = req.query.unwrap_or("");
                let decoded: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                pairs.iter().any(|pair| {
                    decoded.iter().any(|(k, v)| {
                        pair.key
                            .as_deref()
                            .is_none_or(|kp| glob::matches(kp, k, QUERY))
                            && glob::matches(&pair.value, v, QUERY)
                    })
                })
            }
            Condition::SourceIp(nets) => nets.iter().any(|n| n.contains(&req.source_ip)),
        }
    }
}

/// `Host` without a `:port` suffix (IPv6 literals keep their brackets).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |i| &host[..=i]);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// What rule evaluation looks at in a request.
#[derive(Debug, Clone)]
pub struct RequestView<'a> {
    /// The method, as sent.
    pub method: &'a str,
    /// The Host header (or HTTP/2 `:authority`), if any.
    pub host: Option<&'a str>,
    /// The URL path, without the query.
    pub path: &'a str,
    /// The raw query string without `?`.
    pub query: Option<&'a str>,
    /// Every header as (name, value), in order, duplicates kept.
    pub headers: &'a [(&'a str, &'a str)],
    /// The TCP peer address.
    pub source_ip: IpAddr,
    /// `HTTP` or `HTTPS`: the listener protocol.
    pub protocol: &'a str,
    /// The listener port.
    pub port: u16,
}

/// A target group in a forward action, with its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedGroup {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// 0..=999; 0 receives nothing.
    pub weight: u32,
}

/// A redirect action's configuration (unset parts keep the request's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectConfig {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    pub protocol: String,
    /// Port or `#{port}`.
    pub port: String,
    /// Host or a template with `#{host}`.
    pub host: String,
    /// Path starting with `/`, may use `#{path}` (no leading slash).
    pub path: String,
    /// Query without `?`.
    pub query: String,
    /// 301 or 302.
    pub status: u16,
}

impl RedirectConfig {
    /// The config with AWS's defaults for unset components (each keeps the
    /// request's value).
    pub fn with_defaults(
        protocol: Option<String>,
        port: Option<String>,
        host: Option<String>,
        path: Option<String>,
        query: Option<String>,
        status: u16,
    ) -> Self {
        RedirectConfig {
            protocol: protocol.unwrap_or_else(|| "#{protocol}".into()),
            port: port.unwrap_or_else(|| "#{port}".into()),
            host: host.unwrap_or_else(|| "#{host}".into()),
            path: path.unwrap_or_else(|| "/#{path}".into()),
            query: query.unwrap_or_else(|| "#{query}".into()),
            status,
        }
    }

    /// The `Location` header for `req`: `proto://host:port/path[?query]`,
    /// the port always explicit, no `?` for an empty query.
    pub fn location(&self, req: &RequestView<'_>) -> String {
        let protocol = req.protocol.to_ascii_uppercase();
        let host = req.host.map(strip_port).unwrap_or("");
        let port = req.port.to_string();
        let path = req.path.strip_prefix('/').unwrap_or(req.path);
        let query = req.query.unwrap_or("");
        let fill = |t: &str| {
            t.replace("#{protocol}", &protocol)
                .replace("#{host}", host)
                .replace("#{port}", &port)
                .replace("#{path}", path)
                .replace("#{query}", query)
        };
        let scheme = fill(&self.protocol).to_ascii_lowercase();
        let mut out = format!(
            "{scheme}://{}:{}{}",
            fill(&self.host),
            fill(&self.port),
            fill(&self.path)
        );
        let q = fill(&self.query);
        if !q.is_empty() {
            out.push('?');
            out.push_str(&q);
        }
        out
    }
}

/// A fixed-response action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedResponseConfig {
    /// 2XX, 4XX or 5XX.
    pub status: u16,
    /// One of the five allowed content types, if given.
    pub content_type: Option<String>,
    /// ≤ 1024 bytes.
    pub body: Option<String>,
}

/// What a matched rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Forward to weighted target groups.
    Forward {
        /// The groups and weights (one group: weight irrelevant).
        groups: Vec<WeightedGroup>,
        /// Target-group stickiness duration (`AWSALBTG`), when enabled.
        stickiness_seconds: Option<u32>,
    },
    /// Answer with a redirect.
    Redirect(RedirectConfig),
    /// Answer with a fixed response.
    FixedResponse(FixedResponseConfig),
}

impl Action {
    /// The AWS `Type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Forward { .. } => "forward",
            Action::Redirect(_) => "redirect",
            Action::FixedResponse(_) => "fixed-response",
        }
    }

    /// The target groups this action can send traffic to.
    pub fn target_group_arns(&self) -> impl Iterator<Item = &str> {
        let groups: &[WeightedGroup] = match self {
            Action::Forward { groups, .. } => groups,
            _ => &[],
        };
        groups.iter().map(|g| g.target_group_arn.as_str())
    }
}

/// A listener rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its ARN.
    pub arn: String,
    /// The listener it belongs to.
    pub listener_arn: String,
    /// 1..=50000; `None` for the default rule.
    pub priority: Option<u32>,
    /// ANDed conditions (empty for the default rule).
    pub conditions: Vec<Condition>,
    /// The terminal action (one of forward/redirect/fixed-response).
    pub action: Action,
}

impl Rule {
    /// `true` when every condition matches.
    pub fn matches(&self, req: &RequestView<'_>) -> bool {
        self.conditions.iter().all(|c| c.matches(req))
    }
}

/// A listener's rules in the order they are evaluated: by priority, the
/// default rule (the one without priority) last. `rules` may be in any order.
pub fn in_evaluation_order<'r>(rules: impl IntoIterator<Item = &'r Rule>) -> Vec<&'r Rule> {
    let mut ordered: Vec<&Rule> = rules.into_iter().collect();
    ordered.sort_by_key(|r| (r.priority.is_none(), r.priority));
    ordered
}

/// The first rule of `ordered` (see [`in_evaluation_order`]) that handles
/// `req`: a prioritised rule whose conditions all match, else the default.
pub fn first_match<'r>(
    ordered: impl IntoIterator<Item = &'r Rule>,
    req: &RequestView<'_>,
) -> Option<&'r Rule> {
    ordered
        .into_iter()
        .find(|r| r.priority.is_none() || r.matches(req))
}

/// The rule that handles `req`: the lowest-priority match, else the default.
/// `rules` may be in any order; the default rule is the one without priority.
pub fn evaluate<'r>(
    rules: impl IntoIterator<Item = &'r Rule>,
    req: &RequestView<'_>,
) -> Option<&'r Rule> {
    first_match(in_evaluation_order(rules), req)
}

/// Picks a group from weighted groups with `roll` uniform in
/// `0..total_weight`; `None` when every weight is 0.
pub fn pick_weighted(groups: &[WeightedGroup], roll: u32) -> Option<&WeightedGroup> {
    if groups.len() == 1 {
        return groups.first();
    }
    let mut r = roll;
    for g in groups {
        if r < g.weight {
            return Some(g);
        }
        r -= g.weight;
    }
    None
}

/// The sum of the weights (the range of `roll` for [`pick_weighted`]).
pub fn total_weight(groups: &[WeightedGroup]) -> u32 {
    groups.iter().map(|g| g.weight).sum()
}
