//! The fckdoomscroll seed under the real binary (`emul up -d --wait`), with
//! real task containers: its ALB's HTTPS listener verified with the CA emul
//! exported (curl `--cacert`, never `-k`), HTTP:80's 301 to HTTPS, round robin
//! over the service's two tasks, and its `lb_cookie` stickiness keeping a
//! client on one task and moving it when that task is stopped (StopTask via
//! the project's endpoint). The social-flow seed covers the rest of issue #6
//! in `docker_alb_seed.rs`.
//!
//! The test copy differs from `fixtures/topologies/fckdoomscroll.yaml` in:
//! project name, VPC `10.251.0.0/16`, fixed listener host ports, Single-AZ
//! RDS, health checks every 5 s (timeout 2 s) with a 5 s deregistration
//! delay. The seed's own health-check path `/api/health` is kept: the test
//! application answers any `…/health`.
//!
//! VPC 10.251/16 and host ports 24410-24412 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "support/seed_alb.rs"]
mod seed_alb;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::{Guard, Ports};
use seed_alb::Https;

/// The seed's ECS cluster, service and target group.
const CLUSTER: &str = "fckdoomscroll-prod";
const SERVICE: &str = "fckdoomscroll-service";
const TARGET_GROUP: &str = "ecs-targets";
/// The seed's HTTPS certificate name.
const DOMAIN: &str = "yourdomain.com";

/// fckdoomscroll.yaml adjusted as the module doc says.
fn fckdoomscroll(project: &str, octet: u8, ports: &Ports) -> (tempfile::TempDir, PathBuf) {
    let (http, https) = (ports.http, ports.https);
    sp::fixture_topology("fckdoomscroll", project, octet, |s| {
        let edits: [(&str, String); 5] = [
            ("    multi_az: true\n", "    multi_az: false\n".into()),
            (
                "      interval: 30\n      timeout: 5\n",
                "      interval: 5\n      timeout: 2\n".into(),
            ),
            (
                "    stickiness:\n      enabled: true\n",
                "    deregistration_delay: 5\n    stickiness:\n      enabled: true\n".into(),
            ),
            (
                "      - port: 80\n        protocol: HTTP\n",
                format!("      - port: 80\n        host_port: {http}\n        protocol: HTTP\n"),
            ),
            (
                "      - port: 443\n        protocol: HTTPS\n",
                format!("      - port: 443\n        host_port: {https}\n        protocol: HTTPS\n"),
            ),
        ];
        seed_alb::apply_edits(s, &edits)
    })
}

#[test]
fn docker_alb_seed_fckdoomscroll_https_redirect_and_stickiness() {
    let project = "emt-albseed-fck";
    let ports = Ports {
        api: 24410,
        http: 24411,
        https: 24412,
    };
    let api = ports.api;
    let (dir, file) = fckdoomscroll(project, 251, &ports);
    let guard = Guard(file.clone());
    let started = Instant::now();
    let https = Https {
        ca: seed_alb::up_with_own_ca(&file, api, &dir.path().join("ca")),
        port: ports.https,
    };
    let steady = |api| {
        e2e::wait_steady_in(
            api,
            CLUSTER,
            &[(SERVICE, TARGET_GROUP)],
            Duration::from_secs(150),
        )
    };
    steady(api);
    eprintln!("up + steady: {:?}", started.elapsed());
    let tg = e2e::target_group_arn(api, TARGET_GROUP);

    https.assert_untrusted_without_ca(DOMAIN);
    let tasks = e2e::task_arns_in(api, CLUSTER, SERVICE);
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let seen: BTreeSet<String> = (0..4).map(|_| https.task(DOMAIN, "/", None)).collect();
    assert_eq!(seen, tasks, "round robin reaches both tasks");
    seed_alb::assert_redirects_to_https(ports.http, DOMAIN);

    let (stopped, moved_to) =
        seed_alb::assert_sticky_across_stop_task(&https, DOMAIN, api, CLUSTER, &tg);
    assert!(
        tasks.contains(&moved_to),
        "moved to {moved_to}, not the other original task"
    );
    // The scheduler replaces the stopped task; the service steadies again.
    steady(api);
    assert!(!e2e::task_arns_in(api, CLUSTER, SERVICE).contains(&stopped));

    // A listener moved through the ELBv2 API shows in `emul status`
    // (the daemon refreshes its record every second).
    let http_listener = e2e::listener_arn(api, "fckdoomscroll-alb", 80);
    e2e::elbv2_action(
        api,
        "ModifyListener",
        &[("ListenerArn", &http_listener), ("Port", "24413")],
    );
    e2e::poll_until(
        "emul status lists the moved listener",
        Duration::from_secs(10),
        || {
            let out = sp::run(&["status", "--topology", file.to_str().unwrap()]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text.contains(":24413 -> http://127.0.0.1:24413") && !text.contains(":80 -> ") {
                Ok(())
            } else {
                Err(text)
            }
        },
    );

    seed_alb::down_leaves_nothing(&file, project);
    drop(guard);
    eprintln!("whole test: {:?}", started.elapsed());
}
