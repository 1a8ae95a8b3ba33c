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
        if c.value_count() == 0 {
            return Err(ElbError::Validation(format!(
                "A '{}' condition must have at least one value",
                c.field()
            )));
        }
        let texts: Vec<&str> = match c {
            Condition::PathPattern(v)
            | Condition::HostHeader(v)
            | Condition::HttpRequestMethod(v) => v.iter().map(String::as_str).collect(),
            Condition::HttpHeader { name, values } => {
                if name.is_empty() || name.len() > 40 {
                    return Err(ElbError::Validation(
                        "HTTP header name must be between 1 and 40 characters".into(),
                    ));
                }
                if name.eq_ignore_ascii_case("host") {
                    return Err(ElbError::Validation(
                        "Use a 'host-header' condition to match the Host header".into(),
                    ));
                }
                values.iter().map(String::as_str).collect()
            }
            Condition::QueryString(pairs) => pairs.iter().map(|p| p.value.as_str()).collect(),
            Condition::SourceIp(_) => Vec::new(),
        };
        for t in texts {
            if t.is_empty() || t.len() > 128 {
                return Err(ElbError::Validation(format!(
                    "A '{}' condition value must be between 1 and 128 characters",
                    c.field()
                )));
            }
            if t.chars().any(|ch| ch.is_ascii_control()) {
                return Err(ElbError::Validation(format!(
                    "A '{}' condition value cannot contain control characters",
                    c.field()
                )));
            }
        }
        if let Condition::PathPattern(v) = c
            && let Some(bad) = v.iter().find(|p| !p.chars().all(path_char))
        {
            return Err(ElbError::Validation(format!(
                "The path pattern '{bad}' contains characters that are not allowed"
            )));
        }
        if let Condition::HttpRequestMethod(v) = c
            && let Some(bad) = v.iter().find(|m| {
                m.len() > 40
                    || !m
                        .chars()
                        .all(|ch| ch.is_ascii_uppercase() || ch == '-' || ch == '_')
            })
        {
            return Err(ElbError::Validation(format!(
                "The HTTP request method '{bad}' is not valid: use A-Z, '-' and '_' (at most 40)"
            )));
        }
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
            if let Some(t) = &f.content_type
                && !TYPES.contains(&t.as_str())
            {
                return Err(ElbError::Validation(format!(
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
