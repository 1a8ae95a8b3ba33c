//! ListClusters: `nextToken`, `maxResults` → `clusterArns`, `nextToken`.
//! INACTIVE clusters are not listed.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{paginate, parse};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let arns: Vec<String> = ecs.read(scope, |region| {
        region
            .clusters
            .values()
            .filter(|c| c.status == "ACTIVE")
            .map(|c| c.arn.clone())
            .collect()
    });
    let (page, token) = paginate(arns, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"clusterArns": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
