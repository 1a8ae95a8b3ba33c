//! The wire operations, one file each, all with the same shape:
//! `run(ecs, scope, body)`: parse the JSON request → apply it to the model
//! (through [`Ecs::read`] / [`Ecs::write`]) → render the JSON response.
//! This file holds the dispatch table and the helpers they share.

mod account_settings;
mod attributes;
mod capacity_providers;
mod container_instances;
mod create_cluster;
mod create_service;
mod delete_cluster;
mod delete_service;
mod delete_task_definitions;
mod deregister_task_definition;
mod describe_clusters;
mod describe_services;
mod describe_task_definition;
mod describe_tasks;
mod list_clusters;
mod list_services;
mod list_tags_for_resource;
mod list_task_definition_families;
mod list_task_definitions;
mod list_tasks;
mod register_task_definition;
mod run_task;
mod start_task;
mod stop_task;
mod tag_resource;
mod task_sets;
mod untag_resource;
mod update_cluster;
mod update_service;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::errors::EcsError;
use super::model::{Cluster, Region, Scope};
use super::service::Ecs;
use crate::gateway::AwsError;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "CreateCapacityProvider",
    "CreateCluster",
    "CreateService",
    "CreateTaskSet",
    "DeleteCapacityProvider",
    "DeleteCluster",
    "DeleteAccountSetting",
    "DeleteAttributes",
    "DeleteService",
    "DeleteTaskSet",
    "DeleteTaskDefinitions",
    "DeregisterContainerInstance",
    "DeregisterTaskDefinition",
    "DescribeCapacityProviders",
    "DescribeContainerInstances",
    "DescribeClusters",
    "DescribeServices",
    "DescribeTaskDefinition",
    "DescribeTaskSets",
    "DescribeTasks",
    "DiscoverPollEndpoint",
    "ListAccountSettings",
    "ListAttributes",
    "ListClusters",
    "ListContainerInstances",
    "ListServices",
    "ListTagsForResource",
    "ListTaskDefinitionFamilies",
    "ListTaskDefinitions",
    "ListTasks",
    "PutAccountSetting",
    "PutAccountSettingDefault",
    "PutClusterCapacityProviders",
    "PutAttributes",
    "RegisterContainerInstance",
    "RegisterTaskDefinition",
    "RunTask",
    "StartTask",
    "StopTask",
    "TagResource",
    "UntagResource",
    "UpdateCapacityProvider",
    "UpdateCluster",
    "UpdateClusterSettings",
    "UpdateContainerInstancesState",
    "UpdateService",
    "UpdateServicePrimaryTaskSet",
    "UpdateTaskSet",
];

/// Runs `operation`.
pub fn dispatch(ecs: &Ecs, scope: &Scope, operation: &str, body: Value) -> Result<Value, AwsError> {
    let result = match operation {
        "CreateCluster" => create_cluster::run(ecs, scope, body),
        "CreateService" => create_service::run(ecs, scope, body),
        "DeleteCluster" => delete_cluster::run(ecs, scope, body),
        "DeleteService" => delete_service::run(ecs, scope, body),
        "PutAccountSetting" | "PutAccountSettingDefault" => account_settings::put(ecs, scope, body),
        "DeleteAccountSetting" => account_settings::delete(ecs, scope, body),
        "ListAccountSettings" => account_settings::list(ecs, scope, body),
        "DeleteTaskDefinitions" => delete_task_definitions::run(ecs, scope, body),
        "DeregisterTaskDefinition" => deregister_task_definition::run(ecs, scope, body),
        "DescribeClusters" => describe_clusters::run(ecs, scope, body),
        "DescribeServices" => describe_services::run(ecs, scope, body),
        "DescribeTaskDefinition" => describe_task_definition::run(ecs, scope, body),
        "DescribeTasks" => describe_tasks::run(ecs, scope, body),
        "ListClusters" => list_clusters::run(ecs, scope, body),
        "ListServices" => list_services::run(ecs, scope, body),
        "ListTagsForResource" => list_tags_for_resource::run(ecs, scope, body),
        "ListTaskDefinitionFamilies" => list_task_definition_families::run(ecs, scope, body),
        "ListTaskDefinitions" => list_task_definitions::run(ecs, scope, body),
        "ListTasks" => list_tasks::run(ecs, scope, body),
        "RegisterTaskDefinition" => register_task_definition::run(ecs, scope, body),
        "RunTask" => run_task::run(ecs, scope, body),
        "StartTask" => start_task::run(ecs, scope, body),
        "StopTask" => stop_task::run(ecs, scope, body),
        "TagResource" => tag_resource::run(ecs, scope, body),
        "UntagResource" => untag_resource::run(ecs, scope, body),
        "UpdateService" => update_service::run(ecs, scope, body),
        "CreateCapacityProvider" => capacity_providers::create(ecs, scope, body),
        "DescribeCapacityProviders" => capacity_providers::describe(ecs, scope, body),
        "UpdateCapacityProvider" => capacity_providers::update(ecs, scope, body),
        "DeleteCapacityProvider" => capacity_providers::delete(ecs, scope, body),
        "PutClusterCapacityProviders" => capacity_providers::put_cluster(ecs, scope, body),
        "CreateTaskSet" => task_sets::create(ecs, scope, body),
        "DescribeTaskSets" => task_sets::describe(ecs, scope, body),
        "UpdateTaskSet" => task_sets::update(ecs, scope, body),
        "DeleteTaskSet" => task_sets::delete(ecs, scope, body),
        "UpdateServicePrimaryTaskSet" => task_sets::update_primary(ecs, scope, body),
        "UpdateCluster" => update_cluster::run(ecs, scope, body),
        "UpdateClusterSettings" => update_cluster::settings(ecs, scope, body),
        // Container instances (EC2 launch type) and their attributes.
        "RegisterContainerInstance" => container_instances::register(ecs, scope, body),
        "DeregisterContainerInstance" => container_instances::deregister(ecs, scope, body),
        "ListContainerInstances" => container_instances::list(ecs, scope, body),
        "DescribeContainerInstances" => container_instances::describe(ecs, scope, body),
        "UpdateContainerInstancesState" => container_instances::update_state(ecs, scope, body),
        "DiscoverPollEndpoint" => container_instances::discover_poll_endpoint(ecs, scope, body),
        "PutAttributes" => attributes::put(ecs, scope, body),
        "ListAttributes" => attributes::list(ecs, scope, body),
        "DeleteAttributes" => attributes::delete(ecs, scope, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// Decodes the request body into an operation's input struct.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, EcsError> {
    serde_json::from_value(body)
        .map_err(|e| EcsError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or an InvalidParameterException naming it.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, EcsError> {
    value.ok_or_else(|| EcsError::missing(member))
}

/// Whether `include[]` asks for `what` (e.g. `TAGS`).
pub(crate) fn includes(include: &Option<Vec<String>>, what: &str) -> bool {
    include
        .as_ref()
        .is_some_and(|i| i.iter().any(|x| x == what))
}

/// One page of `items`: `nextToken` is an opaque offset, `maxResults`
/// defaults to 100 (1..=100).
pub(crate) fn paginate(
    items: Vec<String>,
    next_token: Option<&str>,
    max_results: Option<i64>,
) -> Result<(Vec<String>, Option<String>), EcsError> {
    let start = match next_token {
        None => 0,
        Some(t) => base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("emul-offset:").map(str::to_string))
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| EcsError::InvalidParameter("Invalid token".into()))?,
    };
    let max = match max_results {
        None => 100,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(_) => {
            return Err(EcsError::InvalidParameter(
                "maxResults must be between 1 and 100.".into(),
            ));
        }
    };
    let end = (start + max).min(items.len());
    let page = items.get(start..end).unwrap_or_default().to_vec();
    let token = (end < items.len())
        .then(|| base64::engine::general_purpose::STANDARD.encode(format!("emul-offset:{end}")));
    Ok((page, token))
}

/// The wire `Cluster` with the counters and the `include[]`d parts.
pub(crate) fn render_cluster(region: &Region, c: &Cluster, include: &Option<Vec<String>>) -> Value {
    let counts = region.cluster_counts(&c.name);
    let mut out = json!({
        "clusterArn": c.arn,
        "clusterName": c.name,
        "status": c.status,
        "registeredContainerInstancesCount": counts.container_instances,
        "runningTasksCount": counts.running_tasks,
        "pendingTasksCount": counts.pending_tasks,
        "activeServicesCount": counts.active_services,
        "statistics": [],
        "settings": [],
        "capacityProviders": c.capacity_providers,
        "defaultCapacityProviderStrategy": c.default_strategy,
    });
    if let Some(d) = &c.service_connect_defaults {
        out["serviceConnectDefaults"] = d.clone();
    }
    // Tags only when asked for, and (as ECS answers for clusters) only
    // when the cluster has some.
    let tags = region.tags_of(&c.arn);
    if includes(include, "TAGS") && !tags.is_empty() {
        out["tags"] = json!(tags);
    }
    if includes(include, "SETTINGS") {
        out["settings"] = c.settings.clone();
    }
    if includes(include, "CONFIGURATIONS")
        && let Some(conf) = &c.configuration
    {
        out["configuration"] = conf.clone();
    }
    out
}
