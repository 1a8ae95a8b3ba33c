//! Service discovery as ECS and Cloud Map answer it: which addresses a
//! service's discovery name resolves to right now (pure).
//!
//! On AWS, ECS registers a task's ENI address with the service's Cloud Map
//! service once the task runs, reports its container health to Cloud Map
//! (custom health), and deregisters it when the task starts stopping; a
//! DNS query returns up to eight healthy instances (multivalue answer).
//! Here the model is the registry: a task is an instance while it is
//! RUNNING and meant to keep running, and healthy when its essential
//! containers' health checks say HEALTHY (a task without container health
//! checks is healthy as soon as it runs, as Cloud Map's custom health
//! starts HEALTHY).
//!
//! emul carries the name as `serviceRegistries[].emulName`
//! (`<service_discovery_name>.<namespace>` from the topology), because it
//! does not model Cloud Map's registries behind `registryArn`.

use std::net::Ipv4Addr;

use serde_json::Value;

use super::{Region, Service, Task, TaskStatus};

/// The most records one DNS answer carries (Cloud Map's multivalue answer).
pub const MAX_ANSWERS: usize = 8;

/// Whether `task` is a healthy, registered instance of its service.
pub fn is_discoverable(task: &Task) -> bool {
    if task.last_status != TaskStatus::Running || task.desired_status != TaskStatus::Running {
        return false;
    }
    let checked = task
        .containers
        .iter()
        .any(|c| c.essential && c.has_health_check);
    !checked || task.health_status == "HEALTHY"
}

/// The discovery names a service registers (lower-case, no trailing dot).
pub fn discovery_names(service: &Service) -> Vec<String> {
    service
        .service_registries
        .as_array()
        .map(|registries| {
            registries
                .iter()
                .filter_map(|r| r.get("emulName").and_then(Value::as_str))
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

impl Region {
    /// The healthy instances' addresses behind discovery name `name`
    /// (lower-case, no trailing dot), sorted; `None` when no ACTIVE or
    /// DRAINING service registers that name.
    pub fn discovery_addresses(&self, name: &str) -> Option<Vec<Ipv4Addr>> {
        let mut found = false;
        let mut out = Vec::new();
        for service in self.services.values() {
            if service.status == "INACTIVE" || !discovery_names(service).iter().any(|n| n == name) {
                continue;
            }
            found = true;
            out.extend(
                self.tasks
                    .values()
                    .filter(|t| {
                        t.cluster == service.cluster
                            && t.service.as_deref() == Some(service.name.as_str())
                            && is_discoverable(t)
                    })
                    .filter_map(|t| t.eni.as_ref().map(|e| e.ip)),
            );
        }
        out.sort();
        out.dedup();
        found.then_some(out)
    }
}
