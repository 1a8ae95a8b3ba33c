//! Reads Docker's view of every launched task back into the model: each
//! container's running state, exit code and health; an essential container
//! that exited stops the task (`EssentialContainerExited`), which the
//! service reconcile then replaces.

use std::collections::HashMap;

use super::Inner;
use crate::runtime::docker::ContainerState;
use crate::services::ecs::model::TaskStatus;
use crate::services::ecs::service::now;

/// One pass over the launched tasks.
pub(super) async fn observe(inner: &Inner) {
    let live: Vec<(String, super::LiveTask)> = inner
        .live
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (task_id, task) in live {
        let mut states: HashMap<String, Option<ContainerState>> = HashMap::new();
        for (name, id) in &task.containers {
            match inner.deps.engine.container_state(id).await {
                Ok(s) => {
                    states.insert(name.clone(), s);
                }
                Err(e) => tracing::debug!(container = id, error = %e, "inspect failed"),
            }
        }
        inner.ecs.write_quiet(&task.scope, |region| {
            let Some(t) = region.tasks.get_mut(&task_id) else {
                return;
            };
            if t.last_status != TaskStatus::Running {
                return;
            }
            let mut essential_exit: Option<String> = None;
            for c in &mut t.containers {
                let Some(state) = states.get(&c.name) else {
                    continue;
                };
                match state {
                    // Removed behind emul's back (`docker rm -f`).
                    None => {
                        c.last_status = TaskStatus::Stopped;
                        c.reason.get_or_insert_with(|| "Container removed".into());
                    }
                    Some(s) if !s.running => {
                        c.last_status = TaskStatus::Stopped;
                        c.exit_code = s.exit_code;
                        if s.oom_killed {
                            c.reason = Some(
                                "OutOfMemoryError: Container killed due to memory usage".into(),
                            );
                        }
                    }
                    // Image HEALTHCHECKs are not monitored: only the task
                    // definition's `healthCheck` reports (aws-reference.md §2.4).
                    Some(_) if !c.has_health_check => c.health_status = "UNKNOWN".into(),
                    Some(s) => {
                        c.health_status = match s.health.as_deref() {
                            Some("healthy") => "HEALTHY",
                            Some("unhealthy") => "UNHEALTHY",
                            _ => "UNKNOWN",
                        }
                        .into();
                    }
                }
                if c.essential && c.last_status == TaskStatus::Stopped && essential_exit.is_none() {
                    essential_exit = Some(c.name.clone());
                }
            }
            t.recompute_health();
            if essential_exit.is_some() {
                t.request_stop(
                    "EssentialContainerExited",
                    "Essential container in task exited",
                    now(),
                );
            }
        });
    }
}
