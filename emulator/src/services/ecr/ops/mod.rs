//! The wire operations, one file each, all with the same shape:
//! `run(ecr, ctx, body)`: parse the JSON request → apply it to the model
//! (through [`Ecr::read`] / [`Ecr::write`]) → render the JSON response.
//! This file holds the dispatch table and what every operation shares
//! (request parsing, repository and image-id rendering, pagination).

mod batch_delete_image;
mod batch_get_image;
mod create_repository;
mod delete_lifecycle_policy;
mod delete_repository;
mod describe_images;
mod describe_repositories;
mod get_authorization_token;
mod get_lifecycle_policy;
mod list_images;
mod list_tags_for_resource;
mod put_image_scanning_configuration;
mod put_image_tag_mutability;
mod put_lifecycle_policy;
mod tag_resource;
mod untag_resource;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::errors::EcrError;
use super::model::{ImageId, Repository};
use super::service::Ecr;
use crate::gateway::AwsError;
use crate::gateway::registry::RequestContext;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "BatchDeleteImage",
    "BatchGetImage",
    "CreateRepository",
    "DeleteLifecyclePolicy",
    "DeleteRepository",
    "DescribeImages",
    "DescribeRepositories",
    "GetAuthorizationToken",
    "GetLifecyclePolicy",
    "ListImages",
    "ListTagsForResource",
    "PutImageScanningConfiguration",
    "PutImageTagMutability",
    "PutLifecyclePolicy",
    "TagResource",
    "UntagResource",
];

/// Runs `operation`.
pub fn dispatch(
    ecr: &Ecr,
    ctx: &RequestContext,
    operation: &str,
    body: Value,
) -> Result<Value, AwsError> {
    let result = match operation {
        "BatchDeleteImage" => batch_delete_image::run(ecr, ctx, body),
        "BatchGetImage" => batch_get_image::run(ecr, ctx, body),
        "CreateRepository" => create_repository::run(ecr, ctx, body),
        "DeleteLifecyclePolicy" => delete_lifecycle_policy::run(ecr, ctx, body),
        "DeleteRepository" => delete_repository::run(ecr, ctx, body),
        "DescribeImages" => describe_images::run(ecr, ctx, body),
        "DescribeRepositories" => describe_repositories::run(ecr, ctx, body),
        "GetAuthorizationToken" => get_authorization_token::run(ecr, ctx, body),
        "GetLifecyclePolicy" => get_lifecycle_policy::run(ecr, ctx, body),
        "ListImages" => list_images::run(ecr, ctx, body),
        "ListTagsForResource" => list_tags_for_resource::run(ecr, ctx, body),
        "PutImageScanningConfiguration" => put_image_scanning_configuration::run(ecr, ctx, body),
        "PutImageTagMutability" => put_image_tag_mutability::run(ecr, ctx, body),
        "PutLifecyclePolicy" => put_lifecycle_policy::run(ecr, ctx, body),
        "TagResource" => tag_resource::run(ecr, ctx, body),
        "UntagResource" => untag_resource::run(ecr, ctx, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// Decodes the request body into an operation's input struct.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, EcrError> {
    serde_json::from_value(body)
        .map_err(|e| EcrError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or the "Member must not be null" validation error.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, EcrError> {
    value.ok_or_else(|| EcrError::missing(member))
}

/// The registry a request addresses: `registryId` when given, else the
/// caller's account.
pub(crate) fn registry(ctx: &RequestContext, registry_id: Option<String>) -> String {
    registry_id.unwrap_or_else(|| ctx.account.clone())
}

/// A wire `{Key, Value}` tag (ECR capitalises these members).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WireTag {
    /// `Key`.
    key: Option<String>,
    /// `Value`.
    value: Option<String>,
}

/// Tags from the wire; each needs a key (values may be empty).
pub(crate) fn tags_from_wire(tags: Vec<WireTag>) -> Result<Vec<(String, String)>, EcrError> {
    tags.into_iter()
        .map(|t| {
            Ok((
                required(t.key, "tags.member.key")?,
                t.value.unwrap_or_default(),
            ))
        })
        .collect()
}

/// Tags to the wire.
pub(crate) fn tags_to_wire(tags: &[(String, String)]) -> Value {
    tags.iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect()
}

/// A wire `imageId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireImageId {
    /// `imageDigest`.
    image_digest: Option<String>,
    /// `imageTag`.
    image_tag: Option<String>,
}

impl From<WireImageId> for ImageId {
    fn from(w: WireImageId) -> Self {
        ImageId {
            digest: w.image_digest,
            tag: w.image_tag,
        }
    }
}

/// An `imageId` to the wire (absent members omitted).
pub(crate) fn image_id_json(id: &ImageId) -> Value {
    let mut v = serde_json::Map::new();
    if let Some(d) = &id.digest {
        v.insert("imageDigest".into(), d.clone().into());
    }
    if let Some(t) = &id.tag {
        v.insert("imageTag".into(), t.clone().into());
    }
    Value::Object(v)
}

/// A `Repository` object as CreateRepository/DescribeRepositories render it.
pub(crate) fn repository_json(ecr: &Ecr, repo: &Repository) -> Value {
    let mut encryption = json!({"encryptionType": repo.encryption.encryption_type});
    if let Some(k) = &repo.encryption.kms_key {
        encryption["kmsKey"] = k.clone().into();
    }
    json!({
        "repositoryArn": repo.arn(),
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "repositoryUri": ecr.repository_uri(&repo.registry_id, &repo.region, &repo.name),
        "createdAt": repo.created_at,
        "imageTagMutability": repo.mutability.as_str(),
        "imageScanningConfiguration": {"scanOnPush": repo.scan_on_push},
        "encryptionConfiguration": encryption,
    })
}

/// Checks `maxResults` (1–1000 in ECR's model).
pub(crate) fn max_results(value: Option<i64>, default: usize) -> Result<usize, EcrError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
        Some(n) => Err(EcrError::Validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value {} 1000",
            if n < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to"
            }
        ))),
    }
}

/// One page of `items` from `next_token` (an index emul issued).
pub(crate) fn page<T: Clone>(
    items: &[T],
    next_token: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), EcrError> {
    let start = match next_token {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| EcrError::InvalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid token'".into()))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

/// The repository name in a repository ARN of this account and region
/// (`arn:aws:ecr:<region>:<account>:repository/<name>`).
pub(crate) fn repository_from_arn(ctx: &RequestContext, arn: &str) -> Result<String, EcrError> {
    let invalid = || {
        EcrError::InvalidParameter(
            "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'".into(),
        )
    };
    let rest = arn.strip_prefix("arn:aws:ecr:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(3, ':');
    let (region, account, resource) = (
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
    );
    let name = resource.strip_prefix("repository/").ok_or_else(invalid)?;
    if region != ctx.region || account != ctx.account || name.is_empty() {
        return Err(invalid());
    }
    Ok(name.to_string())
}
