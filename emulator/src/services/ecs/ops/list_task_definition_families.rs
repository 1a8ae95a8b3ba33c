//! ListTaskDefinitionFamilies: `familyPrefix`, `status` (ACTIVE: families
//! with an ACTIVE revision; INACTIVE: families with none; ALL), paging →
//! `families`.

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
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let status = req.status.unwrap_or_else(|| "ACTIVE".into());
    let families: Vec<String> = ecs.read(scope, |region| {
        region
            .task_definitions
            .iter()
            .filter(|(family, _)| {
                req.family_prefix
                    .as_deref()
                    .is_none_or(|p| family.starts_with(p))
            })
            .filter(|(_, revisions)| {
                let active = revisions.iter().any(|t| t.status == "ACTIVE");
                match status.as_str() {
                    "ALL" => true,
                    "INACTIVE" => !active,
                    _ => active,
                }
            })
            .map(|(family, _)| family.clone())
            .collect()
    });
    let (page, token) = paginate(families, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"families": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
