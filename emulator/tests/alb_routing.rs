//! ALB data plane over loopback, without Docker (NetNs-less host mode):
//! in-process upstreams stand in for tasks and report their identity.
//! Run: `cargo nextest run -p emul --test alb_routing`.

#[path = "support/alb.rs"]
mod alb_support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alb_support::{Upstream, api, client, get, register, start, tg_arn};
use emul::dataplane::alb::AlbRuntime;
use emul::services::elbv2::service::now_ms;

async fn wait_for_state(alb: &AlbRuntime, tg: &str, up: &Upstream, state: &str, within: Duration) {
    let arn = tg_arn(alb, tg);
    let deadline = Instant::now() + within;
    loop {
        let xml = api(alb, "DescribeTargetHealth", &[("TargetGroupArn", &arn)]).unwrap();
        let needle = format!("<Id>{}</Id><Port>{}</Port>", up.addr.ip(), up.addr.port());
        if let Some(i) = xml.find(&needle) {
            let rest = &xml[i..];
            let end = rest.find("</member>").unwrap_or(rest.len());
            if rest[..end].contains(&format!("<State>{state}</State>")) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "target never became {state}: {xml}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_and_host_rules_reach_the_right_target_with_forwarding_headers() {
    let alb = start().await;
    let (web, apiu) = (
        Upstream::start("web-1").await,
        Upstream::start("api-1").await,
    );
    register(&alb, "web", &[&web]);
    register(&alb, "api", &[&apiu]);
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    assert_eq!(
        get(&c, &format!("{url}/"), &[]).await.unwrap().body,
        "web-1"
    );
    assert_eq!(
        get(&c, &format!("{url}/api/users?x=1"), &[])
            .await
            .unwrap()
            .body,
        "api-1"
    );
    // Path patterns are case-sensitive; host headers are not.
    assert_eq!(
        get(&c, &format!("{url}/API/users"), &[])
            .await
            .unwrap()
            .body,
        "web-1"
    );
    let by_host = get(
        &c,
        &format!("{url}/anything"),
        &[("host", "API.Example.com")],
    )
    .await
    .unwrap();
    assert_eq!(by_host.body, "api-1");
    let r = get(
        &c,
        &format!("{url}/x"),
        &[("x-forwarded-for", "203.0.113.9")],
    )
    .await
    .unwrap();
    assert_eq!(r.headers["x-seen-xff"], "203.0.113.9, 127.0.0.1");
    assert_eq!(r.headers["x-seen-proto"], "http");
    assert_eq!(r.headers["x-seen-port"], "80");
    assert!(
        r.headers["x-seen-trace"]
            .to_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    // Fixed response and redirect come from the ALB itself.
    let tea = get(&c, &format!("{url}/teapot"), &[]).await.unwrap();
    assert_eq!((tea.status, tea.body.as_str()), (418, "short and stout"));
    let moved = get(
        &c,
        &format!("{url}/old/page?q=1"),
        &[("host", "shop.example.com")],
    )
    .await
    .unwrap();
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.headers["location"],
        "https://shop.example.com:443/new/old/page?q=1"
    );
    assert_eq!(moved.headers["server"], "awselb/2.0");
    assert_eq!(moved.headers["content-length"], "134");
    // 31 X-Forwarded-For addresses → 463.
    let many = vec!["10.0.0.1"; 31].join(", ");
    assert_eq!(
        get(&c, &format!("{url}/"), &[("x-forwarded-for", &many)])
            .await
            .unwrap()
            .status,
        463
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_targets_is_503_with_aws_body_and_refused_listener_closes() {
    let alb = start().await;
    let url = &alb.listener("front", 80).unwrap().url;
    let r = get(&client(), &format!("{url}/"), &[]).await.unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["server"], "awselb/2.0");
    assert_eq!(r.headers["content-type"], "text/html");
    assert_eq!(r.body.len(), 162);
    assert!(
        r.body
            .contains("<title>503 Service Temporarily Unavailable</title>")
    );
    // The private ALB's security group does not admit 0.0.0.0/0.
    let private = alb.listener("private", 80).unwrap();
    assert!(!private.admitted);
    assert!(
        get(&client(), &format!("{}/", private.url), &[])
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_reset_is_502() {
    let alb = start().await;
    let dead = Upstream::start("dead").await;
    dead.task.abort();
    tokio::time::sleep(Duration::from_millis(50)).await;
    register(&alb, "web", &[&dead]);
    let url = &alb.listener("front", 80).unwrap().url;
    let r = get(&client(), &format!("{url}/"), &[]).await.unwrap();
    assert_eq!(r.status, 502);
    assert_eq!(r.body.len(), 122);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_rule_changes_routing_on_the_next_request() {
    let alb = start().await;
    let (web, apiu) = (
        Upstream::start("web-1").await,
        Upstream::start("api-1").await,
    );
    register(&alb, "web", &[&web]);
    register(&alb, "api", &[&apiu]);
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    assert_eq!(
        get(&c, &format!("{url}/api/a"), &[]).await.unwrap().body,
        "api-1"
    );
    let snap = alb.elbv2.snapshot();
    let rule = snap
        .rules
        .values()
        .find(|r| r.priority == Some(10))
        .unwrap()
        .arn
        .clone();
    let web_arn = tg_arn(&alb, "web");
    api(
        &alb,
        "ModifyRule",
        &[
            ("RuleArn", &rule),
            ("Actions.member.1.Type", "forward"),
            ("Actions.member.1.TargetGroupArn", &web_arn),
        ],
    )
    .unwrap();
    assert_eq!(
        get(&c, &format!("{url}/api/a"), &[]).await.unwrap().body,
        "web-1"
    );
    // A new rule through CreateRule routes at once too.
    api(
        &alb,
        "CreateRule",
        &[
            ("ListenerArn", &snap.rules[&rule].listener_arn),
            ("Priority", "5"),
            ("Conditions.member.1.Field", "http-request-method"),
            (
                "Conditions.member.1.HttpRequestMethodConfig.Values.member.1",
                "GET",
            ),
            ("Actions.member.1.Type", "fixed-response"),
            ("Actions.member.1.FixedResponseConfig.StatusCode", "200"),
            (
                "Actions.member.1.FixedResponseConfig.MessageBody",
                "from CreateRule",
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        get(&c, &format!("{url}/api/a"), &[]).await.unwrap().body,
        "from CreateRule"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_forward_splits_one_to_three_within_five_points() {
    let alb = start().await;
    let (web, canary) = (
        Upstream::start("web").await,
        Upstream::start("canary").await,
    );
    register(&alb, "web", &[&web]);
    register(&alb, "canary", &[&canary]);
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    let n = 2000;
    let mut canary_hits = 0;
    for _ in 0..n {
        if get(&c, &format!("{url}/split/x"), &[]).await.unwrap().body == "canary" {
            canary_hits += 1;
        }
    }
    let share = f64::from(canary_hits) / f64::from(n);
    assert!(
        (0.70..=0.80).contains(&share),
        "canary share {share} not within 0.75 ± 0.05"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickiness_keeps_a_client_and_moves_it_when_the_target_goes() {
    let alb = start().await;
    let (a, b) = (
        Upstream::start("api-a").await,
        Upstream::start("api-b").await,
    );
    register(&alb, "api", &[&a, &b]);
    wait_for_state(&alb, "api", &a, "healthy", Duration::from_secs(5)).await;
    wait_for_state(&alb, "api", &b, "healthy", Duration::from_secs(5)).await;
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    let first = get(&c, &format!("{url}/api/x"), &[]).await.unwrap();
    let cookies: Vec<String> = first
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let awsalb = cookies
        .iter()
        .find(|c| c.starts_with("AWSALB="))
        .expect("AWSALB set");
    assert!(awsalb.contains("; Expires=") && awsalb.ends_with("; Path=/"));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("AWSALBCORS=") && c.ends_with("SameSite=None; Secure"))
    );
    let cookie = awsalb.split(';').next().unwrap().to_string();
    for _ in 0..20 {
        let r = get(&c, &format!("{url}/api/x"), &[("cookie", &cookie)])
            .await
            .unwrap();
        assert_eq!(r.body, first.body, "sticky client moved");
    }
    // The sticky target is deregistered: the client moves and gets a new cookie.
    let gone = if first.body == "api-a" { &a } else { &b };
    let arn = tg_arn(&alb, "api");
    alb.elbv2
        .write_primary(|m| m.deregister_targets(&arn, &[gone.target()], now_ms()))
        .unwrap();
    let moved = get(&c, &format!("{url}/api/x"), &[("cookie", &cookie)])
        .await
        .unwrap();
    assert_ne!(moved.body, first.body);
    assert!(
        moved
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("AWSALB="))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_health_leaves_rotation_and_returns_after_thresholds() {
    let alb = start().await;
    let (a, b) = (
        Upstream::start("web-a").await,
        Upstream::start("web-b").await,
    );
    register(&alb, "web", &[&a, &b]);
    wait_for_state(&alb, "web", &a, "healthy", Duration::from_secs(5)).await;
    wait_for_state(&alb, "web", &b, "healthy", Duration::from_secs(5)).await;
    a.healthy.store(false, Ordering::SeqCst);
    // Unhealthy threshold 2 at a 5 s interval.
    wait_for_state(&alb, "web", &a, "unhealthy", Duration::from_secs(16)).await;
    let arn = tg_arn(&alb, "web");
    let xml = api(&alb, "DescribeTargetHealth", &[("TargetGroupArn", &arn)]).unwrap();
    assert!(xml.contains("<Reason>Target.ResponseCodeMismatch</Reason><Description>Health checks failed with these codes: [503]</Description>"), "{xml}");
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    let before = a.hits.load(Ordering::SeqCst);
    for _ in 0..20 {
        assert_eq!(
            get(&c, &format!("{url}/"), &[]).await.unwrap().body,
            "web-b"
        );
    }
    assert_eq!(a.hits.load(Ordering::SeqCst), before);
    a.healthy.store(true, Ordering::SeqCst);
    wait_for_state(&alb, "web", &a, "healthy", Duration::from_secs(16)).await;
    let bodies: HashSet<String> = {
        let mut s = HashSet::new();
        for _ in 0..10 {
            s.insert(get(&c, &format!("{url}/"), &[]).await.unwrap().body);
        }
        s
    };
    assert!(bodies.contains("web-a") && bodies.contains("web-b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_failures_while_a_target_drains_and_stops() {
    let alb = start().await;
    let (a, b) = (
        Upstream::start("web-a").await,
        Upstream::start("web-b").await,
    );
    register(&alb, "web", &[&a, &b]);
    wait_for_state(&alb, "web", &a, "healthy", Duration::from_secs(5)).await;
    wait_for_state(&alb, "web", &b, "healthy", Duration::from_secs(5)).await;
    let url = alb.listener("front", 80).unwrap().url.clone();
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (ok, failed, stop, url) = (ok.clone(), failed.clone(), stop.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let c = client();
            while !stop.load(Ordering::SeqCst) {
                match get(&c, &format!("{url}/"), &[]).await {
                    Ok(r) if r.status == 200 => ok.fetch_add(1, Ordering::SeqCst),
                    _ => failed.fetch_add(1, Ordering::SeqCst),
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Deregister (2 s delay, as the ECS scheduler would), wait it out, stop A.
    let arn = tg_arn(&alb, "web");
    alb.elbv2
        .write_primary(|m| m.deregister_targets(&arn, &[a.target()], now_ms()))
        .unwrap();
    wait_for_state(&alb, "web", &a, "draining", Duration::from_secs(1)).await;
    tokio::time::sleep(alb.targets.deregistration_delay(&arn)).await;
    a.task.abort();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    eprintln!("drain under load: {ok} ok, {failed} failed");
    assert!(ok >= 1000, "only {ok} requests");
    assert_eq!(failed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_cookie_stickiness_follows_the_application_cookie() {
    let alb = start().await;
    let (a, b) = (
        Upstream::start("app-a").await,
        Upstream::start("app-b").await,
    );
    register(&alb, "app", &[&a, &b]);
    wait_for_state(&alb, "app", &a, "healthy", Duration::from_secs(5)).await;
    wait_for_state(&alb, "app", &b, "healthy", Duration::from_secs(5)).await;
    let url = &alb.listener("front", 80).unwrap().url;
    let c = client();
    // No app cookie set by the target: no AWSALBAPP cookie, round robin.
    let plain = get(&c, &format!("{url}/app/x"), &[]).await.unwrap();
    assert!(plain.headers.get("set-cookie").is_none());
    let login = get(&c, &format!("{url}/login"), &[]).await.unwrap();
    let lines: Vec<&str> = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("session=s1")),
        "the app cookie passes through: {lines:?}"
    );
    let albapp = lines
        .iter()
        .find(|l| l.starts_with("AWSALBAPP-0="))
        .expect("AWSALBAPP-0 added");
    let cookie = format!("session=s1; {}", albapp.split(';').next().unwrap());
    for _ in 0..10 {
        let r = get(&c, &format!("{url}/app/y"), &[("cookie", &cookie)])
            .await
            .unwrap();
        assert_eq!(r.body, login.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_is_passed_through_both_ways() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let addr = alb.listener("front", 80).unwrap().addr;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("upgrade: echo"),
        "{head}"
    );
    s.write_all(b"ping through the ALB").await.unwrap();
    let mut echoed = [0u8; 20];
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut echoed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&echoed, b"ping through the ALB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_slower_than_the_idle_timeout_is_504() {
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    alb_support::set_idle_timeout(&alb, 1);
    let url = &alb.listener("front", 80).unwrap().url;
    let started = Instant::now();
    let r = get(&client(), &format!("{url}/slow"), &[]).await.unwrap();
    assert_eq!(r.status, 504);
    assert_eq!(r.body.len(), 132);
    assert!(r.body.contains("504 Gateway Time-out"));
    assert!(started.elapsed() < Duration::from_millis(2500));
}
