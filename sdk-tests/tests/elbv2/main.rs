//! ELBv2 conformance with the official `aws-sdk-elasticloadbalancingv2`
//! against `emul serve` (no topology: the tests create their resources with
//! CreateTargetGroup / CreateLoadBalancer / CreateListener).
//! Run: `cargo nextest run -p sdk-tests --test elbv2`.
//! Tags, load-balancer attributes and deletions live in [`tags_attributes`].

mod tags_attributes;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, Matcher,
    PathPatternConditionConfig, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
    RuleCondition, RulePriorityPair, Tag, TargetDescription, TargetGroupAttribute,
    TargetGroupTuple, TargetHealthReasonEnum, TargetHealthStateEnum,
};
use sdk_tests::Emul;

pub fn code_of<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> (String, String) {
    let e = r.expect_err("expected an error");
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

pub fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

fn path(p: &str) -> RuleCondition {
    RuleCondition::builder()
        .field("path-pattern")
        .path_pattern_config(PathPatternConditionConfig::builder().values(p).build())
        .build()
}

/// A load balancer with an HTTP:80 listener forwarding to a new group.
/// Its subnets are two of the default VPC's, its group the VPC's default
/// group: ELBv2 places a load balancer in the subnets EC2 has.
pub async fn setup(emul: &Emul, c: &Client, name: &str) -> (String, String, String) {
    let region = c.config().region().map(|r| r.to_string()).unwrap();
    let ec2 = emul.ec2_client(&region).await;
    let subnets = ec2.describe_subnets().send().await.unwrap();
    let group = ec2
        .describe_security_groups()
        .group_names("default")
        .send()
        .await
        .unwrap();
    let group = group.security_groups()[0].group_id().unwrap().to_string();
    let tg = c
        .create_target_group()
        .name(format!("{name}-tg"))
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id("vpc-1")
        .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
        .health_check_path("/health")
        .matcher(Matcher::builder().http_code("200-299").build())
        .tags(Tag::builder().key("team").value("shop").build())
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let lb = c
        .create_load_balancer()
        .name(name)
        .subnets(subnets.subnets()[0].subnet_id().unwrap())
        .subnets(subnets.subnets()[1].subnet_id().unwrap())
        .security_groups(group)
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let l = c
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(forward(&tg_arn))
        .send()
        .await
        .unwrap();
    let l_arn = l.listeners()[0].listener_arn().unwrap().to_string();
    (lb_arn, l_arn, tg_arn)
}

#[tokio::test]
async fn empty_api_lists_nothing_and_lookups_fail_with_aws_codes() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    assert!(
        c.describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()
            .is_empty()
    );
    assert!(
        c.describe_target_groups()
            .send()
            .await
            .unwrap()
            .target_groups()
            .is_empty()
    );
    assert_eq!(
        code_of(
            c.describe_load_balancers()
                .names("foobar-terraform-elb")
                .send()
                .await
        ),
        (
            "LoadBalancerNotFound".into(),
            "Load balancers '[foobar-terraform-elb]' not found".into()
        )
    );
    let lb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/name/x";
    assert_eq!(
        code_of(c.describe_listeners().load_balancer_arn(lb).send().await),
        (
            "LoadBalancerNotFound".into(),
            format!("Load balancer '{lb}' not found")
        )
    );
    let tg = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/t/0123456789abcdef";
    assert_eq!(
        code_of(c.describe_target_health().target_group_arn(tg).send().await),
        (
            "TargetGroupNotFound".into(),
            "One or more target groups not found".into()
        )
    );
    assert_eq!(
        code_of(c.describe_rules().rule_arns("arn:nope").send().await).0,
        "RuleNotFound"
    );
    assert_eq!(
        code_of(c.describe_rules().send().await).0,
        "ValidationError"
    );
    assert_eq!(
        code_of(c.delete_rule().rule_arn("arn:nope").send().await).0,
        "RuleNotFound"
    );
    assert_eq!(
        code_of(
            c.register_targets()
                .target_group_arn(tg)
                .targets(TargetDescription::builder().id("10.0.0.1").build())
                .send()
                .await
        )
        .0,
        "TargetGroupNotFound"
    );
}

#[tokio::test]
async fn describe_everything_with_aws_defaults() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-west-2").await;
    let (lb_arn, l_arn, tg_arn) = setup(&emul, &c, "shop").await;
    assert!(
        lb_arn.starts_with(
            "arn:aws:elasticloadbalancing:us-west-2:000000000000:loadbalancer/app/shop/"
        )
    );
    let lbs = c
        .describe_load_balancers()
        .names("shop")
        .send()
        .await
        .unwrap();
    let lb = &lbs.load_balancers()[0];
    assert_eq!(lb.state().unwrap().code().unwrap().as_str(), "active");
    assert!(
        lb.dns_name()
            .unwrap()
            .ends_with(".us-west-2.elb.amazonaws.com")
    );
    assert_eq!(lb.availability_zones().len(), 2);
    let ls = c
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(ls.listeners()[0].port(), Some(80));
    assert_eq!(
        ls.listeners()[0].default_actions()[0].target_group_arn(),
        Some(tg_arn.as_str())
    );
    let tgs = c
        .describe_target_groups()
        .target_group_arns(&tg_arn)
        .send()
        .await
        .unwrap();
    let tg = &tgs.target_groups()[0];
    assert_eq!(tg.health_check_interval_seconds(), Some(30));
    assert_eq!(tg.health_check_timeout_seconds(), Some(5));
    assert_eq!(tg.healthy_threshold_count(), Some(5));
    assert_eq!(tg.unhealthy_threshold_count(), Some(2));
    assert_eq!(tg.health_check_port(), Some("traffic-port"));
    assert_eq!(tg.matcher().unwrap().http_code(), Some("200-299"));
    assert_eq!(tg.load_balancer_arns(), std::slice::from_ref(&lb_arn));
    let attrs = c
        .describe_target_group_attributes()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .unwrap();
    let get = |k: &str| {
        attrs
            .attributes()
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(
        get("deregistration_delay.timeout_seconds").as_deref(),
        Some("300")
    );
    assert_eq!(get("stickiness.enabled").as_deref(), Some("false"));
    assert_eq!(
        get("stickiness.lb_cookie.duration_seconds").as_deref(),
        Some("86400")
    );
    let lba = c
        .describe_load_balancer_attributes()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert!(
        lba.attributes()
            .iter()
            .any(|a| a.key() == Some("idle_timeout.timeout_seconds") && a.value() == Some("60"))
    );
    let tags = c
        .describe_tags()
        .resource_arns(&tg_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_descriptions()[0].tags()[0].key(), Some("team"));
    let rules = c
        .describe_rules()
        .listener_arn(&l_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(rules.rules()[0].priority(), Some("default"));
    assert_eq!(rules.rules()[0].is_default(), Some(true));
    // Paging: one load balancer per page.
    setup(&emul, &c, "second").await;
    let page = c
        .describe_load_balancers()
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.load_balancers().len(), 1);
    let next = page.next_marker().unwrap().to_string();
    let rest = c
        .describe_load_balancers()
        .page_size(1)
        .marker(next)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.load_balancers().len(), 1);
    assert!(rest.next_marker().is_none());
}

#[tokio::test]
async fn targets_register_drain_and_report_health() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (_, _, tg) = setup(&emul, &c, "health").await;
    let t = |id: &str| TargetDescription::builder().id(id).build();
    c.register_targets()
        .target_group_arn(&tg)
        .targets(t("10.0.1.5"))
        .targets(t("10.0.1.6"))
        .send()
        .await
        .unwrap();
    let h = c
        .describe_target_health()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap();
    assert_eq!(h.target_health_descriptions().len(), 2);
    let d = &h.target_health_descriptions()[0];
    assert_eq!(d.target().unwrap().port(), Some(8080));
    assert_eq!(d.health_check_port(), Some("8080"));
    assert_eq!(
        d.target_health().unwrap().state(),
        Some(&TargetHealthStateEnum::Initial)
    );
    assert_eq!(
        d.target_health().unwrap().reason(),
        Some(&TargetHealthReasonEnum::RegistrationInProgress)
    );
    c.deregister_targets()
        .target_group_arn(&tg)
        .targets(t("10.0.1.5"))
        .send()
        .await
        .unwrap();
    // Deregistering an unknown target succeeds.
    c.deregister_targets()
        .target_group_arn(&tg)
        .targets(t("10.9.9.9"))
        .send()
        .await
        .unwrap();
    let h = c
        .describe_target_health()
        .target_group_arn(&tg)
        .targets(t("10.0.1.5"))
        .targets(t("10.7.7.7"))
        .send()
        .await
        .unwrap();
    let th = |i: usize| {
        h.target_health_descriptions()[i]
            .target_health()
            .unwrap()
            .clone()
    };
    assert_eq!(th(0).state(), Some(&TargetHealthStateEnum::Draining));
    assert_eq!(
        th(0).description(),
        Some("Target deregistration is in progress")
    );
    assert_eq!(th(1).state(), Some(&TargetHealthStateEnum::Unused));
    assert_eq!(th(1).reason(), Some(&TargetHealthReasonEnum::NotRegistered));
    assert_eq!(
        code_of(
            c.register_targets()
                .target_group_arn(&tg)
                .targets(t("i-0123"))
                .send()
                .await
        )
        .0,
        "InvalidTarget"
    );
}

#[tokio::test]
async fn rules_create_modify_priorities_delete_and_their_errors() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (_, l, tg) = setup(&emul, &c, "rules").await;
    let created = c
        .create_rule()
        .listener_arn(&l)
        .priority(10)
        .conditions(path("/api/*"))
        .actions(forward(&tg))
        .send()
        .await
        .unwrap();
    let r1 = created.rules()[0].rule_arn().unwrap().to_string();
    assert_eq!(created.rules()[0].priority(), Some("10"));
    assert_eq!(
        created.rules()[0].conditions()[0]
            .path_pattern_config()
            .unwrap()
            .values(),
        ["/api/*"]
    );
    assert_eq!(
        code_of(
            c.create_rule()
                .listener_arn(&l)
                .priority(10)
                .conditions(path("/x"))
                .actions(forward(&tg))
                .send()
                .await
        )
        .0,
        "PriorityInUse"
    );
    let fixed = Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code("404")
                .content_type("text/plain")
                .message_body("nope")
                .build(),
        )
        .build();
    let r2 = c
        .create_rule()
        .listener_arn(&l)
        .priority(20)
        .conditions(path("/old/*"))
        .actions(fixed)
        .send()
        .await
        .unwrap()
        .rules()[0]
        .rule_arn()
        .unwrap()
        .to_string();
    let redirect = Action::builder()
        .r#type(ActionTypeEnum::Redirect)
        .redirect_config(
            RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build();
    let modified = c
        .modify_rule()
        .rule_arn(&r2)
        .actions(redirect)
        .send()
        .await
        .unwrap();
    let rc = modified.rules()[0].actions()[0].redirect_config().unwrap();
    assert_eq!(
        (rc.protocol(), rc.host(), rc.path(), rc.query()),
        (
            Some("HTTPS"),
            Some("#{host}"),
            Some("/#{path}"),
            Some("#{query}")
        )
    );
    let weighted = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(&tg)
                        .weight(3)
                        .build(),
                )
                .build(),
        )
        .build();
    c.modify_rule()
        .rule_arn(&r1)
        .actions(weighted)
        .send()
        .await
        .unwrap();
    let swapped = c
        .set_rule_priorities()
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&r1)
                .priority(20)
                .build(),
        )
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&r2)
                .priority(10)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(swapped.rules().len(), 2);
    let listed = c.describe_rules().listener_arn(&l).send().await.unwrap();
    let prios: Vec<&str> = listed.rules().iter().filter_map(|r| r.priority()).collect();
    assert_eq!(prios, ["10", "20", "default"]);
    let default = listed.rules()[2].rule_arn().unwrap().to_string();
    assert_eq!(
        code_of(c.delete_rule().rule_arn(&default).send().await).0,
        "OperationNotPermitted"
    );
    c.delete_rule().rule_arn(&r1).send().await.unwrap();
    assert_eq!(
        code_of(c.delete_rule().rule_arn(&r1).send().await).0,
        "RuleNotFound"
    );
    let missing_tg =
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0000000000000000";
    assert_eq!(
        code_of(
            c.create_rule()
                .listener_arn(&l)
                .priority(30)
                .conditions(path("/y"))
                .actions(forward(missing_tg))
                .send()
                .await
        )
        .0,
        "TargetGroupNotFound"
    );
    assert_eq!(
        code_of(
            c.create_rule()
                .listener_arn("arn:bad")
                .priority(30)
                .conditions(path("/y"))
                .actions(forward(&tg))
                .send()
                .await
        )
        .0,
        "ListenerNotFound"
    );
    // ModifyListener replaces the default action.
    let fixed_default = Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code("503")
                .build(),
        )
        .build();
    let ml = c
        .modify_listener()
        .listener_arn(&l)
        .default_actions(fixed_default)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ml.listeners()[0].default_actions()[0].r#type(),
        Some(&ActionTypeEnum::FixedResponse)
    );
}

#[tokio::test]
async fn target_group_modifications_and_validation() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (_, _, tg) = setup(&emul, &c, "tgmod").await;
    let out = c
        .modify_target_group_attributes()
        .target_group_arn(&tg)
        .attributes(
            TargetGroupAttribute::builder()
                .key("stickiness.enabled")
                .value("true")
                .build(),
        )
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value("30")
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The full current set comes back, not just the changed keys.
    assert!(out.attributes().len() > 2);
    assert!(out.attributes().iter().any(|a| a.key()
        == Some("deregistration_delay.timeout_seconds")
        && a.value() == Some("30")));
    assert_eq!(
        code_of(
            c.modify_target_group_attributes()
                .target_group_arn(&tg)
                .attributes(
                    TargetGroupAttribute::builder()
                        .key("deregistration_delay.timeout_seconds")
                        .value("4000")
                        .build()
                )
                .send()
                .await
        )
        .0,
        "ValidationError"
    );
    let m = c
        .modify_target_group()
        .target_group_arn(&tg)
        .health_check_interval_seconds(10)
        .healthy_threshold_count(3)
        .matcher(Matcher::builder().http_code("200,302").build())
        .send()
        .await
        .unwrap();
    let g = &m.target_groups()[0];
    assert_eq!(
        (
            g.health_check_interval_seconds(),
            g.healthy_threshold_count()
        ),
        (Some(10), Some(3))
    );
    assert_eq!(g.matcher().unwrap().http_code(), Some("200,302"));
    assert_eq!(
        code_of(
            c.modify_target_group()
                .target_group_arn(&tg)
                .health_check_interval_seconds(1)
                .send()
                .await
        )
        .0,
        "ValidationError"
    );
    assert_eq!(
        code_of(
            c.modify_target_group()
                .target_group_arn(&tg)
                .matcher(Matcher::builder().http_code("600").build())
                .send()
                .await
        )
        .0,
        "ValidationError"
    );
    // Same name, different settings.
    assert_eq!(
        code_of(
            c.create_target_group()
                .name("tgmod-tg")
                .protocol(ProtocolEnum::Http)
                .port(9999)
                .vpc_id("vpc-1")
                .send()
                .await
        )
        .0,
        "DuplicateTargetGroupName"
    );
}

#[tokio::test]
async fn listeners_modify_and_delete_with_aws_codes() {
    use aws_sdk_elasticloadbalancingv2::types::Certificate;
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (lb, listener, tg) = setup(&emul, &c, "lst").await;
    // A second listener; a third on a taken port is DuplicateListener.
    let other = c
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Http)
        .port(81)
        .default_actions(forward(&tg))
        .send()
        .await
        .unwrap();
    let other = other.listeners()[0].listener_arn().unwrap().to_string();
    let (code, _) = code_of(
        c.create_listener()
            .load_balancer_arn(&lb)
            .protocol(ProtocolEnum::Http)
            .port(81)
            .default_actions(forward(&tg))
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateListener");
    let (code, msg) = code_of(
        c.modify_listener()
            .listener_arn(&other)
            .port(80)
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateListener");
    assert_eq!(
        msg,
        "A listener already exists on this port for this load balancer"
    );

    // Port, protocol, certificate and policy in one call.
    let cert = emul.certificate("us-east-1", "shop.test").await;
    let cert = cert.as_str();
    let out = c
        .modify_listener()
        .listener_arn(&listener)
        .port(8443)
        .protocol(ProtocolEnum::Https)
        .certificates(Certificate::builder().certificate_arn(cert).build())
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .send()
        .await
        .unwrap();
    let l = &out.listeners()[0];
    assert_eq!(l.port(), Some(8443));
    assert_eq!(l.protocol(), Some(&ProtocolEnum::Https));
    assert_eq!(l.certificates()[0].certificate_arn(), Some(cert));
    assert_eq!(l.ssl_policy(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
    let described = c
        .describe_listeners()
        .listener_arns(&listener)
        .send()
        .await
        .unwrap();
    assert_eq!(described.listeners()[0].port(), Some(8443));
    // Back to HTTP: certificates and policy go.
    let out = c
        .modify_listener()
        .listener_arn(&listener)
        .protocol(ProtocolEnum::Http)
        .send()
        .await
        .unwrap();
    let l = &out.listeners()[0];
    assert!(l.certificates().is_empty());
    assert_eq!(l.ssl_policy(), None);
    let (code, _) = code_of(
        c.modify_listener()
            .listener_arn(&listener)
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    // Delete: gone from Describe*, its rules too; a second delete fails.
    c.delete_listener()
        .listener_arn(&other)
        .send()
        .await
        .unwrap();
    let (code, msg) = code_of(c.describe_listeners().listener_arns(&other).send().await);
    assert_eq!(code, "ListenerNotFound");
    assert_eq!(msg, "One or more listeners not found");
    let (code, _) = code_of(c.describe_rules().listener_arn(&other).send().await);
    assert_eq!(code, "ListenerNotFound");
    let (code, _) = code_of(c.delete_listener().listener_arn(&other).send().await);
    assert_eq!(code, "ListenerNotFound");
    let left = c
        .describe_listeners()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    assert_eq!(left.listeners().len(), 1);
}

/// A `source-ip` condition takes IPv6 CIDRs as AWS's does (CreateRule and
/// ModifyRule); a value that is not a CIDR is refused.
#[tokio::test]
async fn rules_take_ipv6_source_ip_values() {
    use aws_sdk_elasticloadbalancingv2::types::SourceIpConditionConfig;
    let source = |values: &[&str]| {
        RuleCondition::builder()
            .field("source-ip")
            .source_ip_config(
                SourceIpConditionConfig::builder()
                    .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
                    .build(),
            )
            .build()
    };
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (_, l, tg) = setup(&emul, &c, "v6rules").await;
    let created = c
        .create_rule()
        .listener_arn(&l)
        .priority(5)
        .conditions(source(&["2001:db8::/32", "203.0.113.0/24"]))
        .actions(forward(&tg))
        .send()
        .await
        .unwrap();
    let rule = &created.rules()[0];
    assert_eq!(
        rule.conditions()[0].source_ip_config().unwrap().values(),
        ["2001:db8::/32", "203.0.113.0/24"]
    );
    let arn = rule.rule_arn().unwrap().to_string();
    c.modify_rule()
        .rule_arn(&arn)
        .conditions(source(&["::1/128"]))
        .send()
        .await
        .unwrap();
    let described = c.describe_rules().rule_arns(&arn).send().await.unwrap();
    assert_eq!(
        described.rules()[0].conditions()[0]
            .source_ip_config()
            .unwrap()
            .values(),
        ["::1/128"]
    );
    let (code, message) = code_of(
        c.modify_rule()
            .rule_arn(&arn)
            .conditions(source(&["2001:db8::zz/32"]))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(message, "'2001:db8::zz/32' is not a valid CIDR block");
}

#[tokio::test]
async fn requests_aws_refuses_are_refused_with_its_messages() {
    use aws_sdk_elasticloadbalancingv2::types::{Certificate, IpAddressType};
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (lb, listener, tg) = setup(&emul, &c, "val").await;

    // Listeners: port and protocol required, HTTP/HTTPS only, HTTPS needs
    // a certificate.
    let (code, msg) = code_of(
        c.create_listener()
            .load_balancer_arn(&lb)
            .protocol(ProtocolEnum::Http)
            .default_actions(forward(&tg))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "A listener port must be specified")
    );
    let (_, msg) = code_of(
        c.create_listener()
            .load_balancer_arn(&lb)
            .port(82)
            .default_actions(forward(&tg))
            .send()
            .await,
    );
    assert_eq!(msg, "A listener protocol must be specified");
    let (_, msg) = code_of(
        c.create_listener()
            .load_balancer_arn(&lb)
            .port(82)
            .protocol(ProtocolEnum::Tcp)
            .default_actions(forward(&tg))
            .send()
            .await,
    );
    assert_eq!(msg, "Listener protocol 'TCP' must be one of 'HTTP, HTTPS'");
    let (code, _) = code_of(
        c.create_listener()
            .load_balancer_arn(&lb)
            .port(443)
            .protocol(ProtocolEnum::Https)
            .default_actions(forward(&tg))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidConfigurationRequest");
    let (code, _) = code_of(
        c.modify_listener()
            .listener_arn(&listener)
            .protocol(ProtocolEnum::Https)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidConfigurationRequest");
    c.modify_listener()
        .listener_arn(&listener)
        .protocol(ProtocolEnum::Https)
        .certificates(
            Certificate::builder()
                .certificate_arn(emul.certificate("us-east-1", "shop.test").await)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // Names and enums.
    let (_, msg) = code_of(
        c.create_target_group()
            .name("bad_name")
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id("vpc-1")
            .send()
            .await,
    );
    assert_eq!(
        msg,
        "Target group name 'bad_name' can only contain characters that are alphanumeric characters or hyphens(-)"
    );
    let (_, msg) = code_of(
        c.create_target_group()
            .name("-edge")
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id("vpc-1")
            .send()
            .await,
    );
    assert_eq!(
        msg,
        "1 validation error detected: Value '-edge' at 'targetGroup.targetGroupArn.targetGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!.*--)(?!^-)(?!.*-$)^[A-Za-z0-9-]+$"
    );
    let (code, msg) = code_of(
        c.create_target_group()
            .name("hc")
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id("vpc-1")
            .health_check_protocol(ProtocolEnum::from("SMTP"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(msg.contains("'healthCheckProtocol'"), "{msg}");
    let (code, msg) = code_of(
        c.create_load_balancer()
            .name("ip-type")
            .ip_address_type(IpAddressType::from("ipv5"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        msg.contains("[ipv4, dualstack, dualstack-without-public-ipv4]"),
        "{msg}"
    );
    let (_, msg) = code_of(
        c.create_load_balancer()
            .name("a-name-that-is-longer-than-32-chars")
            .send()
            .await,
    );
    assert_eq!(
        msg,
        "Load balancer name 'a-name-that-is-longer-than-32-chars' cannot be longer than '32' characters"
    );
}
