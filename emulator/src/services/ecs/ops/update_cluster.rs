//! UpdateCluster (`settings`, `configuration`, `serviceConnectDefaults`)
//! and UpdateClusterSettings (`settings`) → `cluster`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_cluster, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    cluster: Option<String>,
    settings: Option<Vec<Value>>,
    configuration: Option<Value>,
    service_connect_defaults: Option<Value>,
}

/// UpdateCluster.
pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    apply(ecs, scope, req)
}

/// UpdateClusterSettings: `settings` is required.
pub(super) fn settings(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    if req.settings.is_none() {
        return Err(EcsError::missing("settings"));
    }
    apply(ecs, scope, req)
}

fn apply(ecs: &Ecs, scope: &Scope, req: Request) -> Result<Value, EcsError> {
    let cluster = required(req.cluster, "cluster")?;
    for s in req.settings.iter().flatten() {
        if s.get("name").and_then(Value::as_str) != Some("containerInsights") {
            return Err(EcsError::InvalidParameter(
                "settings.name should be one of [containerInsights]".into(),
            ));
        }
    }
    ecs.write(scope, |region| {
        let name = region.active_cluster(Some(&cluster))?.name.clone();
        let c = region.clusters.get_mut(&name).expect("active above");
        if let Some(given) = req.settings {
            // A setting replaces the one of the same name.
            let mut settings = c.settings.as_array().cloned().unwrap_or_default();
            for s in given {
                settings.retain(|x| x.get("name") != s.get("name"));
                settings.push(s);
            }
            c.settings = Value::Array(settings);
        }
        if let Some(conf) = req.configuration {
            c.configuration = Some(conf);
        }
        if let Some(d) = req.service_connect_defaults {
            c.service_connect_defaults = Some(d);
        }
        let include = Some(vec!["SETTINGS".to_string(), "CONFIGURATIONS".to_string()]);
        Ok(json!({"cluster": render_cluster(region, &region.clusters[&name], &include)}))
    })
}
