//! UntagResource: removes tags by key from a repository (by ARN).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, repository_from_arn, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `resourceArn`.
    resource_arn: Option<String>,
    /// `tagKeys`.
    tag_keys: Option<Vec<String>>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let name = repository_from_arn(ctx, &required(req.resource_arn, "resourceArn")?)?;
    let keys = required(req.tag_keys, "tagKeys")?;
    ecr.write(&ctx.account, &ctx.region, |r| {
        r.repository_mut(&name, &ctx.account)?
            .tags
            .retain(|(k, _)| !keys.contains(k));
        Ok(())
    })?;
    Ok(json!({}))
}
