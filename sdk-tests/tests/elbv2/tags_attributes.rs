//! AddTags / RemoveTags / DescribeTags, ModifyLoadBalancerAttributes /
//! DescribeLoadBalancerAttributes, DeleteTargetGroup and DeleteLoadBalancer
//! through the official SDK, errors included.

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerAttribute, ProtocolEnum, Tag};
use sdk_tests::Emul;

use super::{code_of, setup};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

fn attr(k: &str, v: &str) -> LoadBalancerAttribute {
    LoadBalancerAttribute::builder().key(k).value(v).build()
}

#[tokio::test]
async fn tags_are_added_overwritten_removed_and_limited() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (lb, listener, tg) = setup(&emul, &c, "tagged").await;
    c.add_tags()
        .resource_arns(&lb)
        .resource_arns(&listener)
        .tags(tag("env", "dev"))
        .tags(tag("owner", "ops"))
        .send()
        .await
        .unwrap();
    c.add_tags()
        .resource_arns(&lb)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let d = c
        .describe_tags()
        .resource_arns(&lb)
        .resource_arns(&listener)
        .resource_arns(&tg)
        .send()
        .await
        .unwrap();
    let pairs = |i: usize| -> Vec<(String, String)> {
        d.tag_descriptions()[i]
            .tags()
            .iter()
            .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
            .collect()
    };
    assert_eq!(d.tag_descriptions()[0].resource_arn(), Some(lb.as_str()));
    assert_eq!(
        pairs(0),
        vec![
            ("env".into(), "prod".into()),
            ("owner".into(), "ops".into())
        ]
    );
    assert_eq!(
        pairs(1),
        vec![("env".into(), "dev".into()), ("owner".into(), "ops".into())]
    );
    assert_eq!(
        pairs(2),
        vec![("team".into(), "shop".into())],
        "CreateTargetGroup's"
    );

    c.remove_tags()
        .resource_arns(&lb)
        .tag_keys("env")
        .tag_keys("never-set")
        .send()
        .await
        .unwrap();
    let d = c.describe_tags().resource_arns(&lb).send().await.unwrap();
    assert_eq!(d.tag_descriptions()[0].tags().len(), 1);

    // Errors: a key twice, the reserved prefix, more than 50, unknown ARNs.
    assert_eq!(
        code_of(
            c.add_tags()
                .resource_arns(&lb)
                .tags(tag("a", "1"))
                .tags(tag("a", "2"))
                .send()
                .await
        ),
        (
            "DuplicateTagKeys".into(),
            "A tag key was specified more than once.".into()
        )
    );
    assert_eq!(
        code_of(
            c.add_tags()
                .resource_arns(&lb)
                .tags(tag("aws:x", "1"))
                .send()
                .await
        )
        .0,
        "ValidationError"
    );
    let mut many = c.add_tags().resource_arns(&lb);
    for i in 0..50 {
        many = many.tags(tag(&format!("k{i}"), "v"));
    }
    assert_eq!(code_of(many.send().await).0, "TooManyTags");
    let gone_tg = tg.replace("/tagged-tg/", "/missing/");
    assert_eq!(
        code_of(
            c.add_tags()
                .resource_arns(&lb)
                .resource_arns(&gone_tg)
                .tags(tag("x", "1"))
                .send()
                .await
        ),
        (
            "TargetGroupNotFound".into(),
            "One or more target groups not found".into()
        )
    );
    let d = c.describe_tags().resource_arns(&lb).send().await.unwrap();
    assert!(
        d.tag_descriptions()[0]
            .tags()
            .iter()
            .all(|t| t.key() != Some("x")),
        "nothing applied when one ARN is unknown"
    );
    assert_eq!(
        code_of(c.remove_tags().resource_arns(&lb).send().await).0,
        "ValidationError",
        "TagKeys is required"
    );
}

#[tokio::test]
async fn load_balancer_attributes_and_deletions() {
    let emul = Emul::start();
    let c = emul.elbv2_client("us-east-1").await;
    let (lb, _listener, tg) = setup(&emul, &c, "attrs").await;

    let out = c
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(attr("idle_timeout.timeout_seconds", "120"))
        .attributes(attr("routing.http.xff_header_processing.mode", "preserve"))
        .attributes(attr("deletion_protection.enabled", "true"))
        .send()
        .await
        .unwrap();
    let value_of = |attrs: &[LoadBalancerAttribute], k: &str| {
        attrs
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value())
            .map(String::from)
    };
    assert_eq!(
        value_of(out.attributes(), "idle_timeout.timeout_seconds").as_deref(),
        Some("120")
    );
    assert_eq!(
        value_of(out.attributes(), "routing.http2.enabled").as_deref(),
        Some("true"),
        "the full set comes back"
    );
    let described = c
        .describe_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    assert_eq!(
        value_of(
            described.attributes(),
            "routing.http.xff_header_processing.mode"
        )
        .as_deref(),
        Some("preserve")
    );
    let (code, message) = code_of(
        c.modify_load_balancer_attributes()
            .load_balancer_arn(&lb)
            .attributes(attr("idle_timeout.timeout_seconds", "0"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("idle_timeout.timeout_seconds"),
        "{message}"
    );
    let missing = lb.replace("/attrs/", "/missing/");
    assert_eq!(
        code_of(
            c.modify_load_balancer_attributes()
                .load_balancer_arn(&missing)
                .attributes(attr("idle_timeout.timeout_seconds", "30"))
                .send()
                .await
        ),
        (
            "LoadBalancerNotFound".into(),
            format!("Load balancer '{missing}' not found")
        )
    );

    // The listener's default action uses the group; protection blocks deletion.
    assert_eq!(
        code_of(c.delete_target_group().target_group_arn(&tg).send().await).0,
        "ResourceInUse"
    );
    assert_eq!(
        code_of(c.delete_load_balancer().load_balancer_arn(&lb).send().await).0,
        "OperationNotPermitted"
    );
    c.modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(attr("deletion_protection.enabled", "false"))
        .send()
        .await
        .unwrap();
    c.delete_load_balancer()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    assert!(
        c.describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()
            .is_empty()
    );
    c.delete_target_group()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(
            c.describe_target_groups()
                .target_group_arns(&tg)
                .send()
                .await
        )
        .0,
        "TargetGroupNotFound"
    );
    // Deleting what is gone succeeds, as on AWS.
    c.delete_load_balancer()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    c.delete_target_group()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap();
    // The name is free again.
    let again = c
        .create_target_group()
        .name("attrs-tg")
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id("vpc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.target_groups().len(), 1);
}
