//! ListTagsForResource: a repository's tags (by ARN).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, repository_from_arn, required, tags_to_wire};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `resourceArn`.
    resource_arn: Option<String>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let name = repository_from_arn(ctx, &required(req.resource_arn, "resourceArn")?)?;
    let tags = ecr.read(&ctx.account, &ctx.region, |r| {
        Ok(r.repository(&name, &ctx.account)?.tags.clone())
    })?;
    Ok(json!({"tags": tags_to_wire(&tags)}))
}
