//! Load-balancer attributes and deletions through the ELBv2 API, seen in
//! the data plane at once (loopback, no Docker): X-Forwarded-For modes and
//! client port, dropping invalid header fields, deletion protection,
//! DeleteLoadBalancer closing its listeners, DeleteTargetGroup refused while
//! in use.

#[path = "support/alb.rs"]
mod alb_support;

use alb_support::{Upstream, api, client, get, lb_arn, register, start, tg_arn};
use emul::dataplane::alb::AlbRuntime;

fn set(alb: &AlbRuntime, key: &str, value: &str) -> Result<String, emul::gateway::AwsError> {
    api(
        alb,
        "ModifyLoadBalancerAttributes",
        &[
            ("LoadBalancerArn", &lb_arn(alb, "front")),
            ("Attributes.member.1.Key", key),
            ("Attributes.member.1.Value", value),
        ],
    )
}

fn code(e: &emul::gateway::AwsError) -> String {
    format!("{e:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_modes_and_invalid_header_fields_follow_the_attributes() {
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let url = format!("{}/x", alb.listener("front", 80).unwrap().url);
    let c = client();
    let sent = [("x-forwarded-for", "203.0.113.9"), ("x_custom", "1")];

    // AWS's defaults: append the client, keep every field.
    let r = get(&c, &url, &sent).await.unwrap();
    assert_eq!(r.headers["x-seen-xff"], "203.0.113.9, 127.0.0.1");
    assert_eq!(r.headers["x-seen-underscore"], "1");

    // The client's port, appended as ip:port; the answer lists every key.
    let xml = set(&alb, "routing.http.xff_client_port.enabled", "true").unwrap();
    assert!(xml.contains("<Key>routing.http.xff_client_port.enabled</Key><Value>true</Value>"));
    assert!(xml.contains("<Key>idle_timeout.timeout_seconds</Key><Value>60</Value>"));
    let r = get(&c, &url, &sent).await.unwrap();
    let xff = r.headers["x-seen-xff"].to_str().unwrap();
    let port: u16 = xff
        .strip_prefix("203.0.113.9, 127.0.0.1:")
        .unwrap_or_else(|| panic!("{xff}"))
        .parse()
        .unwrap();
    assert!(port > 0);

    // preserve: as sent (and absent stays absent); the port setting is ignored.
    set(&alb, "routing.http.xff_header_processing.mode", "preserve").unwrap();
    let r = get(&c, &url, &sent).await.unwrap();
    assert_eq!(r.headers["x-seen-xff"], "203.0.113.9");
    let r = get(&c, &url, &[]).await.unwrap();
    assert!(!r.headers.contains_key("x-seen-xff"));

    // remove: never reaches the target.
    set(&alb, "routing.http.xff_header_processing.mode", "remove").unwrap();
    let r = get(&c, &url, &sent).await.unwrap();
    assert!(!r.headers.contains_key("x-seen-xff"));

    // Invalid header field names (an underscore) dropped once enabled.
    set(
        &alb,
        "routing.http.drop_invalid_header_fields.enabled",
        "true",
    )
    .unwrap();
    let r = get(&c, &url, &sent).await.unwrap();
    assert!(!r.headers.contains_key("x-seen-underscore"));
    assert_eq!(r.body, "web-1");

    // Bad keys and values: ValidationError, nothing applied.
    let e = set(&alb, "routing.http.xff_header_processing.mode", "drop").unwrap_err();
    assert!(code(&e).contains("ValidationError"), "{e:?}");
    let e = set(&alb, "no.such.key", "1").unwrap_err();
    assert!(code(&e).contains("not recognized"), "{e:?}");
    let e = set(&alb, "idle_timeout.timeout_seconds", "4001").unwrap_err();
    assert!(code(&e).contains("between 1 and 4000"), "{e:?}");
    let e = set(&alb, "access_logs.s3.enabled", "true").unwrap_err();
    assert!(code(&e).contains("InvalidConfigurationRequest"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_load_balancer_honours_protection_and_closes_its_listeners() {
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let addr = alb.listener("front", 80).unwrap().addr;
    let arn = lb_arn(&alb, "front");

    // A target group a rule forwards to cannot go.
    let web_tg = tg_arn(&alb, "web");
    let e = api(&alb, "DeleteTargetGroup", &[("TargetGroupArn", &web_tg)]).unwrap_err();
    assert!(code(&e).contains("ResourceInUse"), "{e:?}");

    set(&alb, "deletion_protection.enabled", "true").unwrap();
    let e = api(&alb, "DeleteLoadBalancer", &[("LoadBalancerArn", &arn)]).unwrap_err();
    assert!(code(&e).contains("OperationNotPermitted"), "{e:?}");
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());

    set(&alb, "deletion_protection.enabled", "false").unwrap();
    api(&alb, "DeleteLoadBalancer", &[("LoadBalancerArn", &arn)]).unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener closed before the call returned"
    );
    assert!(alb.listener("front", 80).is_none());
    // Gone, and deleting it again succeeds (AWS: no error for a missing ARN).
    api(&alb, "DeleteLoadBalancer", &[("LoadBalancerArn", &arn)]).unwrap();
    let e = api(
        &alb,
        "DescribeLoadBalancers",
        &[("LoadBalancerArns.member.1", &arn)],
    )
    .unwrap_err();
    assert!(code(&e).contains("LoadBalancerNotFound"), "{e:?}");
    // Its rules went with it: the target group is free now.
    api(&alb, "DeleteTargetGroup", &[("TargetGroupArn", &web_tg)]).unwrap();
    let e = api(
        &alb,
        "DescribeTargetGroups",
        &[("TargetGroupArns.member.1", &web_tg)],
    )
    .unwrap_err();
    assert!(code(&e).contains("TargetGroupNotFound"), "{e:?}");
}
