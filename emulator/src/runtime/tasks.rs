//! The Docker side of one ECS task: its ENI (a pause container with a fixed
//! IP on the VPC network, DNS aliases for service discovery) and its
//! containers joining that namespace, started in `dependsOn` order; and the
//! reverse on stop. The ECS scheduler (`services::ecs::scheduler`) decides
//! *when*; this file only knows *how*, and nothing about the ECS model.
//!
//! Ordering (wiring.rs): the caller awaits `NetworkPolicy::eni_attached`
//! between [`start_eni`] and [`start_containers`], so no workload runs
//! before its security groups are enforced.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::docker::{Attach, ContainerCreate, Engine, EngineError};
use super::eni::PAUSE_IMAGE;
use super::naming;
use super::netns::NetNs;
use super::plan::Kind;

/// The `io.emul.config-hash` of every task object: reconcile leaves objects
/// carrying it alone (the ECS scheduler owns them, the plan does not list them).
pub const TASK_CONFIG_HASH: &str = "ecs-task";

/// One container of a task, as Docker will run it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskContainer {
    /// The container definition's name.
    pub name: String,
    /// The image reference.
    pub image: String,
    /// `entryPoint` override.
    pub entrypoint: Option<Vec<String>>,
    /// `command` override.
    pub command: Option<Vec<String>>,
    /// Environment, secrets already resolved, ECS variables included.
    pub env: Vec<(String, String)>,
    /// Docker HEALTHCHECK (test incl. `CMD`/`CMD-SHELL`, interval s, retries).
    pub health: Option<(Vec<String>, u32, u32)>,
    /// cpu units → NanoCpus (1024 units = 1 CPU).
    pub nano_cpus: Option<i64>,
    /// Hard memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// `user`.
    pub user: Option<String>,
    /// `dependsOn`: (container name, START|COMPLETE|SUCCESS|HEALTHY).
    pub depends_on: Vec<(String, String)>,
}

/// Everything needed to launch one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLaunch {
    /// The project (name prefix and `io.emul.project` label).
    pub project: String,
    /// Logical resource of the task, e.g. `ecs/prod/web/<task-id>`.
    pub resource: String,
    /// The Docker network of the VPC.
    pub network: String,
    /// The ENI's fixed address.
    pub ip: Ipv4Addr,
    /// DNS aliases on the VPC network (service discovery names).
    pub aliases: Vec<String>,
    /// Hostname inside the task (`ip-10-0-1-4.<region>.compute.internal` in AWS,
    /// shortened to its first label here).
    pub hostname: String,
    /// Extra labels on every object (ECS task ARN, family, tests' marker).
    pub labels: HashMap<String, String>,
    /// The containers.
    pub containers: Vec<TaskContainer>,
    /// How long to wait for `dependsOn` conditions.
    pub start_timeout: Duration,
}

/// Why a task could not be launched: the text becomes its stoppedReason.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// Docker refused something.
    #[error("CannotStartContainerError: {0}")]
    Engine(#[from] EngineError),
    /// A dependency condition was not met in time (or can no longer be).
    #[error(
        "DependencyError: container {container}: dependency {dependency} did not reach {condition}"
    )]
    Dependency {
        /// The waiting container.
        container: String,
        /// The dependency.
        dependency: String,
        /// The condition.
        condition: String,
    },
}

impl TaskLaunch {
    fn labels_for(&self, resource: &str, kind: Kind) -> HashMap<String, String> {
        let mut l = naming::labels(&self.project, resource, kind, TASK_CONFIG_HASH);
        l.extend(self.labels.clone());
        l
    }

    /// The Docker name of container `name` of this task.
    pub fn container_name(&self, name: &str) -> String {
        naming::object_name(&self.project, &format!("{}/{name}", self.resource))
    }
}

/// Creates and starts the pause container owning the task's ENI; returns its
/// id and namespace.
pub async fn start_eni(
    engine: &Engine,
    launch: &TaskLaunch,
) -> Result<(String, NetNs), EngineError> {
    let resource = format!("{}/eni", launch.resource);
    let spec = ContainerCreate {
        name: naming::object_name(&launch.project, &resource),
        image: PAUSE_IMAGE.to_string(),
        env: vec![],
        entrypoint: None,
        cmd: None,
        labels: launch.labels_for(&resource, Kind::Pause),
        attach: Attach::Endpoint {
            network: launch.network.clone(),
            ip: launch.ip.to_string(),
            aliases: launch.aliases.clone(),
        },
        user: None,
        hostname: Some(launch.hostname.clone()),
        volumes: vec![],
        health: None,
        nano_cpus: None,
        memory_bytes: None,
        log: ("json-file".into(), HashMap::new()),
    };
    let id = engine.create_container(&spec).await?;
    if let Err(e) = engine.start_container(&id, &spec.name).await {
        let _ = engine.remove_container(&id).await;
        return Err(e);
    }
    let ns = engine.container_netns(&id).await?;
    Ok((id, ns))
}

/// Creates and starts every container in `dependsOn` order. Returns
/// (name, Docker id) pairs in start order; on failure the containers made
/// so far are returned in the error path by the caller's cleanup (they all
/// carry the task's labels).
pub async fn start_containers(
    engine: &Engine,
    launch: &TaskLaunch,
    pause_id: &str,
) -> Result<Vec<(String, String)>, LaunchError> {
    let mut started: Vec<(String, String)> = Vec::new();
    let mut pending: Vec<&TaskContainer> = launch.containers.iter().collect();
    let deadline = Instant::now() + launch.start_timeout;
    while !pending.is_empty() {
        let mut progressed = false;
        let mut i = 0;
        while i < pending.len() {
            let c = pending[i];
            if dependencies_met(engine, c, &started).await? {
                let id = create_one(engine, launch, c, pause_id).await?;
                started.push((c.name.clone(), id));
                pending.remove(i);
                progressed = true;
            } else {
                i += 1;
            }
        }
        if !pending.is_empty() && !progressed {
            if Instant::now() > deadline {
                let c = pending[0];
                let (dependency, condition) = c.depends_on.first().cloned().unwrap_or_default();
                return Err(LaunchError::Dependency {
                    container: c.name.clone(),
                    dependency,
                    condition,
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(started)
}

async fn create_one(
    engine: &Engine,
    launch: &TaskLaunch,
    c: &TaskContainer,
    pause_id: &str,
) -> Result<String, EngineError> {
    let resource = format!("{}/{}", launch.resource, c.name);
    let spec = ContainerCreate {
        name: launch.container_name(&c.name),
        image: c.image.clone(),
        env: c.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        entrypoint: c.entrypoint.clone(),
        cmd: c.command.clone(),
        labels: launch.labels_for(&resource, Kind::Task),
        attach: Attach::JoinNamespace {
            container_id: pause_id.to_string(),
        },
        user: c.user.clone(),
        hostname: None,
        volumes: vec![],
        health: c.health.clone(),
        nano_cpus: c.nano_cpus,
        memory_bytes: c.memory_bytes,
        log: ("json-file".into(), HashMap::new()),
    };
    let id = engine.create_container(&spec).await?;
    engine.start_container(&id, &spec.name).await?;
    Ok(id)
}

/// Whether every `dependsOn` condition of `c` holds now.
async fn dependencies_met(
    engine: &Engine,
    c: &TaskContainer,
    started: &[(String, String)],
) -> Result<bool, LaunchError> {
    for (dep, condition) in &c.depends_on {
        let Some((_, id)) = started.iter().find(|(n, _)| n == dep) else {
            return Ok(false);
        };
        let Some(state) = engine.container_state(id).await? else {
            return Ok(false);
        };
        let met = match condition.as_str() {
            "START" => true,
            "COMPLETE" => !state.running,
            "SUCCESS" => {
                if !state.running && state.exit_code != Some(0) {
                    return Err(LaunchError::Dependency {
                        container: c.name.clone(),
                        dependency: dep.clone(),
                        condition: condition.clone(),
                    });
                }
                !state.running
            }
            "HEALTHY" => state.health.as_deref() == Some("healthy"),
            _ => true,
        };
        if !met {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Stops containers in reverse start order (SIGTERM, SIGKILL after
/// `stop_timeout`), then removes them and the pause container.
pub async fn stop_task(
    engine: &Engine,
    containers: &[(String, String)],
    pause_id: Option<&str>,
    stop_timeout: Duration,
) -> Result<(), EngineError> {
    for (_, id) in containers.iter().rev() {
        engine.stop_container(id, stop_timeout).await?;
    }
    for (_, id) in containers.iter().rev() {
        engine.remove_container(id).await?;
    }
    if let Some(p) = pause_id {
        engine.remove_container(p).await?;
    }
    Ok(())
}
