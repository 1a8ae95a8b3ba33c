//! DescribeClusters: `clusters[]` (names or ARNs; default `default`),
//! `include[]` → `clusters[]`, `failures[]` (`MISSING`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_cluster};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, arns};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
struct Request {
    clusters: Option<Vec<String>>,
    include: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let wanted = req.clusters.unwrap_or_else(|| vec!["default".into()]);
    if wanted.len() > 100 {
        return Err(EcsError::InvalidParameter(
            "clusters can have at most 100 items.".into(),
        ));
    }
    ecs.read(scope, |region| {
        let mut clusters = Vec::new();
        let mut failures = Vec::new();
        for param in &wanted {
            let name = arns::cluster_name(param);
            match region.clusters.get(&name) {
                Some(c) => clusters.push(render_cluster(region, c, &req.include)),
                None => failures.push(json!({
                    "arn": arns::cluster(scope, &name),
                    "reason": "MISSING",
                })),
            }
        }
        Ok(json!({"clusters": clusters, "failures": failures}))
    })
}
