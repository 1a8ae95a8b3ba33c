//! Model tests: rule evaluation, redirects, weighted choice, health state
//! machine, matcher parsing, limits and the API-level state changes.

use std::net::{IpAddr, Ipv4Addr};

use super::health::{CheckOutcome, Health, HealthTracker, Matcher, Reason, Thresholds};
use super::rules::*;
use super::target_group::{Algorithm, Stickiness, TargetGroup, TargetKey};
use super::*;
use crate::services::elbv2::errors::ElbError;

fn req<'a>(
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
) -> RequestView<'a> {
    RequestView {
        method,
        host: Some(host),
        path,
        query,
        headers,
        source_ip: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)),
        protocol: "HTTP",
        port: 80,
    }
}

fn fixed(status: u16) -> Action {
    Action::FixedResponse(FixedResponseConfig {
        status,
        content_type: None,
        body: None,
    })
}

fn rule(priority: Option<u32>, conditions: Vec<Condition>, status: u16) -> Rule {
    Rule {
        arn: format!("r{priority:?}"),
        listener_arn: "l".into(),
        priority,
        conditions,
        action: fixed(status),
    }
}

fn winner(rules: &[Rule], r: &RequestView<'_>) -> u16 {
    match &evaluate(rules, r).unwrap().action {
        Action::FixedResponse(f) => f.status,
        _ => 0,
    }
}

#[test]
fn path_pattern_excludes_query_and_is_case_sensitive() {
    let c = Condition::PathPattern(vec!["/api/*".into()]);
    assert!(c.matches(&req("GET", "a.com", "/api/x", Some("q=/other"), &[])));
    assert!(!c.matches(&req("GET", "a.com", "/API/x", None, &[])));
    assert!(!c.matches(&req("GET", "a.com", "/x", Some("p=/api/x"), &[])));
}

#[test]
fn host_header_ignores_case_and_port() {
    let c = Condition::HostHeader(vec!["*.example.com".into()]);
    assert!(c.matches(&req("GET", "Shop.EXAMPLE.com:8080", "/", None, &[])));
    assert!(!c.matches(&req("GET", "example.com", "/", None, &[])));
    let exact = Condition::HostHeader(vec!["api.example.com".into()]);
    assert!(exact.matches(&req("GET", "API.example.com", "/", None, &[])));
}

#[test]
fn http_header_searches_every_instance_without_case() {
    let c = Condition::HttpHeader {
        name: "X-Env".into(),
        values: vec!["canary*".into()],
    };
    let h = [("x-env", "prod"), ("X-ENV", "CANARY-1")];
    assert!(c.matches(&req("GET", "a.com", "/", None, &h)));
    assert!(!c.matches(&req("GET", "a.com", "/", None, &h[..1])));
}

#[test]
fn method_is_exact_and_case_sensitive() {
    let c = Condition::HttpRequestMethod(vec!["POST".into(), "PUT".into()]);
    assert!(c.matches(&req("PUT", "a.com", "/", None, &[])));
    assert!(!c.matches(&req("post", "a.com", "/", None, &[])));
    assert!(!c.matches(&req("GET", "a.com", "/", None, &[])));
}

#[test]
fn query_string_pairs_are_ored_and_keys_optional() {
    let c = Condition::QueryString(vec![
        QueryPair {
            key: Some("version".into()),
            value: "v2".into(),
        },
        QueryPair {
            key: None,
            value: "*beta*".into(),
        },
    ]);
    assert!(c.matches(&req("GET", "a", "/", Some("a=1&VERSION=V2"), &[])));
    assert!(c.matches(&req("GET", "a", "/", Some("x=my-BETA-flag"), &[])));
    assert!(!c.matches(&req("GET", "a", "/", Some("version=v3"), &[])));
    assert!(!c.matches(&req("GET", "a", "/", None, &[])));
    let escaped = Condition::QueryString(vec![QueryPair {
        key: None,
        value: r"a\*".into(),
    }]);
    assert!(escaped.matches(&req("GET", "a", "/", Some("k=a*"), &[])));
    assert!(!escaped.matches(&req("GET", "a", "/", Some("k=ab"), &[])));
}

#[test]
fn source_ip_matches_ipv6_clients_against_ipv6_cidrs() {
    let c = Condition::SourceIp(vec![
        "2001:db8::/32".parse().unwrap(),
        "203.0.113.0/24".parse().unwrap(),
    ]);
    let mut r = req("GET", "a", "/", None, &[]);
    assert!(c.matches(&r), "the IPv4 client matches its IPv4 CIDR");
    r.source_ip = "2001:db8::5".parse().unwrap();
    assert!(c.matches(&r));
    r.source_ip = "2001:db9::5".parse().unwrap();
    assert!(!c.matches(&r));
    r.source_ip = "::1".parse().unwrap();
    assert!(!c.matches(&r));
    assert!(Condition::SourceIp(vec!["::1/128".parse().unwrap()]).matches(&r));
}

#[test]
fn source_ip_uses_the_peer() {
    let c = Condition::SourceIp(vec!["203.0.113.0/24".parse().unwrap()]);
    assert!(c.matches(&req("GET", "a", "/", None, &[])));
    let other = Condition::SourceIp(vec!["10.0.0.0/8".parse().unwrap()]);
    assert!(!other.matches(&req(
        "GET",
        "a",
        "/",
        None,
        &[("X-Forwarded-For", "10.1.1.1")]
    )));
}

#[test]
fn conditions_and_priority_order_and_default_last() {
    let rules = vec![
        rule(None, vec![], 500),
        rule(
            Some(20),
            vec![Condition::PathPattern(vec!["/api/*".into()])],
            220,
        ),
        rule(
            Some(10),
            vec![
                Condition::PathPattern(vec!["/api/*".into()]),
                Condition::HttpRequestMethod(vec!["POST".into()]),
            ],
            210,
        ),
        rule(
            Some(5),
            vec![Condition::HostHeader(vec!["admin.*".into()])],
            205,
        ),
    ];
    assert_eq!(
        winner(&rules, &req("POST", "x.com", "/api/a", None, &[])),
        210
    );
    assert_eq!(
        winner(&rules, &req("GET", "x.com", "/api/a", None, &[])),
        220
    );
    assert_eq!(
        winner(&rules, &req("POST", "admin.x.com", "/api/a", None, &[])),
        205
    );
    assert_eq!(
        winner(&rules, &req("GET", "x.com", "/other", None, &[])),
        500
    );
}

#[test]
fn redirect_force_https_location() {
    let r = RedirectConfig::with_defaults(
        Some("HTTPS".into()),
        Some("443".into()),
        None,
        None,
        None,
        301,
    );
    let with_q = req("GET", "shop.example.com:8080", "/cart/1", Some("a=b"), &[]);
    assert_eq!(
        r.location(&with_q),
        "https://shop.example.com:443/cart/1?a=b"
    );
    let no_q = req("GET", "shop.example.com", "/", None, &[]);
    assert_eq!(r.location(&no_q), "https://shop.example.com:443/");
}

#[test]
fn redirect_templates_every_keyword() {
    let r = RedirectConfig::with_defaults(
        None,
        None,
        Some("new.#{host}".into()),
        Some("/v2/#{path}/#{port}".into()),
        Some("from=#{protocol}&#{query}".into()),
        302,
    );
    let q = req("GET", "old.com", "/a/b", Some("x=1"), &[]);
    assert_eq!(
        r.location(&q),
        "http://new.old.com:80/v2/a/b/80?from=HTTP&x=1"
    );
}

#[test]
fn weighted_pick_is_proportional() {
    let groups = vec![
        WeightedGroup {
            target_group_arn: "a".into(),
            weight: 10,
        },
        WeightedGroup {
            target_group_arn: "b".into(),
            weight: 20,
        },
        WeightedGroup {
            target_group_arn: "z".into(),
            weight: 0,
        },
    ];
    assert_eq!(total_weight(&groups), 30);
    let a = (0..30)
        .filter(|r| pick_weighted(&groups, *r).unwrap().target_group_arn == "a")
        .count();
    assert_eq!(a, 10);
    assert!((0..30).all(|r| pick_weighted(&groups, r).unwrap().target_group_arn != "z"));
    let zero = vec![
        WeightedGroup {
            target_group_arn: "a".into(),
            weight: 0,
        },
        WeightedGroup {
            target_group_arn: "b".into(),
            weight: 0,
        },
    ];
    assert!(pick_weighted(&zero, 0).is_none());
}

#[test]
fn matcher_codes_lists_and_ranges() {
    let m = Matcher::parse("200,202,300-310").unwrap();
    assert!(m.accepts(200) && m.accepts(202) && m.accepts(305));
    assert!(!m.accepts(201) && !m.accepts(311));
    assert!(Matcher::parse("199").is_err());
    assert!(Matcher::parse("500").is_err());
    assert!(Matcher::parse("300-200").is_err());
    assert!(Matcher::parse("abc").is_err());
    assert!(Matcher::parse("200-499").unwrap().accepts(404));
}

#[test]
fn health_state_machine_thresholds() {
    let t = Thresholds {
        healthy: 3,
        unhealthy: 2,
    };
    let mut h = HealthTracker::new();
    assert_eq!(h.health.reason(), Some(Reason::RegistrationInProgress));
    h.observe(CheckOutcome::Failed, t, 1);
    assert_eq!(h.health, Health::Initial { checked: true });
    assert_eq!(h.health.reason(), Some(Reason::InitialHealthChecking));
    // One pass makes a new target healthy.
    h.observe(CheckOutcome::Passed, t, 2);
    assert_eq!(h.health, Health::Healthy { since_ms: 2 });
    h.observe(CheckOutcome::CodeMismatch(503), t, 3);
    assert_eq!(h.health.state(), "healthy");
    h.observe(CheckOutcome::CodeMismatch(503), t, 4);
    assert_eq!(
        h.health,
        Health::Unhealthy(Reason::ResponseCodeMismatch(503))
    );
    assert_eq!(
        Reason::ResponseCodeMismatch(503).description(),
        "Health checks failed with these codes: [503]"
    );
    // Back needs `healthy` consecutive passes; a failure resets the streak.
    h.observe(CheckOutcome::Passed, t, 5);
    h.observe(CheckOutcome::Passed, t, 6);
    h.observe(CheckOutcome::Timeout, t, 7);
    assert_eq!(h.health, Health::Unhealthy(Reason::Timeout));
    for i in 8..10 {
        h.observe(CheckOutcome::Passed, t, i);
        assert_eq!(h.health.state(), "unhealthy");
    }
    h.observe(CheckOutcome::Passed, t, 10);
    assert_eq!(h.health, Health::Healthy { since_ms: 10 });
    // A target that never passes becomes unhealthy after the threshold.
    let mut n = HealthTracker::new();
    n.observe(CheckOutcome::Failed, t, 1);
    n.observe(CheckOutcome::Failed, t, 2);
    assert_eq!(n.health, Health::Unhealthy(Reason::FailedHealthChecks));
}

fn model_with_listener() -> (Elbv2, String, String, String) {
    let mut m = Elbv2::new("123456789012", "us-west-2");
    let tg = m.target_group_arn("web");
    m.target_groups.insert(
        tg.clone(),
        TargetGroup::new(
            tg.clone(),
            "web".into(),
            "HTTP".into(),
            8080,
            "vpc-1".into(),
        ),
    );
    let lb = m.load_balancer_arn("shop");
    m.load_balancers.insert(
        lb.clone(),
        LoadBalancer {
            arn: lb.clone(),
            name: "shop".into(),
            dns_name: m.dns_name("shop", false),
            scheme: "internet-facing".into(),
            vpc_id: "vpc-1".into(),
            zones: vec![],
            security_groups: vec![],
            created_ms: 0,
            attributes: Default::default(),
            ip_address_type: "ipv4".into(),
        },
    );
    let l = m.listener_arn(&lb);
    let d = m.rule_arn(&l);
    m.rules.insert(
        d.clone(),
        Rule {
            arn: d.clone(),
            listener_arn: l.clone(),
            priority: None,
            conditions: vec![],
            action: Action::Forward {
                groups: vec![WeightedGroup {
                    target_group_arn: tg.clone(),
                    weight: 1,
                }],
                stickiness_seconds: None,
            },
        },
    );
    m.listeners.insert(
        l.clone(),
        Listener {
            arn: l.clone(),
            load_balancer_arn: lb.clone(),
            port: 80,
            protocol: "HTTP".into(),
            host_port: None,
            certificate_domains: vec![],
            certificate_arns: Vec::new(),
            ssl_policy: None,
            sni_certificate_arns: Vec::new(),
            default_rule_arn: d,
            attributes: super::listener_attributes::defaults("HTTP"),
        },
    );
    (m, tg, lb, l)
}

#[test]
fn arns_have_aws_form() {
    let (m, tg, lb, l) = model_with_listener();
    assert!(tg.starts_with("arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web/"));
    assert_eq!(tg.rsplit('/').next().unwrap().len(), 16);
    assert!(
        lb.starts_with(
            "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/shop/"
        )
    );
    let lb_id = lb.rsplit('/').next().unwrap();
    assert!(l.contains(&format!(":listener/app/shop/{lb_id}/")));
    let rule = &m.listeners[&l].default_rule_arn;
    assert!(rule.contains(&format!(":listener-rule/app/shop/{lb_id}/")));
    assert!(
        m.load_balancers[&lb]
            .dns_name
            .ends_with(".us-west-2.elb.amazonaws.com")
    );
}

#[test]
fn register_drain_expire_and_fail_open() {
    let (mut m, tg, _, _) = model_with_listener();
    m.register_targets(
        &tg,
        &[("10.0.1.5".into(), None), ("10.0.1.6".into(), Some(9000))],
        0,
    )
    .unwrap();
    let key = |id: &str, port| TargetKey {
        id: id.into(),
        port,
    };
    let g = &m.target_groups[&tg];
    assert_eq!(
        m.target_health(g, &key("10.0.1.5", 8080)),
        ("initial", Some(Reason::RegistrationInProgress))
    );
    // None healthy: fail open to both.
    assert_eq!(g.routable(0).len(), 2);
    m.observe_health(&tg, &key("10.0.1.5", 8080), CheckOutcome::Passed, 10);
    assert_eq!(m.target_groups[&tg].routable(10).len(), 1);
    m.deregister_targets(
        &tg,
        &[("10.0.1.5".into(), None), ("10.9.9.9".into(), None)],
        20,
    )
    .unwrap();
    let g = &m.target_groups[&tg];
    assert_eq!(
        m.target_health(g, &key("10.0.1.5", 8080)),
        ("draining", Some(Reason::DeregistrationInProgress))
    );
    let r = g.routable(20);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, &key("10.0.1.6", 9000));
    assert!(!m.expire_draining(20 + 299_999));
    assert!(m.expire_draining(20 + 300_000));
    let g = &m.target_groups[&tg];
    assert_eq!(
        m.target_health(g, &key("10.0.1.5", 8080)),
        ("unused", Some(Reason::NotRegistered))
    );
    assert!(matches!(
        m.register_targets(&tg, &[("i-123".into(), None)], 0),
        Err(ElbError::InvalidTarget(_))
    ));
    assert!(matches!(
        m.register_targets("nope", &[], 0),
        Err(ElbError::TargetGroupNotFound(_))
    ));
}

#[test]
fn unused_group_reports_not_in_use() {
    let (mut m, _, _, _) = model_with_listener();
    let other = m.target_group_arn("idle");
    m.target_groups.insert(
        other.clone(),
        TargetGroup::new(other.clone(), "idle".into(), "HTTP".into(), 80, "v".into()),
    );
    m.register_targets(&other, &[("10.0.0.1".into(), None)], 0)
        .unwrap();
    let g = &m.target_groups[&other];
    assert_eq!(
        m.target_health(
            g,
            &TargetKey {
                id: "10.0.0.1".into(),
                port: 80
            }
        )
        .1,
        Some(Reason::NotInUse)
    );
}

#[test]
fn rules_crud_priorities_and_limits() {
    let (mut m, tg, _, l) = model_with_listener();
    let path = |p: &str| vec![Condition::PathPattern(vec![p.into()])];
    let fwd = Action::Forward {
        groups: vec![WeightedGroup {
            target_group_arn: tg.clone(),
            weight: 1,
        }],
        stickiness_seconds: None,
    };
    let a = m.create_rule(&l, 10, path("/a/*"), fwd.clone()).unwrap();
    let b = m.create_rule(&l, 20, path("/b/*"), fixed(404)).unwrap();
    assert!(matches!(
        m.create_rule(&l, 10, path("/c"), fixed(404)),
        Err(ElbError::PriorityInUse(_))
    ));
    assert!(matches!(
        m.create_rule(&l, 0, path("/c"), fixed(404)),
        Err(ElbError::Validation(_))
    ));
    assert!(matches!(
        m.create_rule(&l, 30, vec![], fixed(404)),
        Err(ElbError::Validation(_))
    ));
    assert!(matches!(
        m.create_rule(&l, 30, path("/*/*/*/*/*/*"), fixed(404)),
        Err(ElbError::Validation(_))
    ));
    let six: Vec<String> = (0..6).map(|i| format!("/p{i}")).collect();
    assert!(matches!(
        m.create_rule(&l, 30, vec![Condition::PathPattern(six)], fixed(404)),
        Err(ElbError::Validation(_))
    ));
    let two_paths = vec![
        Condition::PathPattern(vec!["/a".into()]),
        Condition::PathPattern(vec!["/b".into()]),
    ];
    assert!(matches!(
        m.create_rule(&l, 30, two_paths, fixed(404)),
        Err(ElbError::Validation(_))
    ));
    let bad_tg = Action::Forward {
        groups: vec![WeightedGroup {
            target_group_arn: "missing".into(),
            weight: 1,
        }],
        stickiness_seconds: None,
    };
    assert!(matches!(
        m.create_rule(&l, 30, path("/x"), bad_tg),
        Err(ElbError::TargetGroupNotFound(_))
    ));
    assert!(matches!(
        m.create_rule(&l, 30, path("/x"), fixed(302)),
        Err(ElbError::Validation(_))
    ));
    // Swap priorities atomically; a clash fails as a whole.
    m.set_rule_priorities(&[(a.clone(), 20), (b.clone(), 10)])
        .unwrap();
    assert_eq!(m.rules[&a].priority, Some(20));
    assert!(matches!(
        m.set_rule_priorities(&[(a.clone(), 10)]),
        Err(ElbError::PriorityInUse(_))
    ));
    assert_eq!(m.rules[&a].priority, Some(20));
    let default = m.listeners[&l].default_rule_arn.clone();
    assert!(matches!(
        m.delete_rule(&default),
        Err(ElbError::OperationNotPermitted(_))
    ));
    assert!(matches!(
        m.set_rule_priorities(&[(default.clone(), 5)]),
        Err(ElbError::OperationNotPermitted(_))
    ));
    m.modify_rule(&a, Some(path("/z/*")), None).unwrap();
    assert_eq!(m.rules[&a].conditions, path("/z/*"));
    m.delete_rule(&b).unwrap();
    assert!(matches!(m.delete_rule(&b), Err(ElbError::RuleNotFound(_))));
    for i in 0..99 {
        m.create_rule(&l, 100 + i, path("/n"), fixed(404)).unwrap();
    }
    assert!(matches!(
        m.create_rule(&l, 9999, path("/n"), fixed(404)),
        Err(ElbError::TooManyRules(_))
    ));
}

#[test]
fn redirect_and_forward_action_limits() {
    let (m, tg, _, l) = model_with_listener();
    let same = RedirectConfig::with_defaults(None, None, None, None, Some("x=1".into()), 301);
    assert!(matches!(
        m.check_action(&l, &Action::Redirect(same)),
        Err(ElbError::InvalidLoadBalancerAction(_))
    ));
    let groups: Vec<WeightedGroup> = (0..6)
        .map(|i| WeightedGroup {
            target_group_arn: format!("{tg}{i}"),
            weight: 1,
        })
        .collect();
    assert!(matches!(
        m.check_action(
            &l,
            &Action::Forward {
                groups,
                stickiness_seconds: None
            }
        ),
        Err(ElbError::TooManyTargetGroups(_))
    ));
    let heavy = vec![WeightedGroup {
        target_group_arn: tg.clone(),
        weight: 1000,
    }];
    assert!(matches!(
        m.check_action(
            &l,
            &Action::Forward {
                groups: heavy,
                stickiness_seconds: None
            }
        ),
        Err(ElbError::Validation(_))
    ));
    let body = Action::FixedResponse(FixedResponseConfig {
        status: 200,
        content_type: Some("text/xml".into()),
        body: None,
    });
    assert!(matches!(
        m.check_action(&l, &body),
        Err(ElbError::InvalidLoadBalancerAction(_))
    ));
}

#[test]
fn attributes_defaults_validation_and_combinations() {
    let mut tg = TargetGroup::new("a".into(), "n".into(), "HTTP".into(), 80, "v".into());
    assert_eq!(tg.deregistration_delay_s(), 300);
    assert_eq!(tg.algorithm(), Algorithm::RoundRobin);
    assert_eq!(tg.stickiness(), None);
    tg.set_attributes(&[("stickiness.enabled".into(), "true".into())])
        .unwrap();
    assert_eq!(
        tg.stickiness(),
        Some(Stickiness::LbCookie { duration_s: 86400 })
    );
    assert!(
        tg.set_attributes(&[("deregistration_delay.timeout_seconds".into(), "3601".into())])
            .is_err()
    );
    assert!(
        tg.set_attributes(&[("slow_start.duration_seconds".into(), "10".into())])
            .is_err()
    );
    assert!(
        tg.set_attributes(&[("no.such.key".into(), "1".into())])
            .is_err()
    );
    assert!(
        tg.set_attributes(&[("stickiness.app_cookie.cookie_name".into(), "AWSALBX".into())])
            .is_err()
    );
    tg.set_attributes(&[("slow_start.duration_seconds".into(), "30".into())])
        .unwrap();
    assert!(matches!(
        tg.set_attributes(&[(
            "load_balancing.algorithm.type".into(),
            "least_outstanding_requests".into()
        )]),
        Err(ElbError::InvalidConfigurationRequest(_))
    ));
    // Failed updates change nothing.
    assert_eq!(tg.algorithm(), Algorithm::RoundRobin);
    assert!(
        tg.set_attributes(&[("stickiness.type".into(), "app_cookie".into())])
            .is_err()
    );
}

#[test]
fn built_from_a_seed_topology() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/topologies");
    let mut found = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let Ok(t) = crate::topology::load(&path) else {
            continue;
        };
        let m = build::from_topology(&t, 0);
        assert_eq!(m.load_balancers.len(), t.load_balancers.len());
        assert_eq!(m.target_groups.len(), t.target_groups.len());
        for l in m.listeners.values() {
            let rules = m.listener_rules(&l.arn);
            assert_eq!(rules.iter().filter(|r| r.priority.is_none()).count(), 1);
            for r in rules {
                for tg in r.action.target_group_arns() {
                    assert!(m.target_groups.contains_key(tg), "{path:?}: {tg}");
                }
            }
        }
        found += usize::from(!t.load_balancers.is_empty());
    }
    assert!(found > 0, "no fixture with a load balancer");
}

#[test]
fn admission_needs_world_ingress_on_the_listener_port() {
    let yaml = r#"
name: adm
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a, public: true }
    - { name: b, cidr_block: 10.0.2.0/24, availability_zone: us-east-1b, public: true }
security_groups:
  - name: web
    ingress:
      - { protocol: tcp, from_port: 80, to_port: 90, cidr_blocks: [0.0.0.0/0] }
  - name: vpc-only
    ingress:
      - { protocol: tcp, port: 443, cidr_blocks: [10.0.0.0/8] }
  - name: all
    ingress:
      - { protocol: "-1", cidr_blocks: [0.0.0.0/0] }
load_balancers:
  - name: one
    subnets: [a, b]
    security_groups: [web, vpc-only]
    listeners:
      - { port: 80, default_action: { fixed_response: { status_code: "200" } } }
  - name: two
    subnets: [a, b]
    security_groups: [all]
    listeners:
      - { port: 8443, default_action: { fixed_response: { status_code: "200" } } }
"#;
    let t = crate::topology::parse_str(yaml).expect("valid");
    let one = &t.load_balancers[0];
    assert!(build::admits_internet(&t, one, 80));
    assert!(build::admits_internet(&t, one, 90));
    assert!(!build::admits_internet(&t, one, 443));
    assert!(!build::admits_internet(&t, one, 91));
    assert!(build::admits_internet(&t, &t.load_balancers[1], 8443));
}

#[test]
fn tags_add_overwrite_remove_and_limits_all_or_nothing() {
    let (mut m, tg, lb, _) = model_with_listener();
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    m.add_tags(
        &[lb.clone(), tg.clone()],
        &[kv("env", "dev"), kv("team", "a")],
    )
    .unwrap();
    m.add_tags(std::slice::from_ref(&lb), &[kv("env", "prod")])
        .unwrap();
    assert_eq!(
        m.tags_of(&lb).unwrap(),
        vec![kv("env", "prod"), kv("team", "a")]
    );
    assert_eq!(
        m.tags_of(&tg).unwrap(),
        vec![kv("env", "dev"), kv("team", "a")]
    );
    // One unknown ARN: nothing changes anywhere.
    let missing = tg.replace("/web/", "/nope/");
    let e = m
        .add_tags(&[lb.clone(), missing.clone()], &[kv("x", "1")])
        .unwrap_err();
    assert_eq!(e.code(), "TargetGroupNotFound");
    assert!(!m.tags_of(&lb).unwrap().contains(&kv("x", "1")));
    // Request checks.
    let dup = m.add_tags(std::slice::from_ref(&lb), &[kv("a", "1"), kv("a", "2")]);
    assert_eq!(dup.unwrap_err().code(), "DuplicateTagKeys");
    let reserved = m.add_tags(std::slice::from_ref(&lb), &[kv("aws:x", "1")]);
    assert_eq!(reserved.unwrap_err().code(), "ValidationError");
    let long = m.add_tags(std::slice::from_ref(&lb), &[kv(&"k".repeat(129), "1")]);
    assert_eq!(long.unwrap_err().code(), "ValidationError");
    // 50 per resource, counting what is already there.
    let many: Vec<_> = (0..49).map(|i| kv(&format!("k{i}"), "v")).collect();
    let e = m.add_tags(std::slice::from_ref(&lb), &many).unwrap_err();
    assert_eq!(e.code(), "TooManyTags");
    m.add_tags(std::slice::from_ref(&lb), &many[..48]).unwrap();
    assert_eq!(m.tags_of(&lb).unwrap().len(), 50);
    // RemoveTags: absent keys are fine; an emptied resource has no entry.
    m.remove_tags(
        std::slice::from_ref(&tg),
        &["env".into(), "team".into(), "gone".into()],
    )
    .unwrap();
    assert!(m.tags_of(&tg).unwrap().is_empty());
    assert!(!m.tags.contains_key(&tg));
    let e = m.remove_tags(&[missing], &["env".into()]).unwrap_err();
    assert_eq!(e.code(), "TargetGroupNotFound");
}

#[test]
fn load_balancer_attributes_and_deletions() {
    let (mut m, tg, lb, l) = model_with_listener();
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    let balancer = m.load_balancers.get_mut(&lb).unwrap();
    balancer
        .set_attributes(&[
            kv("routing.http.xff_header_processing.mode", "append"),
            kv("routing.http.xff_client_port.enabled", "true"),
        ])
        .unwrap();
    assert_eq!(
        balancer.forwarded_for(),
        (lb_attributes::XffMode::Append, true)
    );
    // All or nothing: the bad second pair keeps the first from applying.
    let e = balancer
        .set_attributes(&[
            kv("routing.http.xff_header_processing.mode", "remove"),
            kv("routing.http2.enabled", "yes"),
        ])
        .unwrap_err();
    assert_eq!(e.code(), "ValidationError");
    assert_eq!(
        balancer.forwarded_for(),
        (lb_attributes::XffMode::Append, true)
    );
    balancer
        .set_attributes(&[kv("routing.http.xff_header_processing.mode", "preserve")])
        .unwrap();
    assert_eq!(
        balancer.forwarded_for(),
        (lb_attributes::XffMode::Preserve, false),
        "the client port only applies in append mode"
    );
    // S3 logs need a bucket.
    let e = balancer
        .set_attributes(&[kv("connection_logs.s3.enabled", "true")])
        .unwrap_err();
    assert_eq!(e.code(), "InvalidConfigurationRequest");
    balancer
        .set_attributes(&[
            kv("connection_logs.s3.enabled", "true"),
            kv("connection_logs.s3.bucket", "logs"),
        ])
        .unwrap();

    // The target group is the default action's: in use.
    assert_eq!(
        m.delete_target_group(&tg).unwrap_err().code(),
        "ResourceInUse"
    );
    m.add_tags(&[lb.clone(), l.clone()], &[kv("a", "1")])
        .unwrap();
    m.delete_load_balancer(&lb).unwrap();
    assert!(m.load_balancers.is_empty() && m.listeners.is_empty() && m.rules.is_empty());
    assert!(
        m.tags.is_empty(),
        "tags of the balancer and its listener go too"
    );
    m.delete_load_balancer(&lb).unwrap();
    m.delete_target_group(&tg).unwrap();
    assert!(m.target_groups.is_empty());
    m.delete_target_group(&tg).unwrap();
}

#[test]
fn condition_values_have_aws_limits_and_messages() {
    let msg = |c: Condition| match limits::check_conditions(&[c]) {
        Err(ElbError::Validation(m)) => m,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        msg(Condition::HostHeader(vec!["x".repeat(129)])),
        "The 'host-header' value is too long; the limit is '128'"
    );
    assert_eq!(
        msg(Condition::PathPattern(vec![])),
        "A condition value must be specified"
    );
    assert_eq!(
        msg(Condition::SourceIp(vec![])),
        "A 'source-ip' value must be specified"
    );
    assert_eq!(
        msg(Condition::HttpHeader {
            name: "x".repeat(41),
            values: vec!["y".into()],
        }),
        "The 'HttpHeaderName' value is too long; the limit is '40'"
    );
    assert_eq!(
        msg(Condition::HttpRequestMethod(vec!["get".into()])),
        "The 'http-request-method' value is invalid; the allowed characters are A-Z, hyphen and underscore"
    );
    assert_eq!(
        msg(Condition::HttpRequestMethod(vec!["X".repeat(41)])),
        "The 'http-request-method' value is too long; the limit is '40'"
    );
    assert_eq!(
        msg(Condition::QueryString(vec![QueryPair {
            key: Some("k".repeat(129)),
            value: "v".into(),
        }])),
        "The 'Key' value is too long; the limit is '128'"
    );
    assert_eq!(
        msg(Condition::QueryString(vec![QueryPair {
            key: None,
            value: "v".repeat(129),
        }])),
        "The 'Value' value is too long; the limit is '128'"
    );
    // 128 characters is within the limit.
    limits::check_conditions(&[Condition::HostHeader(vec!["h".repeat(128)])]).unwrap();
}

#[test]
fn subnets_and_ip_address_type() {
    let (mut m, _, _, _) = model_with_listener();
    let two = m.unplaced(&["subnet-1".into(), "subnet-2".into()]);
    let lb = m
        .create_load_balancer("api", false, two, vec![], "ipv4", 0)
        .unwrap();
    let one = m.unplaced(&["subnet-1".into()]);
    assert!(matches!(
        m.create_load_balancer("one", false, one, vec![], "ipv4", 0),
        Err(ElbError::Validation(_))
    ));
    let three: Vec<String> = (1..=3).map(|i| format!("subnet-{i}")).collect();
    let zones = m.set_subnets(&lb, m.unplaced(&three)).unwrap();
    assert_eq!(zones.len(), 3);
    assert_eq!(zones[2], ("subnet-3".to_string(), format!("{}c", m.region)));
    assert_eq!(m.load_balancers[&lb].zones, zones);
    assert!(matches!(
        m.set_subnets(&lb, m.unplaced(&three[..1])),
        Err(ElbError::Validation(_))
    ));
    assert!(matches!(
        m.set_subnets("arn:missing", m.unplaced(&three)),
        Err(ElbError::LoadBalancerNotFound(_))
    ));
    m.set_ip_address_type(&lb, "dualstack").unwrap();
    assert_eq!(m.load_balancers[&lb].ip_address_type, "dualstack");
    let Err(ElbError::Validation(e)) = m.set_ip_address_type(&lb, "invalid") else {
        panic!("an unknown type must fail");
    };
    assert!(e.ends_with("[ipv4, dualstack, dualstack-without-public-ipv4]"));
    assert_eq!(m.load_balancers[&lb].ip_address_type, "dualstack");
}

#[test]
fn listener_certificates_default_and_sni() {
    let (mut m, _, _, l) = model_with_listener();
    m.listeners.get_mut(&l).unwrap().certificate_arns = vec!["cert-default".into()];
    m.add_listener_certificates(
        &l,
        &["cert-a".into(), "cert-default".into(), "cert-a".into()],
    )
    .unwrap();
    assert_eq!(
        m.listener_certificates(&l).unwrap(),
        vec![
            ("cert-default".to_string(), true),
            ("cert-a".to_string(), false),
            ("cert-default".to_string(), false),
        ]
    );
    // Removing the SNI copy of the default certificate keeps the default.
    m.remove_listener_certificates(&l, &["cert-default".into()])
        .unwrap();
    assert_eq!(m.listener_certificates(&l).unwrap().len(), 2);
    assert!(matches!(
        m.remove_listener_certificates(&l, &["cert-default".into()]),
        Err(ElbError::OperationNotPermitted(_))
    ));
    let many: Vec<String> = (0..25).map(|i| format!("cert-{i}")).collect();
    assert!(matches!(
        m.add_listener_certificates(&l, &many),
        Err(ElbError::TooManyCertificates(_))
    ));
    assert_eq!(m.listener_certificates(&l).unwrap().len(), 2);
    assert!(matches!(
        m.add_listener_certificates("missing", &many),
        Err(ElbError::ListenerNotFound(_))
    ));
}

#[test]
fn ssl_policies_by_name_and_type() {
    let all = ssl_policies::describe(&[], None).unwrap();
    assert_eq!(all.len(), ssl_policies::POLICIES.len());
    let names: Vec<String> = [
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-2016-08",
    ]
    .map(String::from)
    .to_vec();
    let two = ssl_policies::describe(&names, None).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].name, "ELBSecurityPolicy-TLS-1-2-2017-01");
    assert_eq!(two[0].protocols, ["TLSv1.2"]);
    assert!(matches!(
        ssl_policies::describe(&["nope".into()], None),
        Err(ElbError::SslPolicyNotFound(_))
    ));
    assert!(
        ssl_policies::describe(&[], Some("gateway"))
            .unwrap()
            .is_empty()
    );
    // Every policy's ciphers are distinct (priorities are positions).
    for p in ssl_policies::POLICIES {
        let mut c = p.ciphers.to_vec();
        c.sort();
        c.dedup();
        assert_eq!(c.len(), p.ciphers.len(), "{}", p.name);
    }
}

#[test]
fn cross_zone_is_always_on_for_an_alb() {
    let (mut m, _, lb, _) = model_with_listener();
    let lb = m.load_balancers.get_mut(&lb).unwrap();
    lb.attributes = DEFAULT_LB_ATTRIBUTES
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(lb.attributes["load_balancing.cross_zone.enabled"], "true");
    assert_eq!(lb.attributes["access_logs.s3.bucket"], "");
    lb.set_attributes(&[("load_balancing.cross_zone.enabled".into(), "true".into())])
        .unwrap();
    assert!(matches!(
        lb.set_attributes(&[("load_balancing.cross_zone.enabled".into(), "false".into())]),
        Err(ElbError::InvalidConfigurationRequest(_))
    ));
    assert!(matches!(
        lb.set_attributes(&[("load_balancing.cross_zone.enabled".into(), "maybe".into())]),
        Err(ElbError::Validation(_))
    ));
}
