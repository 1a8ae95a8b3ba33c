//! CreateCluster: `clusterName` (default `default`), `tags`, `settings`,
//! `configuration`, `capacityProviders`, `defaultCapacityProviderStrategy`,
//! `serviceConnectDefaults` → `cluster`. Idempotent for an ACTIVE cluster.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_cluster};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::capacity_provider::{name_of, normalize_strategy};
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
    capacity_providers: Option<Vec<String>>,
    default_capacity_provider_strategy: Option<Vec<Value>>,
    service_connect_defaults: Option<Value>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let strategy = normalize_strategy(
        req.default_capacity_provider_strategy
            .as_deref()
            .unwrap_or_default(),
    )?;
    let providers: Vec<String> = req
        .capacity_providers
        .unwrap_or_default()
        .iter()
        .map(|p| name_of(p))
        .collect();
    ecs.write(scope, |region| {
        region.check_cluster_providers(&providers, &strategy)?;
        let existed = region.active_cluster(req.cluster_name.as_deref()).is_ok();
        let name = region.create_cluster(
            req.cluster_name,
            req.tags,
            req.settings.unwrap_or_else(|| json!([])),
            req.configuration,
            now(),
        )?;
        if !existed {
            let c = region.clusters.get_mut(&name).expect("just created");
            c.capacity_providers = providers;
            c.default_strategy = strategy;
            c.service_connect_defaults = req.service_connect_defaults;
        }
        let include = Some(vec![
            "TAGS".to_string(),
            "SETTINGS".to_string(),
            "CONFIGURATIONS".to_string(),
        ]);
        Ok(json!({"cluster": render_cluster(region, &region.clusters[&name], &include)}))
    })
}
