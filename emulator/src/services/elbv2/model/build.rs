//! [`Elbv2`] from a validated topology: every target group, load balancer,
//! listener and rule, with ARNs in AWS's form for the topology's account and
//! region (stable across restarts: ids are hashes, see [`super::id16`]).
//! Also [`admits_internet`], the host-side admission rule for listeners.

use std::collections::BTreeMap;

use super::health::Matcher;
use super::rules::{
    Action, Condition, FixedResponseConfig, QueryPair, RedirectConfig, Rule, WeightedGroup,
};
use super::target_group::{HealthCheck, TargetGroup};
use super::{DEFAULT_LB_ATTRIBUTES, Elbv2, Listener, LoadBalancer, id16};
use crate::topology::Topology;
use crate::topology::model::elbv2 as topo;
use crate::topology::model::security_groups::{IpProtocol, PortRange};

/// The `vpc-…` id of the topology's VPC.
pub fn vpc_id(t: &Topology) -> String {
    format!("vpc-{}", &id16(&[&t.account_id, &t.name, "vpc"])[..16])
}

/// The `subnet-…` id of a topology subnet.
pub fn subnet_id(t: &Topology, subnet: &str) -> String {
    format!(
        "subnet-{}",
        &id16(&[&t.account_id, &t.name, "subnet", subnet])[..16]
    )
}

/// The `sg-…` id of a topology security group.
pub fn security_group_id(t: &Topology, group: &str) -> String {
    format!("sg-{}", &id16(&[&t.account_id, &t.name, "sg", group])[..16])
}

/// `true` when the load balancer's security groups let the internet
/// (`0.0.0.0/0`) reach `port` over TCP: only then does the emulated listener
/// accept connections from the host.
pub fn admits_internet(t: &Topology, lb: &topo::LoadBalancer, port: u16) -> bool {
    lb.security_groups.iter().any(|name| {
        t.security_group(name).is_some_and(|g| {
            g.ingress.iter().any(|r| {
                let proto_ok = matches!(*r.protocol, IpProtocol::Tcp | IpProtocol::All);
                let port_ok = match r.port_range() {
                    PortRange::All => true,
                    PortRange::Range(a, b) => (a..=b).contains(&port),
                };
                let world = r.cidr_blocks.iter().any(|c| c.prefix_len() == 0);
                proto_ok && port_ok && world
            })
        })
    })
}

/// Builds the whole model. `now_ms` becomes every `CreatedTime`.
pub fn from_topology(t: &Topology, now_ms: i64) -> Elbv2 {
    let mut m = Elbv2::new(&t.account_id, &t.region);
    let vpc = vpc_id(t);
    let mut tg_arns: BTreeMap<String, String> = BTreeMap::new();
    for tg in &t.target_groups {
        let arn = m.target_group_arn(&tg.name);
        tg_arns.insert(tg.name.value.clone(), arn.clone());
        m.target_groups
            .insert(arn.clone(), target_group(tg, arn, vpc.clone()));
    }
    for lb in &t.load_balancers {
        let arn = m.load_balancer_arn(&lb.name);
        let zones = lb
            .subnets
            .iter()
            .filter_map(|s| t.subnet(s))
            .map(|s| (subnet_id(t, &s.name), s.availability_zone.value.clone()))
            .collect();
        let mut attributes: BTreeMap<String, String> = DEFAULT_LB_ATTRIBUTES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        attributes.insert(
            "idle_timeout.timeout_seconds".into(),
            lb.idle_timeout.value.to_string(),
        );
        m.load_balancers.insert(
            arn.clone(),
            LoadBalancer {
                arn: arn.clone(),
                name: lb.name.value.clone(),
                dns_name: m.dns_name(&lb.name, lb.internal),
                scheme: if lb.internal {
                    "internal"
                } else {
                    "internet-facing"
                }
                .into(),
                vpc_id: vpc.clone(),
                zones,
                security_groups: lb
                    .security_groups
                    .iter()
                    .map(|g| security_group_id(t, g))
                    .collect(),
                created_ms: now_ms,
                attributes,
                ip_address_type: "ipv4".into(),
            },
        );
        for l in &lb.listeners {
            let listener_arn = m.listener_arn(&arn);
            let default_rule_arn = m.rule_arn(&listener_arn);
            m.rules.insert(
                default_rule_arn.clone(),
                Rule {
                    arn: default_rule_arn.clone(),
                    listener_arn: listener_arn.clone(),
                    priority: None,
                    conditions: Vec::new(),
                    action: action(&l.default_action, &tg_arns),
                },
            );
            for r in &l.rules {
                let rule_arn = m.rule_arn(&listener_arn);
                m.rules.insert(
                    rule_arn.clone(),
                    Rule {
                        arn: rule_arn,
                        listener_arn: listener_arn.clone(),
                        priority: Some(r.priority.value as u32),
                        conditions: r.conditions.iter().map(condition).collect(),
                        action: action(&r.action, &tg_arns),
                    },
                );
            }
            let certificate_arns = if l.protocol.as_str() == "HTTPS" {
                vec![local_certificate_arn(&m.region, &m.account, &listener_arn)]
            } else {
                Vec::new()
            };
            m.listeners.insert(
                listener_arn.clone(),
                Listener {
                    arn: listener_arn,
                    load_balancer_arn: arn.clone(),
                    port: *l.port,
                    protocol: l.protocol.as_str().into(),
                    host_port: l.host_port.as_ref().map(|p| **p),
                    certificate_domains: l
                        .certificate_domains
                        .as_ref()
                        .map(|d| d.value.clone())
                        .unwrap_or_default(),
                    // The certificate emul's CA issues for it, under the
                    // ARN an ACM certificate would have.
                    certificate_arns,
                    ssl_policy: None,
                    sni_certificate_arns: Vec::new(),
                    default_rule_arn,
                    attributes: super::listener_attributes::defaults(l.protocol.as_str()),
                },
            );
        }
    }
    m
}

/// The ARN shown for the certificate emul's CA issues to HTTPS listener
/// `listener_arn` of the topology.
pub fn local_certificate_arn(region: &str, account: &str, listener_arn: &str) -> String {
    format!(
        "arn:aws:acm:{region}:{account}:certificate/emul-{}",
        listener_arn.rsplit('/').next().unwrap_or("")
    )
}

/// Whether `arn` is one [`local_certificate_arn`] made (ACM does not hold it).
pub fn is_local_certificate_arn(arn: &str) -> bool {
    arn.contains(":certificate/emul-")
}

fn target_group(tg: &topo::TargetGroup, arn: String, vpc: String) -> TargetGroup {
    let mut out = TargetGroup::new(
        arn,
        tg.name.value.clone(),
        tg.protocol.as_str().into(),
        *tg.port,
        vpc,
    );
    out.target_type = tg.target_type.as_str().into();
    let hc = &tg.health_check;
    out.health_check = HealthCheck {
        enabled: hc.enabled,
        protocol: hc.protocol.as_str().into(),
        path: hc.path.value.clone(),
        port: match *hc.port {
            topo::HealthCheckPort::TrafficPort => None,
            topo::HealthCheckPort::Port(p) => Some(p),
        },
        interval_s: *hc.interval as u32,
        timeout_s: *hc.timeout as u32,
        healthy_threshold: *hc.healthy_threshold as u32,
        unhealthy_threshold: *hc.unhealthy_threshold as u32,
        matcher: Matcher::parse(&hc.matcher)
            .unwrap_or_else(|_| Matcher::parse("200").expect("valid")),
    };
    let a = &mut out.attributes;
    a.insert(
        "deregistration_delay.timeout_seconds".into(),
        tg.deregistration_delay.value.to_string(),
    );
    a.insert(
        "slow_start.duration_seconds".into(),
        tg.slow_start.value.to_string(),
    );
    a.insert(
        "load_balancing.algorithm.type".into(),
        tg.load_balancing_algorithm_type.as_str().into(),
    );
    if let Some(s) = &tg.stickiness {
        a.insert("stickiness.enabled".into(), s.enabled.to_string());
        a.insert("stickiness.type".into(), s.kind.as_str().into());
        let duration_key = match *s.kind {
            topo::StickinessType::LbCookie => "stickiness.lb_cookie.duration_seconds",
            topo::StickinessType::AppCookie => "stickiness.app_cookie.duration_seconds",
        };
        a.insert(duration_key.into(), s.cookie_duration.value.to_string());
        if let Some(n) = &s.cookie_name {
            a.insert("stickiness.app_cookie.cookie_name".into(), n.value.clone());
        }
    }
    out
}

/// A topology condition in the model's form.
pub fn condition(c: &topo::Condition) -> Condition {
    let texts = |v: &Vec<crate::topology::span::Spanned<String>>| {
        v.iter().map(|s| s.value.clone()).collect::<Vec<_>>()
    };
    match c {
        topo::Condition::PathPattern(v) => Condition::PathPattern(texts(v)),
        topo::Condition::HostHeader(v) => Condition::HostHeader(texts(v)),
        topo::Condition::HttpHeader { name, values } => Condition::HttpHeader {
            name: name.value.clone(),
            values: texts(values),
        },
        topo::Condition::HttpRequestMethod(v) => Condition::HttpRequestMethod(texts(v)),
        topo::Condition::QueryString(pairs) => Condition::QueryString(
            pairs
                .iter()
                .map(|(k, v)| QueryPair {
                    key: k.as_ref().map(|k| k.value.clone()),
                    value: v.value.clone(),
                })
                .collect(),
        ),
        topo::Condition::SourceIp(nets) => {
            Condition::SourceIp(nets.iter().map(|n| n.value).collect())
        }
    }
}

/// A topology action in the model's form (target groups by ARN).
pub fn action(a: &topo::Action, tg_arns: &BTreeMap<String, String>) -> Action {
    match a {
        topo::Action::Forward {
            target_groups,
            stickiness,
            ..
        } => Action::Forward {
            groups: target_groups
                .iter()
                .map(|g| WeightedGroup {
                    target_group_arn: tg_arns.get(g.name.as_str()).cloned().unwrap_or_default(),
                    weight: g.weight.value.clamp(0, 999) as u32,
                })
                .collect(),
            stickiness_seconds: stickiness.as_ref().map(|s| s.value as u32),
        },
        topo::Action::Redirect(r) => Action::Redirect(RedirectConfig::with_defaults(
            r.protocol.as_ref().map(|s| s.value.clone()),
            r.port.as_ref().map(|s| s.value.clone()),
            r.host.as_ref().map(|s| s.value.clone()),
            r.path.as_ref().map(|s| s.value.clone()),
            r.query.as_ref().map(|s| s.value.clone()),
            match *r.status_code {
                topo::RedirectStatus::Http301 => 301,
                topo::RedirectStatus::Http302 => 302,
            },
        )),
        topo::Action::FixedResponse(f) => Action::FixedResponse(FixedResponseConfig {
            status: f.status_code.parse().unwrap_or(503),
            content_type: Some(f.content_type.value.clone()),
            body: f.message_body.as_ref().map(|b| b.value.clone()),
        }),
        topo::Action::Missing => Action::FixedResponse(FixedResponseConfig {
            status: 503,
            content_type: None,
            body: None,
        }),
    }
}
