//! Repositories through the SDK: create (settings echoed), describe,
//! tags, lifecycle policies, tag mutability, authorization token; and the
//! AWS CLI's `ecr` commands.

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability, Tag,
};
use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

use super::{Registry, decode_token, start};

#[tokio::test]
async fn create_describe_and_delete_a_repository() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    let reg = Registry::of(&emul).await;
    let created = ecr
        .create_repository()
        .repository_name("team/app")
        .image_tag_mutability(ImageTagMutability::Immutable)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(true)
                .build(),
        )
        .encryption_configuration(
            EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::Kms)
                .kms_key("arn:aws:kms:us-east-1:000000000000:key/k")
                .build()
                .unwrap(),
        )
        .tags(Tag::builder().key("team").value("a").build().unwrap())
        .send()
        .await
        .unwrap();
    let repo = created.repository().unwrap();
    assert_eq!(repo.repository_name(), Some("team/app"));
    assert_eq!(repo.registry_id(), Some("000000000000"));
    assert_eq!(
        repo.repository_arn(),
        Some("arn:aws:ecr:us-east-1:000000000000:repository/team/app")
    );
    // A URI the local Docker engine pushes to without TLS.
    assert_eq!(
        repo.repository_uri(),
        Some(format!("{}/team/app", reg.host).as_str())
    );
    assert!(reg.host.starts_with("127.0.0.1:"));
    assert_eq!(
        repo.image_tag_mutability(),
        Some(&ImageTagMutability::Immutable)
    );
    assert!(repo.image_scanning_configuration().unwrap().scan_on_push());
    assert_eq!(
        repo.encryption_configuration().unwrap().encryption_type(),
        &EncryptionType::Kms
    );
    assert!(repo.created_at().is_some());

    let described = ecr.describe_repositories().send().await.unwrap();
    assert_eq!(described.repositories().len(), 1);
    let tags = ecr
        .list_tags_for_resource()
        .resource_arn(repo.repository_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].key(), "team");
    ecr.tag_resource()
        .resource_arn(repo.repository_arn().unwrap())
        .tags(Tag::builder().key("env").value("prod").build().unwrap())
        .send()
        .await
        .unwrap();
    ecr.untag_resource()
        .resource_arn(repo.repository_arn().unwrap())
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = ecr
        .list_tags_for_resource()
        .resource_arn(repo.repository_arn().unwrap())
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    let flipped = ecr
        .put_image_tag_mutability()
        .repository_name("team/app")
        .image_tag_mutability(ImageTagMutability::Mutable)
        .send()
        .await
        .unwrap();
    assert_eq!(
        flipped.image_tag_mutability(),
        Some(&ImageTagMutability::Mutable)
    );

    let deleted = ecr
        .delete_repository()
        .repository_name("team/app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.repository().unwrap().repository_name(),
        Some("team/app")
    );
    assert!(
        ecr.describe_repositories()
            .send()
            .await
            .unwrap()
            .repositories()
            .is_empty()
    );
}

#[tokio::test]
async fn lifecycle_policies_are_stored() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let policy = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
    let put = ecr
        .put_lifecycle_policy()
        .repository_name("app")
        .lifecycle_policy_text(policy)
        .send()
        .await
        .unwrap();
    assert_eq!(put.lifecycle_policy_text(), Some(policy));
    let got = ecr
        .get_lifecycle_policy()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(got.lifecycle_policy_text(), Some(policy));
    assert!(got.last_evaluated_at().is_some());
    ecr.delete_lifecycle_policy()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    sdk_tests::assert_aws_error(
        ecr.get_lifecycle_policy()
            .repository_name("app")
            .send()
            .await,
        "LifecyclePolicyNotFoundException",
        "Lifecycle policy does not exist for the repository with name 'app' in the registry with id '000000000000'",
    );
}

#[tokio::test]
async fn authorization_token_logs_in_to_the_registry() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    let token = ecr.get_authorization_token().send().await.unwrap();
    let data = &token.authorization_data()[0];
    let decoded = decode_token(data.authorization_token().unwrap());
    let password = decoded.strip_prefix("AWS:").expect("AWS:<password>");
    assert!(password.len() >= 32);
    let expires = data.expires_at().unwrap().secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((expires - now - 12 * 3600).abs() < 60, "valid 12 hours");
    let reg = Registry::of(&emul).await;
    // Unauthenticated: the challenge `docker login` answers.
    let r = reg.raw.send("GET", "/v2/", &[], vec![]).await.unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"emul ECR\"")
    );
    assert_eq!(r.json()["errors"][0]["code"], "UNAUTHORIZED");
    let r = reg.send("GET", "/v2/", &[], vec![]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("docker-distribution-api-version"),
        Some("registry/2.0")
    );
    let wrong = base64_basic("AWS:not-the-password");
    let r = reg
        .raw
        .send("GET", "/v2/", &[("authorization", &wrong)], vec![])
        .await
        .unwrap();
    assert_eq!(r.status, 401);
}

fn base64_basic(text: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

#[test]
fn aws_cli_ecr_commands() {
    let Some(cli) = aws_cli() else { return };
    let emul = start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let created = aws_json(
        &cli,
        &emul.endpoint,
        h,
        &[
            "ecr",
            "create-repository",
            "--repository-name",
            "cli-app",
            "--image-tag-mutability",
            "IMMUTABLE",
        ],
    );
    assert_eq!(created["repository"]["repositoryName"], "cli-app");
    assert_eq!(created["repository"]["imageTagMutability"], "IMMUTABLE");
    let described = aws_json(&cli, &emul.endpoint, h, &["ecr", "describe-repositories"]);
    assert_eq!(described["repositories"][0]["repositoryName"], "cli-app");
    let images = aws_json(
        &cli,
        &emul.endpoint,
        h,
        &["ecr", "list-images", "--repository-name", "cli-app"],
    );
    assert_eq!(images["imageIds"], serde_json::json!([]));
    // get-login-password prints the bare password docker login reads.
    let out = aws(&cli, &emul.endpoint, h, &["ecr", "get-login-password"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let password = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = rt.block_on(async {
        let ecr = emul.ecr_client("us-east-1").await;
        ecr.get_authorization_token()
            .send()
            .await
            .unwrap()
            .authorization_data()[0]
            .authorization_token()
            .unwrap()
            .to_string()
    });
    assert_eq!(decode_token(&token), format!("AWS:{password}"));
    // Errors come back with ECR's code and message.
    let out = aws(
        &cli,
        &emul.endpoint,
        h,
        &["ecr", "describe-repositories", "--repository-names", "nope"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("RepositoryNotFoundException")
            && err.contains("The repository with name 'nope' does not exist in the registry with id '000000000000'"),
        "{err}"
    );
    let out = aws(
        &cli,
        &emul.endpoint,
        h,
        &["ecr", "delete-repository", "--repository-name", "cli-app"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
