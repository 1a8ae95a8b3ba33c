//! The capacity provider operations: CreateCapacityProvider,
//! DescribeCapacityProviders, UpdateCapacityProvider,
//! DeleteCapacityProvider and PutClusterCapacityProviders.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, paginate, parse, render_cluster, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::capacity_provider::{
    FARGATE_PROVIDERS, name_of, normalize_strategy,
};
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    name: Option<String>,
    auto_scaling_group_provider: Option<Value>,
    managed_instances_provider: Option<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// CreateCapacityProvider: `name`, `autoScalingGroupProvider`, `tags` →
/// `capacityProvider`.
pub(super) fn create(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: CreateRequest = parse(body)?;
    let name = required(req.name, "name")?;
    if req.managed_instances_provider.is_some() {
        // Managed Instances providers need EC2 capacity emul does not model.
        return Err(EcsError::InvalidParameter(
            "emul supports only Auto Scaling group capacity providers (autoScalingGroupProvider)."
                .into(),
        ));
    }
    let asg = required(req.auto_scaling_group_provider, "autoScalingGroupProvider")?;
    ecs.write(scope, |region| {
        region.create_capacity_provider(&name, &asg, req.tags)?;
        let out = region
            .render_capacity_provider(&name, true)
            .expect("just created");
        Ok(json!({"capacityProvider": out}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    capacity_providers: Option<Vec<String>>,
    include: Option<Vec<String>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// DescribeCapacityProviders: `capacityProviders[]` (names or ARNs; all of
/// them, FARGATE and FARGATE_SPOT first, when absent), `include[]`,
/// paging → `capacityProviders[]`, `failures[]` (`MISSING`).
pub(super) fn describe(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DescribeRequest = parse(body)?;
    let tags = includes(&req.include, "TAGS");
    ecs.read(scope, |region| {
        let mut providers = Vec::new();
        let mut failures = Vec::new();
        let mut token = None;
        match req.capacity_providers.filter(|p| !p.is_empty()) {
            Some(wanted) => {
                for param in wanted {
                    let name = name_of(&param);
                    match region.render_capacity_provider(&name, tags) {
                        Some(p) => providers.push(p),
                        None => failures.push(json!({
                            "arn": crate::services::ecs::model::capacity_provider::arn(region, &name),
                            "reason": "MISSING",
                        })),
                    }
                }
            }
            None => {
                let names: Vec<String> = FARGATE_PROVIDERS
                    .iter()
                    .map(|s| s.to_string())
                    .chain(region.capacity_providers.keys().cloned())
                    .collect();
                let (page, next) =
                    paginate(names, req.next_token.as_deref(), req.max_results.map(|n| n.min(100)))?;
                token = next;
                for name in page {
                    providers.extend(region.render_capacity_provider(&name, tags));
                }
            }
        }
        let mut out = json!({"capacityProviders": providers, "failures": failures});
        if let Some(t) = token {
            out["nextToken"] = json!(t);
        }
        Ok(out)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    name: Option<String>,
    auto_scaling_group_provider: Option<Value>,
}

/// UpdateCapacityProvider: `name`, `autoScalingGroupProvider` (managed
/// scaling, termination protection, draining) → `capacityProvider`.
pub(super) fn update(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: UpdateRequest = parse(body)?;
    let name = required(req.name, "name")?;
    let update = required(req.auto_scaling_group_provider, "autoScalingGroupProvider")?;
    ecs.write(scope, |region| {
        let name = region
            .update_capacity_provider(&name, &update)?
            .name
            .clone();
        let out = region
            .render_capacity_provider(&name, false)
            .expect("exists");
        Ok(json!({"capacityProvider": out}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    capacity_provider: Option<String>,
}

/// DeleteCapacityProvider: `capacityProvider` → the provider, INACTIVE.
pub(super) fn delete(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DeleteRequest = parse(body)?;
    let param = required(req.capacity_provider, "capacityProvider")?;
    ecs.write(scope, |region| {
        let p = region.delete_capacity_provider(&param)?;
        let out = json!({
            "capacityProviderArn": p.arn,
            "name": p.name,
            "status": "INACTIVE",
            "autoScalingGroupProvider": p.asg_provider,
            "updateStatus": "DELETE_COMPLETE",
            "type": "EC2_AUTOSCALING",
        });
        region.tags.remove(&p.arn);
        Ok(json!({"capacityProvider": out}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutRequest {
    cluster: Option<String>,
    capacity_providers: Option<Vec<String>>,
    default_capacity_provider_strategy: Option<Vec<Value>>,
}

/// PutClusterCapacityProviders: `cluster`, `capacityProviders[]`,
/// `defaultCapacityProviderStrategy[]` (both replace what the cluster had)
/// → `cluster`.
pub(super) fn put_cluster(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: PutRequest = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    let providers = required(req.capacity_providers, "capacityProviders")?;
    let strategy = required(
        req.default_capacity_provider_strategy,
        "defaultCapacityProviderStrategy",
    )?;
    let strategy = normalize_strategy(&strategy)?;
    ecs.write(scope, |region| {
        let name = region.active_cluster(Some(&cluster))?.name.clone();
        region.check_cluster_providers(&providers, &strategy)?;
        let providers: Vec<String> = providers.iter().map(|p| name_of(p)).collect();
        // A provider still named by a service's strategy stays associated.
        for s in region.services.values() {
            if s.cluster != name || s.status == "INACTIVE" {
                continue;
            }
            for item in &s.capacity_provider_strategy {
                let p = item["capacityProvider"].as_str().unwrap_or_default();
                if !providers.iter().any(|x| x == p) {
                    return Err(EcsError::Client(format!(
                        "The specified capacity provider is in use and cannot be removed. ({p})"
                    )));
                }
            }
        }
        let c = region.clusters.get_mut(&name).expect("active above");
        c.capacity_providers = providers;
        c.default_strategy = strategy;
        let include = Some(vec!["SETTINGS".to_string(), "CONFIGURATIONS".to_string()]);
        Ok(json!({"cluster": render_cluster(region, &region.clusters[&name], &include)}))
    })
}
