//! The ELBv2 model: load balancers, listeners, rules, target groups and
//! their targets for one account and region. Pure: no I/O, no clock (every
//! time-dependent call takes `now_ms`), no randomness (new ids are derived
//! from a hash of the account, region, resource path and a counter, so a
//! topology always yields the same ARNs).
//!
//! | file | what it owns |
//! |---|---|
//! | [`attribute_value`] | range and word checks shared by target-group and load-balancer attributes |
//! | [`glob`] | `*`/`?` wildcard matching (path, host, header, query) |
//! | [`rules`] | conditions, actions, rule evaluation, redirect templating, weighted choice |
//! | [`limits`] | the rule/condition/action limits AWS enforces |
//! | [`health`] | matcher parsing, the target health state machine, reason codes |
//! | [`target_group`] | target groups, attributes and defaults, routable targets |
//! | [`lb_attributes`] | load-balancer attributes (keys, values, what the data plane reads); deleting load balancers and target groups |
//! | [`listener_attributes`] | listener attributes (response headers, TLS header names) and what the data plane applies |
//! | [`tags`] | AddTags/RemoveTags and the tag limits |
//! | [`network`] | SetSubnets, SetIpAddressType, zones of subnets |
//! | [`certificates`] | a listener's default and SNI certificates |
//! | [`ssl_policies`] | AWS's predefined security policies |
//! | [`build`] | [`Elbv2`] from a topology |
//! | `tests` | unit tests across the model |

pub mod attribute_value;
pub mod build;
pub mod certificates;
pub mod glob;
pub mod health;
pub mod lb_attributes;
pub mod limits;
pub mod listener_attributes;
pub mod network;
pub mod rules;
pub mod ssl_policies;
pub mod tags;
pub mod target_group;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::services::elbv2::errors::ElbError;
use health::{CheckOutcome, Health, HealthTracker, Reason};
use rules::{Action, Condition, Rule};
use target_group::{RegisteredTarget, TargetGroup, TargetKey};

/// An Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancer {
    /// Its ARN.
    pub arn: String,
    /// `LoadBalancerName`.
    pub name: String,
    /// `DNSName` (`name-123456789.region.elb.amazonaws.com`).
    pub dns_name: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `VpcId`.
    pub vpc_id: String,
    /// (subnet id, availability zone) pairs.
    pub zones: Vec<(String, String)>,
    /// Security group ids (the topology's group names).
    pub security_groups: Vec<String>,
    /// `CreatedTime` (epoch ms).
    pub created_ms: i64,
    /// Load-balancer attributes, every key present.
    pub attributes: BTreeMap<String, String>,
    /// `IpAddressType` (`ipv4`, `dualstack`, `dualstack-without-public-ipv4`).
    pub ip_address_type: String,
}

/// A listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Its ARN.
    pub arn: String,
    /// The load balancer's ARN.
    pub load_balancer_arn: String,
    /// The port inside the VPC (`Port`, also `X-Forwarded-Port`).
    pub port: u16,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// emul only: the loopback port it is published on, if fixed.
    pub host_port: Option<u16>,
    /// emul only: DNS names of the certificate emul issues for HTTPS.
    pub certificate_domains: Vec<String>,
    /// `Certificates` given through the API (ACM ARNs, echoed back); none →
    /// emul's own certificate ARN is shown for HTTPS.
    pub certificate_arns: Vec<String>,
    /// `SslPolicy` given through the API; none → AWS's default for HTTPS.
    pub ssl_policy: Option<String>,
    /// The ARN of its default rule (stored with the other rules).
    pub default_rule_arn: String,
    /// Certificates added with AddListenerCertificates (the SNI list,
    /// AWS's non-default certificates), in the order added.
    pub sni_certificate_arns: Vec<String>,
    /// Listener attributes, every key of its protocol present
    /// ([`listener_attributes`]).
    pub attributes: BTreeMap<String, String>,
}

/// What ModifyListener changes: each `Some` replaces the stored value
/// (lists whole, as AWS does).
#[derive(Debug, Clone, Default)]
pub struct ListenerChange {
    /// `Port`.
    pub port: Option<u16>,
    /// `Protocol`.
    pub protocol: Option<String>,
    /// `Certificates`.
    pub certificate_arns: Option<Vec<String>>,
    /// `SslPolicy`.
    pub ssl_policy: Option<String>,
    /// `DefaultActions`.
    pub default_action: Option<Action>,
}

/// ALB attribute defaults (aws-reference.md §1.7; the log buckets, cross-zone
/// and zonal shift from the `LoadBalancerAttribute.Key` reference).
pub const DEFAULT_LB_ATTRIBUTES: &[(&str, &str)] = &[
    ("access_logs.s3.enabled", "false"),
    ("access_logs.s3.bucket", ""),
    ("access_logs.s3.prefix", ""),
    ("connection_logs.s3.enabled", "false"),
    ("connection_logs.s3.bucket", ""),
    ("connection_logs.s3.prefix", ""),
    ("load_balancing.cross_zone.enabled", "true"),
    ("zonal_shift.config.enabled", "false"),
    ("deletion_protection.enabled", "false"),
    ("idle_timeout.timeout_seconds", "60"),
    ("client_keep_alive.seconds", "3600"),
    ("routing.http.desync_mitigation_mode", "defensive"),
    ("routing.http.drop_invalid_header_fields.enabled", "false"),
    ("routing.http.preserve_host_header.enabled", "false"),
    (
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        "false",
    ),
    ("routing.http.xff_client_port.enabled", "false"),
    ("routing.http.xff_header_processing.mode", "append"),
    ("routing.http2.enabled", "true"),
    ("waf.fail_open.enabled", "false"),
];

/// The whole ELBv2 state of one account/region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elbv2 {
    /// Account id in ARNs.
    pub account: String,
    /// Region in ARNs and DNS names.
    pub region: String,
    /// Load balancers by ARN.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// Listeners by ARN.
    pub listeners: BTreeMap<String, Listener>,
    /// Rules (default rules included) by ARN.
    pub rules: BTreeMap<String, Rule>,
    /// Target groups by ARN.
    pub target_groups: BTreeMap<String, TargetGroup>,
    /// Tags by resource ARN, in insertion order.
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    /// Bumped for every id minted, so ids never repeat.
    pub id_counter: u64,
}

/// 16 lowercase hex digits derived from `parts` (AWS's id length).
pub fn id16(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

impl Elbv2 {
    /// An empty state.
    pub fn new(account: &str, region: &str) -> Self {
        Elbv2 {
            account: account.into(),
            region: region.into(),
            load_balancers: BTreeMap::new(),
            listeners: BTreeMap::new(),
            rules: BTreeMap::new(),
            target_groups: BTreeMap::new(),
            tags: BTreeMap::new(),
            id_counter: 0,
        }
    }

    fn arn_prefix(&self) -> String {
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:",
            self.region, self.account
        )
    }

    fn mint(&mut self, parts: &[&str]) -> String {
        self.id_counter += 1;
        let n = self.id_counter.to_string();
        let mut all = vec![self.account.as_str(), self.region.as_str()];
        all.extend_from_slice(parts);
        all.push(&n);
        id16(&all)
    }

    /// The ARN a target group named `name` gets.
    pub fn target_group_arn(&mut self, name: &str) -> String {
        let id = self.mint(&["targetgroup", name]);
        format!("{}targetgroup/{name}/{id}", self.arn_prefix())
    }

    /// The ARN a load balancer named `name` gets (`…:loadbalancer/app/name/id`).
    pub fn load_balancer_arn(&mut self, name: &str) -> String {
        let id = self.mint(&["loadbalancer", name]);
        format!("{}loadbalancer/app/{name}/{id}", self.arn_prefix())
    }

    /// A new listener ARN under `lb_arn`.
    pub fn listener_arn(&mut self, lb_arn: &str) -> String {
        let id = self.mint(&["listener", lb_arn]);
        let tail = lb_arn.split_once(":loadbalancer/").map_or("", |(_, t)| t);
        format!("{}listener/{tail}/{id}", self.arn_prefix())
    }

    /// A new rule ARN under `listener_arn`.
    pub fn rule_arn(&mut self, listener_arn: &str) -> String {
        let id = self.mint(&["listener-rule", listener_arn]);
        let tail = listener_arn.split_once(":listener/").map_or("", |(_, t)| t);
        format!("{}listener-rule/{tail}/{id}", self.arn_prefix())
    }

    /// The DNS name of a load balancer.
    pub fn dns_name(&self, name: &str, internal: bool) -> String {
        let digits = u64::from_str_radix(&id16(&[&self.account, name])[..8], 16).unwrap_or(0)
            % 1_000_000_000;
        let prefix = if internal { "internal-" } else { "" };
        format!("{prefix}{name}-{digits}.{}.elb.amazonaws.com", self.region)
    }

    /// The rules of a listener (default included).
    pub fn listener_rules(&self, listener_arn: &str) -> Vec<&Rule> {
        self.rules
            .values()
            .filter(|r| r.listener_arn == listener_arn)
            .collect()
    }

    /// The load balancer a target group serves (via any rule or default action).
    pub fn load_balancers_of_target_group(&self, tg_arn: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .rules
            .values()
            .filter(|r| r.action.target_group_arns().any(|a| a == tg_arn))
            .filter_map(|r| self.listeners.get(&r.listener_arn))
            .map(|l| l.load_balancer_arn.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// `true` when some listener can send traffic to the group.
    pub fn target_group_in_use(&self, tg_arn: &str) -> bool {
        self.rules
            .values()
            .any(|r| r.action.target_group_arns().any(|a| a == tg_arn))
    }

    /// The target group or `TargetGroupNotFound`.
    pub fn target_group(&self, arn: &str) -> Result<&TargetGroup, ElbError> {
        self.target_groups
            .get(arn)
            .ok_or_else(ElbError::target_groups_not_found)
    }

    fn target_group_mut(&mut self, arn: &str) -> Result<&mut TargetGroup, ElbError> {
        self.target_groups
            .get_mut(arn)
            .ok_or_else(ElbError::target_groups_not_found)
    }

    /// A target group an action names, or `TargetGroupNotFound` naming it.
    fn action_target_group(&self, arn: &str) -> Result<&TargetGroup, ElbError> {
        self.target_groups
            .get(arn)
            .ok_or_else(|| ElbError::TargetGroupNotFound(format!("Target group '{arn}' not found")))
    }

    /// The rule or `RuleNotFound`.
    pub fn rule(&self, arn: &str) -> Result<&Rule, ElbError> {
        self.rules.get(arn).ok_or_else(ElbError::rules_not_found)
    }

    /// The listener or `ListenerNotFound`.
    pub fn listener(&self, arn: &str) -> Result<&Listener, ElbError> {
        self.listeners
            .get(arn)
            .ok_or_else(ElbError::listeners_not_found)
    }

    /// RegisterTargets: new targets start `initial`; re-registering a
    /// registered target is a no-op; a draining one is registered afresh.
    pub fn register_targets(
        &mut self,
        tg_arn: &str,
        targets: &[(String, Option<u16>)],
        now_ms: i64,
    ) -> Result<(), ElbError> {
        let tg = self.target_group_mut(tg_arn)?;
        let keys: Vec<TargetKey> = targets
            .iter()
            .map(|(id, port)| TargetKey {
                id: id.clone(),
                port: port.unwrap_or(tg.port),
            })
            .collect();
        for k in &keys {
            if tg.target_type == "ip" && k.id.parse::<std::net::IpAddr>().is_err() {
                return Err(ElbError::InvalidTarget(format!(
                    "The IP address '{}' is not a valid IPv4 address",
                    k.id
                )));
            }
        }
        let new = keys.iter().filter(|k| !tg.targets.contains_key(k)).count();
        if tg.targets.len() + new > limits::TARGETS_PER_GROUP {
            return Err(ElbError::TooManyTargets(format!(
                "You've reached the limit on the number of targets per target group ({})",
                limits::TARGETS_PER_GROUP
            )));
        }
        for k in keys {
            let entry = tg.targets.entry(k).or_insert(RegisteredTarget {
                tracker: HealthTracker::new(),
                registered_ms: now_ms,
            });
            if matches!(entry.tracker.health, Health::Draining { .. }) {
                *entry = RegisteredTarget {
                    tracker: HealthTracker::new(),
                    registered_ms: now_ms,
                };
            }
        }
        Ok(())
    }

    /// DeregisterTargets: registered targets start draining for the group's
    /// deregistration delay (0 removes them at once); unknown ones are ignored.
    pub fn deregister_targets(
        &mut self,
        tg_arn: &str,
        targets: &[(String, Option<u16>)],
        now_ms: i64,
    ) -> Result<(), ElbError> {
        let tg = self.target_group_mut(tg_arn)?;
        let delay_ms = i64::from(tg.deregistration_delay_s()) * 1000;
        for (id, port) in targets {
            let key = TargetKey {
                id: id.clone(),
                port: port.unwrap_or(tg.port),
            };
            if delay_ms == 0 {
                tg.targets.remove(&key);
            } else if let Some(t) = tg.targets.get_mut(&key)
                && !matches!(t.tracker.health, Health::Draining { .. })
            {
                t.tracker.health = Health::Draining {
                    until_ms: now_ms + delay_ms,
                };
            }
        }
        Ok(())
    }

    /// Records a health-check outcome; `true` when the state changed.
    pub fn observe_health(
        &mut self,
        tg_arn: &str,
        key: &TargetKey,
        outcome: CheckOutcome,
        now_ms: i64,
    ) -> bool {
        let Some(tg) = self.target_groups.get_mut(tg_arn) else {
            return false;
        };
        let thresholds = tg.health_check.thresholds();
        let Some(t) = tg.targets.get_mut(key) else {
            return false;
        };
        let before = t.tracker.health;
        t.tracker.observe(outcome, thresholds, now_ms);
        before.state() != t.tracker.health.state() || before.reason() != t.tracker.health.reason()
    }

    /// Drops targets whose deregistration delay has elapsed; `true` if any.
    pub fn expire_draining(&mut self, now_ms: i64) -> bool {
        let mut changed = false;
        for tg in self.target_groups.values_mut() {
            changed |= tg.expire_draining(now_ms);
        }
        changed
    }

    /// A target's `(State, Reason)` as DescribeTargetHealth reports it.
    pub fn target_health(
        &self,
        tg: &TargetGroup,
        key: &TargetKey,
    ) -> (&'static str, Option<Reason>) {
        let Some(t) = tg.targets.get(key) else {
            return ("unused", Some(Reason::NotRegistered));
        };
        if let Health::Draining { .. } = t.tracker.health {
            return ("draining", Some(Reason::DeregistrationInProgress));
        }
        if !self.target_group_in_use(&tg.arn) {
            return ("unused", Some(Reason::NotInUse));
        }
        if !tg.health_check.enabled {
            return ("unavailable", Some(Reason::HealthCheckDisabled));
        }
        (t.tracker.health.state(), t.tracker.health.reason())
    }

    /// Validates a rule's conditions and action against the limits and the
    /// existing target groups.
    pub fn check_rule(
        &self,
        listener_arn: &str,
        conditions: &[Condition],
        action: &Action,
    ) -> Result<(), ElbError> {
        limits::check_conditions(conditions)?;
        self.check_action(listener_arn, action)
    }

    /// Validates an action (default or rule) for a listener.
    pub fn check_action(&self, listener_arn: &str, action: &Action) -> Result<(), ElbError> {
        let listener = self.listener(listener_arn)?;
        limits::check_action(action, &listener.protocol)?;
        for arn in action.target_group_arns() {
            self.action_target_group(arn)?;
            let others: Vec<String> = self
                .load_balancers_of_target_group(arn)
                .into_iter()
                .filter(|lb| *lb != listener.load_balancer_arn)
                .collect();
            if !others.is_empty() {
                return Err(ElbError::Validation(format!(
                    "Target group '{arn}' is currently in use by a listener or a rule of another load balancer"
                )));
            }
        }
        Ok(())
    }

    /// CreateRule.
    pub fn create_rule(
        &mut self,
        listener_arn: &str,
        priority: u32,
        conditions: Vec<Condition>,
        action: Action,
    ) -> Result<String, ElbError> {
        limits::check_priority(priority)?;
        self.check_rule(listener_arn, &conditions, &action)?;
        if self
            .listener_rules(listener_arn)
            .iter()
            .any(|r| r.priority == Some(priority))
        {
            return Err(ElbError::PriorityInUse(format!(
                "Priority '{priority}' is currently in use"
            )));
        }
        let lb_arn = self.listener(listener_arn)?.load_balancer_arn.clone();
        let count = self
            .rules
            .values()
            .filter(|r| r.priority.is_some())
            .filter(|r| {
                self.listeners
                    .get(&r.listener_arn)
                    .is_some_and(|l| l.load_balancer_arn == lb_arn)
            })
            .count();
        if count >= limits::RULES_PER_LOAD_BALANCER {
            return Err(ElbError::TooManyRules(format!(
                "The load balancer has reached its limit of {} rules",
                limits::RULES_PER_LOAD_BALANCER
            )));
        }
        let arn = self.rule_arn(listener_arn);
        self.rules.insert(
            arn.clone(),
            Rule {
                arn: arn.clone(),
                listener_arn: listener_arn.into(),
                priority: Some(priority),
                conditions,
                action,
            },
        );
        Ok(arn)
    }

    /// ModifyRule: given lists replace the stored ones.
    pub fn modify_rule(
        &mut self,
        rule_arn: &str,
        conditions: Option<Vec<Condition>>,
        action: Option<Action>,
    ) -> Result<(), ElbError> {
        let rule = self.rule(rule_arn)?.clone();
        if rule.priority.is_none() && conditions.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(ElbError::OperationNotPermitted(
                "You cannot add conditions to the default rule".into(),
            ));
        }
        let conditions = conditions.unwrap_or(rule.conditions.clone());
        let action = action.unwrap_or(rule.action.clone());
        if rule.priority.is_some() {
            self.check_rule(&rule.listener_arn, &conditions, &action)?;
        } else {
            self.check_action(&rule.listener_arn, &action)?;
        }
        let r = self
            .rules
            .get_mut(rule_arn)
            .ok_or_else(ElbError::rules_not_found)?;
        r.conditions = conditions;
        r.action = action;
        Ok(())
    }

    /// DeleteRule (the default rule can't be deleted).
    pub fn delete_rule(&mut self, rule_arn: &str) -> Result<(), ElbError> {
        if self.rule(rule_arn)?.priority.is_none() {
            return Err(ElbError::OperationNotPermitted(
                "You cannot delete the default rule".into(),
            ));
        }
        self.rules.remove(rule_arn);
        Ok(())
    }

    /// SetRulePriorities: all-or-nothing; rules not named keep theirs.
    pub fn set_rule_priorities(&mut self, changes: &[(String, u32)]) -> Result<(), ElbError> {
        let mut next = self.rules.clone();
        for (arn, p) in changes {
            limits::check_priority(*p)?;
            let rule = next.get_mut(arn).ok_or_else(ElbError::rules_not_found)?;
            if rule.priority.is_none() {
                return Err(ElbError::OperationNotPermitted(
                    "You cannot change the priority of a default rule".into(),
                ));
            }
            rule.priority = Some(*p);
        }
        for (arn, p) in changes {
            let listener = &next[arn].listener_arn;
            let clash = next
                .values()
                .filter(|r| &r.listener_arn == listener && r.priority == Some(*p))
                .count();
            if clash > 1 {
                return Err(ElbError::PriorityInUse(format!(
                    "Priority '{p}' is currently in use"
                )));
            }
        }
        self.rules = next;
        Ok(())
    }

    /// ModifyListener: port, protocol, certificates, SSL policy and default
    /// action. A listener moved to another port loses the topology's
    /// `host_port` (it pinned the old port); one switched to HTTP loses its
    /// certificates and policy, as on AWS.
    pub fn modify_listener(
        &mut self,
        listener_arn: &str,
        change: ListenerChange,
    ) -> Result<(), ElbError> {
        let listener = self.listener(listener_arn)?.clone();
        if let Some(p) = change.port
            && p != listener.port
            && self
                .listeners
                .values()
                .any(|l| l.load_balancer_arn == listener.load_balancer_arn && l.port == p)
        {
            return Err(ElbError::DuplicateListener(
                "A listener already exists on this port for this load balancer".into(),
            ));
        }
        if let Some(proto) = &change.protocol
            && proto != "HTTP"
            && proto != "HTTPS"
        {
            return Err(ElbError::Validation(format!(
                "Listener protocol '{proto}' must be one of 'HTTPS, HTTP'"
            )));
        }
        let protocol = change.protocol.clone().unwrap_or(listener.protocol.clone());
        if protocol == "HTTP" && change.ssl_policy.is_some() {
            return Err(ElbError::Validation(
                "An SSL policy can only be set on HTTPS listeners".into(),
            ));
        }
        if let Some(a) = &change.default_action {
            limits::check_action(a, &protocol)?;
            self.check_action(listener_arn, a)?;
        }
        let l = self
            .listeners
            .get_mut(listener_arn)
            .ok_or_else(ElbError::listeners_not_found)?;
        if let Some(p) = change.port
            && p != l.port
        {
            l.port = p;
            l.host_port = None;
        }
        l.protocol = protocol;
        l.fit_attributes_to_protocol();
        if l.protocol == "HTTP" {
            l.certificate_arns.clear();
            l.ssl_policy = None;
        } else {
            if let Some(c) = change.certificate_arns {
                l.certificate_arns = c;
            }
            if let Some(p) = change.ssl_policy {
                l.ssl_policy = Some(p);
            }
        }
        let default_rule = l.default_rule_arn.clone();
        if let Some(a) = change.default_action
            && let Some(r) = self.rules.get_mut(&default_rule)
        {
            r.action = a;
        }
        Ok(())
    }

    /// DeleteListener: the listener, its rules and their tags.
    pub fn delete_listener(&mut self, listener_arn: &str) -> Result<(), ElbError> {
        if self.listeners.remove(listener_arn).is_none() {
            return Err(ElbError::listeners_not_found());
        }
        let rules: Vec<String> = self
            .rules
            .values()
            .filter(|r| r.listener_arn == listener_arn)
            .map(|r| r.arn.clone())
            .collect();
        for r in &rules {
            self.rules.remove(r);
            self.tags.remove(r);
        }
        self.tags.remove(listener_arn);
        Ok(())
    }

    /// The tags of a resource ARN, or the matching not-found error.
    pub fn tags_of(&self, arn: &str) -> Result<Vec<(String, String)>, ElbError> {
        let exists = self.load_balancers.contains_key(arn)
            || self.target_groups.contains_key(arn)
            || self.listeners.contains_key(arn)
            || self.rules.contains_key(arn);
        if !exists {
            return Err(if arn.contains(":targetgroup/") {
                ElbError::target_groups_not_found()
            } else if arn.contains(":listener-rule/") {
                ElbError::rules_not_found()
            } else if arn.contains(":listener/") {
                ElbError::listeners_not_found()
            } else {
                ElbError::load_balancer_not_found(arn)
            });
        }
        Ok(self.tags.get(arn).cloned().unwrap_or_default())
    }
}

/// What CreateTargetGroup asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTargetGroup {
    /// `Name`.
    pub name: String,
    /// `Protocol` (HTTP/HTTPS).
    pub protocol: String,
    /// `Port`.
    pub port: u16,
    /// `VpcId`.
    pub vpc_id: String,
    /// `TargetType`.
    pub target_type: String,
    /// Health-check settings (defaults filled in by the caller).
    pub health_check: target_group::HealthCheck,
}

impl Elbv2 {
    /// CreateTargetGroup: idempotent for identical settings, else
    /// `DuplicateTargetGroupName`.
    pub fn create_target_group(&mut self, new: NewTargetGroup) -> Result<String, ElbError> {
        let name_ok = !new.name.is_empty()
            && new.name.len() <= 32
            && new
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !new.name.starts_with('-')
            && !new.name.ends_with('-');
        if !name_ok {
            return Err(ElbError::Validation(format!(
                "Target group name '{}' can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen",
                new.name
            )));
        }
        if !["HTTP", "HTTPS"].contains(&new.protocol.as_str()) {
            return Err(ElbError::Validation(format!(
                "Protocol '{}' is not supported for an application load balancer target group",
                new.protocol
            )));
        }
        if !["ip", "instance"].contains(&new.target_type.as_str()) {
            return Err(ElbError::Validation(format!(
                "Target type '{}' is not supported by emul (ip, instance)",
                new.target_type
            )));
        }
        new.health_check.validate()?;
        if let Some(existing) = self.target_groups.values().find(|t| t.name == new.name) {
            let same = existing.protocol == new.protocol
                && existing.port == new.port
                && existing.vpc_id == new.vpc_id
                && existing.target_type == new.target_type
                && existing.health_check == new.health_check;
            return if same {
                Ok(existing.arn.clone())
            } else {
                Err(ElbError::DuplicateTargetGroupName(
                    "A target group with the same name exists, but with different settings".into(),
                ))
            };
        }
        let arn = self.target_group_arn(&new.name);
        let mut tg = TargetGroup::new(arn.clone(), new.name, new.protocol, new.port, new.vpc_id);
        tg.target_type = new.target_type;
        tg.health_check = new.health_check;
        self.target_groups.insert(arn.clone(), tg);
        Ok(arn)
    }

    /// CreateLoadBalancer (application type): idempotent by name.
    pub fn create_load_balancer(
        &mut self,
        name: &str,
        internal: bool,
        placement: network::Placement,
        security_groups: Vec<String>,
        ip_address_type: &str,
        now_ms: i64,
    ) -> Result<String, ElbError> {
        let name_ok = !name.is_empty()
            && name.len() <= 32
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.starts_with("internal-");
        if !name_ok {
            return Err(ElbError::Validation(format!(
                "Load balancer name '{name}' can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with 'internal-'"
            )));
        }
        if let Some(lb) = self.load_balancers.values().find(|l| l.name == name) {
            return Ok(lb.arn.clone());
        }
        network::check_subnet_count(&placement.subnets())?;
        let arn = self.load_balancer_arn(name);
        let vpc_id = placement
            .vpc_id
            .unwrap_or_else(|| format!("vpc-{}", &id16(&[&self.account, &self.region, "vpc"])));
        let lb = LoadBalancer {
            arn: arn.clone(),
            name: name.into(),
            dns_name: self.dns_name(name, internal),
            scheme: if internal {
                "internal"
            } else {
                "internet-facing"
            }
            .into(),
            vpc_id,
            zones: placement.zones,
            security_groups,
            created_ms: now_ms,
            attributes: DEFAULT_LB_ATTRIBUTES
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ip_address_type: ip_address_type.into(),
        };
        self.load_balancers.insert(arn.clone(), lb);
        Ok(arn)
    }

    /// CreateListener: one per port per load balancer (`DuplicateListener`).
    pub fn create_listener(
        &mut self,
        lb_arn: &str,
        protocol: &str,
        port: u16,
        default_action: Action,
    ) -> Result<String, ElbError> {
        if !self.load_balancers.contains_key(lb_arn) {
            return Err(ElbError::load_balancer_not_found(lb_arn));
        }
        if !["HTTP", "HTTPS"].contains(&protocol) {
            return Err(ElbError::Validation(format!(
                "Listener protocol '{protocol}' must be one of 'HTTPS, HTTP'"
            )));
        }
        let on_lb: Vec<&Listener> = self
            .listeners
            .values()
            .filter(|l| l.load_balancer_arn == lb_arn)
            .collect();
        if on_lb.iter().any(|l| l.port == port) {
            return Err(ElbError::DuplicateListener(
                "A listener already exists on this port for this load balancer".into(),
            ));
        }
        if on_lb.len() >= limits::LISTENERS_PER_LOAD_BALANCER {
            return Err(ElbError::Validation(format!(
                "A load balancer can have at most {} listeners",
                limits::LISTENERS_PER_LOAD_BALANCER
            )));
        }
        limits::check_action(&default_action, protocol)?;
        for arn in default_action.target_group_arns() {
            self.action_target_group(arn)?;
        }
        let arn = self.listener_arn(lb_arn);
        let rule = self.rule_arn(&arn);
        self.rules.insert(
            rule.clone(),
            Rule {
                arn: rule.clone(),
                listener_arn: arn.clone(),
                priority: None,
                conditions: Vec::new(),
                action: default_action,
            },
        );
        self.listeners.insert(
            arn.clone(),
            Listener {
                arn: arn.clone(),
                load_balancer_arn: lb_arn.into(),
                port,
                protocol: protocol.into(),
                host_port: None,
                certificate_domains: Vec::new(),
                certificate_arns: Vec::new(),
                ssl_policy: None,
                sni_certificate_arns: Vec::new(),
                default_rule_arn: rule,
                attributes: listener_attributes::defaults(protocol),
            },
        );
        Ok(arn)
    }
}
