use super::*;

fn cache(replicas: usize, automatic_failover: bool) -> ElastiCache {
    let nodes = (1..=replicas + 1)
        .map(|n| Node {
            cluster_id: format!("sessions-{n:03}"),
            address: format!("sessions-{n:03}.abc.use1.cache.amazonaws.com"),
            availability_zone: "us-east-1a".into(),
        })
        .collect();
    let g = ReplicationGroup {
        id: "sessions".into(),
        description: "sessions".into(),
        arn: "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:sessions".into(),
        cluster_arn_prefix: "arn:aws:elasticache:us-east-1:000000000000:cluster:".into(),
        engine_version: "7.1".into(),
        node_type: "cache.t3.micro".into(),
        port: 6379,
        automatic_failover,
        multi_az: automatic_failover,
        auth_token: false,
        primary_endpoint: "master.sessions.abc.use1.cache.amazonaws.com".into(),
        reader_endpoint: "replica.sessions.abc.use1.cache.amazonaws.com".into(),
        nodes,
        primary: 0,
        status: GroupStatus::Available,
        subnet_group: "sessions".into(),
        security_groups: vec![],
        created_ms: 0,
    };
    ElastiCache {
        groups: BTreeMap::from([(g.id.clone(), g)]),
        ..Default::default()
    }
}

#[test]
fn test_failover_promotes_a_replica_and_records_events() {
    let mut c = cache(2, true);
    let (shown, plan) = c.begin_test_failover("sessions", "0001", 10).unwrap();
    assert_eq!(shown.status.as_str(), "modifying");
    assert_eq!(
        (plan.from.as_str(), plan.to.as_str()),
        ("sessions-001", "sessions-002")
    );
    // Busy: a second test waits.
    let busy = c.begin_test_failover("sessions", "0001", 11).unwrap_err();
    assert_eq!(busy.code(), "InvalidReplicationGroupState");
    c.finish_test_failover(&plan, true, 20);
    let g = &c.groups["sessions"];
    assert_eq!(g.status, GroupStatus::Available);
    assert_eq!(g.primary_node().cluster_id, "sessions-002");
    let texts: Vec<&str> = c.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Test Failover API called for node group 0001",
            "Failover from master node sessions-001 to replica node sessions-002 completed",
            "Failover to replica node sessions-002 completed",
            "Recovering cache nodes 0001",
            "Finished recovery for cache nodes 0001",
        ]
    );
    assert_eq!(
        c.events(Some("sessions-002"), Some("cache-cluster"), (0, 100))
            .len(),
        1
    );
    // The next test promotes the first node that is not primary.
    let (_, plan) = c.begin_test_failover("sessions", "0001", 30).unwrap();
    assert_eq!(
        (plan.from.as_str(), plan.to.as_str()),
        ("sessions-002", "sessions-001")
    );
    c.finish_test_failover(&plan, false, 40);
    assert_eq!(
        c.groups["sessions"].primary_node().cluster_id,
        "sessions-002"
    );
    assert_eq!(c.groups["sessions"].status, GroupStatus::Available);
}

#[test]
fn test_failover_rules() {
    let mut c = cache(1, false);
    let e = c.begin_test_failover("sessions", "0001", 0).unwrap_err();
    assert_eq!(
        (e.code(), e.status()),
        ("InvalidReplicationGroupState", 400)
    );
    let e = c.begin_test_failover("nope", "0001", 0).unwrap_err();
    assert_eq!(
        (e.code(), e.status(), e.to_string().as_str()),
        (
            "ReplicationGroupNotFoundFault",
            404,
            "Replication group nope not found."
        )
    );
    let mut c = cache(0, true);
    assert_eq!(
        c.begin_test_failover("sessions", "0001", 0)
            .unwrap_err()
            .code(),
        "InvalidReplicationGroupState"
    );
    let mut c = cache(1, true);
    assert_eq!(
        c.begin_test_failover("sessions", "0002", 0)
            .unwrap_err()
            .code(),
        "NodeGroupNotFoundFault"
    );
    assert!(c.events.is_empty() && c.tests_ms.is_empty());
}

#[test]
fn at_most_fifteen_tests_a_day() {
    let mut c = cache(1, true);
    for n in 0..TEST_FAILOVER_LIMIT as i64 {
        let (_, plan) = c.begin_test_failover("sessions", "0001", n).unwrap();
        c.finish_test_failover(&plan, true, n);
    }
    let e = c.begin_test_failover("sessions", "0001", 100).unwrap_err();
    assert_eq!(e.code(), "TestFailoverNotAvailableFault");
    // A day after the first one, there is room again.
    assert!(c.begin_test_failover("sessions", "0001", DAY_MS).is_ok());
}

#[test]
fn describe_clusters_by_id() {
    let c = cache(2, true);
    assert_eq!(c.describe_clusters(None).unwrap().len(), 3);
    let one = c.describe_clusters(Some("sessions-003")).unwrap();
    assert_eq!(one[0].1, 2);
    let e = c.describe_clusters(Some("x")).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("CacheClusterNotFound", "CacheCluster not found: x")
    );
}
