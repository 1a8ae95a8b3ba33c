//! RDS and ElastiCache with the official `aws-sdk-rds` and
//! `aws-sdk-elasticache` against `emul serve`, which runs no data stores:
//! the SDKs parse emul's awsQuery bodies (`DBInstance`/`ReplicationGroup`
//! member names, `<ErrorResponse>` errors) into their types, lists are
//! empty and every operation on an instance or group fails with AWS's
//! modeled error. (The same APIs over running data stores, failover
//! included, are `emulator/tests/docker_datastore_failover.rs`.)
//! Run: `cargo nextest run -p sdk-tests --test datastores`.

use aws_sdk_rds::error::ProvideErrorMetadata;
use sdk_tests::Emul;

#[tokio::test]
async fn rds_without_instances_lists_nothing_and_names_aws_errors() {
    let emul = Emul::start();
    let c = emul.rds_client("us-east-1").await;

    let all = c.describe_db_instances().send().await.unwrap();
    assert!(all.db_instances().is_empty());
    let events = c.describe_events().send().await.unwrap();
    assert!(events.events().is_empty());

    let e = c
        .describe_db_instances()
        .db_instance_identifier("main-db")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_db_instance_not_found_fault()
    );
    assert_eq!(e.code(), Some("DBInstanceNotFound"));
    assert_eq!(e.message(), Some("DBInstance main-db not found."));
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);

    let e = c
        .reboot_db_instance()
        .db_instance_identifier("main-db")
        .force_failover(true)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_db_instance_not_found_fault()
    );

    let e = c
        .modify_db_instance()
        .db_instance_identifier("main-db")
        .master_user_password("n3w-Password")
        .apply_immediately(true)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_db_instance_not_found_fault()
    );

    // A malformed window is the caller's error.
    let e = c.describe_events().duration(-5).send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
}

#[tokio::test]
async fn elasticache_without_groups_lists_nothing_and_names_aws_errors() {
    let emul = Emul::start();
    let c = emul.elasticache_client("us-east-1").await;

    let groups = c.describe_replication_groups().send().await.unwrap();
    assert!(groups.replication_groups().is_empty());
    let clusters = c.describe_cache_clusters().send().await.unwrap();
    assert!(clusters.cache_clusters().is_empty());
    let events = c.describe_events().send().await.unwrap();
    assert!(events.events().is_empty());

    let e = c
        .describe_replication_groups()
        .replication_group_id("sessions")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_replication_group_not_found_fault()
    );
    assert_eq!(e.message(), Some("Replication group sessions not found."));
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);

    let e = c
        .test_failover()
        .replication_group_id("sessions")
        .node_group_id("0001")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_replication_group_not_found_fault()
    );

    let e = c
        .describe_cache_clusters()
        .cache_cluster_id("sessions-001")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_cache_cluster_not_found_fault()
    );
    assert_eq!(e.message(), Some("CacheCluster not found: sessions-001"));

    let e = c
        .describe_events()
        .source_type(aws_sdk_elasticache::types::SourceType::from("db-instance"))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_invalid_parameter_value_exception()
    );
}
