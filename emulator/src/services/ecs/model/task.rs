//! Tasks: creation from a task definition, the lifecycle state machine
//! (PROVISIONING → … → STOPPED, aws-reference.md §2.7), stop codes and the
//! wire rendering.

use serde_json::{Value, json};

use super::{Region, Secs, TaskDefinition, arns};
use crate::services::ecs::errors::EcsError;

/// `lastStatus` of a task or container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskStatus {
    /// Resources (the ENI) are being provisioned.
    Provisioning,
    /// Waiting to start (image, dependencies).
    Pending,
    /// Post-launch steps (target registration).
    Activating,
    /// Running.
    Running,
    /// Pre-stop steps (target deregistration, draining).
    Deactivating,
    /// Containers are being stopped.
    Stopping,
    /// The ENI is being released.
    Deprovisioning,
    /// Stopped.
    Stopped,
}

impl TaskStatus {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Activating => "ACTIVATING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }

    /// Before RUNNING (counted as `pendingCount`).
    pub fn is_pending(self) -> bool {
        self < TaskStatus::Running
    }
}

/// One container of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Its ARN.
    pub arn: String,
    /// The container definition's name.
    pub name: String,
    /// The image.
    pub image: String,
    /// Its own lastStatus (PENDING, RUNNING, STOPPED).
    pub last_status: TaskStatus,
    /// The exit code once stopped.
    pub exit_code: Option<i64>,
    /// Why it stopped (e.g. `OutOfMemoryError: …`), from the runtime.
    pub reason: Option<String>,
    /// HEALTHY / UNHEALTHY / UNKNOWN.
    pub health_status: String,
    /// The Docker container id once created.
    pub runtime_id: Option<String>,
    /// Whether the task stops when it stops.
    pub essential: bool,
    /// Whether the definition declares a health check.
    pub has_health_check: bool,
    /// `cpu` units as a string on the wire.
    pub cpu: Option<String>,
    /// Hard memory limit (MiB) as a string on the wire.
    pub memory: Option<String>,
}

/// The ENI attachment of an awsvpc task.
#[derive(Debug, Clone, PartialEq)]
pub struct EniAttachment {
    /// The attachment id (a UUID).
    pub id: String,
    /// The ENI's private address.
    pub ip: std::net::Ipv4Addr,
    /// The subnet's `subnet-…` id, as the EC2 API shows it.
    pub subnet: String,
    /// The `eni-…` id.
    pub eni_id: String,
    /// A locally administered MAC for the details list.
    pub mac: String,
}

/// One task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The 32-hex id.
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// The cluster name.
    pub cluster: String,
    /// The task definition ARN it runs.
    pub task_definition_arn: String,
    /// `service:<name>` or `family:<family>` (or RunTask's `group`).
    pub group: String,
    /// The deployment id for service tasks, RunTask's `startedBy` otherwise.
    pub started_by: Option<String>,
    /// The service that owns it.
    pub service: Option<String>,
    /// Where it is in its lifecycle.
    pub last_status: TaskStatus,
    /// RUNNING, or STOPPED once a stop was asked for.
    pub desired_status: TaskStatus,
    /// Task health (HEALTHY iff every essential container is).
    pub health_status: String,
    /// The containers.
    pub containers: Vec<Container>,
    /// The launch type (FARGATE / EC2).
    pub launch_type: String,
    /// The capacity provider it was placed through (absent: by launch type).
    pub capacity_provider: Option<String>,
    /// Task-level cpu units (string).
    pub cpu: Option<String>,
    /// Task-level memory MiB (string).
    pub memory: Option<String>,
    /// RunTask `overrides`, echoed.
    pub overrides: Value,
    /// The ENI, once provisioned.
    pub eni: Option<EniAttachment>,
    /// `networkConfiguration` the task launches with (subnets, groups).
    pub network_configuration: Option<Value>,
    /// Entered PENDING.
    pub created_at: Secs,
    /// Entered RUNNING.
    pub started_at: Option<Secs>,
    /// Stop asked for.
    pub stopping_at: Option<Secs>,
    /// Entered STOPPED.
    pub stopped_at: Option<Secs>,
    /// Why it stopped (stop code).
    pub stop_code: Option<String>,
    /// Why it stopped (text).
    pub stopped_reason: Option<String>,
    /// Incremented on every state change.
    pub version: u64,
    /// The container instance it was placed on (EC2 launch type).
    pub placement: Option<super::container_instance::Placement>,
}

impl Task {
    /// Asks the task to stop. Returns `false` if it already was asked.
    pub fn request_stop(&mut self, code: &str, reason: &str, now: Secs) -> bool {
        if self.desired_status == TaskStatus::Stopped {
            return false;
        }
        self.desired_status = TaskStatus::Stopped;
        self.stop_code = Some(code.into());
        self.stopped_reason = Some(reason.into());
        self.stopping_at = Some(now);
        self.version += 1;
        true
    }

    /// Moves `lastStatus` forward (never back) and stamps the times.
    pub fn advance(&mut self, to: TaskStatus, now: Secs) {
        if to <= self.last_status {
            return;
        }
        self.last_status = to;
        self.version += 1;
        if to == TaskStatus::Running {
            self.started_at.get_or_insert(now);
        }
        if to >= TaskStatus::Stopping {
            self.stopping_at.get_or_insert(now);
        }
        if to == TaskStatus::Stopped {
            self.stopped_at = Some(now);
            for c in &mut self.containers {
                c.last_status = TaskStatus::Stopped;
            }
        }
    }

    /// Recomputes the task's health from its essential containers.
    pub fn recompute_health(&mut self) {
        let essential: Vec<&Container> = self
            .containers
            .iter()
            .filter(|c| c.essential && c.has_health_check)
            .collect();
        self.health_status = if essential.is_empty() {
            "UNKNOWN"
        } else if essential.iter().any(|c| c.health_status == "UNHEALTHY") {
            "UNHEALTHY"
        } else if essential.iter().all(|c| c.health_status == "HEALTHY") {
            "HEALTHY"
        } else {
            "UNKNOWN"
        }
        .into();
    }

    /// The wire form (`Task` shape).
    pub fn render(&self, scope_region: &str) -> Value {
        let containers: Vec<Value> = self
            .containers
            .iter()
            .map(|c| {
                let mut o = json!({
                    "containerArn": c.arn,
                    "taskArn": self.arn,
                    "name": c.name,
                    "image": c.image,
                    "lastStatus": c.last_status.as_str(),
                    "healthStatus": c.health_status,
                    "networkBindings": [],
                    "networkInterfaces": self.eni.iter().map(|e| json!({
                        "attachmentId": e.id, "privateIpv4Address": e.ip.to_string()
                    })).collect::<Vec<_>>(),
                });
                let m = o.as_object_mut().expect("object");
                if let Some(code) = c.exit_code {
                    m.insert("exitCode".into(), json!(code));
                }
                if let Some(r) = &c.reason {
                    m.insert("reason".into(), json!(r));
                }
                if let Some(id) = &c.runtime_id {
                    m.insert("runtimeId".into(), json!(id));
                }
                if let Some(cpu) = &c.cpu {
                    m.insert("cpu".into(), json!(cpu));
                }
                if let Some(mem) = &c.memory {
                    m.insert("memory".into(), json!(mem));
                }
                o
            })
            .collect();
        let attachments: Vec<Value> = self
            .eni
            .iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "type": "ElasticNetworkInterface",
                    "status": if self.last_status == TaskStatus::Stopped { "DELETED" } else { "ATTACHED" },
                    "details": [
                        {"name": "subnetId", "value": e.subnet},
                        {"name": "networkInterfaceId", "value": e.eni_id},
                        {"name": "macAddress", "value": e.mac},
                        {"name": "privateDnsName", "value": crate::services::ec2::model::private_dns_name(scope_region, e.ip)},
                        {"name": "privateIPv4Address", "value": e.ip.to_string()},
                    ]
                })
            })
            .collect();
        let mut out = json!({
            "taskArn": self.arn,
            "clusterArn": self.arn.replace(&format!("task/{}/{}", self.cluster, self.id), &format!("cluster/{}", self.cluster)),
            "taskDefinitionArn": self.task_definition_arn,
            "group": self.group,
            "lastStatus": self.last_status.as_str(),
            "desiredStatus": self.desired_status.as_str(),
            "healthStatus": self.health_status,
            "launchType": self.launch_type,
            "containers": containers,
            "attachments": attachments,
            "overrides": self.overrides,
            "createdAt": self.created_at,
            "version": self.version,
            "connectivity": "CONNECTED",
            "availabilityZone": format!("{scope_region}a"),
            "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
            "enableExecuteCommand": false,
        });
        let m = out.as_object_mut().expect("object");
        if self.launch_type == "FARGATE" {
            m.insert("platformVersion".into(), json!("1.4.0"));
            m.insert("platformFamily".into(), json!("Linux"));
            m.insert("capacityProviderName".into(), json!("FARGATE"));
            m.insert("ephemeralStorage".into(), json!({"sizeInGiB": 20}));
        }
        if let Some(p) = &self.capacity_provider {
            // Placed by a strategy: AWS names the provider, no launch type.
            m.insert("capacityProviderName".into(), json!(p));
            m.remove("launchType");
        }
        let optional = [
            ("startedBy", self.started_by.as_ref().map(|s| json!(s))),
            ("cpu", self.cpu.as_ref().map(|s| json!(s))),
            ("memory", self.memory.as_ref().map(|s| json!(s))),
            ("startedAt", self.started_at.map(|s| json!(s))),
            ("stoppingAt", self.stopping_at.map(|s| json!(s))),
            ("stoppedAt", self.stopped_at.map(|s| json!(s))),
            ("executionStoppedAt", self.stopped_at.map(|s| json!(s))),
            ("stopCode", self.stop_code.as_ref().map(|s| json!(s))),
            (
                "containerInstanceArn",
                self.placement
                    .as_ref()
                    .map(|p| json!(p.container_instance_arn)),
            ),
            (
                "availabilityZone",
                self.placement
                    .as_ref()
                    .and_then(|p| p.availability_zone.as_ref().map(|z| json!(z))),
            ),
            (
                "stoppedReason",
                self.stopped_reason.as_ref().map(|s| json!(s)),
            ),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        out
    }
}

/// What the creator of a task says about it.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// The cluster name.
    pub cluster: String,
    /// `group` (defaults to `family:<family>`).
    pub group: Option<String>,
    /// `startedBy` / the deployment id.
    pub started_by: Option<String>,
    /// The owning service.
    pub service: Option<String>,
    /// The launch type (default FARGATE for awsvpc definitions, else EC2).
    pub launch_type: Option<String>,
    /// The capacity provider that placed it.
    pub capacity_provider: Option<String>,
    /// RunTask `overrides` (echoed; container overrides applied by the launcher).
    pub overrides: Option<Value>,
    /// The network configuration (the service's, or RunTask's).
    pub network_configuration: Option<Value>,
    /// The container instance it goes to (EC2 launch type).
    pub placement: Option<super::container_instance::Placement>,
}

impl Region {
    /// Creates a task of `td` in PROVISIONING with desiredStatus RUNNING.
    /// Returns its id.
    pub fn create_task(&mut self, td: &TaskDefinition, new: NewTask, now: Secs) -> String {
        let id = arns::new_task_id();
        let arn = arns::task(&self.scope, &new.cluster, &id);
        let containers = td
            .containers()
            .iter()
            .map(|c| Container {
                arn: arns::container(
                    &self.scope,
                    &new.cluster,
                    &id,
                    &uuid::Uuid::new_v4().to_string(),
                ),
                name: c["name"].as_str().unwrap_or_default().into(),
                image: c["image"].as_str().unwrap_or_default().into(),
                last_status: TaskStatus::Pending,
                exit_code: None,
                reason: None,
                health_status: "UNKNOWN".into(),
                runtime_id: None,
                essential: c["essential"].as_bool().unwrap_or(true),
                has_health_check: c.get("healthCheck").is_some(),
                // AWS: "The value is 0 if no value was specified in the container definition".
                cpu: Some(
                    c.get("cpu")
                        .map_or_else(|| "0".to_string(), |v| v.to_string()),
                ),
                memory: c.get("memory").map(|v| v.to_string()),
            })
            .collect();
        let launch_type = new.launch_type.unwrap_or_else(|| {
            if td.network_mode() == "awsvpc" {
                "FARGATE".into()
            } else {
                "EC2".into()
            }
        });
        let task = Task {
            id: id.clone(),
            arn,
            cluster: new.cluster,
            task_definition_arn: td.arn.clone(),
            group: new.group.unwrap_or_else(|| format!("family:{}", td.family)),
            started_by: new.started_by,
            service: new.service,
            last_status: TaskStatus::Provisioning,
            desired_status: TaskStatus::Running,
            health_status: "UNKNOWN".into(),
            containers,
            launch_type,
            capacity_provider: new.capacity_provider,
            cpu: td.body.get("cpu").and_then(Value::as_str).map(String::from),
            memory: td
                .body
                .get("memory")
                .and_then(Value::as_str)
                .map(String::from),
            overrides: new.overrides.unwrap_or_else(
                || json!({"containerOverrides": [], "inferenceAcceleratorOverrides": []}),
            ),
            eni: None,
            network_configuration: new.network_configuration,
            created_at: now,
            started_at: None,
            stopping_at: None,
            stopped_at: None,
            stop_code: None,
            stopped_reason: None,
            version: 1,
            placement: new.placement,
        };
        self.tasks.insert(id.clone(), task);
        id
    }

    /// The task named by `param` (id or ARN) in cluster `cluster`.
    pub fn task_in(&self, cluster: &str, param: &str) -> Option<&Task> {
        self.tasks
            .get(&arns::task_id(param))
            .filter(|t| t.cluster == cluster)
    }

    /// StopTask: desiredStatus STOPPED, `UserInitiated`. Without a runtime
    /// behind the model ([`Region::settle_without_runtime`]) nothing runs,
    /// so the caller may complete the stop at once.
    pub fn stop_task(
        &mut self,
        cluster: &str,
        param: &str,
        reason: Option<&str>,
        now: Secs,
    ) -> Result<String, EcsError> {
        let id = arns::task_id(param);
        let task = self
            .tasks
            .get_mut(&id)
            .filter(|t| t.cluster == cluster)
            .ok_or(EcsError::TaskNotFound)?;
        task.request_stop(
            "UserInitiated",
            reason
                .filter(|r| !r.is_empty())
                .unwrap_or("Task stopped by user"),
            now,
        );
        Ok(id)
    }
}
