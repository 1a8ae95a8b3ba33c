//! Services: create/update/delete, deployments (PRIMARY/ACTIVE, rolloutState),
//! the events list (newest first, at most 100) and the wire rendering.

use serde_json::{Value, json};

use super::{Region, Secs, Tag, TaskStatus, arns};
use crate::services::ecs::errors::EcsError;

/// How many events a service keeps (DescribeServices shows the latest 100).
pub const MAX_EVENTS: usize = 100;

/// One service event.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEvent {
    /// A UUID.
    pub id: String,
    /// When.
    pub created_at: Secs,
    /// ECS's text, e.g. `(service web) has reached a steady state.`
    pub message: String,
}

/// One deployment of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// `ecs-svc/<19 digits>`; also the `startedBy` of its tasks.
    pub id: String,
    /// `PRIMARY` (newest) or `ACTIVE` (older, still draining).
    pub status: String,
    /// The task definition ARN.
    pub task_definition: String,
    /// The desired count it works toward (the service's, for PRIMARY).
    pub desired_count: u32,
    /// Creation time.
    pub created_at: Secs,
    /// Last change.
    pub updated_at: Secs,
    /// IN_PROGRESS, COMPLETED or FAILED.
    pub rollout_state: String,
    /// Why it is in that state.
    pub rollout_state_reason: String,
    /// Consecutive failed tasks (circuit breaker input).
    pub failed_tasks: u32,
    /// The network configuration it launches with.
    pub network_configuration: Option<Value>,
    /// The launch type.
    pub launch_type: String,
    /// The capacity provider strategy (empty: placed by launch type).
    pub capacity_provider_strategy: Vec<Value>,
}

/// The deployment configuration in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentConfiguration {
    /// `minimumHealthyPercent` (default 100).
    pub minimum_healthy_percent: u32,
    /// `maximumPercent` (default 200).
    pub maximum_percent: u32,
    /// `deploymentCircuitBreaker.enable`.
    pub circuit_breaker: bool,
    /// `deploymentCircuitBreaker.rollback`.
    pub rollback: bool,
}

impl Default for DeploymentConfiguration {
    fn default() -> Self {
        DeploymentConfiguration {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker: false,
            rollback: false,
        }
    }
}

impl DeploymentConfiguration {
    /// Applies a wire `deploymentConfiguration` over `self`.
    pub fn apply(&mut self, v: &Value) {
        if let Some(n) = v.get("minimumHealthyPercent").and_then(Value::as_u64) {
            self.minimum_healthy_percent = n as u32;
        }
        if let Some(n) = v.get("maximumPercent").and_then(Value::as_u64) {
            self.maximum_percent = n as u32;
        }
        if let Some(cb) = v.get("deploymentCircuitBreaker") {
            self.circuit_breaker = cb.get("enable").and_then(Value::as_bool).unwrap_or(false);
            self.rollback = cb.get("rollback").and_then(Value::as_bool).unwrap_or(false);
        }
    }

    fn render(&self) -> Value {
        json!({
            "deploymentCircuitBreaker": {"enable": self.circuit_breaker, "rollback": self.rollback},
            "maximumPercent": self.maximum_percent,
            "minimumHealthyPercent": self.minimum_healthy_percent,
        })
    }
}

/// One service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// The cluster name.
    pub cluster: String,
    /// Its ARN.
    pub arn: String,
    /// ACTIVE, DRAINING (deleted, tasks stopping) or INACTIVE.
    pub status: String,
    /// How many tasks it wants.
    pub desired_count: u32,
    /// The PRIMARY deployment's task definition ARN.
    pub task_definition: String,
    /// FARGATE or EC2.
    pub launch_type: String,
    /// Rolling-update bounds and the circuit breaker.
    pub deployment_configuration: DeploymentConfiguration,
    /// `networkConfiguration` as given (subnets, security groups).
    pub network_configuration: Option<Value>,
    /// `loadBalancers[]` as given.
    pub load_balancers: Value,
    /// `serviceRegistries[]` as given.
    pub service_registries: Value,
    /// Seconds after RUNNING during which health checks are ignored.
    pub health_check_grace_period: u32,
    /// REPLICA or DAEMON.
    pub scheduling_strategy: String,
    /// PRIMARY first, then ACTIVE ones.
    pub deployments: Vec<Deployment>,
    /// Newest first.
    pub events: Vec<ServiceEvent>,
    /// Creation time.
    pub created_at: Secs,
    /// `enableECSManagedTags`.
    pub enable_ecs_managed_tags: bool,
    /// `propagateTags` (NONE by default).
    pub propagate_tags: String,
    /// `enableExecuteCommand`.
    pub enable_execute_command: bool,
    /// `availabilityZoneRebalancing` (ENABLED unless CreateService says
    /// otherwise, as AWS defaults it). Recorded: emul's tasks share one
    /// host, so there is nothing to rebalance.
    pub availability_zone_rebalancing: String,
    /// The capacity provider strategy (empty: placed by launch type).
    pub capacity_provider_strategy: Vec<Value>,
    /// `deploymentController.type`: ECS, CODE_DEPLOY or EXTERNAL. EXTERNAL
    /// services have task sets instead of deployments.
    pub deployment_controller: String,
    /// `role` as given (the IAM role for the load balancer), as `roleArn`.
    pub role_arn: Option<String>,
}

impl Service {
    /// Posts an event (newest first, capped at [`MAX_EVENTS`]).
    pub fn event(&mut self, message: String, now: Secs) {
        self.events.insert(
            0,
            ServiceEvent {
                id: uuid::Uuid::new_v4().to_string(),
                created_at: now,
                message,
            },
        );
        self.events.truncate(MAX_EVENTS);
    }

    /// The PRIMARY deployment.
    pub fn primary(&self) -> &Deployment {
        &self.deployments[0]
    }

    /// Starts a new PRIMARY deployment; the old PRIMARY becomes ACTIVE.
    pub fn new_deployment(&mut self, now: Secs) {
        for d in &mut self.deployments {
            d.status = "ACTIVE".into();
            d.updated_at = now;
        }
        self.deployments.insert(
            0,
            Deployment {
                id: arns::new_deployment_id(),
                status: "PRIMARY".into(),
                task_definition: self.task_definition.clone(),
                desired_count: self.desired_count,
                created_at: now,
                updated_at: now,
                rollout_state: "IN_PROGRESS".into(),
                rollout_state_reason: "ECS deployment ecs-svc in progress.".into(),
                failed_tasks: 0,
                network_configuration: self.network_configuration.clone(),
                launch_type: self.launch_type.clone(),
                capacity_provider_strategy: self.capacity_provider_strategy.clone(),
            },
        );
        let id = self.deployments[0].id.clone();
        self.deployments[0].rollout_state_reason = format!("ECS deployment {id} in progress.");
    }
}

/// CreateService's inputs, already decoded.
#[derive(Debug, Clone, Default)]
pub struct NewService {
    /// `serviceName`.
    pub name: String,
    /// `taskDefinition` reference.
    pub task_definition: String,
    /// `desiredCount`.
    pub desired_count: u32,
    /// `launchType`.
    pub launch_type: Option<String>,
    /// `deploymentConfiguration` (wire form).
    pub deployment_configuration: Option<Value>,
    /// `networkConfiguration`.
    pub network_configuration: Option<Value>,
    /// `loadBalancers`.
    pub load_balancers: Option<Value>,
    /// `serviceRegistries`.
    pub service_registries: Option<Value>,
    /// `healthCheckGracePeriodSeconds`.
    pub health_check_grace_period: Option<u32>,
    /// `schedulingStrategy`.
    pub scheduling_strategy: Option<String>,
    /// `tags`.
    pub tags: Vec<Tag>,
    /// `enableECSManagedTags`.
    pub enable_ecs_managed_tags: bool,
    /// `propagateTags`.
    pub propagate_tags: Option<String>,
    /// `enableExecuteCommand`.
    pub enable_execute_command: bool,
    /// The resolved capacity provider strategy (see
    /// [`Region::resolve_strategy`]).
    pub capacity_provider_strategy: Vec<Value>,
    /// `deploymentController.type` (default ECS).
    pub deployment_controller: Option<String>,
    /// `role`.
    pub role_arn: Option<String>,
}

/// UpdateService's inputs.
#[derive(Debug, Clone, Default)]
pub struct ServiceUpdate {
    /// `desiredCount`.
    pub desired_count: Option<u32>,
    /// `taskDefinition`.
    pub task_definition: Option<String>,
    /// `forceNewDeployment`.
    pub force_new_deployment: bool,
    /// `deploymentConfiguration`.
    pub deployment_configuration: Option<Value>,
    /// `networkConfiguration`.
    pub network_configuration: Option<Value>,
    /// `loadBalancers`.
    pub load_balancers: Option<Value>,
    /// `healthCheckGracePeriodSeconds`.
    pub health_check_grace_period: Option<u32>,
    /// `capacityProviderStrategy`, checked and normalised.
    pub capacity_provider_strategy: Option<Vec<Value>>,
}

fn valid_service_name(name: &str) -> bool {
    super::cluster::valid_name(name)
}

impl Region {
    /// The service `param` (name or ARN) in cluster `cluster`.
    pub fn service(&self, cluster: &str, param: &str) -> Option<&Service> {
        self.services
            .get(&(cluster.to_string(), arns::service_name(param)))
    }

    /// Mutable [`Region::service`].
    pub fn service_mut(&mut self, cluster: &str, param: &str) -> Option<&mut Service> {
        self.services
            .get_mut(&(cluster.to_string(), arns::service_name(param)))
    }

    /// CreateService. Returns the service name.
    pub fn create_service(
        &mut self,
        cluster: &str,
        new: NewService,
        now: Secs,
    ) -> Result<String, EcsError> {
        if !valid_service_name(&new.name) {
            return Err(EcsError::InvalidParameter(
                "Service name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores and hyphens.".into(),
            ));
        }
        if let Some(existing) = self.service(cluster, &new.name)
            && existing.status != "INACTIVE"
        {
            return Err(EcsError::ServiceNotIdempotent);
        }
        let controller = new
            .deployment_controller
            .clone()
            .unwrap_or_else(|| "ECS".into());
        if new.task_definition.is_empty() {
            // Only an EXTERNAL service may leave its task definition to its
            // task sets.
            if controller != "EXTERNAL" {
                return Err(EcsError::missing("taskDefinition"));
            }
            let launch_type = default_launch_type(&new, "bridge");
            return Ok(self.insert_service(cluster, new, String::new(), launch_type, now));
        }
        let td = self.active_task_definition(&new.task_definition)?;
        super::awsvpc::AwsVpc::required(td.network_mode(), new.network_configuration.as_ref())?;
        if let Some(Value::Array(lbs)) = &new.load_balancers {
            check_load_balancers(lbs, td.containers())?;
        }
        let td_arn = td.arn.clone();
        let launch_type = default_launch_type(&new, td.network_mode());
        Ok(self.insert_service(cluster, new, td_arn, launch_type, now))
    }

    /// Records a checked CreateService; EXTERNAL services get no deployment
    /// (their task sets stand in for it).
    fn insert_service(
        &mut self,
        cluster: &str,
        new: NewService,
        td_arn: String,
        launch_type: String,
        now: Secs,
    ) -> String {
        let mut config = DeploymentConfiguration::default();
        if let Some(c) = &new.deployment_configuration {
            config.apply(c);
        }
        let arn = arns::service(&self.scope, cluster, &new.name);
        let mut service = Service {
            name: new.name.clone(),
            cluster: cluster.to_string(),
            arn: arn.clone(),
            status: "ACTIVE".into(),
            desired_count: new.desired_count,
            task_definition: td_arn,
            launch_type,
            deployment_configuration: config,
            network_configuration: new.network_configuration,
            load_balancers: new.load_balancers.unwrap_or_else(|| json!([])),
            service_registries: new.service_registries.unwrap_or_else(|| json!([])),
            health_check_grace_period: new.health_check_grace_period.unwrap_or(0),
            scheduling_strategy: new.scheduling_strategy.unwrap_or_else(|| "REPLICA".into()),
            deployments: Vec::new(),
            events: Vec::new(),
            created_at: now,
            enable_ecs_managed_tags: new.enable_ecs_managed_tags,
            propagate_tags: new.propagate_tags.unwrap_or_else(|| "NONE".into()),
            enable_execute_command: new.enable_execute_command,
            availability_zone_rebalancing: "ENABLED".into(),
            capacity_provider_strategy: new.capacity_provider_strategy,
            deployment_controller: new.deployment_controller.unwrap_or_else(|| "ECS".into()),
            role_arn: new.role_arn,
        };
        if service.deployment_controller != "EXTERNAL" {
            service.new_deployment(now);
        }
        self.tags.remove(&arn);
        self.merge_tags(&arn, new.tags);
        self.task_sets
            .remove(&(cluster.to_string(), new.name.clone()));
        self.services
            .insert((cluster.to_string(), new.name.clone()), service);
        new.name
    }

    /// UpdateService: a new task definition, network configuration, load
    /// balancers or `forceNewDeployment` start a new deployment; desired
    /// count and deployment configuration do not.
    pub fn update_service(
        &mut self,
        cluster: &str,
        param: &str,
        update: ServiceUpdate,
        now: Secs,
    ) -> Result<String, EcsError> {
        let service = self
            .service(cluster, param)
            .ok_or(EcsError::ServiceNotFound)?;
        if service.status != "ACTIVE" {
            return Err(EcsError::ServiceNotActive);
        }
        // An EXTERNAL service changes what it runs through new task sets.
        if service.deployment_controller == "EXTERNAL"
            && (update.task_definition.is_some()
                || update.network_configuration.is_some()
                || update.load_balancers.is_some()
                || update.capacity_provider_strategy.is_some()
                || update.force_new_deployment)
        {
            return Err(EcsError::InvalidParameter(
                "A service using the EXTERNAL deployment controller can only update its desired count, deployment configuration and health check grace period; create a task set to change what it runs.".into(),
            ));
        }
        let new_td = match &update.task_definition {
            Some(r) => {
                let td = self.active_task_definition(r)?;
                if let Some(Value::Array(lbs)) = update
                    .load_balancers
                    .as_ref()
                    .or(Some(&service.load_balancers))
                {
                    check_load_balancers(lbs, td.containers())?;
                }
                Some(td.arn.clone())
            }
            None => None,
        };
        let service = self.service_mut(cluster, param).expect("checked above");
        let mut redeploy = update.force_new_deployment;
        if let Some(n) = update.desired_count {
            service.desired_count = n;
            if let Some(d) = service.deployments.first_mut() {
                d.desired_count = n;
                d.updated_at = now;
            }
        }
        if let Some(c) = &update.deployment_configuration {
            service.deployment_configuration.apply(c);
        }
        if let Some(g) = update.health_check_grace_period {
            service.health_check_grace_period = g;
        }
        if let Some(td) = new_td
            && td != service.task_definition
        {
            service.task_definition = td;
            redeploy = true;
        }
        if let Some(n) = update.network_configuration {
            service.network_configuration = Some(n);
            redeploy = true;
        }
        if let Some(lbs) = update.load_balancers {
            service.load_balancers = lbs;
            redeploy = true;
        }
        if let Some(strategy) = update.capacity_provider_strategy
            && strategy != service.capacity_provider_strategy
        {
            service.capacity_provider_strategy = strategy;
            redeploy = true;
        }
        if redeploy && service.deployment_controller != "EXTERNAL" {
            service.new_deployment(now);
        }
        Ok(service.name.clone())
    }

    /// DeleteService: DRAINING (and its tasks asked to stop); refused while
    /// the desired count is above 0 unless `force`.
    pub fn delete_service(
        &mut self,
        cluster: &str,
        param: &str,
        force: bool,
        now: Secs,
    ) -> Result<String, EcsError> {
        let service = self
            .service_mut(cluster, param)
            .filter(|s| s.status != "INACTIVE")
            .ok_or(EcsError::ServiceNotFound)?;
        if service.status == "ACTIVE" && service.desired_count > 0 && !force {
            return Err(EcsError::ServiceScaledAboveZero);
        }
        service.status = "DRAINING".into();
        service.desired_count = 0;
        for d in &mut service.deployments {
            d.desired_count = 0;
        }
        let name = service.name.clone();
        for task in self.tasks.values_mut() {
            if task.cluster == cluster && task.service.as_deref() == Some(&name) {
                task.request_stop("ServiceSchedulerInitiated", "Service deleted", now);
            }
        }
        self.finish_draining(now);
        Ok(name)
    }

    /// DRAINING services with no task left that is not STOPPED → INACTIVE.
    pub fn finish_draining(&mut self, _now: Secs) {
        let busy: std::collections::BTreeSet<(String, String)> = self
            .tasks
            .values()
            .filter(|t| t.last_status != TaskStatus::Stopped)
            .filter_map(|t| t.service.clone().map(|s| (t.cluster.clone(), s)))
            .collect();
        for (key, s) in self.services.iter_mut() {
            if s.status == "DRAINING" && !busy.contains(key) {
                s.status = "INACTIVE".into();
                s.deployments.clear();
            }
        }
    }

    /// `(running, pending)` counts of a service's tasks, or of one
    /// deployment's when `deployment` is given.
    pub fn service_counts(&self, s: &Service, deployment: Option<&str>) -> (u32, u32) {
        let mut running = 0;
        let mut pending = 0;
        for t in self.tasks.values() {
            if t.cluster != s.cluster || t.service.as_deref() != Some(&s.name) {
                continue;
            }
            if deployment.is_some_and(|d| t.started_by.as_deref() != Some(d)) {
                continue;
            }
            if t.last_status == TaskStatus::Running {
                running += 1;
            } else if t.last_status.is_pending() {
                pending += 1;
            }
        }
        (running, pending)
    }

    /// `serviceRegistries` on the wire: emul's own `emulName` (the DNS name
    /// the VPC resolver answers) stays inside; a registry the topology
    /// declared gets the Cloud Map service ARN AWS would show, derived from
    /// its name so it is the same on every run.
    fn render_registries(&self, s: &Service) -> Value {
        let Some(registries) = s.service_registries.as_array() else {
            return json!([]);
        };
        Value::Array(
            registries
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(obj) = r.as_object_mut()
                        && let Some(Value::String(name)) = obj.remove("emulName")
                        && !obj.contains_key("registryArn")
                    {
                        obj.insert(
                            "registryArn".into(),
                            json!(arns::service_registry(&self.scope, &name)),
                        );
                    }
                    r
                })
                .collect(),
        )
    }

    /// The wire form (`Service` shape).
    pub fn render_service(&self, s: &Service, include_tags: bool) -> Value {
        let (running, pending) = self.service_counts(s, None);
        let deployments: Vec<Value> = s
            .deployments
            .iter()
            .map(|d| {
                let (r, p) = self.service_counts(s, Some(&d.id));
                let mut o = json!({
                    "id": d.id,
                    "status": d.status,
                    "taskDefinition": d.task_definition,
                    "desiredCount": d.desired_count,
                    "pendingCount": p,
                    "runningCount": r,
                    "failedTasks": d.failed_tasks,
                    "createdAt": d.created_at,
                    "updatedAt": d.updated_at,
                    "launchType": d.launch_type,
                    "rolloutState": d.rollout_state,
                    "rolloutStateReason": d.rollout_state_reason,
                });
                if let Some(n) = &d.network_configuration {
                    o["networkConfiguration"] = n.clone();
                }
                if d.launch_type == "FARGATE" {
                    o["platformVersion"] = json!("1.4.0");
                    o["platformFamily"] = json!("Linux");
                }
                if !d.capacity_provider_strategy.is_empty() {
                    // Placed by strategy: AWS shows the strategy, no launch type.
                    o["capacityProviderStrategy"] = json!(d.capacity_provider_strategy);
                    if let Some(m) = o.as_object_mut() {
                        m.remove("launchType");
                    }
                }
                o
            })
            .collect();
        let events: Vec<Value> = s
            .events
            .iter()
            .map(|e| json!({"id": e.id, "createdAt": e.created_at, "message": e.message}))
            .collect();
        let mut out = json!({
            "serviceArn": s.arn,
            "serviceName": s.name,
            "clusterArn": arns::cluster(&self.scope, &s.cluster),
            "loadBalancers": s.load_balancers,
            "serviceRegistries": self.render_registries(s),
            "status": s.status,
            "desiredCount": s.desired_count,
            "runningCount": running,
            "pendingCount": pending,
            "launchType": s.launch_type,
            "taskDefinition": s.task_definition,
            "deploymentConfiguration": s.deployment_configuration.render(),
            "deployments": deployments,
            "events": events,
            "createdAt": s.created_at,
            "placementConstraints": [],
            "placementStrategy": [],
            "healthCheckGracePeriodSeconds": s.health_check_grace_period,
            "schedulingStrategy": s.scheduling_strategy,
            "deploymentController": {"type": s.deployment_controller},
            "enableECSManagedTags": s.enable_ecs_managed_tags,
            "propagateTags": s.propagate_tags,
            "enableExecuteCommand": s.enable_execute_command,
            "availabilityZoneRebalancing": s.availability_zone_rebalancing,
            "createdBy": format!("arn:aws:iam::{}:root", self.scope.account),
        });
        if let Some(n) = &s.network_configuration {
            out["networkConfiguration"] = n.clone();
        }
        if s.launch_type == "FARGATE" {
            out["platformVersion"] = json!("LATEST");
            out["platformFamily"] = json!("Linux");
        }
        if let Some(role) = &s.role_arn {
            out["roleArn"] = json!(role);
        }
        if !s.capacity_provider_strategy.is_empty() {
            out["capacityProviderStrategy"] = json!(s.capacity_provider_strategy);
            if let Some(m) = out.as_object_mut() {
                m.remove("launchType");
            }
        }
        if s.deployment_controller == "EXTERNAL" {
            self.render_service_task_sets(s, &mut out);
        }
        if include_tags {
            out["tags"] = json!(self.tags_of(&s.arn));
        }
        out
    }
}

/// The launch type a new service runs as: the given one, its strategy's
/// first provider's, else FARGATE for awsvpc task definitions and EC2 for
/// the others.
/// `availabilityZoneRebalancing` as given: `ENABLED` or `DISABLED`.
pub fn check_az_rebalancing(value: &str) -> Result<(), EcsError> {
    match value {
        "ENABLED" | "DISABLED" => Ok(()),
        _ => Err(EcsError::InvalidParameter(
            "availabilityZoneRebalancing should be one of [ENABLED,DISABLED]".into(),
        )),
    }
}

fn default_launch_type(new: &NewService, network_mode: &str) -> String {
    match (&new.launch_type, new.capacity_provider_strategy.first()) {
        (Some(lt), _) => lt.clone(),
        (None, Some(item)) => super::capacity_provider::launch_type_of(
            item["capacityProvider"].as_str().unwrap_or_default(),
        )
        .into(),
        (None, None) if network_mode == "awsvpc" => "FARGATE".into(),
        (None, None) => "EC2".into(),
    }
}

/// Each `loadBalancers[]` entry must name a container and port of the task
/// definition (aws-reference.md §2.6).
fn check_load_balancers(lbs: &[Value], containers: &[Value]) -> Result<(), EcsError> {
    for lb in lbs {
        let name = lb
            .get("containerName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let port = lb.get("containerPort").and_then(Value::as_u64);
        let Some(c) = containers.iter().find(|c| c["name"] == name) else {
            return Err(EcsError::InvalidParameter(format!(
                "The container {name} does not exist in the task definition."
            )));
        };
        let exposed = c["portMappings"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["containerPort"].as_u64() == port));
        if !exposed {
            return Err(EcsError::InvalidParameter(format!(
                "The container {name} did not have a container port {} defined.",
                port.unwrap_or(0)
            )));
        }
    }
    Ok(())
}
