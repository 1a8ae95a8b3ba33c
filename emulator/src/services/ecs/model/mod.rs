//! The pure ECS model: clusters, task definitions, services with their
//! deployments and events, tasks with their lifecycle, and tags, for one
//! account and region. No I/O, no async, no clocks: callers pass `now`.
//!
//! | file | what it owns |
//! |---|---|
//! | [`arns`] | ARNs and ids, and reading names back out of ARNs |
//! | [`awsvpc`] | a task's or service's `awsvpcConfiguration`, checked as AWS checks it |
//! | [`cluster`] | clusters and their counters |
//! | [`task_definition`] | registration, ECS defaults, revisions, references |
//! | [`service`] | services, deployments (PRIMARY/ACTIVE, rolloutState), events |
//! | [`task`] | tasks, the lifecycle state machine, stop codes |
//! | [`deployment`] | rolling-update arithmetic (min healthy / max percent, circuit breaker) |
//! | [`discovery`] | which healthy tasks a service-discovery name resolves to |
//! | [`account_settings`] | account settings (recorded and listed) |
//! | [`capacity_provider`] | capacity providers and strategies |
//! | [`task_set`] | task sets of EXTERNAL-controller services |
//! | [`container_instance`] | container instances (EC2 launch type): resources, attributes, state |
//! | [`placement`] | placing tasks on container instances: reservations, constraints, strategies |

pub mod account_settings;
pub mod arns;
pub mod awsvpc;
pub mod capacity_provider;
pub mod cluster;
pub mod container_instance;
pub mod deployment;
pub mod discovery;
pub mod placement;
pub mod service;
pub mod task;
pub mod task_definition;
pub mod task_set;

#[cfg(test)]
mod capacity_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use cluster::Cluster;
pub use service::{Deployment, Service, ServiceEvent};
pub use task::{Container, Task, TaskStatus};
pub use task_definition::TaskDefinition;

use super::errors::EcsError;

/// Seconds since the epoch, fractional, as ECS puts them on the wire.
pub type Secs = f64;

/// The account and region a piece of state belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    /// The account id.
    pub account: String,
    /// The region name.
    pub region: String,
}

#[cfg(test)]
impl Scope {
    /// The account and region of the unit tests (AWS's documentation
    /// account).
    pub fn test() -> Scope {
        Scope {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }
}

/// An ECS tag (lowercase `key`/`value` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    #[serde(default)]
    pub value: String,
}

/// Everything ECS holds for one account and region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Which account/region this is (for ARNs).
    pub scope: Scope,
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// Task definition revisions by family, index = revision - 1.
    pub task_definitions: BTreeMap<String, Vec<TaskDefinition>>,
    /// Services by (cluster name, service name); INACTIVE ones stay
    /// describable until the name is reused.
    pub services: BTreeMap<(String, String), Service>,
    /// Tasks by id, stopped ones included (describable after they stop).
    pub tasks: BTreeMap<String, Task>,
    /// Tags by resource ARN (clusters, services, tasks, task definitions).
    pub tags: BTreeMap<String, Vec<Tag>>,
    /// Account settings (PutAccountSetting).
    pub account_settings: account_settings::AccountSettings,
    /// Created (Auto Scaling group) capacity providers by name.
    pub capacity_providers: BTreeMap<String, capacity_provider::CapacityProvider>,
    /// Task sets by (cluster name, service name), in creation order.
    pub task_sets: BTreeMap<(String, String), Vec<task_set::TaskSet>>,
    /// Container instances by id, deregistered (INACTIVE) ones included.
    pub container_instances: BTreeMap<String, container_instance::ContainerInstance>,
}

impl Region {
    /// An empty region.
    pub fn new(scope: Scope) -> Self {
        Region {
            scope,
            clusters: BTreeMap::new(),
            task_definitions: BTreeMap::new(),
            services: BTreeMap::new(),
            tasks: BTreeMap::new(),
            tags: BTreeMap::new(),
            account_settings: Default::default(),
            capacity_providers: BTreeMap::new(),
            task_sets: BTreeMap::new(),
            container_instances: BTreeMap::new(),
        }
    }

    /// The ACTIVE cluster named by `param` (name or ARN; `None` = `default`).
    pub fn active_cluster(&self, param: Option<&str>) -> Result<&Cluster, EcsError> {
        let name = arns::cluster_name(param.unwrap_or("default"));
        self.clusters
            .get(&name)
            .filter(|c| c.status == "ACTIVE")
            .ok_or(EcsError::ClusterNotFound)
    }

    /// Replaces (or removes, when `tags` ends empty) the tags of `arn`.
    pub fn merge_tags(&mut self, arn: &str, new: Vec<Tag>) {
        let entry = self.tags.entry(arn.to_string()).or_default();
        for tag in new {
            match entry.iter_mut().find(|t| t.key == tag.key) {
                Some(existing) => existing.value = tag.value,
                None => entry.push(tag),
            }
        }
        if entry.is_empty() {
            self.tags.remove(arn);
        }
    }

    /// Removes `keys` from the tags of `arn`.
    pub fn remove_tags(&mut self, arn: &str, keys: &[String]) {
        if let Some(entry) = self.tags.get_mut(arn) {
            entry.retain(|t| !keys.contains(&t.key));
            if entry.is_empty() {
                self.tags.remove(arn);
            }
        }
    }

    /// The tags of `arn` (empty when it has none).
    pub fn tags_of(&self, arn: &str) -> Vec<Tag> {
        self.tags.get(arn).cloned().unwrap_or_default()
    }

    /// Whether `arn` names an existing cluster, service, task, task
    /// definition or container instance of this region (for the tag
    /// operations).
    pub fn resource_exists(&self, arn: &str) -> bool {
        let Some(resource) = arns::resource(arn) else {
            return false;
        };
        if let Some(name) = resource.strip_prefix("cluster/") {
            return self.clusters.get(name).is_some_and(|c| c.arn == arn);
        }
        if resource.starts_with("service/") {
            return self.services.values().any(|s| s.arn == arn);
        }
        if resource.starts_with("task/") {
            return self.tasks.values().any(|t| t.arn == arn);
        }
        if let Some(name) = resource.strip_prefix("capacity-provider/") {
            return self.capacity_providers.contains_key(name);
        }
        if resource.starts_with("task-set/") {
            return self.task_sets.values().flatten().any(|t| t.arn == arn);
        }
        if let Some(rest) = resource.strip_prefix("task-definition/") {
            return self.task_definition(rest).is_ok();
        }
        if resource.starts_with("container-instance/") {
            return self.container_instances.values().any(|ci| ci.arn == arn);
        }
        false
    }
}
