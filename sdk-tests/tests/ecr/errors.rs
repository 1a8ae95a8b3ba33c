//! ECR's error codes and messages through the SDK's typed errors.

use aws_sdk_ecr::types::ImageIdentifier;
use sdk_tests::{assert_aws_error, assert_aws_error_code};

use super::{Registry, start};

#[tokio::test]
async fn repository_errors_carry_ecrs_codes_and_messages() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    assert_aws_error(
        ecr.create_repository().repository_name("app").send().await,
        "RepositoryAlreadyExistsException",
        "The repository with name 'app' already exists in the registry with id '000000000000'",
    );
    assert_aws_error(
        ecr.describe_repositories()
            .repository_names("nope")
            .send()
            .await,
        "RepositoryNotFoundException",
        "The repository with name 'nope' does not exist in the registry with id '000000000000'",
    );
    let err = ecr
        .delete_repository()
        .repository_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_repository_not_found_exception());
    assert_aws_error(
        ecr.create_repository()
            .repository_name("Bad_Name")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''",
    );
    assert_aws_error_code(
        ecr.create_repository().repository_name("a").send().await,
        "ValidationException",
    );
    assert_aws_error(
        ecr.list_tags_for_resource()
            .resource_arn("not-an-arn")
            .send()
            .await,
        "InvalidParameterException",
        "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'",
    );
    // Not empty: a pushed image keeps the repository until `force`.
    let reg = Registry::of(&emul).await;
    reg.push_image("app", "v1", b"layer one").await;
    assert_aws_error(
        ecr.delete_repository().repository_name("app").send().await,
        "RepositoryNotEmptyException",
        "The repository with name 'app' in registry with id '000000000000' cannot be deleted because it still contains images",
    );
    assert_aws_error(
        ecr.describe_images()
            .repository_name("app")
            .image_ids(ImageIdentifier::builder().image_tag("v9").build())
            .send()
            .await,
        "ImageNotFoundException",
        "The image with imageId {imageDigest:'null', imageTag:'v9'} does not exist within the repository with name 'app' in the registry with id '000000000000'",
    );
    let err = ecr
        .delete_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_repository_not_empty_exception());
    ecr.delete_repository()
        .repository_name("app")
        .force(true)
        .send()
        .await
        .unwrap();
}
