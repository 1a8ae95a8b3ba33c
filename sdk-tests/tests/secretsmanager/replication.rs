//! Replicas in other regions: created with the secret or later, readable in
//! their region, following every change of the primary, read only, removed
//! on request, and kept across a killed server.

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, ReplicaRegionType};
use sdk_tests::{Emul, ServeOptions};

fn region(r: &str) -> ReplicaRegionType {
    ReplicaRegionType::builder().region(r).build()
}

#[tokio::test]
async fn replicas_follow_the_primary_and_refuse_changes() {
    let state = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        state_dir: Some(state.path().to_path_buf()),
        ..ServeOptions::default()
    };
    let emul = Emul::start_with(options.clone());
    let use1 = emul.sm_client("us-east-1").await;
    let use2 = emul.sm_client("us-east-2").await;
    let usw2 = emul.sm_client("us-west-2").await;

    let made = use1
        .create_secret()
        .name("dup")
        .secret_string("s1")
        .add_replica_regions(region("us-east-2"))
        .send()
        .await
        .unwrap();
    let arn = made.arn().unwrap().to_string();
    let status = &made.replication_status()[0];
    assert_eq!(status.region(), Some("us-east-2"));
    assert_eq!(status.status().map(|s| s.as_str()), Some("InSync"));
    let replica_arn = arn.replace("us-east-1", "us-east-2");

    // Readable in its region, under the primary's ARN in that region.
    let value = use2
        .get_secret_value()
        .secret_id(&replica_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("s1"));
    let described = use2
        .describe_secret()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    assert_eq!(described.primary_region(), Some("us-east-1"));

    // A change to the primary reaches the replica.
    use1.put_secret_value()
        .secret_id(&arn)
        .secret_string("s2")
        .send()
        .await
        .unwrap();
    let value = use2
        .get_secret_value()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("s2"));

    // The replica is read only; the primary cannot be deleted while
    // replicated; a replica in the primary's region is refused.
    let err = use2
        .update_secret()
        .secret_id(&replica_arn)
        .secret_string("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterException"));
    assert_eq!(
        err.message(),
        Some(
            "Operation not permitted on a replica secret. Call must be made in primary secret's region."
        )
    );
    let err = use1
        .delete_secret()
        .secret_id(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRequestException"));
    let err = use1
        .replicate_secret_to_regions()
        .secret_id(&arn)
        .add_replica_regions(region("us-east-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Invalid replica region."));

    // A region where the name is taken fails unless forced.
    usw2.create_secret()
        .name("dup")
        .secret_string("local")
        .send()
        .await
        .unwrap();
    let out = use1
        .replicate_secret_to_regions()
        .secret_id(&arn)
        .add_replica_regions(region("us-west-2"))
        .send()
        .await
        .unwrap();
    let failed = &out.replication_status()[1];
    assert_eq!(failed.status().map(|s| s.as_str()), Some("Failed"));
    let local = usw2
        .get_secret_value()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    assert_eq!(local.secret_string(), Some("local"));
    use1.replicate_secret_to_regions()
        .secret_id(&arn)
        .add_replica_regions(region("us-west-2"))
        .force_overwrite_replica_secret(true)
        .send()
        .await
        .unwrap();
    let over = usw2
        .get_secret_value()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    assert_eq!(over.secret_string(), Some("s2"));

    // Both replicas are listed where they live, by primary region.
    let listed = use2
        .list_secrets()
        .filters(
            Filter::builder()
                .key(FilterNameStringType::PrimaryRegion)
                .values("us-east-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(listed.secret_list().len(), 1);

    // Kept across a killed server.
    drop(emul);
    let emul = Emul::start_with(options);
    let use1 = emul.sm_client("us-east-1").await;
    let use2 = emul.sm_client("us-east-2").await;
    let value = use2
        .get_secret_value()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("s2"));

    // Removing a region removes its replica (and is idempotent).
    for _ in 0..2 {
        let out = use1
            .remove_regions_from_replication()
            .secret_id(&arn)
            .remove_replica_regions("us-east-2")
            .send()
            .await
            .unwrap();
        let regions: Vec<&str> = out
            .replication_status()
            .iter()
            .filter_map(|r| r.region())
            .collect();
        assert_eq!(regions, ["us-west-2"]);
    }
    let err = use2
        .describe_secret()
        .secret_id("dup")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // A replica promoted in its region becomes a secret of its own.
    let usw2 = emul.sm_client("us-west-2").await;
    usw2.stop_replication_to_replica()
        .secret_id("dup")
        .send()
        .await
        .unwrap();
    let primary = use1.describe_secret().secret_id(&arn).send().await.unwrap();
    assert!(primary.replication_status().is_empty());
    usw2.update_secret()
        .secret_id("dup")
        .secret_string("own")
        .send()
        .await
        .unwrap();
    use1.delete_secret()
        .secret_id(&arn)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
}
