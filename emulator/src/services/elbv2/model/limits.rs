//! The limits AWS enforces on rules, conditions and actions
//! (aws-reference.md §1.4 and §1.9), each check naming what is wrong.

use super::rules::{Action, Condition};
use crate::services::elbv2::errors::ElbError;

/// Rules per load balancer, default rules excluded.
pub const RULES_PER_LOAD_BALANCER: usize = 100;
/// Target groups in one forward action.
pub const TARGET_GROUPS_PER_ACTION: usize = 5;
/// Registered targets per target group.
pub const TARGETS_PER_GROUP: usize = 1000;
/// Match evaluations (values) per rule.
pub const VALUES_PER_RULE: usize = 5;
/// Wildcard characters per rule.
pub const WILDCARDS_PER_RULE: usize = 5;
/// Listeners per load balancer.
pub const LISTENERS_PER_LOAD_BALANCER: usize = 50;

/// SNI certificates per application load balancer (default certificates
/// excluded).
pub const CERTIFICATES_PER_LOAD_BALANCER: usize = 25;

/// DescribeAccountLimits: the Elastic Load Balancing quotas of a region,
/// by the names the API reports them under, at their default values (ALB
/// user guide, "Quotas for your Application Load Balancers", and the NLB
/// and GWLB guides). emul enforces those on listeners, rules (condition
/// values and wildcards), forward actions, targets and certificates; not the
/// per-region counts of load balancers and target groups.
pub const ACCOUNT_LIMITS: &[(&str, usize)] = &[
    ("application-load-balancers", 50),
    ("target-groups", 3000),
    ("targets-per-application-load-balancer", TARGETS_PER_GROUP),
    (
        "listeners-per-application-load-balancer",
        LISTENERS_PER_LOAD_BALANCER,
    ),
    (
        "rules-per-application-load-balancer",
        RULES_PER_LOAD_BALANCER,
    ),
    ("network-load-balancers", 50),
    ("targets-per-network-load-balancer", 3000),
    (
        "targets-per-availability-zone-per-network-load-balancer",
        500,
    ),
    ("listeners-per-network-load-balancer", 50),
    ("condition-values-per-alb-rule", VALUES_PER_RULE),
    ("condition-wildcards-per-alb-rule", WILDCARDS_PER_RULE),
    ("target-groups-per-application-load-balancer", 100),
    (
        "target-groups-per-action-on-application-load-balancer",
        TARGET_GROUPS_PER_ACTION,
    ),
    ("target-groups-per-action-on-network-load-balancer", 1),
    (
        "certificates-per-application-load-balancer",
        CERTIFICATES_PER_LOAD_BALANCER,
    ),
    ("certificates-per-network-load-balancer", 25),
    ("gateway-load-balancers", 100),
    ("gateway-load-balancers-per-vpc", 100),
    ("geneve-target-groups", 100),
    (
        "targets-per-availability-zone-per-gateway-load-balancer",
        300,
    ),
];

/// Priorities are 1..=50000.
pub fn check_priority(p: u32) -> Result<(), ElbError> {
    if (1..=50_000).contains(&p) {
        Ok(())
    } else {
        Err(ElbError::Validation(format!(
            "Priority must be between 1 and 50000, but was {p}"
        )))
    }
}

/// At most one host/method/path/source-ip condition, no empty value, ≤ 5
/// values and ≤ 5 wildcards per rule, at least one condition.
pub fn check_conditions(conditions: &[Condition]) -> Result<(), ElbError> {
    if conditions.is_empty() {
        return Err(ElbError::Validation(
            "A rule must have at least one condition".into(),
        ));
    }
    for field in [
        "host-header",
        "http-request-method",
        "path-pattern",
        "source-ip",
    ] {
        if conditions.iter().filter(|c| c.field() == field).count() > 1 {
            return Err(ElbError::Validation(format!(
                "A rule can only have one '{field}' condition"
            )));
        }
    }
    let mut values = 0;
    let mut wildcards = 0;
    for c in conditions {
        check_condition(c)?;
        values += c.value_count();
        wildcards += c.wildcard_count();
    }
    if values > VALUES_PER_RULE {
        return Err(ElbError::Validation(format!(
            "A rule can only have '{VALUES_PER_RULE}' condition values"
        )));
    }
    if wildcards > WILDCARDS_PER_RULE {
        return Err(ElbError::Validation(format!(
            "A rule can only have '{WILDCARDS_PER_RULE}' wildcards"
        )));
    }
    Ok(())
}

/// AWS's message for a value over its length limit.
fn too_long(what: &str, limit: usize) -> ElbError {
    ElbError::Validation(format!(
        "The '{what}' value is too long; the limit is '{limit}'"
    ))
}

/// Checks `text` (named `what` in messages): at most `limit` characters,
/// not empty, no control characters.
fn check_value(what: &str, text: &str, limit: usize) -> Result<(), ElbError> {
    if text.chars().count() > limit {
        return Err(too_long(what, limit));
    }
    if text.is_empty() {
        return Err(ElbError::Validation(
            "A condition value must be specified".into(),
        ));
    }
    if text.chars().any(|ch| ch.is_ascii_control()) {
        return Err(ElbError::Validation(format!(
            "The '{what}' value cannot contain control characters"
        )));
    }
    Ok(())
}

/// One condition's own rules: at least one value, each within its length
/// and character limits, with AWS's messages.
fn check_condition(c: &Condition) -> Result<(), ElbError> {
    let field = c.field();
    if c.value_count() == 0 {
        return Err(ElbError::Validation(match c {
            Condition::SourceIp(_) => "A 'source-ip' value must be specified".into(),
            _ => "A condition value must be specified".into(),
        }));
    }
    match c {
        Condition::PathPattern(v) => {
            for p in v {
                check_value(field, p, 128)?;
            }
            if let Some(bad) = v.iter().find(|p| !p.chars().all(path_char)) {
                return Err(ElbError::Validation(format!(
                    "The 'path-pattern' value '{bad}' contains characters that are not allowed"
                )));
            }
        }
        Condition::HostHeader(v) => {
            for h in v {
                check_value(field, h, 128)?;
            }
        }
        Condition::HttpHeader { name, values } => {
            if name.chars().count() > 40 {
                return Err(too_long("HttpHeaderName", 40));
            }
            if name.is_empty() {
                return Err(ElbError::Validation(
                    "A 'HttpHeaderName' must be specified in 'HttpHeaderConfig'".into(),
                ));
            }
            if name.eq_ignore_ascii_case("host") {
                return Err(ElbError::Validation(
                    "Use a 'host-header' condition to match the Host header".into(),
                ));
            }
            for v in values {
                check_value(field, v, 128)?;
            }
        }
        Condition::HttpRequestMethod(v) => {
            for m in v {
                check_value(field, m, 40)?;
                if !m
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '-' || ch == '_')
                {
                    return Err(ElbError::Validation(
                        "The 'http-request-method' value is invalid; the allowed characters are A-Z, hyphen and underscore".into(),
                    ));
                }
            }
        }
        Condition::QueryString(pairs) => {
            for p in pairs {
                if let Some(k) = &p.key {
                    check_value("Key", k, 128)?;
                }
                check_value("Value", &p.value, 128)?;
            }
        }
        Condition::SourceIp(nets) => {
            if nets.len() > VALUES_PER_RULE {
                return Err(ElbError::Validation(format!(
                    "The 'source-ip' field contains too many values; the limit is '{VALUES_PER_RULE}'"
                )));
            }
        }
    }
    Ok(())
}

/// The characters a path pattern may use.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c)
}

/// Checks an action: forward weights and group count, redirect that changes
/// something and never HTTPS→HTTP, fixed-response status/type/body.
pub fn check_action(action: &Action, listener_protocol: &str) -> Result<(), ElbError> {
    match action {
        Action::Forward {
            groups,
            stickiness_seconds,
        } => {
            if groups.is_empty() {
                return Err(ElbError::Validation(
                    "A forward action must specify a target group".into(),
                ));
            }
            if groups.len() > TARGET_GROUPS_PER_ACTION {
                return Err(ElbError::TooManyTargetGroups(format!(
                    "A forward action can have at most {TARGET_GROUPS_PER_ACTION} target groups"
                )));
            }
            if let Some(g) = groups.iter().find(|g| g.weight > 999) {
                return Err(ElbError::Validation(format!(
                    "Target group weight must be between 0 and 999, but was {}",
                    g.weight
                )));
            }
            let mut arns: Vec<&str> = groups.iter().map(|g| g.target_group_arn.as_str()).collect();
            arns.sort();
            arns.dedup();
            if arns.len() != groups.len() {
                return Err(ElbError::Validation(
                    "A target group can be specified only once in a forward action".into(),
                ));
            }
            if let Some(d) = stickiness_seconds
                && !(1..=604_800).contains(d)
            {
                return Err(ElbError::Validation(format!(
                    "Target group stickiness duration must be between 1 and 604800 seconds, but was {d}"
                )));
            }
        }
        Action::Redirect(r) => {
            if r.protocol == "#{protocol}"
                && r.port == "#{port}"
                && r.host == "#{host}"
                && r.path == "/#{path}"
            {
                return Err(ElbError::InvalidLoadBalancerAction(
                    "The redirect must change at least one of protocol, host, port or path".into(),
                ));
            }
            if !["HTTP", "HTTPS", "#{protocol}"].contains(&r.protocol.as_str()) {
                return Err(ElbError::Validation(format!(
                    "Redirect protocol must be HTTP, HTTPS or #{{protocol}}, but was '{}'",
                    r.protocol
                )));
            }
            if listener_protocol == "HTTPS" && r.protocol == "HTTP" {
                return Err(ElbError::InvalidLoadBalancerAction(
                    "You cannot redirect from HTTPS to HTTP".into(),
                ));
            }
            if !r.path.starts_with('/') {
                return Err(ElbError::Validation(
                    "Redirect path must start with a '/' character".into(),
                ));
            }
            if r.query.len() > 128 {
                return Err(ElbError::Validation(
                    "Redirect query must be at most 128 characters".into(),
                ));
            }
            if r.port != "#{port}" && !r.port.parse::<u16>().is_ok_and(|p| p >= 1) {
                return Err(ElbError::Validation(format!(
                    "Redirect port must be between 1 and 65535 or #{{port}}, but was '{}'",
                    r.port
                )));
            }
        }
        Action::FixedResponse(f) => {
            if !matches!(f.status / 100, 2 | 4 | 5) || f.status > 599 {
                return Err(ElbError::Validation(format!(
                    "Fixed response status code must be 2XX, 4XX or 5XX, but was {}",
                    f.status
                )));
            }
            const TYPES: [&str; 5] = [
                "text/plain",
                "text/css",
                "text/html",
                "application/javascript",
                "application/json",
            ];
            // A well-formed but unknown type is refused as an invalid
            // action, not as malformed input.
            if let Some(t) = &f.content_type
                && !TYPES.contains(&t.as_str())
            {
                return Err(ElbError::InvalidLoadBalancerAction(format!(
                    "Fixed response content type must be one of [{}], but was '{t}'",
                    TYPES.join(", ")
                )));
            }
            if f.body.as_ref().is_some_and(|b| b.len() > 1024) {
                return Err(ElbError::Validation(
                    "Fixed response message body must be at most 1024 characters".into(),
                ));
            }
        }
    }
    Ok(())
}
