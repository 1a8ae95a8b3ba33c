//! Issue #6 ("Done means") on a seed fixture, with real task containers
//! under the real binary (`emul up -d --wait`): the social-flow seed (ALB
//! with HTTP:80 → 301 to HTTPS:443, HTTPS forwarding to the `app` service,
//! `lb_cookie` stickiness on its target group), driven only from outside as
//! a user would: the ALB's loopback listeners (curl trusting the CA emul
//! exported, never `-k`), and the ECS / ELBv2 API of the project's endpoint.
//!
//! The test copy of the seed differs from `fixtures/topologies/social-flow.yaml` in:
//! - project name, VPC `10.250.0.0/16`, fixed listener host ports, Single-AZ RDS;
//! - fast health checks on `app` (5 s interval, 2 s timeout, thresholds 2/2)
//!   and a 5 s deregistration delay, so state changes take seconds;
//! - a second target group, `worker`, holding the seed's `celery-worker`
//!   service (2 tasks instead of 4, its container given the app's port 8000
//!   mapping): the seed has one target group behind its ALB, and the weighted
//!   forward, path and host rules need a second service to tell apart. There
//!   is no CreateTargetGroup in emul's API, so it is added here; HTTPS rules
//!   for path `/whoami` and `Host: worker.socialflow.example.com` forward to
//!   it (the test application names its task at `/` and `/whoami` only, so
//!   the default action is reached at `/` and the path rule at `/whoami`);
//! - `health_check_grace_period_seconds: 3600` on both load-balanced services:
//!   the ECS scheduler replaces a task whose target is unhealthy once the grace
//!   period is over (as ECS does), which would race the "returns after the
//!   healthy threshold" check of the task whose `/health` the test switches to
//!   failing. With an hour of grace the task stays RUNNING and only leaves
//!   the ALB's rotation, which is the part under test.
//!
//! One `up` serves every phase, in order: rules and 301; HTTPS with the
//! exported CA; stickiness across a StopTask; health-check state machine;
//! weighted forward (CreateRule) and ModifyRule; 503 with no targets; down.
//! VPC 10.250/16 and host ports 24400-24402 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "support/seed_alb.rs"]
mod seed_alb;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::{Guard, Ports, ecs};
use seed_alb::{Https, plain_get};
use serde_json::{Value, json};

/// The seed's ECS cluster, services, target groups and ALB.
const CLUSTER: &str = "social-flow-prod";
const APP: &str = "app";
const WORKER: &str = "celery-worker";
const APP_TG: &str = "app";
const WORKER_TG: &str = "worker";
const ALB: &str = "social-flow-alb";
/// The seed's domain (its HTTPS listener's certificate name).
const DOMAIN: &str = "api.socialflow.example.com";
/// The host the test's host-header rule sends to the worker group.
const WORKER_HOST: &str = "worker.socialflow.example.com";

/// Bound on every "wait until steady".
const STEADY: Duration = Duration::from_secs(150);

/// social-flow.yaml adjusted as the module doc says.
fn social_flow(project: &str, octet: u8, ports: &Ports) -> (tempfile::TempDir, PathBuf) {
    let (http, https) = (ports.http, ports.https);
    sp::fixture_topology("social-flow", project, octet, |s| {
        let fast_hc = "health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2 }";
        let edits: [(&str, String); 8] = [
            ("    multi_az: true\n", "    multi_az: false\n".into()),
            (
                "      desired_count: 3\n",
                "      desired_count: 3\n      health_check_grace_period_seconds: 3600\n".into(),
            ),
            (
                "      desired_count: 4\n",
                "      desired_count: 2\n      health_check_grace_period_seconds: 3600\n      load_balancers:\n        - { target_group: worker, container_name: worker, container_port: 8000 }\n".into(),
            ),
            (
                "          - name: worker\n            image: emul/testapp:latest\n",
                "          - name: worker\n            image: emul/testapp:latest\n            port_mappings:\n              - { container_port: 8000, protocol: tcp }\n".into(),
            ),
            (
                "    health_check:\n      path: /health\n      interval: 30\n",
                format!("    {fast_hc}\n"),
            ),
            (
                "    deregistration_delay: 300\n",
                format!("    deregistration_delay: 5\n  - name: worker\n    port: 8000\n    protocol: HTTP\n    target_type: ip\n    {fast_hc}\n    deregistration_delay: 5\n"),
            ),
            (
                "      - port: 80\n        protocol: HTTP\n",
                format!("      - port: 80\n        host_port: {http}\n        protocol: HTTP\n"),
            ),
            (
                "      - port: 443\n        protocol: HTTPS\n        certificate_domains: [api.socialflow.example.com]\n        default_action:\n          forward: { target_group: app }\n",
                format!("      - port: 443\n        host_port: {https}\n        protocol: HTTPS\n        certificate_domains: [{DOMAIN}, {WORKER_HOST}]\n        default_action:\n          forward: {{ target_group: app }}\n        rules:\n          - priority: 10\n            conditions:\n              - path_pattern: [\"/whoami\"]\n            action:\n              forward: {{ target_group: worker }}\n          - priority: 20\n            conditions:\n              - host_header: [\"{WORKER_HOST}\"]\n            action:\n              forward: {{ target_group: worker }}\n"),
            ),
        ];
        seed_alb::apply_edits(s, &edits)
    })
}

/// The running tasks of a service of the seed's cluster.
fn tasks(api: u16, service: &str) -> BTreeSet<String> {
    e2e::task_arns_in(api, CLUSTER, service)
}

/// Waits until the app and worker services are steady and healthy.
fn wait_steady(api: u16) {
    e2e::wait_steady_in(api, CLUSTER, &[(APP, APP_TG), (WORKER, WORKER_TG)], STEADY);
}

#[test]
fn docker_alb_seed_social_flow_done_means() {
    let project = "emt-albseed-sf";
    let ports = Ports {
        api: 24400,
        http: 24401,
        https: 24402,
    };
    let api = ports.api;
    let (dir, file) = social_flow(project, 250, &ports);
    let guard = Guard(file.clone());
    let started = Instant::now();
    let https = Https {
        ca: seed_alb::up_with_own_ca(&file, api, &dir.path().join("ca")),
        port: ports.https,
    };
    wait_steady(api);
    eprintln!("up + steady: {:?}", started.elapsed());
    let app_tg = e2e::target_group_arn(api, APP_TG);
    let worker_tg = e2e::target_group_arn(api, WORKER_TG);

    rules_and_redirect(&https, ports.http, api);
    acm_certificate_by_sni(&https, api);
    seed_alb::assert_sticky_across_stop_task(&https, DOMAIN, api, CLUSTER, &app_tg);
    wait_steady(api);
    health_check_state_machine(&https, api, &app_tg);
    weighted_forward_and_modify_rule(ports.http, api, &app_tg, &worker_tg);
    no_targets_is_503(&https, api, &app_tg);

    seed_alb::down_leaves_nothing(&file, project);
    drop(guard);
    eprintln!("whole test: {:?}", started.elapsed());
}

/// HTTPS verified with emul's CA (and refused without it); the default
/// action, path rule and host rule each reach their service's tasks; HTTP
/// answers 301 with AWS's Location.
fn rules_and_redirect(https: &Https, http_port: u16, api: u16) {
    let (app, worker) = (tasks(api, APP), tasks(api, WORKER));
    assert_eq!((app.len(), worker.len()), (3, 2));

    https.assert_untrusted_without_ca(DOMAIN);

    let mut seen = BTreeSet::new();
    for _ in 0..6 {
        let t = https.task(DOMAIN, "/", None);
        assert!(
            app.contains(&t),
            "default action answered by {t}, not app {app:?}"
        );
        seen.insert(t);
    }
    assert_eq!(seen, app, "round robin reaches every app task");
    let mut seen = BTreeSet::new();
    for _ in 0..4 {
        let by_path = https.task(DOMAIN, "/whoami", None);
        let by_host = https.task(WORKER_HOST, "/", None);
        for t in [by_path, by_host] {
            assert!(
                worker.contains(&t),
                "worker rule answered by {t}, not {worker:?}"
            );
            seen.insert(t);
        }
    }
    assert_eq!(seen, worker, "both worker tasks answer the worker rules");

    seed_alb::assert_redirects_to_https(http_port, DOMAIN);
}

/// An ACM certificate requested through the API and added to the HTTPS
/// listener is presented for its name (the handshake verifies against
/// emul's CA only with it: the listener's own certificate covers the
/// topology's domains), and ACM reports the load balancer using it.
fn acm_certificate_by_sni(https: &Https, api: u16) {
    const SNI: &str = "sni.socialflow.example.org";
    let arn = e2e::acm(api, "RequestCertificate", json!({ "DomainName": SNI }))["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    let listener = e2e::listener_arn(api, ALB, 443);
    e2e::elbv2_action(
        api,
        "AddListenerCertificates",
        &[
            ("ListenerArn", &listener),
            ("Certificates.member.1.CertificateArn", &arn),
        ],
    );
    let app = tasks(api, APP);
    let t = https.task(SNI, "/", None);
    assert!(app.contains(&t), "{SNI} answered by {t}, not app {app:?}");
    let described = e2e::acm(api, "DescribeCertificate", json!({ "CertificateArn": arn }));
    let users = described["Certificate"]["InUseBy"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{described}");
    assert!(users[0].as_str().unwrap().contains(&format!("/app/{ALB}/")));
}

/// `/health` switched to failing on one task (reached through the ALB with
/// the task's sticky cookie): unhealthy with AWS's reason after the
/// threshold and out of rotation; switched back (from inside the task): healthy
/// again after the healthy threshold and back in rotation.
fn health_check_state_machine(https: &Https, api: u16, app_tg: &str) {
    let jar_dir = tempfile::tempdir().unwrap();
    let jar = jar_dir.path().join("cookies");
    let sick = https.task(DOMAIN, "/", Some(&jar));
    let sick_ip = seed_alb::task_ip(api, CLUSTER, &sick);
    let r = https.call("POST", DOMAIN, "/health/fail", Some(&jar));
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!({"healthy": false})
    );

    let took = e2e::poll_until("target unhealthy", Duration::from_secs(60), || {
        let t = seed_alb::target_of(api, app_tg, &sick_ip).ok_or("target gone")?;
        if t.state == "unhealthy" {
            Ok(())
        } else {
            Err(format!("{t:?}"))
        }
    });
    eprintln!("/health failing → unhealthy in {took:?} (2 checks 5 s apart)");
    let th = seed_alb::target_of(api, app_tg, &sick_ip).unwrap();
    assert_eq!(
        th.reason.as_deref(),
        Some("Target.ResponseCodeMismatch"),
        "{th:?}"
    );
    assert_eq!(
        th.description.as_deref(),
        Some("Health checks failed with these codes: [503]"),
        "{th:?}"
    );
    let others: Vec<_> = e2e::target_health_described(api, app_tg)
        .into_iter()
        .filter(|t| t.id != sick_ip)
        .collect();
    assert!(
        others.len() == 2 && others.iter().all(|t| t.state == "healthy"),
        "{others:?}"
    );

    // Out of rotation: fresh clients never reach it, its sticky client moves.
    let healthy: BTreeSet<String> = tasks(api, APP).into_iter().filter(|t| *t != sick).collect();
    let mut seen = BTreeSet::new();
    for _ in 0..8 {
        seen.insert(https.task(DOMAIN, "/", None));
    }
    assert_eq!(seen, healthy, "answers while {sick} is unhealthy");
    assert_ne!(https.task(DOMAIN, "/", Some(&jar)), sick);
    // The long grace period keeps the scheduler from replacing it.
    let t = &e2e::describe_tasks_in(api, CLUSTER, &BTreeSet::from([sick.clone()]))[0];
    assert_eq!(
        (&t["lastStatus"], &t["desiredStatus"]),
        (&json!("RUNNING"), &json!("RUNNING")),
        "{t}"
    );

    let said = seed_alb::wget_in_task(&sick, &["--post-data=", "http://127.0.0.1:8000/health/ok"]);
    assert_eq!(
        serde_json::from_str::<Value>(&said).unwrap(),
        json!({"healthy": true})
    );
    let took = e2e::poll_until("target healthy again", Duration::from_secs(60), || {
        let t = seed_alb::target_of(api, app_tg, &sick_ip).ok_or("target gone")?;
        if t.state == "healthy" && t.reason.is_none() {
            Ok(())
        } else {
            Err(format!("{t:?}"))
        }
    });
    eprintln!("/health ok → healthy in {took:?} (2 checks 5 s apart)");
    let mut seen = BTreeSet::new();
    for _ in 0..6 {
        seen.insert(https.task(DOMAIN, "/", None));
    }
    assert!(
        seen.contains(&sick),
        "{sick} not back in rotation: {seen:?}"
    );
}

/// CreateRule on the HTTP listener: `/whoami` forwards to app (weight 1) and
/// worker (weight 3) with group stickiness; 800 cookieless requests split
/// 25/75 within ±6 points (3.9 standard deviations of a binomial at n = 800),
/// an `AWSALBTG` cookie pins a client to its group, and ModifyRule changes
/// where the very next request goes.
fn weighted_forward_and_modify_rule(http_port: u16, api: u16, app_tg: &str, worker_tg: &str) {
    let (app, worker) = (tasks(api, APP), tasks(api, WORKER));
    let listener = e2e::listener_arn(api, ALB, 80);
    let xml = e2e::elbv2_action(
        api,
        "CreateRule",
        &[
            ("ListenerArn", &listener),
            ("Priority", "10"),
            ("Conditions.member.1.Field", "path-pattern"),
            (
                "Conditions.member.1.PathPatternConfig.Values.member.1",
                "/whoami",
            ),
            ("Actions.member.1.Type", "forward"),
            (
                "Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn",
                app_tg,
            ),
            (
                "Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight",
                "1",
            ),
            (
                "Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn",
                worker_tg,
            ),
            (
                "Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight",
                "3",
            ),
            (
                "Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled",
                "true",
            ),
            (
                "Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds",
                "3600",
            ),
        ],
    );
    let rule = e2e::xml_values(&xml, "RuleArn").remove(0);

    let n = 800;
    let mut by_task: BTreeMap<String, u32> = BTreeMap::new();
    let mut worker_group_cookie = None;
    for i in 0..n {
        let r = plain_get(http_port, DOMAIN, &format!("/whoami?n={i}"), None);
        let t = r.task();
        if worker.contains(&t) && worker_group_cookie.is_none() {
            worker_group_cookie = r
                .set_cookies()
                .iter()
                .find_map(|c| c.strip_prefix("AWSALBTG="))
                .and_then(|c| c.split(';').next())
                .map(str::to_string);
        }
        *by_task.entry(t).or_default() += 1;
    }
    let to_worker: u32 = by_task
        .iter()
        .filter(|(t, _)| worker.contains(*t))
        .map(|(_, c)| c)
        .sum();
    let to_app: u32 = by_task
        .iter()
        .filter(|(t, _)| app.contains(*t))
        .map(|(_, c)| c)
        .sum();
    assert_eq!(
        to_worker + to_app,
        n,
        "answers from unknown tasks: {by_task:?}"
    );
    let share = f64::from(to_worker) / f64::from(n);
    eprintln!("weighted 1:3 over {n} requests: worker share {share:.3}; per task {by_task:?}");
    assert!(
        (0.69..=0.81).contains(&share),
        "worker share {share} not within 0.75 ± 0.06"
    );
    assert_eq!(
        by_task.len(),
        5,
        "every task of both groups answered: {by_task:?}"
    );

    let cookie = worker_group_cookie.expect("an AWSALBTG cookie on a worker answer");
    for i in 0..20 {
        let t = plain_get(
            http_port,
            DOMAIN,
            &format!("/whoami?sticky={i}"),
            Some(&format!("AWSALBTG={cookie}")),
        )
        .task();
        assert!(worker.contains(&t), "AWSALBTG for worker, answered by {t}");
    }

    for (tg, expect) in [(app_tg, &app), (worker_tg, &worker)] {
        e2e::elbv2_action(
            api,
            "ModifyRule",
            &[
                ("RuleArn", &rule),
                ("Actions.member.1.Type", "forward"),
                ("Actions.member.1.TargetGroupArn", tg),
            ],
        );
        for i in 0..5 {
            let t = plain_get(
                http_port,
                DOMAIN,
                &format!("/whoami?after-modify={i}"),
                None,
            )
            .task();
            assert!(
                expect.contains(&t),
                "after ModifyRule to {tg}: request {i} answered by {t}"
            );
        }
    }
}

/// The app service scaled to 0: once its targets are gone, HTTPS answers the
/// ALB's own 503 page, byte for byte.
fn no_targets_is_503(https: &Https, api: u16, app_tg: &str) {
    ecs(
        api,
        "UpdateService",
        json!({"cluster": CLUSTER, "service": APP, "desiredCount": 0}),
    );
    let took = e2e::poll_until("app scaled to 0, targets gone", STEADY, || {
        let svc = e2e::service_in(api, CLUSTER, APP);
        let th = e2e::target_health_described(api, app_tg);
        if svc["runningCount"] == 0 && th.is_empty() {
            Ok(())
        } else {
            Err(format!("running {} targets {th:?}", svc["runningCount"]))
        }
    });
    eprintln!("desiredCount 0 → no targets in {took:?}");
    let r = https.call("GET", DOMAIN, "/", None);
    assert_eq!(r.status, 503, "{}\n{}", r.head, r.body);
    assert!(
        r.head
            .starts_with("HTTP/1.1 503 Service Temporarily Unavailable\r\n"),
        "{}",
        r.head
    );
    for h in [
        "Server: awselb/2.0",
        "Content-Type: text/html",
        "Content-Length: 162",
    ] {
        assert!(r.has_header(h), "no {h:?} in {}", r.head);
    }
    assert_eq!(
        r.body,
        "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
    );
}
