//! BatchGetImage: each image's manifest text; ids that match nothing come
//! back as `ImageNotFound` failures (the call itself succeeds).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireImageId, image_id_json, parse, registry, required};
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
    /// `imageIds`.
    image_ids: Option<Vec<WireImageId>>,
    /// `acceptedMediaTypes`: manifests of other types are failures.
    accepted_media_types: Option<Vec<String>>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let ids: Vec<ImageId> = required(req.image_ids, "imageIds")?
        .into_iter()
        .map(ImageId::from)
        .collect();
    let accepted = req.accepted_media_types;
    ecr.read(&account, &ctx.region, |r| {
        let repo = r.repository(&name, &account)?;
        let mut images = Vec::new();
        let mut failures = Vec::new();
        for id in &ids {
            match repo.resolve(id) {
                Ok(digest) => {
                    let img = &repo.images[&digest];
                    if accepted
                        .as_ref()
                        .is_some_and(|a| !a.contains(&img.media_type))
                    {
                        failures.push(json!({"imageId": image_id_json(id),
                            "failureCode": "UnsupportedImageType",
                            "failureReason": format!("Invalid image manifest media type: {}", img.media_type)}));
                        continue;
                    }
                    let resolved = ImageId {
                        digest: Some(digest.clone()),
                        tag: id.tag.clone(),
                    };
                    images.push(json!({
                        "registryId": account,
                        "repositoryName": name,
                        "imageId": image_id_json(&resolved),
                        "imageManifest": img.manifest,
                        "imageManifestMediaType": img.media_type,
                    }));
                }
                Err(f) => failures.push(json!({"imageId": image_id_json(id),
                    "failureCode": f.code(), "failureReason": f.reason()})),
            }
        }
        Ok(json!({"images": images, "failures": failures}))
    })
}
