//! The RDS and ElastiCache operations end to end, without Docker: a
//! topology's instances and groups behind the wire operations, with a
//! runtime that records what it is asked.

use std::sync::{Arc, Mutex};

use crate::gateway::query::QueryParams;
use crate::gateway::registry::{Input, Output, RequestContext};
use crate::gateway::{AwsError, AwsService};
use crate::services::elasticache::ElastiCacheService;
use crate::services::rds::RdsService;
use crate::wiring::{BoxFuture, DatastoreRuntime, WiringError};

const TOPOLOGY: &str = r#"name: shop
region: us-east-1
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
    - { name: b, cidr_block: 10.0.2.0/24, availability_zone: us-east-1b }
security_groups:
  - name: db
secrets:
  - name: db-pw
    secret_string: "pw-12345678"
rds_instances:
  - name: main-db
    engine: postgres
    engine_version: "16.3"
    username: app
    master_password_secret: db-pw
    multi_az: true
    subnets: [a, b]
    security_groups: [db]
  - name: single
    engine: postgres
    engine_version: "15"
    username: app
    master_password_secret: db-pw
    subnets: [b, a]
    security_groups: [db]
elasticache_clusters:
  - name: sessions
    engine: redis
    engine_version: "7.1"
    num_cache_clusters: 3
    automatic_failover_enabled: true
    subnets: [a, b]
    security_groups: [db]
"#;

/// Records every call and succeeds.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl DatastoreRuntime for Recorder {
    fn reboot_db<'a>(
        &'a self,
        id: &'a str,
        failover: bool,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        self.0
            .lock()
            .unwrap()
            .push(format!("reboot {id} {failover}"));
        Box::pin(async { Ok(()) })
    }
    fn set_db_password<'a>(
        &'a self,
        id: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        self.0.lock().unwrap().push(format!("password {id}"));
        Box::pin(async { Ok(()) })
    }
    fn redis_failover<'a>(
        &'a self,
        group: &'a str,
        node: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        self.0
            .lock()
            .unwrap()
            .push(format!("failover {group} {node}"));
        Box::pin(async { Ok(()) })
    }
}

fn ctx() -> RequestContext {
    RequestContext {
        request_id: "r".into(),
        account: "000000000000".into(),
        region: "us-east-1".into(),
    }
}

fn call(svc: &dyn AwsService, op: &str, params: &[(&str, &str)]) -> Result<String, AwsError> {
    match svc.handle(
        &ctx(),
        op,
        Input::Query(QueryParams::from_pairs(params.iter().copied())),
    )? {
        Output::QueryXml(x) => Ok(x),
        Output::Json(_) => unreachable!(),
    }
}

fn services(rec: Arc<Recorder>) -> (RdsService, ElastiCacheService) {
    let t = crate::topology::parse_str(TOPOLOGY).expect("valid");
    (
        RdsService::live(
            "000000000000",
            "us-east-1",
            crate::services::rds::topology::from_topology(&t, "abc123", 0),
            rec.clone(),
        ),
        ElastiCacheService::live(
            "000000000000",
            "us-east-1",
            crate::services::elasticache::topology::from_topology(&t, "abc123", 0),
            rec,
        ),
    )
}

async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

#[tokio::test]
async fn rds_describe_failover_and_password_on_the_wire() {
    let rec = Arc::new(Recorder::default());
    let (rds, _) = services(rec.clone());
    let rds = Arc::new(rds);
    let xml = call(
        &*rds,
        "DescribeDBInstances",
        &[("DBInstanceIdentifier", "main-db")],
    )
    .unwrap();
    for part in [
        "<DBInstances><DBInstance><DBInstanceIdentifier>main-db</DBInstanceIdentifier>",
        "<Address>main-db.abc123.us-east-1.rds.amazonaws.com</Address><Port>5432</Port>",
        "<DBInstanceStatus>available</DBInstanceStatus>",
        "<AvailabilityZone>us-east-1a</AvailabilityZone>",
        "<SecondaryAvailabilityZone>us-east-1b</SecondaryAvailabilityZone>",
        "<MultiAZ>true</MultiAZ><EngineVersion>16.3</EngineVersion>",
        "<VpcSecurityGroupMembership><VpcSecurityGroupId>sg-",
        "<DBInstanceArn>arn:aws:rds:us-east-1:000000000000:db:main-db</DBInstanceArn>",
    ] {
        assert!(xml.contains(part), "{part} in {xml}");
    }
    let e = call(
        &*rds,
        "RebootDBInstance",
        &[
            ("DBInstanceIdentifier", "single"),
            ("ForceFailover", "true"),
        ],
    )
    .unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("InvalidDBInstanceState", 400));
    let e = call(&*rds, "RebootDBInstance", &[]).unwrap_err();
    assert_eq!(e.code, "MissingParameter");

    let xml = call(
        &*rds,
        "RebootDBInstance",
        &[
            ("DBInstanceIdentifier", "main-db"),
            ("ForceFailover", "true"),
        ],
    )
    .unwrap();
    assert!(
        xml.contains("<DBInstanceStatus>rebooting</DBInstanceStatus>"),
        "{xml}"
    );
    settle().await;
    assert_eq!(*rec.0.lock().unwrap(), ["reboot main-db true"]);
    let xml = call(
        &*rds,
        "DescribeDBInstances",
        &[("DBInstanceIdentifier", "main-db")],
    )
    .unwrap();
    assert!(
        xml.contains("<DBInstanceStatus>available</DBInstanceStatus>"),
        "{xml}"
    );
    assert!(
        xml.contains("<AvailabilityZone>us-east-1b</AvailabilityZone>"),
        "{xml}"
    );
    let xml = call(
        &*rds,
        "DescribeEvents",
        &[
            ("SourceType", "db-instance"),
            ("EventCategories.EventCategory.1", "failover"),
        ],
    )
    .unwrap();
    assert_eq!(xml.matches("<Event>").count(), 2, "{xml}");
    assert!(xml.contains("<Message>Multi-AZ instance failover completed.</Message><EventCategories><EventCategory>failover</EventCategory></EventCategories>"), "{xml}");

    // The password call blocks on the runtime: run it as the gateway does.
    let r = rds.clone();
    let xml = tokio::task::spawn_blocking(move || {
        call(
            &*r,
            "ModifyDBInstance",
            &[
                ("DBInstanceIdentifier", "main-db"),
                ("MasterUserPassword", "n3w-Secret"),
                ("ApplyImmediately", "true"),
            ],
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert!(xml.contains("<DBInstanceStatus>available</DBInstanceStatus>"));
    assert_eq!(rec.0.lock().unwrap().last().unwrap(), "password main-db");
    let e = call(
        &*rds,
        "ModifyDBInstance",
        &[
            ("DBInstanceIdentifier", "main-db"),
            ("AllocatedStorage", "50"),
        ],
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombination");
    // Another region has no instances.
    let other = RequestContext {
        region: "eu-west-1".into(),
        ..ctx()
    };
    let out = rds
        .handle(
            &other,
            "DescribeDBInstances",
            Input::Query(QueryParams::from_pairs([(
                "DBInstanceIdentifier",
                "main-db",
            )])),
        )
        .unwrap_err();
    assert_eq!(out.code, "DBInstanceNotFound");
}

#[tokio::test]
async fn elasticache_describe_and_test_failover_on_the_wire() {
    let rec = Arc::new(Recorder::default());
    let (_, cache) = services(rec.clone());
    let xml = call(&cache, "DescribeReplicationGroups", &[]).unwrap();
    for part in [
        "<MemberClusters><ClusterId>sessions-001</ClusterId><ClusterId>sessions-002</ClusterId><ClusterId>sessions-003</ClusterId></MemberClusters>",
        "<PrimaryEndpoint><Address>master.sessions.abc123.use1.cache.amazonaws.com</Address><Port>6379</Port></PrimaryEndpoint>",
        "<CacheClusterId>sessions-001</CacheClusterId><CacheNodeId>0001</CacheNodeId>",
        "<PreferredAvailabilityZone>us-east-1b</PreferredAvailabilityZone><CurrentRole>replica</CurrentRole>",
        "<AutomaticFailover>enabled</AutomaticFailover><MultiAZ>disabled</MultiAZ>",
    ] {
        assert!(xml.contains(part), "{part} in {xml}");
    }
    let xml = call(
        &cache,
        "DescribeCacheClusters",
        &[
            ("CacheClusterId", "sessions-003"),
            ("ShowCacheNodeInfo", "true"),
        ],
    )
    .unwrap();
    assert!(
        xml.contains("<CacheNodes><CacheNode><CacheNodeId>0001</CacheNodeId>"),
        "{xml}"
    );
    assert!(
        xml.contains("<ReplicationGroupId>sessions</ReplicationGroupId>"),
        "{xml}"
    );
    let e = call(
        &cache,
        "TestFailover",
        &[("ReplicationGroupId", "sessions")],
    )
    .unwrap_err();
    assert_eq!(e.code, "MissingParameter");

    let xml = call(
        &cache,
        "TestFailover",
        &[("ReplicationGroupId", "sessions"), ("NodeGroupId", "0001")],
    )
    .unwrap();
    assert!(
        xml.starts_with("<ReplicationGroup><ReplicationGroupId>sessions</ReplicationGroupId>"),
        "{xml}"
    );
    assert!(xml.contains("<Status>modifying</Status>"), "{xml}");
    settle().await;
    assert_eq!(*rec.0.lock().unwrap(), ["failover sessions sessions-002"]);
    let xml = call(
        &cache,
        "DescribeReplicationGroups",
        &[("ReplicationGroupId", "sessions")],
    )
    .unwrap();
    assert!(
        xml.contains("<CacheClusterId>sessions-002</CacheClusterId><CacheNodeId>0001</CacheNodeId><ReadEndpoint><Address>sessions-002.sessions.abc123.use1.cache.amazonaws.com</Address><Port>6379</Port></ReadEndpoint><PreferredAvailabilityZone>us-east-1b</PreferredAvailabilityZone><CurrentRole>primary</CurrentRole>"),
        "{xml}"
    );
    let xml = call(
        &cache,
        "DescribeEvents",
        &[
            ("SourceIdentifier", "sessions-002"),
            ("SourceType", "cache-cluster"),
        ],
    )
    .unwrap();
    assert!(
        xml.contains("<Message>Failover to replica node sessions-002 completed</Message>"),
        "{xml}"
    );
    let e = call(&cache, "DescribeEvents", &[("Duration", "soon")]).unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
}
