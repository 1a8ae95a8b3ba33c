//! Clusters: create (idempotent), delete (refused while services or tasks
//! are active), and the counters DescribeClusters reports.

use super::{Region, Secs, Tag, arns};
use crate::services::ecs::errors::EcsError;

/// One cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Its name (`default` when CreateCluster names none).
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `ACTIVE`, or `INACTIVE` once deleted (still describable).
    pub status: String,
    /// `settings[]` as given (e.g. containerInsights), echoed on describe.
    pub settings: serde_json::Value,
    /// `configuration` as given, echoed on describe with CONFIGURATIONS.
    pub configuration: Option<serde_json::Value>,
    /// When it was created (not on the wire; orders listings).
    pub created_at: Secs,
    /// Associated capacity provider names (PutClusterCapacityProviders).
    pub capacity_providers: Vec<String>,
    /// The default capacity provider strategy (wire items, defaults filled).
    pub default_strategy: Vec<serde_json::Value>,
    /// `serviceConnectDefaults` as given.
    pub service_connect_defaults: Option<serde_json::Value>,
}

/// Counters derived from the services and tasks in one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClusterCounts {
    /// Tasks whose lastStatus is RUNNING.
    pub running_tasks: u32,
    /// Tasks before RUNNING (PROVISIONING/PENDING/ACTIVATING).
    pub pending_tasks: u32,
    /// Services with status ACTIVE.
    pub active_services: u32,
    /// Container instances ACTIVE or DRAINING.
    pub container_instances: u32,
}

/// Cluster names: up to 255 letters, digits, `_` and `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Region {
    /// CreateCluster: returns the existing ACTIVE cluster unchanged.
    pub fn create_cluster(
        &mut self,
        name: Option<String>,
        tags: Vec<Tag>,
        settings: serde_json::Value,
        configuration: Option<serde_json::Value>,
        now: Secs,
    ) -> Result<String, EcsError> {
        let name = name.unwrap_or_else(|| "default".into());
        if !valid_name(&name) {
            return Err(EcsError::InvalidParameter(
                "Cluster name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.".into(),
            ));
        }
        if self
            .clusters
            .get(&name)
            .is_some_and(|c| c.status == "ACTIVE")
        {
            return Ok(name);
        }
        let arn = arns::cluster(&self.scope, &name);
        self.tags.remove(&arn);
        self.merge_tags(&arn, tags);
        self.clusters.insert(
            name.clone(),
            Cluster {
                name: name.clone(),
                arn,
                status: "ACTIVE".into(),
                settings,
                configuration,
                created_at: now,
                capacity_providers: Vec::new(),
                default_strategy: Vec::new(),
                service_connect_defaults: None,
            },
        );
        Ok(name)
    }

    /// DeleteCluster: INACTIVE, refused while services or tasks are active.
    pub fn delete_cluster(&mut self, param: &str) -> Result<String, EcsError> {
        let name = self.active_cluster(Some(param))?.name.clone();
        if self
            .services
            .values()
            .any(|s| s.cluster == name && s.status != "INACTIVE")
        {
            return Err(EcsError::ClusterContainsServices);
        }
        if self
            .tasks
            .values()
            .any(|t| t.cluster == name && t.last_status != super::TaskStatus::Stopped)
        {
            return Err(EcsError::ClusterContainsTasks);
        }
        if self.container_instances_of(&name).next().is_some() {
            return Err(EcsError::ClusterContainsContainerInstances);
        }
        let cluster = self.clusters.get_mut(&name).expect("checked above");
        cluster.status = "INACTIVE".into();
        Ok(name)
    }

    /// The counters of cluster `name`.
    pub fn cluster_counts(&self, name: &str) -> ClusterCounts {
        let mut counts = ClusterCounts::default();
        for task in self.tasks.values().filter(|t| t.cluster == name) {
            if task.last_status == super::TaskStatus::Running {
                counts.running_tasks += 1;
            } else if task.last_status.is_pending() {
                counts.pending_tasks += 1;
            }
        }
        counts.active_services = self
            .services
            .values()
            .filter(|s| s.cluster == name && s.status == "ACTIVE")
            .count() as u32;
        counts.container_instances = self.container_instances_of(name).count() as u32;
        counts
    }
}
