//! The Docker side of one ECS task: its ENI (an agent container with a fixed
//! IP on the VPC network, the VPC resolver as its DNS server) and its
//! containers joining that namespace, started in `dependsOn` order; and the
//! reverse on stop. The ECS scheduler (`services::ecs::scheduler`) decides
//! *when*; this file only knows *how*, and nothing about the ECS model.
//!
//! Ordering (wiring.rs): the caller awaits `NetworkPolicy::eni_attached`
//! between [`start_eni`] and [`start_containers`], so no workload runs
//! before its security groups are enforced.
//!
//! Every container started gets a [`LogPump`] copying its output into the
//! task's log directory from its first line (`runtime::task_logs`), and
//! every object of the task may sit under the task's cgroup
//! ([`TaskLaunch::cgroup_parent`], `runtime::task_cgroup`).

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::docker::{Attach, ContainerCreate, Engine, EngineError, Healthcheck, Limits};
use super::eni::{PAUSE_IMAGE, log_parts};
use super::naming;
use super::plan::{Kind, LogConfig};
use super::task_logs::{LogForward, LogPump, TaskLogDir};

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
    /// Docker HEALTHCHECK from the task definition's `healthCheck`.
    pub health: Option<Healthcheck>,
    /// The container's own CPU / memory limits (the task's cgroup parent is
    /// added from [`TaskLaunch::cgroup_parent`]).
    pub limits: Limits,
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
    /// The VPC's services ([`super::vpc_services`]): the task's DNS server
    /// is the VPC resolver (`dataplane::dns`, which answers
    /// service-discovery names with the healthy tasks) and its agent DNATs
    /// the metadata endpoint and the resolver to emul. `None` leaves
    /// Docker's default resolver and no metadata endpoint.
    pub vpc: Option<super::vpc_services::VpcServices>,
    /// Hostname inside the task (`ip-10-0-1-4.<region>.compute.internal` in AWS,
    /// shortened to its first label here).
    pub hostname: String,
    /// Extra labels on every object (ECS task ARN, family, tests' marker).
    pub labels: HashMap<String, String>,
    /// The containers.
    pub containers: Vec<TaskContainer>,
    /// How long to wait for `dependsOn` conditions.
    pub start_timeout: Duration,
    /// The task's cgroup, which bounds all its containers together.
    pub cgroup_parent: Option<String>,
    /// Where the containers' output is kept (`None`: nowhere but Docker's
    /// own log, which goes with the container).
    pub log_dir: Option<TaskLogDir>,
    /// Containers (by name) whose output also goes to CloudWatch Logs
    /// (the `awslogs` driver), copied by the same pump as the file.
    pub log_forward: HashMap<String, LogForward>,
}

/// The containers started so far, filled in as they start so a launch that
/// fails half-way still lets the caller remove (and keep the logs of) the
/// ones that did start.
#[derive(Debug, Clone, Default)]
pub struct Started {
    /// (container name, Docker id), in start order.
    pub containers: Vec<(String, String)>,
    /// The log copies of those containers.
    pub log_pumps: Vec<LogPump>,
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

/// Creates and starts the agent container owning the task's ENI (NET_ADMIN,
/// the project token in its environment); returns its id.
pub async fn start_eni(engine: &Engine, launch: &TaskLaunch) -> Result<String, EngineError> {
    let resource = format!("{}/eni", launch.resource);
    let spec = ContainerCreate {
        name: naming::object_name(&launch.project, &resource),
        image: PAUSE_IMAGE.to_string(),
        env: {
            let mut env =
                super::agent::agent_env(&super::agent::project_token(&launch.project), launch.ip);
            if let Some(vpc) = &launch.vpc {
                env.push(format!(
                    "{}={}",
                    super::vpc_services::NAT_ENV,
                    vpc.nat_spec()
                ));
            }
            env
        },
        entrypoint: None,
        cmd: None,
        labels: launch.labels_for(&resource, Kind::Pause),
        attach: Attach::Endpoint {
            network: launch.network.clone(),
            ip: launch.ip.to_string(),
            aliases: vec![],
            dns: launch.vpc.iter().map(|v| v.resolver.to_string()).collect(),
        },
        user: None,
        hostname: Some(launch.hostname.clone()),
        volumes: vec![],
        health: None,
        limits: Limits {
            cgroup_parent: launch.cgroup_parent.clone(),
            ..Limits::default()
        },
        log: log_parts(&LogConfig::default()),
        cap_add: vec![super::agent::AGENT_CAPABILITY.to_string()],
    };
    let id = engine.create_container(&spec).await?;
    if let Err(e) = engine.start_container(&id, &spec.name).await {
        let _ = engine.remove_container(&id).await;
        return Err(e);
    }
    Ok(id)
}

/// Creates and starts every container in `dependsOn` order, recording
/// each in `started` as soon as it runs (so a failure leaves the caller
/// everything to clean up).
pub async fn start_containers(
    engine: &Engine,
    launch: &TaskLaunch,
    pause_id: &str,
    started: &mut Started,
) -> Result<(), LaunchError> {
    let mut pending: Vec<&TaskContainer> = launch.containers.iter().collect();
    let deadline = Instant::now() + launch.start_timeout;
    while !pending.is_empty() {
        let mut progressed = false;
        let mut i = 0;
        while i < pending.len() {
            let c = pending[i];
            if dependencies_met(engine, c, &started.containers).await? {
                let id = create_one(engine, launch, c, pause_id).await?;
                let file = launch.log_dir.as_ref().map(|d| d.container_file(&c.name));
                let forward = launch.log_forward.get(&c.name).cloned();
                if file.is_some() || forward.is_some() {
                    started
                        .log_pumps
                        .push(LogPump::spawn(engine, &id, file, forward));
                }
                started.containers.push((c.name.clone(), id));
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
    Ok(())
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
        limits: Limits {
            cgroup_parent: launch.cgroup_parent.clone(),
            ..c.limits.clone()
        },
        log: log_parts(&LogConfig::default()),
        cap_add: vec![],
    };
    let id = engine.create_container(&spec).await?;
    if let Err(e) = engine.start_container(&id, &spec.name).await {
        // Never ran: nothing to keep, and the caller does not know its id.
        let _ = engine.remove_container(&id).await;
        return Err(e);
    }
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

/// A task whose objects [`remove_leftovers`] removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leftover {
    /// Its cluster (`com.amazonaws.ecs.cluster`).
    pub cluster: String,
    /// Its ARN (`com.amazonaws.ecs.task-arn`).
    pub task_arn: String,
}

/// Removes every task object of `project`: what a daemon that died without
/// stopping its tasks left behind (the ECS model lived in its memory, so
/// nothing can adopt them). Workloads go before the pause containers whose
/// namespace they use. Returns the tasks they belonged to.
pub async fn remove_leftovers(
    engine: &Engine,
    project: &str,
) -> Result<Vec<Leftover>, EngineError> {
    let mut objects: Vec<_> = engine
        .project_containers(project)
        .await?
        .into_iter()
        .filter(|o| o.config_hash() == Some(TASK_CONFIG_HASH))
        .collect();
    objects.sort_by_key(|o| {
        o.labels.get(naming::LABEL_KIND).map(String::as_str) == Some(Kind::Pause.as_str())
    });
    let mut tasks = std::collections::BTreeSet::new();
    for o in &objects {
        engine.remove_container(&o.id).await?;
        if let (Some(cluster), Some(task_arn)) = (
            o.labels.get("com.amazonaws.ecs.cluster"),
            o.labels.get("com.amazonaws.ecs.task-arn"),
        ) {
            tasks.insert(Leftover {
                cluster: cluster.clone(),
                task_arn: task_arn.clone(),
            });
        }
    }
    Ok(tasks.into_iter().collect())
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
