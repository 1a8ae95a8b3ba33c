//! ListTaskDefinitions: `familyPrefix`, `status` (ACTIVE default),
//! `sort` (ASC default), paging → `taskDefinitionArns`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{paginate, parse};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    family_prefix: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let status = req.status.unwrap_or_else(|| "ACTIVE".into());
    let mut arns: Vec<String> = ecs.read(scope, |region| {
        region
            .task_definitions
            .iter()
            .filter(|(family, _)| {
                req.family_prefix
                    .as_deref()
                    // Despite its name, AWS matches the whole family here
                    // ("the full family name"); ListTaskDefinitionFamilies
                    // matches a prefix.
                    .is_none_or(|p| family.as_str() == p)
            })
            .flat_map(|(_, revisions)| revisions.iter())
            .filter(|td| td.status == status)
            .map(|td| td.arn.clone())
            .collect()
    });
    if req.sort.as_deref() == Some("DESC") {
        arns.reverse();
    }
    let (page, token) = paginate(arns, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"taskDefinitionArns": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
