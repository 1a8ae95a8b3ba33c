//! Per-service reconciliation, under the model lock and without I/O:
//! classify the service's tasks (PRIMARY/old, healthy/not), apply the
//! rolling-update arithmetic ([`deployment::plan`]), create or stop tasks
//! in the model, post ECS's events, complete deployments, trip the circuit
//! breaker. The launcher then makes the model's wishes real.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use super::EcsDeps;
use crate::services::ecs::model::deployment::{self, Counts};
use crate::services::ecs::model::task::NewTask;
use crate::services::ecs::model::{Region, Scope, Secs, Task, TaskStatus};

/// What reconcile knows about a launched task beyond the model.
#[derive(Debug, Clone)]
pub(super) struct LiveFacts {
    /// Time since it reached RUNNING.
    pub running_for: Option<Duration>,
    /// Every target registration reports `Healthy`.
    pub lb_healthy: bool,
    /// A target group (and port) where the task's target is `Unhealthy`.
    pub lb_unhealthy: Option<(String, u16)>,
    /// It has target registrations.
    pub has_targets: bool,
}

/// Launched tasks' facts by task id.
pub(super) type LiveView = HashMap<String, LiveFacts>;

/// Something the launcher must do.
#[derive(Debug, Clone)]
pub(super) enum Work {
    /// Launch a PROVISIONING task.
    Launch {
        /// Its region.
        scope: Scope,
        /// Its id.
        task_id: String,
    },
    /// Stop a task whose desired status is STOPPED.
    Stop {
        /// Its region.
        scope: Scope,
        /// Its id.
        task_id: String,
    },
}

impl Work {
    /// The task it concerns.
    pub fn task_id(&self) -> &str {
        match self {
            Work::Launch { task_id, .. } | Work::Stop { task_id, .. } => task_id,
        }
    }
}

/// Tasks to launch or stop that no launcher is working on.
pub(super) fn pending_work(region: &Region, busy: &HashSet<String>) -> Vec<Work> {
    region
        .tasks
        .values()
        .filter(|t| !busy.contains(&t.id))
        .filter_map(|t| {
            let scope = region.scope.clone();
            let task_id = t.id.clone();
            if t.desired_status == TaskStatus::Stopped && t.last_status != TaskStatus::Stopped {
                Some(Work::Stop { scope, task_id })
            } else if t.desired_status == TaskStatus::Running
                && t.last_status == TaskStatus::Provisioning
            {
                Some(Work::Launch { scope, task_id })
            } else {
                None
            }
        })
        .collect()
}

/// Whether `t` counts as healthy for the min-healthy bound.
pub(super) fn counts_healthy(t: &Task, facts: Option<&LiveFacts>, deps: &EcsDeps) -> bool {
    if t.last_status != TaskStatus::Running {
        return false;
    }
    let Some(facts) = facts else {
        return false;
    };
    let has_checks = t
        .containers
        .iter()
        .any(|c| c.essential && c.has_health_check);
    if has_checks && t.health_status != "HEALTHY" {
        return false;
    }
    if facts.has_targets {
        return facts.lb_healthy;
    }
    if has_checks {
        return true;
    }
    facts
        .running_for
        .is_some_and(|d| d >= deps.healthy_after_running)
}

fn task_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("(task {id})"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reconciles every ACTIVE service of `region`.
pub(super) fn services(
    region: &mut Region,
    deps: &EcsDeps,
    live: &LiveView,
    steady: &Mutex<HashSet<String>>,
    now: Secs,
) {
    let keys: Vec<(String, String)> = region
        .services
        .iter()
        // EXTERNAL services have no deployment: their task sets are records.
        .filter(|(_, s)| s.status == "ACTIVE" && !s.deployments.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        one_service(region, &key, deps, live, steady, now);
    }
    region.finish_draining(now);
}

fn one_service(
    region: &mut Region,
    key: &(String, String),
    deps: &EcsDeps,
    live: &LiveView,
    steady: &Mutex<HashSet<String>>,
    now: Secs,
) {
    let service = region.services[key].clone();
    let primary_id = service.primary().id.clone();
    let name = service.name.clone();
    let grace = Duration::from_secs(u64::from(service.health_check_grace_period));

    // Circuit breaker input: PRIMARY tasks that failed to start.
    let failed_to_start = region
        .tasks
        .values()
        .filter(|t| {
            t.service.as_deref() == Some(&name)
                && t.cluster == service.cluster
                && t.started_by.as_deref() == Some(&primary_id)
                && t.stop_code.as_deref() == Some("TaskFailedToStart")
        })
        .count() as u32;
    let primary_ever_ran = region
        .tasks
        .values()
        .any(|t| t.started_by.as_deref() == Some(&primary_id) && t.started_at.is_some());

    // Unhealthy RUNNING tasks past the grace period are replaced.
    let mut unhealthy = Vec::new();
    for t in region.tasks.values() {
        if t.service.as_deref() != Some(&name)
            || t.cluster != service.cluster
            || t.desired_status != TaskStatus::Running
            || t.last_status != TaskStatus::Running
        {
            continue;
        }
        let facts = live.get(&t.id);
        let past_grace = facts
            .and_then(|f| f.running_for)
            .is_some_and(|d| d >= grace);
        if !past_grace {
            continue;
        }
        if let Some((tg, port)) = facts.and_then(|f| f.lb_unhealthy.clone()) {
            unhealthy.push((t.id.clone(), format!("Task failed ELB health checks in (target-group {tg})"),
                Some(format!("(service {name}) (task {}) (port {port}) is unhealthy in (target-group {tg}) due to (reason Health checks failed).", t.id))));
        } else if t.health_status == "UNHEALTHY" {
            unhealthy.push((
                t.id.clone(),
                "Task failed container health checks".to_string(),
                None,
            ));
        }
    }
    for (id, reason, event) in &unhealthy {
        if let Some(t) = region.tasks.get_mut(id) {
            t.request_stop("ServiceSchedulerInitiated", reason, now);
        }
        if let (Some(e), Some(s)) = (event, region.services.get_mut(key)) {
            s.event(e.clone(), now);
        }
    }

    let mut counts = Counts {
        desired: service.desired_count,
        minimum_healthy_percent: service.deployment_configuration.minimum_healthy_percent,
        maximum_percent: service.deployment_configuration.maximum_percent,
        ..Counts::default()
    };
    let mut old_healthy = Vec::new();
    let mut old_other = Vec::new();
    let mut primary_healthy = Vec::new();
    let mut primary_other = Vec::new();
    for t in region.tasks.values() {
        if t.service.as_deref() != Some(&name) || t.cluster != service.cluster {
            continue;
        }
        if t.last_status == TaskStatus::Stopped {
            continue;
        }
        if t.desired_status == TaskStatus::Stopped {
            counts.stopping += 1;
            continue;
        }
        let healthy = counts_healthy(t, live.get(&t.id), deps);
        let primary = t.started_by.as_deref() == Some(&primary_id);
        match (primary, healthy) {
            (true, true) => primary_healthy.push(t.id.clone()),
            (true, false) => primary_other.push(t.id.clone()),
            (false, true) => old_healthy.push(t.id.clone()),
            (false, false) => old_other.push(t.id.clone()),
        }
    }
    counts.primary_healthy = primary_healthy.len() as u32;
    counts.primary_other = primary_other.len() as u32;
    counts.old_healthy = old_healthy.len() as u32;
    counts.old_other = old_other.len() as u32;
    let mut step = deployment::plan(counts);

    // Circuit breaker (only while the deployment never had a running task).
    let primary_state = service.primary().rollout_state.clone();
    if service.deployment_configuration.circuit_breaker
        && primary_state == "IN_PROGRESS"
        && !primary_ever_ran
        && failed_to_start >= deployment::circuit_breaker_threshold(service.desired_count)
    {
        trip_circuit_breaker(region, key, now);
        return;
    }
    if primary_state == "FAILED" {
        step.start = 0;
    }

    // Starts.
    let mut started = Vec::new();
    if step.start > 0 {
        let td = match region.task_definition(&service.primary().task_definition) {
            Ok(td) => td.clone(),
            Err(_) => return,
        };
        // Tasks already placed, so a strategy's base and weights count on.
        let placed = region.service_counts(&service, None);
        for _ in 0..step.start {
            let id = region.create_task(
                &td,
                NewTask {
                    cluster: service.cluster.clone(),
                    group: Some(format!("service:{name}")),
                    started_by: Some(primary_id.clone()),
                    service: Some(name.clone()),
                    launch_type: Some(service.launch_type.clone()),
                    overrides: None,
                    network_configuration: service.primary().network_configuration.clone(),
                    capacity_provider:
                        crate::services::ecs::model::capacity_provider::pick_provider(
                            &service.primary().capacity_provider_strategy,
                            u64::from(placed.0 + placed.1) + started.len() as u64,
                        ),
                    placement: None,
                },
                now,
            );
            started.push(id);
        }
    }

    // Stops: unhealthy old first, then healthy old, then surplus primary
    // (not-yet-healthy ones first).
    let mut stopped = Vec::new();
    let reason = format!("Scaling activity initiated by (deployment {primary_id})");
    let mut to_stop: Vec<String> = Vec::new();
    to_stop.extend(
        old_other
            .iter()
            .take(step.stop_old_unhealthy as usize)
            .cloned(),
    );
    to_stop.extend(
        old_healthy
            .iter()
            .take(step.stop_old_healthy as usize)
            .cloned(),
    );
    let mut surplus: Vec<String> = primary_other.clone();
    surplus.extend(primary_healthy.iter().cloned());
    to_stop.extend(surplus.into_iter().take(step.stop_primary as usize));
    for id in to_stop {
        if let Some(t) = region.tasks.get_mut(&id)
            && t.request_stop("ServiceSchedulerInitiated", &reason, now)
        {
            stopped.push(id);
        }
    }

    let service = region.services.get_mut(key).expect("exists");
    if !started.is_empty() {
        service.event(
            format!(
                "(service {name}) has started {} tasks: {}.",
                started.len(),
                task_list(&started)
            ),
            now,
        );
    }
    if !stopped.is_empty() {
        service.event(
            format!(
                "(service {name}) has stopped {} running tasks: {}.",
                stopped.len(),
                task_list(&stopped)
            ),
            now,
        );
    }
    let mut steady_set = steady.lock().unwrap_or_else(|p| p.into_inner());
    if step.stuck && !steady_set.contains(&format!("stuck:{}", service.arn)) {
        service.event(
            format!("service ({name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."),
            now,
        );
        steady_set.insert(format!("stuck:{}", service.arn));
    }
    if !started.is_empty() || !stopped.is_empty() {
        steady_set.remove(&service.arn);
        steady_set.remove(&format!("stuck:{}", service.arn));
    }

    // Old deployments disappear once they have no task left.
    let live_deployments: HashSet<String> = region
        .tasks
        .values()
        .filter(|t| {
            t.service.as_deref() == Some(&name)
                && t.cluster == key.0
                && t.last_status != TaskStatus::Stopped
        })
        .filter_map(|t| t.started_by.clone())
        .collect();
    let service = region.services.get_mut(key).expect("exists");
    service
        .deployments
        .retain(|d| d.status == "PRIMARY" || live_deployments.contains(&d.id));

    // Steady state: PRIMARY alone, at its desired count, all healthy.
    let settled = service.deployments.len() == 1
        && primary_healthy.len() as u32 == service.desired_count
        && primary_other.is_empty()
        && old_healthy.is_empty()
        && old_other.is_empty()
        && counts.stopping == 0
        && started.is_empty()
        && stopped.is_empty();
    if settled {
        let primary = &mut service.deployments[0];
        let mut completed = false;
        if primary.rollout_state == "IN_PROGRESS" {
            primary.rollout_state = "COMPLETED".into();
            primary.rollout_state_reason = format!("ECS deployment {} completed.", primary.id);
            primary.updated_at = now;
            completed = true;
        }
        let id = primary.id.clone();
        if completed {
            service.event(
                format!("(service {name}) (deployment {id}) deployment completed."),
                now,
            );
        }
        if !steady_set.contains(&service.arn) {
            service.event(format!("(service {name}) has reached a steady state."), now);
            steady_set.insert(service.arn.clone());
        }
    }
}

/// The PRIMARY deployment failed: mark it, and roll back to the newest
/// older deployment's task definition when `rollback` is set.
fn trip_circuit_breaker(region: &mut Region, key: &(String, String), now: Secs) {
    let service = region.services.get_mut(key).expect("exists");
    let name = service.name.clone();
    let rollback = service.deployment_configuration.rollback;
    let failed_id = service.deployments[0].id.clone();
    {
        let primary = &mut service.deployments[0];
        primary.rollout_state = "FAILED".into();
        primary.rollout_state_reason =
            "ECS deployment circuit breaker: tasks failed to start.".into();
        primary.updated_at = now;
    }
    service.event(
        format!(
            "(service {name}) (deployment {failed_id}) deployment failed: tasks failed to start."
        ),
        now,
    );
    if !rollback {
        return;
    }
    let Some((previous, previous_id)) = service
        .deployments
        .get(1)
        .map(|d| (d.task_definition.clone(), d.id.clone()))
    else {
        return;
    };
    service.task_definition = previous.clone();
    service.new_deployment(now);
    let new_id = service.deployments[0].id.clone();
    service.deployments[0].rollout_state_reason =
        format!("ECS deployment circuit breaker: rolling back to deploymentId {previous_id}.");
    service.event(
        format!(
            "(service {name}) rolling back to deployment {new_id} with task definition {previous}."
        ),
        now,
    );
    // Tasks of the failed deployment are stopped by the next passes as old tasks.
}
