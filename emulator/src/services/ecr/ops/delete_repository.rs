//! DeleteRepository: refused while images remain unless `force`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, registry, repository_json, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId`.
    registry_id: Option<String>,
    /// `repositoryName`.
    repository_name: Option<String>,
    /// `force`: delete the images too.
    force: Option<bool>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let force = req.force.unwrap_or(false);
    let repo = ecr.write(&account, &ctx.region, |r| r.delete(&name, force, &account))?;
    Ok(json!({"repository": repository_json(ecr, &repo)}))
}
