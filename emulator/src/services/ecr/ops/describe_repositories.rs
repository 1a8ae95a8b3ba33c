//! DescribeRepositories: all repositories, or the ones named (an unknown
//! name fails the call), paginated.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{max_results, page, parse, registry, repository_json};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId`.
    registry_id: Option<String>,
    /// `repositoryNames`: only these (each must exist).
    repository_names: Option<Vec<String>>,
    /// `nextToken`.
    next_token: Option<String>,
    /// `maxResults` (only without `repositoryNames`).
    max_results: Option<i64>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let max = max_results(req.max_results, 100)?;
    let repos = ecr.read(&account, &ctx.region, |r| match &req.repository_names {
        Some(names) => names
            .iter()
            .map(|n| r.repository(n, &account).cloned())
            .collect::<Result<Vec<_>, _>>(),
        None => Ok(r.repositories.values().cloned().collect()),
    })?;
    let (items, next) = page(&repos, req.next_token.as_deref(), max)?;
    let mut out = json!({
        "repositories": items.iter().map(|r| repository_json(ecr, r)).collect::<Vec<_>>()
    });
    if let Some(n) = next {
        out["nextToken"] = n.into();
    }
    Ok(out)
}
