//! BatchDeleteImage: by tag (the image goes with its last tag) or by
//! digest (with every tag); misses are failures, not errors.

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
    ecr.write(&account, &ctx.region, |r| {
        let repo = r.repository_mut(&name, &account)?;
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for id in &ids {
            match repo.delete_image(id) {
                Ok(gone) => deleted.extend(gone.iter().map(image_id_json)),
                Err(f) => failures.push(json!({"imageId": image_id_json(id),
                    "failureCode": f.code(), "failureReason": f.reason()})),
            }
        }
        Ok(json!({"imageIds": deleted, "failures": failures}))
    })
}
