//! Security groups enforced for real: the WeChat seed brought up on Docker
//! (test apps for the ALB and ECS tasks, real Postgres and Redis), put under
//! the [`Enforcer`], then probed from every ENI through its agent (`CONNECT`),
//! with the tables read back through the agents too: nothing here enters a
//! namespace or runs the host's nft except to check that the host has no
//! emul table.

#[path = "support/netpolicy.rs"]
mod np;

#[path = "support/netns.rs"]
mod netns;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use emul::netpolicy::expect::{self, Endpoint};
use emul::netpolicy::nft;
use emul::netpolicy::policy::Policy;
use emul::netpolicy::verify::{self, VerifyOptions};
use emul::runtime::agent::{AgentClient, project_token};
use emul::runtime::eni::{PAUSE_IMAGE, pause_container};
use emul::runtime::{EniRequest, Plan};
use emul::wiring::{EniInfo, NetworkPolicy};
use np::Project;

fn opts() -> VerifyOptions {
    VerifyOptions {
        timeout: Duration::from_millis(800),
        concurrency: 128,
        ..VerifyOptions::default()
    }
}

async fn connects(
    p: &Project,
    engine: &emul::runtime::Engine,
    src: Option<&str>,
    dst: &str,
    port: u16,
) -> bool {
    let ip = p.plan.eni(dst).unwrap().ip;
    let addr = SocketAddr::from((ip, port));
    let t = Duration::from_millis(800);
    match src {
        None => tokio::time::timeout(t, tokio::net::TcpStream::connect(addr))
            .await
            .map(|r| r.is_ok())
            .unwrap_or(false),
        Some(src) => {
            let c = engine
                .project_containers(&p.plan.project)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.resource() == Some(src))
                .unwrap();
            let ip = engine.container_ipv4(&c.id).await.unwrap().unwrap();
            agent(&p.plan.project, ip).connect(addr, t).await.is_ok()
        }
    }
}

/// The agent of the ENI at `ip` of `project` (the token this process gave
/// every agent it created).
fn agent(project: &str, ip: Ipv4Addr) -> AgentClient {
    AgentClient::new(ip, project_token(project))
}

fn host_has_no_emul_table() -> bool {
    let out = Command::new(nft::nft_binary().unwrap())
        .args(["list", "tables"])
        .output()
        .unwrap();
    !String::from_utf8_lossy(&out.stdout).contains("emul")
}

#[tokio::test]
async fn docker_netpolicy_wechat_matrix_churn_and_restart() {
    let engine = np::engine().await;
    let edit = |t: &str| {
        // A group with no access to anything, for the late ENI.
        t.replace(
            "security_groups:\n  - name: alb-sg",
            "security_groups:\n  - name: batch-sg\n    description: no access granted\n  - name: alb-sg",
        )
    };
    let p = np::project(np::topology("wechat", "np-wechat", 71, edit), true);
    let project = p.plan.project.clone();
    np::with_cleanup(&engine, &project, async {
        let started = Instant::now();
        let enforcer = np::up_enforced(&engine, &p).await;
        eprintln!("up + enforce: {:?}", started.elapsed());

        // 1. The whole matrix, observed = expected.
        let report = verify::verify(&engine, &p.topology, &opts()).await.unwrap();
        eprintln!("{}", verify::render(&report));
        assert!(report.unenforced.is_empty());
        assert!(
            !report.ports.contains(&7411),
            "the agents' control port is not probed"
        );
        assert_eq!(
            report.mismatches().count(),
            0,
            "{}",
            verify::render(&report)
        );
        assert!(
            report.elapsed_ms < 20_000,
            "verify took {} ms",
            report.elapsed_ms
        );
        let cell = |src: &str, dst: &str, port: u16| {
            report
                .cells
                .iter()
                .find(|c| c.src.starts_with(src) && c.dst.starts_with(dst) && c.port == port)
                .unwrap_or_else(|| panic!("no cell {src} → {dst}:{port}"))
                .observed
        };
        let (alb, ecs, rds, redis) = (
            "eni/alb/wechat-alb",
            "eni/ecs/wechat-backend-service",
            "eni/rds/wechat-db",
            "eni/elasticache/wechat-redis",
        );
        assert!(cell(alb, ecs, 8080), "ALB → ECS:8080 allowed");
        assert!(!cell(alb, rds, 5432), "ALB → RDS:5432 refused");
        assert!(cell(ecs, rds, 5432), "ECS → RDS:5432 allowed");
        assert!(cell(ecs, redis, 6379), "ECS → Redis:6379 allowed");
        assert!(!cell("host", ecs, 8080), "host → ECS:8080 refused");
        assert!(
            cell("host", alb, 80) && cell("host", alb, 443),
            "host → ALB:80/443 allowed"
        );
        for c in report.cells.iter().filter(|c| c.src == "eni/rds/wechat-db") {
            assert_eq!(
                c.observed,
                c.dst == "eni/rds/wechat-db/standby",
                "RDS sends nothing: {c:?}"
            );
        }

        // 2. A workload restart keeps the rules (they live in the pause namespace).
        let backend0 = "eni/ecs/wechat-backend-service/0";
        let name = format!("emul-{project}-ecs.wechat-backend-service.0");
        let out = Command::new("docker")
            .args(["restart", "-t", "1", &name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            !connects(&p, &engine, None, backend0, 8080).await,
            "host → ECS still refused"
        );
        assert!(
            connects(
                &p,
                &engine,
                Some("eni/alb/wechat-alb/public-1a"),
                backend0,
                8080
            )
            .await
        );

        // 3. A late ENI in a group without RDS access cannot reach RDS though
        //    it knows the address; a late ENI in ecs-sg can at once (churn:
        //    before any target registration).
        let rds_ip = p.plan.eni(rds).unwrap().ip;
        let mut late = Vec::new();
        let mut namespaces = Vec::new();
        for (i, group) in [(200u8, "batch-sg"), (201u8, "ecs-sg")] {
            let subnet = p.plan.eni(backend0).unwrap().subnet;
            let ip = Ipv4Addr::from(u32::from(subnet.network()) + u32::from(i));
            let id = format!("eni/ecs/late/{i}");
            let plan = Plan::build(
                &project,
                p.plan.networks.clone(),
                vec![EniRequest {
                    id: id.clone(),
                    network: "vpc/main".into(),
                    subnet,
                    ip: Some(ip),
                    aliases: vec![],
                }],
                vec![],
                vec![],
            )
            .unwrap();
            let mut spec = pause_container(
                &plan,
                &plan.enis[0],
                PAUSE_IMAGE,
                &project_token(&project),
                "test",
            );
            spec.labels.insert("io.emul.test".into(), "1".into());
            let cid = engine.create_container(&spec).await.unwrap();
            engine.start_container(&cid, &spec.name).await.unwrap();
            let info = EniInfo {
                id: id.clone(),
                ip,
                subnet: subnet.to_string(),
                security_groups: vec![group.to_string()],
            };
            namespaces.push(netns::NetNs::of_container(&cid));
            let t = Instant::now();
            enforcer.eni_attached(&info).await.unwrap();
            eprintln!("attach {id}: {:?} ({:?})", t.elapsed(), enforcer.timings());
            late.push(info);
        }
        let to_rds = SocketAddr::from((rds_ip, 5432));
        let t = Duration::from_millis(800);
        let late_agents: Vec<AgentClient> = late.iter().map(|e| agent(&project, e.ip)).collect();
        assert!(
            late_agents[0].connect(to_rds, t).await.is_err(),
            "batch-sg → RDS refused"
        );
        assert!(
            late_agents[1].connect(to_rds, t).await.is_ok(),
            "late ecs-sg task → RDS allowed"
        );

        // 3b. A recreated namespace (pause container restarted) comes back
        //     empty; re-attaching installs the whole table again.
        let batch_name = format!("emul-{project}-eni.ecs.late.200");
        let out = Command::new("docker")
            .args(["restart", "-t", "1", &batch_name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fresh = netns::NetNs::of_container(&batch_name);
        assert_ne!(
            fresh, namespaces[0],
            "a restarted pause container has a new namespace"
        );
        assert!(
            nft::list_table(&late_agents[0]).await.unwrap().is_none(),
            "its rules are gone"
        );
        enforcer.eni_attached(&late[0]).await.unwrap();
        assert!(nft::list_table(&late_agents[0]).await.unwrap().is_some());
        assert!(
            late_agents[0].connect(to_rds, t).await.is_err(),
            "still refused after re-attach"
        );

        // 4. Detach: the address leaves every set; the namespace (still alive
        //    here) can no longer reach RDS.
        let t0 = Instant::now();
        enforcer.eni_detached(&late[1].id).await.unwrap();
        eprintln!("detach: {:?} ({:?})", t0.elapsed(), enforcer.timings());
        assert!(
            late_agents[1].connect(to_rds, t).await.is_err(),
            "detached ENI → RDS refused"
        );
        let listing = nft::list_table(&agent(&project, rds_ip))
            .await
            .unwrap()
            .unwrap();
        assert!(!listing.contains(&late[1].ip.to_string()), "{listing}");
        assert!(
            listing.contains("tcp dport 7411 accept comment \"emul control\""),
            "the daemon can still reach the agent: {listing}"
        );
        assert!(listing.contains(&p.plan.eni(backend0).unwrap().ip.to_string()));

        // The detached ENI's pause container goes away, as after a task stops.
        let gone = engine
            .project_containers(&project)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.resource() == Some(late[1].id.as_str()))
            .unwrap();
        engine.remove_container(&gone.id).await.unwrap();

        // 5. Verify again with everything: still all matching (late batch ENI included).
        let report = verify::verify(&engine, &p.topology, &opts()).await.unwrap();
        assert_eq!(
            report.mismatches().count(),
            0,
            "{}",
            verify::render(&report)
        );
        assert!(report.enis.iter().any(|e| e.0 == late[0].id));
        assert!(host_has_no_emul_table(), "nothing on the host");
    })
    .await;
    assert!(
        engine
            .project_containers(&project)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(host_has_no_emul_table());
}

/// Removing one rule makes exactly the probes it allowed refused: the
/// enforcement is on, and nothing else changes. The same running project
/// first verifies under the original topology, then the enforcer reloads the
/// variant (what `emul up` with a changed file does).
#[tokio::test]
async fn docker_netpolicy_removing_a_rule_refuses_exactly_its_probes() {
    let engine = np::engine().await;
    let original = np::topology("wechat", "np-norule", 72, |t| t.to_string());
    let variant = np::topology("wechat", "np-norule", 72, |t| {
        t.replace(
            "      - { protocol: tcp, port: 6379, security_groups: [ecs-sg], description: Redis from ECS }\n",
            "",
        )
    });
    assert_eq!(variant.security_group("redis-sg").unwrap().ingress.len(), 0);
    let p = np::project(original.clone(), false);
    let project = p.plan.project.clone();
    np::with_cleanup(&engine, &project, async {
        let enforcer = np::up_enforced(&engine, &p).await;
        let report = verify::verify(&engine, &original, &opts()).await.unwrap();
        assert_eq!(
            report.mismatches().count(),
            0,
            "{}",
            verify::render(&report)
        );

        let t = Instant::now();
        enforcer.reload(&variant).await.unwrap();
        eprintln!("reload of {} ENIs: {:?}", report.enis.len(), t.elapsed());
        let report = verify::verify(&engine, &variant, &opts()).await.unwrap();
        assert_eq!(
            report.mismatches().count(),
            0,
            "{}",
            verify::render(&report)
        );

        // Against the ORIGINAL topology's expectations, only ECS → Redis:6379 differ.
        let policy = Policy::from_topology(&original);
        let endpoints: Vec<Endpoint> = report
            .enis
            .iter()
            .map(|(id, ip, g)| Endpoint::eni(id, *ip, g))
            .collect();
        let host = Endpoint::host();
        let mut differing = Vec::new();
        for c in &report.cells {
            let src = if c.src == "host" {
                &host
            } else {
                endpoints.iter().find(|e| e.name == c.src).unwrap()
            };
            let dst = endpoints.iter().find(|e| e.name == c.dst).unwrap();
            let was = expect::expect(&policy, src, dst, c.port);
            if was.allowed != c.observed {
                differing.push((c.src.clone(), c.dst.clone(), c.port, was.allowed));
            }
        }
        for (src, dst, port, was) in &differing {
            assert!(
                src.starts_with("eni/ecs/")
                    && dst.starts_with("eni/elasticache/")
                    && *port == 6379
                    && *was,
                "unexpected difference {src} → {dst}:{port}"
            );
        }
        // 4 tasks × 2 cache nodes, each allowed before and refused now.
        assert_eq!(differing.len(), 8, "{differing:?}");
    })
    .await;
}
