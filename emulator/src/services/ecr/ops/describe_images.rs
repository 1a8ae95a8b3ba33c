//! DescribeImages: digest, tags, size, push time and manifest media type of
//! every image (or the ones named: an unknown one fails the call).

use serde::Deserialize;
use serde_json::{Value, json};

use super::list_images::{Filter, tag_status};
use super::{WireImageId, max_results, page, parse, registry, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::model::{ImageId, Repository};
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId`.
    registry_id: Option<String>,
    /// `repositoryName`.
    repository_name: Option<String>,
    /// `imageIds`: only these.
    image_ids: Option<Vec<WireImageId>>,
    /// `filter`.
    filter: Option<Filter>,
    /// `nextToken`.
    next_token: Option<String>,
    /// `maxResults`.
    max_results: Option<i64>,
}

/// One `imageDetail`.
fn detail(repo: &Repository, digest: &str) -> Value {
    let img = &repo.images[digest];
    let mut v = json!({
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "imageDigest": img.digest,
        "imageSizeInBytes": img.size,
        "imagePushedAt": img.pushed_at,
        "imageManifestMediaType": img.media_type,
    });
    let tags = repo.tags_of(digest);
    if !tags.is_empty() {
        v["imageTags"] = tags.into();
    }
    if let Some(a) = &img.artifact_media_type {
        v["artifactMediaType"] = a.clone().into();
    }
    v
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let (tagged, untagged) = tag_status(req.filter)?;
    let max = max_results(req.max_results, 100)?;
    let details = ecr.read(&account, &ctx.region, |r| {
        let repo = r.repository(&name, &account)?;
        let digests: Vec<String> = match req.image_ids {
            Some(ids) => {
                let mut out: Vec<String> = Vec::new();
                for id in ids.into_iter().map(ImageId::from) {
                    let digest = repo.resolve(&id).map_err(|_| EcrError::ImageNotFound {
                        image_id: id.render(),
                        name: name.clone(),
                        registry: account.clone(),
                    })?;
                    if !out.contains(&digest) {
                        out.push(digest);
                    }
                }
                out
            }
            None => repo
                .images
                .keys()
                .filter(|d| {
                    let has_tags = !repo.tags_of(d).is_empty();
                    (has_tags && tagged) || (!has_tags && untagged)
                })
                .cloned()
                .collect(),
        };
        Ok(digests.iter().map(|d| detail(repo, d)).collect::<Vec<_>>())
    })?;
    let (items, next) = page(&details, req.next_token.as_deref(), max)?;
    let mut out = json!({"imageDetails": items});
    if let Some(n) = next {
        out["nextToken"] = n.into();
    }
    Ok(out)
}
