//! Target groups: health-check settings, attributes with AWS's defaults and
//! ranges (aws-reference.md §1.2), registered targets and which of them take
//! traffic (healthy ones; all non-draining ones when none is healthy).

use std::collections::BTreeMap;

use super::attribute_value::AttributeValue;
use super::health::{Health, HealthTracker, Matcher, Thresholds, slow_start_factor};
use crate::services::elbv2::errors::ElbError;

/// A target's identity inside a group: its id (an IP for `ip` groups) and port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey {
    /// `Target.Id`: an IPv4 address for `ip` target groups.
    pub id: String,
    /// `Target.Port`: the registered port (the group's port when omitted).
    pub port: u16,
}

/// One registered target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredTarget {
    /// Its health and streak counters.
    pub tracker: HealthTracker,
    /// When it was registered (epoch ms), for ordering and slow start.
    pub registered_ms: i64,
}

/// A target group's health-check settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// `HealthCheckEnabled`.
    pub enabled: bool,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// `HealthCheckPath`.
    pub path: String,
    /// `None` = `traffic-port`.
    pub port: Option<u16>,
    /// `HealthCheckIntervalSeconds` (5..=300).
    pub interval_s: u32,
    /// `HealthCheckTimeoutSeconds` (2..=120).
    pub timeout_s: u32,
    /// `HealthyThresholdCount` (2..=10).
    pub healthy_threshold: u32,
    /// `UnhealthyThresholdCount` (2..=10).
    pub unhealthy_threshold: u32,
    /// `Matcher.HttpCode`.
    pub matcher: Matcher,
}

impl HealthCheck {
    /// AWS's defaults for an HTTP target group.
    pub fn defaults() -> Self {
        HealthCheck {
            enabled: true,
            protocol: "HTTP".into(),
            path: "/".into(),
            port: None,
            interval_s: 30,
            timeout_s: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: Matcher::parse("200").expect("200 is a valid matcher"),
        }
    }

    /// Enforces AWS's ranges.
    pub fn validate(&self) -> Result<(), ElbError> {
        let range = |name: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ElbError::Validation(format!(
                    "{name} must be between {lo} and {hi}, but was {v}"
                )))
            }
        };
        range("HealthCheckIntervalSeconds", self.interval_s, 5, 300)?;
        range("HealthCheckTimeoutSeconds", self.timeout_s, 2, 120)?;
        range("HealthyThresholdCount", self.healthy_threshold, 2, 10)?;
        range("UnhealthyThresholdCount", self.unhealthy_threshold, 2, 10)?;
        if self.timeout_s >= self.interval_s {
            return Err(ElbError::Validation(format!(
                "Health check timeout '{}' must be smaller than the interval '{}'",
                self.timeout_s, self.interval_s
            )));
        }
        if !self.path.starts_with('/') || self.path.len() > 1024 {
            return Err(ElbError::Validation(
                "Health check path must begin with a '/' character and be at most 1024 characters"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The thresholds the state machine uses.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            healthy: self.healthy_threshold,
            unhealthy: self.unhealthy_threshold,
        }
    }

    /// `HealthCheckPort` as DescribeTargetGroups shows it.
    pub fn port_text(&self) -> String {
        self.port
            .map_or_else(|| "traffic-port".into(), |p| p.to_string())
    }
}

/// Stickiness as configured by the attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stickiness {
    /// `lb_cookie`: `AWSALB`, enforced duration in seconds.
    LbCookie {
        /// `stickiness.lb_cookie.duration_seconds`.
        duration_s: u32,
    },
    /// `app_cookie`: follow the application's cookie, `AWSALBAPP-*`.
    AppCookie {
        /// `stickiness.app_cookie.cookie_name`.
        cookie_name: String,
        /// `stickiness.app_cookie.duration_seconds`.
        duration_s: u32,
    },
}

/// The routing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `round_robin`.
    RoundRobin,
    /// `least_outstanding_requests`.
    LeastOutstandingRequests,
    /// `weighted_random`.
    WeightedRandom,
}

/// Every target-group attribute with its default (aws-reference.md §1.2).
pub const DEFAULT_ATTRIBUTES: &[(&str, &str)] = &[
    ("deregistration_delay.timeout_seconds", "300"),
    ("stickiness.enabled", "false"),
    ("stickiness.type", "lb_cookie"),
    ("stickiness.lb_cookie.duration_seconds", "86400"),
    ("stickiness.app_cookie.cookie_name", ""),
    ("stickiness.app_cookie.duration_seconds", "86400"),
    ("load_balancing.algorithm.type", "round_robin"),
    ("load_balancing.algorithm.anomaly_mitigation", "off"),
    ("slow_start.duration_seconds", "0"),
    (
        "load_balancing.cross_zone.enabled",
        "use_load_balancer_configuration",
    ),
    (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
        "1",
    ),
    (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
        "off",
    ),
    (
        "target_group_health.dns_failover.minimum_healthy_targets.count",
        "1",
    ),
    (
        "target_group_health.dns_failover.minimum_healthy_targets.percentage",
        "off",
    ),
];

/// Checks one attribute's key and value as AWS does, for a target group
/// speaking `protocol`.
pub fn validate_attribute(key: &str, value: &str, protocol: &str) -> Result<(), ElbError> {
    let given = AttributeValue { key, value };
    let int_in = |lo: i64, hi: i64| given.int_in(lo, hi);
    let one_of = |allowed: &[&str]| given.one_of(allowed);
    match key {
        "deregistration_delay.timeout_seconds" => int_in(0, 3600),
        "stickiness.enabled" => one_of(&["true", "false"]),
        // AWS checks the type against every HTTP-family type first, then
        // refuses source_ip (a network load balancer's) on HTTP groups.
        "stickiness.type" => match value {
            "lb_cookie" | "app_cookie" => Ok(()),
            "source_ip" => Err(ElbError::Validation(format!(
                "Stickiness type 'source_ip' is not supported for target groups with the {protocol} protocol"
            ))),
            _ => Err(ElbError::Validation(
                "'Stickiness type' must be one of [app_cookie, lb_cookie, source_ip]".into(),
            )),
        },
        "stickiness.lb_cookie.duration_seconds" | "stickiness.app_cookie.duration_seconds" => {
            int_in(1, 604_800)
        }
        "stickiness.app_cookie.cookie_name" => {
            let reserved = ["AWSALB", "AWSALBAPP", "AWSALBTG"];
            if reserved.iter().any(|p| value.starts_with(p)) {
                Err(ElbError::Validation(format!(
                    "'{key}' cannot start with AWSALB, AWSALBAPP or AWSALBTG"
                )))
            } else {
                Ok(())
            }
        }
        "load_balancing.algorithm.type" => one_of(&[
            "round_robin",
            "least_outstanding_requests",
            "weighted_random",
        ]),
        "load_balancing.algorithm.anomaly_mitigation" => one_of(&["on", "off"]),
        "slow_start.duration_seconds" => {
            if value == "0" {
                Ok(())
            } else {
                int_in(30, 900)
            }
        }
        "load_balancing.cross_zone.enabled" => {
            one_of(&["true", "false", "use_load_balancer_configuration"])
        }
        k if k.starts_with("target_group_health.") && k.ends_with(".count") => int_in(1, 1000),
        k if k.starts_with("target_group_health.") && k.ends_with(".percentage") => {
            if value == "off" {
                Ok(())
            } else {
                int_in(1, 100)
            }
        }
        _ => Err(ElbError::Validation(format!(
            "Target group attribute key '{key}' is not recognized"
        ))),
    }
}

/// A target group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroup {
    /// Its ARN.
    pub arn: String,
    /// `TargetGroupName`.
    pub name: String,
    /// `HTTP` or `HTTPS` toward the targets.
    pub protocol: String,
    /// The default target port.
    pub port: u16,
    /// `VpcId`.
    pub vpc_id: String,
    /// `ip` or `instance`.
    pub target_type: String,
    /// Health-check settings.
    pub health_check: HealthCheck,
    /// Attributes, every key present (defaults filled in).
    pub attributes: BTreeMap<String, String>,
    /// Registered targets (draining ones included until their delay ends).
    pub targets: BTreeMap<TargetKey, RegisteredTarget>,
}

impl TargetGroup {
    /// A group with AWS's defaults.
    pub fn new(arn: String, name: String, protocol: String, port: u16, vpc_id: String) -> Self {
        TargetGroup {
            arn,
            name,
            protocol,
            port,
            vpc_id,
            target_type: "ip".into(),
            health_check: HealthCheck::defaults(),
            attributes: DEFAULT_ATTRIBUTES
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            targets: BTreeMap::new(),
        }
    }

    fn attr(&self, key: &str) -> &str {
        self.attributes.get(key).map_or("", String::as_str)
    }

    fn attr_u32(&self, key: &str, default: u32) -> u32 {
        self.attr(key).parse().unwrap_or(default)
    }

    /// `deregistration_delay.timeout_seconds`.
    pub fn deregistration_delay_s(&self) -> u32 {
        self.attr_u32("deregistration_delay.timeout_seconds", 300)
    }

    /// `slow_start.duration_seconds` (0 = off).
    pub fn slow_start_s(&self) -> u32 {
        self.attr_u32("slow_start.duration_seconds", 0)
    }

    /// The routing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.attr("load_balancing.algorithm.type") {
            "least_outstanding_requests" => Algorithm::LeastOutstandingRequests,
            "weighted_random" => Algorithm::WeightedRandom,
            _ => Algorithm::RoundRobin,
        }
    }

    /// Stickiness, when enabled.
    pub fn stickiness(&self) -> Option<Stickiness> {
        if self.attr("stickiness.enabled") != "true" {
            return None;
        }
        Some(match self.attr("stickiness.type") {
            "app_cookie" => Stickiness::AppCookie {
                cookie_name: self.attr("stickiness.app_cookie.cookie_name").to_string(),
                duration_s: self.attr_u32("stickiness.app_cookie.duration_seconds", 86400),
            },
            _ => Stickiness::LbCookie {
                duration_s: self.attr_u32("stickiness.lb_cookie.duration_seconds", 86400),
            },
        })
    }

    /// Applies a partial attribute update after validating every pair and
    /// the combinations AWS refuses.
    pub fn set_attributes(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        let mut next = self.attributes.clone();
        for (k, v) in pairs {
            validate_attribute(k, v, &self.protocol)?;
            next.insert(k.clone(), v.clone());
        }
        let lor = next
            .get("load_balancing.algorithm.type")
            .map(String::as_str)
            == Some("least_outstanding_requests");
        let slow = next
            .get("slow_start.duration_seconds")
            .is_some_and(|v| v != "0");
        if lor && slow {
            return Err(ElbError::InvalidConfigurationRequest(
                "Slow start mode cannot be enabled with the least outstanding requests algorithm"
                    .into(),
            ));
        }
        if next.get("stickiness.enabled").map(String::as_str) == Some("true")
            && next.get("stickiness.type").map(String::as_str) == Some("app_cookie")
            && next
                .get("stickiness.app_cookie.cookie_name")
                .is_none_or(|n| n.is_empty())
        {
            return Err(ElbError::Validation(
                "'stickiness.app_cookie.cookie_name' must be specified for app_cookie stickiness"
                    .into(),
            ));
        }
        self.attributes = next;
        Ok(())
    }

    /// Targets that may receive a new request at `now_ms`, each with its
    /// weight factor (slow start): the healthy ones; when none is healthy,
    /// every registered non-draining target (fail-open). Empty only when no
    /// non-draining target is registered.
    pub fn routable(&self, now_ms: i64) -> Vec<(&TargetKey, f64)> {
        let live: Vec<(&TargetKey, &RegisteredTarget)> = self
            .targets
            .iter()
            .filter(|(_, t)| !matches!(t.tracker.health, Health::Draining { .. }))
            .collect();
        let slow = self.slow_start_s();
        let healthy: Vec<(&TargetKey, f64)> = live
            .iter()
            .filter_map(|(k, t)| match t.tracker.health {
                Health::Healthy { since_ms } => {
                    Some((*k, slow_start_factor(since_ms, now_ms, slow)))
                }
                _ => None,
            })
            .collect();
        if healthy.is_empty() || !self.health_check.enabled {
            return live.into_iter().map(|(k, _)| (k, 1.0)).collect();
        }
        healthy
    }

    /// Removes draining targets whose delay has elapsed; `true` if any went.
    pub fn expire_draining(&mut self, now_ms: i64) -> bool {
        let before = self.targets.len();
        self.targets.retain(
            |_, t| !matches!(t.tracker.health, Health::Draining { until_ms } if until_ms <= now_ms),
        );
        before != self.targets.len()
    }
}
