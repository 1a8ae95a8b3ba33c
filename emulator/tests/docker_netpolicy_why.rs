//! Denies explained, end to end (the real binary against a real project):
//! on the wechat seed fixture under the enforcer, a connection the groups
//! refuse (ALB → RDS on 5432, from the ALB ENI's address through its
//! agent) is recorded by the RDS ENI that refused it, shows in `emul logs
//! --denied`, and `emul why` names the missing rule and lists it as
//! observed; an allowed pair (a backend task, named by its address → the
//! database) names the rule on each side.

#[path = "support/netpolicy.rs"]
mod np;

use std::time::{Duration, Instant};

use emul::netpolicy::verify::discover;

#[tokio::test]
async fn docker_netpolicy_why_names_the_missing_rule_and_the_observed_deny() {
    let engine = np::engine().await;
    let dir = tempfile::tempdir().unwrap();
    let project = "np-why";
    let octet = 180;
    let file = dir.path().join("wechat.yaml");
    std::fs::write(
        &file,
        np::topology_text("wechat", project, octet, |t| t.to_string()),
    )
    .unwrap();
    let p = np::project(
        np::topology("wechat", project, octet, |t| t.to_string()),
        false,
    );
    np::with_cleanup(&engine, project, async {
        let _enforcer = np::up_enforced(&engine, &p).await;
        let enis = discover(&engine, project).await.unwrap();
        let find = |prefix: &str| {
            enis.iter()
                .find(|e| e.id.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} ENI"))
        };
        let (alb, db) = (find("eni/alb/"), find("eni/rds/"));
        let task = find("eni/ecs/wechat-backend-service/");

        // Refused: rds-sg admits 5432 from ecs-sg only.
        let dst = std::net::SocketAddr::from((db.ip, 5432));
        let tried = alb
            .agent
            .as_ref()
            .unwrap()
            .connect(dst, Duration::from_millis(500))
            .await;
        assert!(tried.is_err(), "ALB → RDS:5432 must be refused");

        let want = format!("eni/rds/wechat-db refused tcp {}:", alb.ip);
        let tail = format!("→ {}:5432 (ingress)", db.ip);
        let started = Instant::now();
        let logs = loop {
            let (code, stdout, stderr) = np::emul_cli("logs", &file, &["--denied"]);
            assert_eq!(code, 0, "{stdout}\n{stderr}");
            if stdout.lines().any(|l| l.contains(&want) && l.ends_with(&tail)) {
                break stdout;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no deny of {want} … {tail} recorded:\n{stdout}\n{stderr}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        assert!(logs.contains(" rds-sg eni/rds/wechat-db refused tcp "), "{logs}");

        let (code, stdout, stderr) = np::emul_cli("why", &file, &["wechat-alb", "wechat-db", "5432"]);
        assert_eq!(code, 5, "{stdout}\n{stderr}");
        assert!(
            stdout.contains(
                "refused: no ingress rule of rds-sg admits tcp/5432 from alb-sg (rds-sg admits tcp/5432 from: ecs-sg)"
            ),
            "{stdout}"
        );
        assert!(stdout.contains("observed ("), "{stdout}");
        assert!(
            stdout.lines().any(|l| l.contains(&want) && l.ends_with(&tail)),
            "{stdout}"
        );
        // The same pair named by the ALB ENI's address.
        let (code, stdout, _) = np::emul_cli("why", &file, &[&alb.ip.to_string(), "wechat-db", "5432"]);
        assert_eq!(code, 5, "{stdout}");

        // Allowed: a backend task (by address) → the database.
        let (code, stdout, stderr) = np::emul_cli("why", &file, &[&task.ip.to_string(), "wechat-db", "5432"]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(
            stdout.contains(
                "allowed: ecs-sg egress #1 all traffic to 0.0.0.0/0 (line 60) → rds-sg ingress #1 tcp/5432 from ecs-sg (line 64)"
            ),
            "{stdout}"
        );
        assert!(
            stdout.contains("observed: no refused attempt recorded for this pair"),
            "{stdout}"
        );

        // An unknown name: exit 2 naming it and what exists.
        let (code, _, stderr) = np::emul_cli("why", &file, &["nope", "wechat-db", "5432"]);
        assert_eq!(code, 2);
        assert!(stderr.contains("SRC \"nope\" names nothing in np-why"), "{stderr}");
    })
    .await;
}
