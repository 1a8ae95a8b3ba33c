//! `emul why` on the wechat seed fixture: an allowed pair names the rule on
//! each side, a refused pair names the refusing side and what is missing,
//! the special cases say what they are, and names resolve as users write
//! them.

use super::*;

fn wechat() -> Topology {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies/wechat.yaml");
    crate::topology::load(&path).unwrap()
}

/// `why` of the first ENIs SRC and DST resolve to, topology only.
fn why(src: &str, dst: &str, port: &str) -> Explanation {
    let t = wechat();
    let policy = Policy::from_topology(&t);
    let s = resolve(&t, None, src).unwrap();
    let d = resolve(&t, None, dst).unwrap();
    let (proto, port) = parse_port(port).unwrap();
    explain(&policy, &s.enis[0], &d.enis[0], proto, port)
}

#[test]
fn pairs_of_the_wechat_fixture_are_explained() {
    let cases: &[(&str, &str, &str, bool, &str)] = &[
        (
            "wechat-backend-service",
            "wechat-db",
            "5432",
            true,
            "allowed: ecs-sg egress #1 all traffic to 0.0.0.0/0 (line 60) → rds-sg ingress #1 tcp/5432 from ecs-sg (line 64)",
        ),
        (
            "wechat-alb",
            "wechat-db",
            "5432/tcp",
            false,
            "refused: no ingress rule of rds-sg admits tcp/5432 from alb-sg (rds-sg admits tcp/5432 from: ecs-sg); alb-sg egress #1 all traffic to 10.0.0.0/16 (line 54) lets it out (refused by eni/rds/wechat-db on the way in)",
        ),
        (
            "internet",
            "wechat-alb",
            "443",
            true,
            "allowed: the host (no security group) → alb-sg ingress #2 tcp/443 from 0.0.0.0/0 (line 52)",
        ),
        (
            "wechat-db",
            "wechat-redis",
            "6379",
            false,
            "refused: no egress rule of rds-sg allows tcp/6379 to redis-sg (rds-sg allows tcp/6379 to nobody); no ingress rule of redis-sg admits it either (redis-sg admits tcp/6379 from: ecs-sg) (refused by eni/rds/wechat-db on the way out)",
        ),
        (
            "host",
            "wechat-db",
            "5432",
            false,
            "refused: no ingress rule of rds-sg admits tcp/5432 from the host (only 0.0.0.0/0 matches it) (rds-sg admits tcp/5432 from: ecs-sg) (refused by eni/rds/wechat-db on the way in)",
        ),
        (
            "wechat-backend-service",
            "wechat-redis",
            "6379/udp",
            false,
            "refused: no ingress rule of redis-sg admits udp/6379 from ecs-sg (redis-sg admits udp/6379 from nobody); ecs-sg egress #1 all traffic to 0.0.0.0/0 (line 60) lets it out (refused by eni/elasticache/wechat-redis/0001 on the way in)",
        ),
    ];
    let mut wrong = Vec::new();
    for (src, dst, port, allowed, text) in cases {
        let got = why(src, dst, port);
        if (got.allowed, got.text.as_str()) != (*allowed, *text) {
            wrong.push(format!(
                "{src} → {dst} {port}: {} {}",
                got.allowed, got.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn special_cases_say_what_they_are() {
    let t = wechat();
    let policy = Policy::from_topology(&t);
    let redis = resolve(&t, None, "wechat-redis").unwrap();
    assert!(redis.assumed);
    assert_eq!(
        redis
            .enis
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        [
            "eni/elasticache/wechat-redis/0001",
            "eni/elasticache/wechat-redis/0002"
        ]
    );
    // redis-sg has no egress at all, yet its nodes replicate.
    let x = explain(&policy, &redis.enis[0], &redis.enis[1], Proto::Tcp, 6379);
    assert!(x.allowed);
    assert!(
        x.text
            .starts_with("allowed: managed replication inside elasticache/wechat-redis"),
        "{}",
        x.text
    );
    let host = Endpoint::host();
    let x = explain(&policy, &host, &redis.enis[0], Proto::Tcp, 7411);
    assert!(x.allowed);
    assert!(x.text.starts_with("allowed: emul control"), "{}", x.text);
    // The same port from another ENI is the groups' business.
    let db = resolve(&t, None, "wechat-db").unwrap();
    let x = explain(&policy, &db.enis[0], &redis.enis[0], Proto::Tcp, 7411);
    assert!(!x.allowed, "{}", x.text);
    let x = explain(&policy, &db.enis[0], &host, Proto::Udp, 53);
    assert!(x.allowed);
    assert!(x.text.starts_with("allowed: VPC resolver"), "{}", x.text);
    let x = explain(&policy, &db.enis[0], &host, Proto::Udp, 5300);
    assert!(x.text.starts_with("allowed: VPC resolver"), "{}", x.text);
    let x = explain(&policy, &db.enis[0], &host, Proto::Tcp, 5169);
    assert!(x.allowed);
    assert!(x.text.starts_with("allowed: task metadata"), "{}", x.text);
}

#[test]
fn names_resolve_against_the_running_project() {
    let t = wechat();
    let task = Endpoint::eni(
        "eni/ecs/wechat-cluster/wechat-backend-service/0123456789ab",
        "10.0.10.17".parse().unwrap(),
        &["ecs-sg".to_string()],
    );
    let db = Endpoint::eni(
        "eni/rds/wechat-db",
        "10.0.10.13".parse().unwrap(),
        &["rds-sg".to_string()],
    );
    let running = vec![task.clone(), db.clone()];
    let run = Some(running.as_slice());
    let by = |n: &str| resolve(&t, run, n).map(|r| (r.assumed, r.enis));
    assert_eq!(
        by("wechat-backend-service"),
        Ok((false, vec![task.clone()]))
    );
    assert_eq!(
        by("0123456789abcdef0123456789abcdef"),
        Ok((false, vec![task.clone()]))
    );
    assert_eq!(
        by(
            "arn:aws:ecs:us-east-1:000000000000:task/wechat-cluster/0123456789abcdef0123456789abcdef"
        ),
        Ok((false, vec![task.clone()]))
    );
    assert_eq!(by("10.0.10.13"), Ok((false, vec![db.clone()])));
    assert_eq!(by("eni/rds/wechat-db"), Ok((false, vec![db.clone()])));
    // A service with no running task falls back to the topology.
    assert_eq!(by("wechat-frontend-service").map(|r| r.0), Ok(true));
    let err = by("10.0.10.99").unwrap_err();
    assert!(
        err.starts_with("10.0.10.99: no running ENI has this address"),
        "{err}"
    );
    let err = resolve(&t, None, "10.0.10.13").unwrap_err();
    assert!(err.contains("project wechat is not running"), "{err}");
    let err = resolve(&t, None, "db").unwrap_err();
    assert!(
        err.starts_with("\"db\" names nothing in wechat: known are internet, host, rds wechat-db, elasticache wechat-redis, alb wechat-alb, service wechat-backend-service"),
        "{err}"
    );
}

#[test]
fn ports_parse_with_an_optional_protocol() {
    assert_eq!(parse_port("5432"), Ok((Proto::Tcp, 5432)));
    assert_eq!(parse_port("53/udp"), Ok((Proto::Udp, 53)));
    assert_eq!(parse_port("80/tcp"), Ok((Proto::Tcp, 80)));
    assert!(parse_port("0").is_err());
    assert!(
        parse_port("80/icmp")
            .unwrap_err()
            .contains("not tcp or udp")
    );
    assert!(parse_port("http").is_err());
}
