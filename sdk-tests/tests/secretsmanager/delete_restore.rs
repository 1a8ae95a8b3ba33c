//! DeleteSecret (recovery window, force delete), the scheduled-for-deletion
//! state, and RestoreSecret (aws-reference.md §3.5 DeleteSecret/RestoreSecret).

use aws_sdk_secretsmanager::types::Tag;
use sdk_tests::{assert_aws_error, assert_aws_error_code, assert_aws_error_contains};

use crate::{create, now_secs, setup};

const MARKED: &str =
    "You can't perform this operation on the secret because it was marked for deletion.";
const DAY: i64 = 86_400;

fn assert_about(actual: i64, expected: i64, what: &str) {
    assert!(
        (actual - expected).abs() <= 120,
        "{what}: {actual} should be within 2 minutes of {expected}"
    );
}

#[tokio::test]
async fn delete_defaults_to_a_30_day_recovery_window() {
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "del30", "v").await;
    let out = client
        .delete_secret()
        .secret_id("del30")
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("del30"));
    assert_about(
        out.deletion_date().expect("DeletionDate").secs(),
        now_secs() + 30 * DAY,
        "DeletionDate",
    );
    let d = client
        .describe_secret()
        .secret_id("del30")
        .send()
        .await
        .expect("still describable");
    assert_about(
        d.deleted_date().expect("DeletedDate").secs(),
        now_secs(),
        "DeletedDate",
    );
}

#[tokio::test]
async fn recovery_window_bounds_are_7_and_30() {
    let (_emul, client) = setup().await;
    for days in [6, 31, 0, -1] {
        create(&client, &format!("w{}", days + 10), "v").await;
        assert_aws_error_contains(
            client
                .delete_secret()
                .secret_id(format!("w{}", days + 10))
                .recovery_window_in_days(days)
                .send()
                .await,
            "InvalidParameterException",
            "RecoveryWindowInDays value must be between 7 and 30 days (inclusive)",
        );
    }
    for days in [7i64, 30] {
        let name = format!("ok{days}");
        create(&client, &name, "v").await;
        let out = client
            .delete_secret()
            .secret_id(&name)
            .recovery_window_in_days(days)
            .send()
            .await
            .unwrap_or_else(|e| panic!("window {days}: {e:?}"));
        assert_about(
            out.deletion_date().unwrap().secs(),
            now_secs() + days * DAY,
            "DeletionDate",
        );
    }
}

#[tokio::test]
async fn force_and_window_together_is_invalid_parameter() {
    let (_emul, client) = setup().await;
    create(&client, "both", "v").await;
    assert_aws_error(
        client
            .delete_secret()
            .secret_id("both")
            .recovery_window_in_days(7)
            .force_delete_without_recovery(true)
            .send()
            .await,
        "InvalidParameterException",
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
    // Nothing happened to the secret.
    client
        .get_secret_value()
        .secret_id("both")
        .send()
        .await
        .expect("still active");
}

#[tokio::test]
async fn force_delete_removes_the_secret_now() {
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "gone", "v").await;
    let out = client
        .delete_secret()
        .secret_id("gone")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_about(
        out.deletion_date().unwrap().secs(),
        now_secs(),
        "force DeletionDate",
    );
    for id in ["gone", arn.as_str()] {
        assert_aws_error(
            client.describe_secret().secret_id(id).send().await,
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        );
    }
    let listed = client
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .unwrap();
    assert!(listed.secret_list().is_empty());
}

#[tokio::test]
async fn force_delete_of_a_missing_secret_succeeds() {
    let (_emul, client) = setup().await;
    let out = client
        .delete_secret()
        .secret_id("never-existed")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("force delete of a nonexistent secret is not an error");
    assert!(out.arn().is_some(), "{out:?}");
    assert_eq!(out.name(), Some("never-existed"));
    assert!(out.deletion_date().is_some());
}

#[tokio::test]
async fn force_delete_of_a_scheduled_secret_succeeds() {
    let (_emul, client) = setup().await;
    create(&client, "sched", "v").await;
    client
        .delete_secret()
        .secret_id("sched")
        .send()
        .await
        .unwrap();
    client
        .delete_secret()
        .secret_id("sched")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("force delete of a scheduled secret");
    assert_aws_error_code(
        client.describe_secret().secret_id("sched").send().await,
        "ResourceNotFoundException",
    );
}

#[tokio::test]
async fn scheduled_secret_rejects_reads_and_writes_but_stays_describable() {
    let (_emul, client) = setup().await;
    create(&client, "sched", "v").await;
    client
        .delete_secret()
        .secret_id("sched")
        .send()
        .await
        .unwrap();

    assert_aws_error(
        client.get_secret_value().secret_id("sched").send().await,
        "InvalidRequestException",
        MARKED,
    );
    assert_aws_error(
        client
            .put_secret_value()
            .secret_id("sched")
            .secret_string("x")
            .send()
            .await,
        "InvalidRequestException",
        MARKED,
    );
    assert_aws_error(
        client
            .update_secret()
            .secret_id("sched")
            .secret_string("x")
            .send()
            .await,
        "InvalidRequestException",
        MARKED,
    );
    assert_aws_error(
        client
            .tag_resource()
            .secret_id("sched")
            .tags(Tag::builder().key("k").value("v").build())
            .send()
            .await,
        "InvalidRequestException",
        MARKED,
    );
    assert_aws_error(
        client
            .untag_resource()
            .secret_id("sched")
            .tag_keys("k")
            .send()
            .await,
        "InvalidRequestException",
        MARKED,
    );
    // A second non-force delete is an InvalidRequestException (message unverified).
    assert_aws_error_code(
        client.delete_secret().secret_id("sched").send().await,
        "InvalidRequestException",
    );
    client
        .describe_secret()
        .secret_id("sched")
        .send()
        .await
        .expect("describable");

    assert_aws_error(
        client
            .create_secret()
            .name("sched")
            .secret_string("new")
            .send()
            .await,
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );

    let hidden = client.list_secrets().send().await.unwrap();
    assert!(
        hidden.secret_list().is_empty(),
        "hidden without IncludePlannedDeletion"
    );
    let shown = client
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.secret_list().len(), 1);
    assert!(shown.secret_list()[0].deleted_date().is_some());
}

#[tokio::test]
async fn restore_makes_the_secret_usable_again() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "lazarus", "alive").await;
    client
        .delete_secret()
        .secret_id("lazarus")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    let out = client
        .restore_secret()
        .secret_id(&arn)
        .send()
        .await
        .expect("RestoreSecret");
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("lazarus"));
    let d = client
        .describe_secret()
        .secret_id("lazarus")
        .send()
        .await
        .unwrap();
    assert!(d.deleted_date().is_none(), "DeletedDate removed");
    let got = client
        .get_secret_value()
        .secret_id("lazarus")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("alive"));
    assert_eq!(got.version_id(), Some(v1.as_str()));
    client
        .put_secret_value()
        .secret_id("lazarus")
        .secret_string("again")
        .send()
        .await
        .expect("writable");
    assert_eq!(
        client
            .list_secrets()
            .send()
            .await
            .unwrap()
            .secret_list()
            .len(),
        1
    );
}
