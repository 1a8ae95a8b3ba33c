//! PutImageTagMutability: MUTABLE or IMMUTABLE (enforced on later pushes).

use serde::Deserialize;
use serde_json::{Value, json};

use super::create_repository::mutability;
use super::{parse, registry, required};
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
    /// `imageTagMutability`.
    image_tag_mutability: Option<String>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let m = mutability(Some(required(
        req.image_tag_mutability,
        "imageTagMutability",
    )?))?;
    ecr.write(&account, &ctx.region, |r| {
        r.repository_mut(&name, &account)?.mutability = m;
        Ok(())
    })?;
    Ok(json!({"registryId": account, "repositoryName": name, "imageTagMutability": m.as_str()}))
}
