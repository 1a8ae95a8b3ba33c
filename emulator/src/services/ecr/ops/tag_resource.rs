//! TagResource: adds or overwrites tags on a repository (by ARN).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireTag, parse, repository_from_arn, required, tags_from_wire};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `resourceArn`.
    resource_arn: Option<String>,
    /// `tags`.
    tags: Option<Vec<WireTag>>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let name = repository_from_arn(ctx, &required(req.resource_arn, "resourceArn")?)?;
    let tags = tags_from_wire(required(req.tags, "tags")?)?;
    ecr.write(&ctx.account, &ctx.region, |r| {
        let repo = r.repository_mut(&name, &ctx.account)?;
        for (k, v) in tags {
            match repo.tags.iter_mut().find(|(key, _)| *key == k) {
                Some(existing) => existing.1 = v,
                None => repo.tags.push((k, v)),
            }
        }
        Ok(())
    })?;
    Ok(json!({}))
}
