//! BatchGetSecretValue, Put/Get/DeleteResourcePolicy and RotateSecret
//! (aws-reference.md §3.5).

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, RotationRulesType};
use sdk_tests::{assert_aws_error, assert_aws_error_code};

use crate::{create, labels, setup};

const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";

#[tokio::test]
async fn batch_get_by_id_list_reports_missing_secrets_in_errors() {
    let (_emul, client) = setup().await;
    let (arn_a, va) = create(&client, "batch-a", "A").await;
    let (arn_b, _) = create(&client, "batch-b", "B").await;
    let out = client
        .batch_get_secret_value()
        .secret_id_list("batch-a")
        .secret_id_list(&arn_b)
        .secret_id_list("batch-missing")
        .send()
        .await
        .expect("BatchGetSecretValue");
    let mut values: Vec<_> = out
        .secret_values()
        .iter()
        .map(|v| {
            (
                v.arn().unwrap().to_string(),
                v.secret_string().unwrap().to_string(),
            )
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![(arn_a.clone(), "A".to_string()), (arn_b, "B".to_string())]
    );
    let a = out
        .secret_values()
        .iter()
        .find(|v| v.name() == Some("batch-a"))
        .unwrap();
    assert_eq!(a.version_id(), Some(va.as_str()));
    assert_eq!(a.version_stages(), labels(&["AWSCURRENT"]));
    assert!(a.created_date().is_some());

    assert_eq!(out.errors().len(), 1, "{:?}", out.errors());
    let err = &out.errors()[0];
    assert_eq!(err.secret_id(), Some("batch-missing"));
    assert_eq!(err.error_code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some(NOT_FOUND));
}

#[tokio::test]
async fn batch_get_by_filters_and_argument_rules() {
    let (_emul, client) = setup().await;
    for i in 0..3 {
        create(&client, &format!("team-x/{i}"), &format!("x{i}")).await;
    }
    create(&client, "other", "o").await;
    let name_filter = Filter::builder()
        .key(FilterNameStringType::Name)
        .values("team-x/")
        .build();
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..10 {
        let page = client
            .batch_get_secret_value()
            .filters(name_filter.clone())
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await
            .expect("BatchGetSecretValue with Filters");
        assert!(page.secret_values().len() <= 2);
        seen.extend(
            page.secret_values()
                .iter()
                .map(|v| v.secret_string().unwrap().to_string()),
        );
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, labels(&["x0", "x1", "x2"]));

    let msg = "Either 'SecretIdList' or 'Filters' must be provided, but not both.";
    assert_aws_error(
        client
            .batch_get_secret_value()
            .secret_id_list("other")
            .filters(name_filter)
            .send()
            .await,
        "InvalidParameterException",
        msg,
    );
    assert_aws_error(
        client.batch_get_secret_value().send().await,
        "InvalidParameterException",
        msg,
    );
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

#[tokio::test]
async fn resource_policy_put_get_delete() {
    let (_emul, client) = setup().await;
    let (arn, _) = create(&client, "policy", "v").await;
    let none = client
        .get_resource_policy()
        .secret_id("policy")
        .send()
        .await
        .expect("GetResourcePolicy");
    assert_eq!(none.arn(), Some(arn.as_str()));
    assert_eq!(none.name(), Some("policy"));
    assert!(none.resource_policy().is_none(), "no policy yet");

    let put = client
        .put_resource_policy()
        .secret_id("policy")
        .resource_policy(POLICY)
        .send()
        .await
        .expect("PutResourcePolicy");
    assert_eq!(put.arn(), Some(arn.as_str()));
    assert_eq!(put.name(), Some("policy"));

    let got = client
        .get_resource_policy()
        .secret_id(&arn)
        .send()
        .await
        .unwrap();
    let got: serde_json::Value =
        serde_json::from_str(got.resource_policy().expect("ResourcePolicy")).unwrap();
    let want: serde_json::Value = serde_json::from_str(POLICY).unwrap();
    assert_eq!(got, want);

    let deleted = client
        .delete_resource_policy()
        .secret_id("policy")
        .send()
        .await
        .expect("DeleteResourcePolicy");
    assert_eq!(deleted.arn(), Some(arn.as_str()));
    assert_eq!(deleted.name(), Some("policy"));
    let after = client
        .get_resource_policy()
        .secret_id("policy")
        .send()
        .await
        .unwrap();
    assert!(after.resource_policy().is_none());
}

#[tokio::test]
async fn resource_policy_errors() {
    let (_emul, client) = setup().await;
    create(&client, "policy", "v").await;
    assert_aws_error(
        client
            .get_resource_policy()
            .secret_id("missing")
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client
            .put_resource_policy()
            .secret_id("missing")
            .resource_policy(POLICY)
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error(
        client
            .delete_resource_policy()
            .secret_id("missing")
            .send()
            .await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
    assert_aws_error_code(
        client
            .put_resource_policy()
            .secret_id("policy")
            .resource_policy("{not json")
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
}

#[tokio::test]
async fn rotate_without_a_lambda_is_invalid_request() {
    let (_emul, client) = setup().await;
    let (_, v1) = create(&client, "rotate-me", "v").await;
    assert_aws_error(
        client.rotate_secret().secret_id("rotate-me").send().await,
        "InvalidRequestException",
        "No Lambda rotation function ARN is associated with this secret.",
    );
    // Nothing changed: no pending version, rotation still unconfigured.
    let d = client
        .describe_secret()
        .secret_id("rotate-me")
        .send()
        .await
        .unwrap();
    assert!(d.rotation_enabled() != Some(true));
    assert_eq!(d.version_ids_to_stages().unwrap().len(), 1);
    assert!(d.version_ids_to_stages().unwrap().contains_key(&v1));
    assert_aws_error(
        client.rotate_secret().secret_id("missing").send().await,
        "ResourceNotFoundException",
        NOT_FOUND,
    );
}

#[tokio::test]
async fn rotate_with_an_uninvokable_lambda_is_access_denied() {
    // emul runs no Lambda, so any function ARN is uninvokable.
    let (_emul, client) = setup().await;
    create(&client, "rotate-lambda", "v").await;
    assert_aws_error(
        client
            .rotate_secret()
            .secret_id("rotate-lambda")
            .rotation_lambda_arn("arn:aws:lambda:us-east-1:000000000000:function:rotator")
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .send()
            .await,
        "AccessDeniedException",
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.",
    );
    let cur = client
        .get_secret_value()
        .secret_id("rotate-lambda")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cur.secret_string(),
        Some("v"),
        "the current value is untouched"
    );
}
