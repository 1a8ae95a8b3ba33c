//! XML rendering of ELBv2 resources, field names and nesting as in the
//! 2015-12-01 model (aws-reference.md §1.3). Absent optionals are omitted.

use crate::gateway::query::{XmlWriter, iso8601};
use crate::services::elbv2::model::rules::{Action, Condition, Rule};
use crate::services::elbv2::model::target_group::TargetGroup;
use crate::services::elbv2::model::{Elbv2, Listener, LoadBalancer};

/// A `LoadBalancer` structure.
pub fn load_balancer(w: &mut XmlWriter, lb: &LoadBalancer) {
    w.leaf("LoadBalancerArn", &lb.arn)
        .leaf("DNSName", &lb.dns_name)
        .leaf("CanonicalHostedZoneId", "Z35SXDOTRQ7X7K")
        .leaf("CreatedTime", &iso8601(lb.created_ms))
        .leaf("LoadBalancerName", &lb.name)
        .leaf("Scheme", &lb.scheme)
        .leaf("VpcId", &lb.vpc_id)
        .node("State", |s| {
            s.leaf("Code", "active");
        })
        .leaf("Type", "application")
        .list("AvailabilityZones", &lb.zones, |m, (subnet, zone)| {
            m.leaf("ZoneName", zone).leaf("SubnetId", subnet);
        })
        .leaf("IpAddressType", &lb.ip_address_type);
    string_list(w, "SecurityGroups", &lb.security_groups);
}

/// A `Listener` structure (its default actions come from the default rule).
pub fn listener(w: &mut XmlWriter, m: &Elbv2, l: &Listener) {
    w.leaf("ListenerArn", &l.arn)
        .leaf("LoadBalancerArn", &l.load_balancer_arn)
        .leaf("Port", &l.port.to_string())
        .leaf("Protocol", &l.protocol);
    if l.protocol == "HTTPS" {
        let certs = if l.certificate_arns.is_empty() {
            vec![crate::services::elbv2::model::build::local_certificate_arn(
                &m.region, &m.account, &l.arn,
            )]
        } else {
            l.certificate_arns.clone()
        };
        w.list("Certificates", &certs, |c, arn| {
            c.leaf("CertificateArn", arn);
        })
        .leaf(
            "SslPolicy",
            l.ssl_policy.as_deref().unwrap_or(DEFAULT_SSL_POLICY),
        );
    }
    let actions: Vec<&Action> = m
        .rules
        .get(&l.default_rule_arn)
        .map(|r| &r.action)
        .into_iter()
        .collect();
    w.list("DefaultActions", &actions, |a, action| {
        render_action(a, action)
    });
}

/// The policy AWS gives an HTTPS listener created without one.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

/// A `Rule` structure.
pub fn rule(w: &mut XmlWriter, r: &Rule) {
    w.leaf("RuleArn", &r.arn).leaf(
        "Priority",
        &r.priority
            .map_or_else(|| "default".to_string(), |p| p.to_string()),
    );
    w.list("Conditions", &r.conditions, condition);
    w.list("Actions", std::slice::from_ref(&r.action), |a, action| {
        render_action(a, action)
    });
    w.leaf(
        "IsDefault",
        if r.priority.is_none() {
            "true"
        } else {
            "false"
        },
    );
}

fn condition(w: &mut XmlWriter, c: &Condition) {
    w.leaf("Field", c.field());
    let values = string_list;
    match c {
        Condition::PathPattern(v) => {
            values(w, "Values", v);
            w.node("PathPatternConfig", |n| values(n, "Values", v));
        }
        Condition::HostHeader(v) => {
            values(w, "Values", v);
            w.node("HostHeaderConfig", |n| values(n, "Values", v));
        }
        Condition::HttpHeader { name, values: v } => {
            w.node("HttpHeaderConfig", |n| {
                n.leaf("HttpHeaderName", name);
                values(n, "Values", v);
            });
        }
        Condition::HttpRequestMethod(v) => {
            w.node("HttpRequestMethodConfig", |n| values(n, "Values", v));
        }
        Condition::QueryString(pairs) => {
            w.node("QueryStringConfig", |n| {
                n.list("Values", pairs, |m, p| {
                    if let Some(k) = &p.key {
                        m.leaf("Key", k);
                    }
                    m.leaf("Value", &p.value);
                });
            });
        }
        Condition::SourceIp(nets) => {
            let v: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
            w.node("SourceIpConfig", |n| values(n, "Values", &v));
        }
    }
}

/// An `Action` structure.
pub fn render_action(w: &mut XmlWriter, a: &Action) {
    w.leaf("Type", a.kind());
    match a {
        Action::Forward {
            groups,
            stickiness_seconds,
        } => {
            if let [only] = groups.as_slice() {
                w.leaf("TargetGroupArn", &only.target_group_arn);
            }
            w.node("ForwardConfig", |f| {
                f.list("TargetGroups", groups, |m, g| {
                    m.leaf("TargetGroupArn", &g.target_group_arn)
                        .leaf("Weight", &g.weight.to_string());
                });
                f.node("TargetGroupStickinessConfig", |s| {
                    s.leaf(
                        "Enabled",
                        if stickiness_seconds.is_some() {
                            "true"
                        } else {
                            "false"
                        },
                    );
                    if let Some(d) = stickiness_seconds {
                        s.leaf("DurationSeconds", &d.to_string());
                    }
                });
            });
        }
        Action::Redirect(r) => {
            w.node("RedirectConfig", |c| {
                c.leaf("Protocol", &r.protocol)
                    .leaf("Port", &r.port)
                    .leaf("Host", &r.host)
                    .leaf("Path", &r.path)
                    .leaf("Query", &r.query)
                    .leaf("StatusCode", &format!("HTTP_{}", r.status));
            });
        }
        Action::FixedResponse(f) => {
            w.node("FixedResponseConfig", |c| {
                if let Some(b) = &f.body {
                    c.leaf("MessageBody", b);
                }
                c.leaf("StatusCode", &f.status.to_string());
                if let Some(t) = &f.content_type {
                    c.leaf("ContentType", t);
                }
            });
        }
    }
    w.leaf("Order", "1");
}

/// A `TargetGroup` structure.
pub fn target_group(w: &mut XmlWriter, m: &Elbv2, tg: &TargetGroup) {
    let hc = &tg.health_check;
    w.leaf("TargetGroupArn", &tg.arn)
        .leaf("TargetGroupName", &tg.name)
        .leaf("Protocol", &tg.protocol)
        .leaf("Port", &tg.port.to_string())
        .leaf("VpcId", &tg.vpc_id)
        .leaf("HealthCheckProtocol", &hc.protocol)
        .leaf("HealthCheckPort", &hc.port_text())
        .leaf(
            "HealthCheckEnabled",
            if hc.enabled { "true" } else { "false" },
        )
        .leaf("HealthCheckIntervalSeconds", &hc.interval_s.to_string())
        .leaf("HealthCheckTimeoutSeconds", &hc.timeout_s.to_string())
        .leaf("HealthyThresholdCount", &hc.healthy_threshold.to_string())
        .leaf(
            "UnhealthyThresholdCount",
            &hc.unhealthy_threshold.to_string(),
        )
        .leaf("HealthCheckPath", &hc.path)
        .node("Matcher", |mm| {
            mm.leaf("HttpCode", &hc.matcher.text);
        })
        .leaf("TargetType", &tg.target_type)
        .leaf("ProtocolVersion", "HTTP1")
        .leaf("IpAddressType", "ipv4");
    string_list(
        w,
        "LoadBalancerArns",
        &m.load_balancers_of_target_group(&tg.arn),
    );
}

/// `<name><member>text</member>…</name>` (`<name/>` when empty).
pub fn string_list(w: &mut XmlWriter, name: &str, items: &[String]) {
    w.node(name, |n| {
        for s in items {
            n.leaf("member", s);
        }
    });
}

/// `Attributes` as `<member><Key/><Value/></member>`.
pub fn attributes<'a>(w: &mut XmlWriter, attrs: impl Iterator<Item = (&'a String, &'a String)>) {
    let pairs: Vec<(&String, &String)> = attrs.collect();
    w.list("Attributes", &pairs, |m, (k, v)| {
        m.leaf("Key", k).leaf("Value", v);
    });
}
