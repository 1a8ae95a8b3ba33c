//! CreateCluster: `clusterName` (default `default`), `tags`, `settings`,
//! `configuration` → `cluster`. Idempotent for an ACTIVE cluster.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_cluster};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    cluster_name: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    settings: Option<Value>,
    configuration: Option<Value>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    ecs.write(scope, |region| {
        let name = region.create_cluster(
            req.cluster_name,
            req.tags,
            req.settings.unwrap_or_else(|| json!([])),
            req.configuration,
            now(),
        )?;
        let include = Some(vec![
            "TAGS".to_string(),
            "SETTINGS".to_string(),
            "CONFIGURATIONS".to_string(),
        ]);
        Ok(json!({"cluster": render_cluster(region, &region.clusters[&name], &include)}))
    })
}
