//! ListImages: one `imageId` per tag, plus a digest-only id per untagged
//! image; `filter.tagStatus` TAGGED / UNTAGGED / ANY.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{image_id_json, max_results, page, parse, registry, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::model::ImageId;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId`.
    registry_id: Option<String>,
    /// `repositoryName`.
    repository_name: Option<String>,
    /// `filter`.
    filter: Option<Filter>,
    /// `nextToken`.
    next_token: Option<String>,
    /// `maxResults`.
    max_results: Option<i64>,
}

/// `filter` of ListImages and DescribeImages.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Filter {
    /// `tagStatus`.
    pub(super) tag_status: Option<String>,
}

/// Which images a `tagStatus` keeps: (tagged, untagged).
pub(super) fn tag_status(filter: Option<Filter>) -> Result<(bool, bool), EcrError> {
    match filter.and_then(|f| f.tag_status).as_deref() {
        None | Some("ANY") => Ok((true, true)),
        Some("TAGGED") => Ok((true, false)),
        Some("UNTAGGED") => Ok((false, true)),
        Some(other) => Err(EcrError::not_in_enum(
            "filter.tagStatus",
            other,
            "TAGGED, UNTAGGED, ANY",
        )),
    }
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let (tagged, untagged) = tag_status(req.filter)?;
    let max = max_results(req.max_results, 100)?;
    let ids = ecr.read(&account, &ctx.region, |r| {
        let repo = r.repository(&name, &account)?;
        let mut ids = Vec::new();
        for digest in repo.images.keys() {
            let tags = repo.tags_of(digest);
            if tags.is_empty() && untagged {
                ids.push(ImageId {
                    digest: Some(digest.clone()),
                    tag: None,
                });
            }
            if tagged {
                ids.extend(tags.into_iter().map(|t| ImageId {
                    digest: Some(digest.clone()),
                    tag: Some(t),
                }));
            }
        }
        Ok(ids)
    })?;
    let (items, next) = page(&ids, req.next_token.as_deref(), max)?;
    let mut out = json!({"imageIds": items.iter().map(image_id_json).collect::<Vec<_>>()});
    if let Some(n) = next {
        out["nextToken"] = n.into();
    }
    Ok(out)
}
