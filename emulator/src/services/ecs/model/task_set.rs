//! Task sets: the deployment units of services whose
//! `deploymentController.type` is EXTERNAL. The caller creates them, scales
//! them (a percentage of the service's desired count), picks the PRIMARY one
//! and deletes them.
//!
//! In emul they are records: nothing launches tasks for a task set, so its
//! `runningCount` stays 0 and a set that wants tasks reports STABILIZING.

use serde_json::{Value, json};

use super::{Region, Secs, Tag, TaskStatus, arns};
use crate::services::ecs::errors::EcsError;

/// One task set.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSet {
    /// `ecs-svc/` and 19 digits.
    pub id: String,
    /// `…:task-set/<cluster>/<service>/<id>`.
    pub arn: String,
    /// The cluster name.
    pub cluster: String,
    /// The service name.
    pub service: String,
    /// PRIMARY (after UpdateServicePrimaryTaskSet) or ACTIVE.
    pub status: String,
    /// The task definition ARN.
    pub task_definition: String,
    /// `externalId`, also the `startedBy` AWS shows.
    pub external_id: Option<String>,
    /// The launch type (when no strategy).
    pub launch_type: String,
    /// The capacity provider strategy (empty: placed by launch type).
    pub capacity_provider_strategy: Vec<Value>,
    /// `platformVersion` (LATEST when not given).
    pub platform_version: String,
    /// `networkConfiguration` as given.
    pub network_configuration: Option<Value>,
    /// `loadBalancers[]` as given.
    pub load_balancers: Value,
    /// `serviceRegistries[]` as given.
    pub service_registries: Value,
    /// `scale.value`, a percentage 0..=100.
    pub scale: f64,
    /// Creation time.
    pub created_at: Secs,
    /// Last change (scale, status).
    pub updated_at: Secs,
}

/// CreateTaskSet's inputs, already decoded.
#[derive(Debug, Clone, Default)]
pub struct NewTaskSet {
    /// `taskDefinition` reference.
    pub task_definition: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `launchType`.
    pub launch_type: Option<String>,
    /// The resolved capacity provider strategy.
    pub capacity_provider_strategy: Vec<Value>,
    /// `platformVersion`.
    pub platform_version: Option<String>,
    /// `networkConfiguration`.
    pub network_configuration: Option<Value>,
    /// `loadBalancers`.
    pub load_balancers: Option<Value>,
    /// `serviceRegistries`.
    pub service_registries: Option<Value>,
    /// `scale.value` (default 100).
    pub scale: Option<f64>,
    /// `tags`.
    pub tags: Vec<Tag>,
}

/// `scale.value` must be a percentage.
pub fn check_scale(value: f64) -> Result<f64, EcsError> {
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(EcsError::InvalidParameter(
            "scale.value must be between 0 and 100.".into(),
        ))
    }
}

/// Whether `param` (an ARN, `ecs-svc/<n>` or the bare number) names `ts`.
fn names(ts: &TaskSet, param: &str) -> bool {
    ts.arn == param || ts.id == param || ts.id.strip_prefix("ecs-svc/") == Some(param)
}

impl Region {
    /// The ACTIVE service `param` of `cluster`, which must use the EXTERNAL
    /// deployment controller.
    fn external_service(&self, cluster: &str, param: &str) -> Result<String, EcsError> {
        let s = self
            .service(cluster, param)
            .filter(|s| s.status != "INACTIVE")
            .ok_or(EcsError::ServiceNotFound)?;
        if s.status != "ACTIVE" {
            return Err(EcsError::ServiceNotActive);
        }
        if s.deployment_controller != "EXTERNAL" {
            return Err(EcsError::InvalidParameter(
                "Amazon ECS only supports task set management on services configured to use external deployment controllers.".into(),
            ));
        }
        Ok(s.name.clone())
    }

    /// CreateTaskSet. Returns the new set's id.
    pub fn create_task_set(
        &mut self,
        cluster: &str,
        service: &str,
        new: NewTaskSet,
        now: Secs,
    ) -> Result<String, EcsError> {
        let service = self.external_service(cluster, service)?;
        let td = self.active_task_definition(&new.task_definition)?;
        let td_arn = td.arn.clone();
        let launch_type = match (&new.launch_type, new.capacity_provider_strategy.first()) {
            (Some(lt), _) => lt.clone(),
            (None, Some(item)) => super::capacity_provider::launch_type_of(
                item["capacityProvider"].as_str().unwrap_or_default(),
            )
            .into(),
            (None, None) if td.network_mode() == "awsvpc" => "FARGATE".into(),
            (None, None) => "EC2".into(),
        };
        let scale = check_scale(new.scale.unwrap_or(100.0))?;
        let id = arns::new_deployment_id();
        let arn = format!(
            "arn:aws:ecs:{}:{}:task-set/{cluster}/{service}/{id}",
            self.scope.region, self.scope.account
        );
        self.tags.remove(&arn);
        self.merge_tags(&arn, new.tags);
        self.task_sets
            .entry((cluster.to_string(), service.clone()))
            .or_default()
            .push(TaskSet {
                id: id.clone(),
                arn,
                cluster: cluster.to_string(),
                service,
                status: "ACTIVE".into(),
                task_definition: td_arn,
                external_id: new.external_id,
                launch_type,
                capacity_provider_strategy: new.capacity_provider_strategy,
                // CreateTaskSet's documented default.
                platform_version: new.platform_version.unwrap_or_else(|| "LATEST".into()),
                network_configuration: new.network_configuration,
                load_balancers: new.load_balancers.unwrap_or_else(|| json!([])),
                service_registries: new.service_registries.unwrap_or_else(|| json!([])),
                scale,
                created_at: now,
                updated_at: now,
            });
        Ok(id)
    }

    /// The task set `param` of the EXTERNAL service `service`.
    pub fn task_set(
        &self,
        cluster: &str,
        service: &str,
        param: &str,
    ) -> Result<&TaskSet, EcsError> {
        let service = self.external_service(cluster, service)?;
        self.task_sets
            .get(&(cluster.to_string(), service))
            .and_then(|sets| sets.iter().find(|ts| names(ts, param)))
            .ok_or(EcsError::TaskSetNotFound)
    }

    /// Every task set of the EXTERNAL service `service`, creation order.
    pub fn task_sets_of(&self, cluster: &str, service: &str) -> Result<&[TaskSet], EcsError> {
        let service = self.external_service(cluster, service)?;
        Ok(self
            .task_sets
            .get(&(cluster.to_string(), service))
            .map(Vec::as_slice)
            .unwrap_or_default())
    }

    fn task_set_mut(
        &mut self,
        cluster: &str,
        service: &str,
        param: &str,
    ) -> Result<&mut TaskSet, EcsError> {
        let service = self.external_service(cluster, service)?;
        self.task_sets
            .get_mut(&(cluster.to_string(), service))
            .and_then(|sets| sets.iter_mut().find(|ts| names(ts, param)))
            .ok_or(EcsError::TaskSetNotFound)
    }

    /// UpdateTaskSet: a new scale.
    pub fn update_task_set(
        &mut self,
        cluster: &str,
        service: &str,
        param: &str,
        scale: f64,
        now: Secs,
    ) -> Result<String, EcsError> {
        let scale = check_scale(scale)?;
        let ts = self.task_set_mut(cluster, service, param)?;
        ts.scale = scale;
        ts.updated_at = now;
        Ok(ts.id.clone())
    }

    /// UpdateServicePrimaryTaskSet: `param` becomes PRIMARY, the previous
    /// PRIMARY ACTIVE; the service takes the set's task definition.
    pub fn set_primary_task_set(
        &mut self,
        cluster: &str,
        service: &str,
        param: &str,
        now: Secs,
    ) -> Result<String, EcsError> {
        let chosen = self.task_set(cluster, service, param)?.id.clone();
        let service = arns::service_name(service);
        let sets = self
            .task_sets
            .get_mut(&(cluster.to_string(), service.clone()))
            .expect("found above");
        let mut td = String::new();
        for ts in sets.iter_mut() {
            let status = if ts.id == chosen { "PRIMARY" } else { "ACTIVE" };
            if ts.status != status {
                ts.status = status.into();
                ts.updated_at = now;
            }
            if ts.id == chosen {
                td = ts.task_definition.clone();
            }
        }
        if let Some(s) = self.service_mut(cluster, &service) {
            s.task_definition = td;
        }
        Ok(chosen)
    }

    /// DeleteTaskSet: the set drains (it has no tasks in emul, so it is
    /// gone at once); returns it with status DRAINING, as AWS answers.
    pub fn delete_task_set(
        &mut self,
        cluster: &str,
        service: &str,
        param: &str,
        now: Secs,
    ) -> Result<Value, EcsError> {
        let id = self.task_set(cluster, service, param)?.id.clone();
        let key = (cluster.to_string(), arns::service_name(service));
        let mut rendered = {
            let ts = self.task_sets[&key]
                .iter()
                .find(|t| t.id == id)
                .expect("found above");
            self.render_task_set(ts, false)
        };
        rendered["status"] = json!("DRAINING");
        rendered["updatedAt"] = json!(now);
        if let Some(sets) = self.task_sets.get_mut(&key) {
            sets.retain(|t| t.id != id);
        }
        Ok(rendered)
    }

    /// `(running, pending)` tasks started by a task set.
    fn task_set_counts(&self, ts: &TaskSet) -> (u32, u32) {
        let mut counts = (0, 0);
        for t in self.tasks.values() {
            if t.cluster == ts.cluster && t.started_by.as_deref() == Some(ts.id.as_str()) {
                if t.last_status == TaskStatus::Running {
                    counts.0 += 1;
                } else if t.last_status.is_pending() {
                    counts.1 += 1;
                }
            }
        }
        counts
    }

    /// The wire `TaskSet`.
    pub fn render_task_set(&self, ts: &TaskSet, include_tags: bool) -> Value {
        let desired = self
            .service(&ts.cluster, &ts.service)
            .map_or(0, |s| s.desired_count);
        let computed = (f64::from(desired) * ts.scale / 100.0).ceil() as u32;
        let (running, pending) = self.task_set_counts(ts);
        let stable = running == computed && pending == 0;
        let mut out = json!({
            "id": ts.id,
            "taskSetArn": ts.arn,
            "serviceArn": arns::service(&self.scope, &ts.cluster, &ts.service),
            "clusterArn": arns::cluster(&self.scope, &ts.cluster),
            "status": ts.status,
            "taskDefinition": ts.task_definition,
            "computedDesiredCount": computed,
            "pendingCount": pending,
            "runningCount": running,
            "createdAt": ts.created_at,
            "updatedAt": ts.updated_at,
            "launchType": ts.launch_type,
            "platformVersion": ts.platform_version,
            "loadBalancers": ts.load_balancers,
            "serviceRegistries": ts.service_registries,
            "scale": {"value": ts.scale, "unit": "PERCENT"},
            "stabilityStatus": if stable { "STEADY_STATE" } else { "STABILIZING" },
            "stabilityStatusAt": ts.updated_at,
        });
        if let Some(ext) = &ts.external_id {
            out["externalId"] = json!(ext);
            out["startedBy"] = json!(ext);
        }
        if let Some(n) = &ts.network_configuration {
            out["networkConfiguration"] = n.clone();
        }
        if !ts.capacity_provider_strategy.is_empty() {
            out["capacityProviderStrategy"] = json!(ts.capacity_provider_strategy);
            if let Some(m) = out.as_object_mut() {
                m.remove("launchType");
            }
        }
        if include_tags {
            out["tags"] = json!(self.tags_of(&ts.arn));
        }
        out
    }

    /// An EXTERNAL service's `taskSets` (creation order) and its
    /// `taskDefinition`, the PRIMARY set's (absent before there is one).
    pub fn render_service_task_sets(&self, s: &super::Service, out: &mut Value) {
        let sets = self
            .task_sets
            .get(&(s.cluster.clone(), s.name.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        out["taskSets"] = Value::Array(
            sets.iter()
                .map(|t| self.render_task_set(t, false))
                .collect(),
        );
        match sets.iter().find(|t| t.status == "PRIMARY") {
            Some(p) => out["taskDefinition"] = json!(p.task_definition),
            None if s.task_definition.is_empty() => {
                if let Some(m) = out.as_object_mut() {
                    m.remove("taskDefinition");
                }
            }
            None => {}
        }
    }
}
