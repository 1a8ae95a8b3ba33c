//! The workloads as the daemon publishes them in `daemon.json`, judged from
//! the ECS and ELBv2 models (never from Docker): what `emul up --wait` still
//! awaits, and each ECS task's address and health for `emul status`.
//!
//! Ready (`up --wait`, aws-reference.md §2.5 `ServicesStable`, §2.6) means:
//! - every ACTIVE ECS service is at steady state: runningCount equals
//!   desiredCount, it has one deployment only, and that PRIMARY deployment's
//!   rolloutState is COMPLETED;
//! - every target group with registered targets has all of them `healthy`.
//!   Draining targets are leaving and are not counted; targets of a group
//!   no listener uses (`unused`) or whose health checks are disabled
//!   (`unavailable`) never become `healthy` and are not awaited either.
//!
//! [`awaited`] names what is not ready yet, one entry per service or target
//! group, e.g. `service web: 1 of 2 running` or `target group web-tg: 0 of 2
//! healthy`; an empty list means ready. The data stores are not here: the
//! reconcile's probes wait for them before the ECS scheduler starts.

use serde::{Deserialize, Serialize};

use crate::services::ecs::Ecs;
use crate::services::ecs::model::{Region, Service, TaskStatus};
use crate::services::elbv2::model::Elbv2;

/// One ECS task as `emul status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task ARN: Docker labels every task container with it
    /// (`com.amazonaws.ecs.task-arn`), which is how status finds the row.
    pub task_arn: String,
    /// The owning service (`None` for a RunTask task), for the reader.
    pub service: Option<String>,
    /// `lastStatus` (RUNNING, DEACTIVATING, …): a draining task reads so.
    pub last_status: String,
    /// The ENI's private IPv4 address, once provisioned.
    pub ip: Option<String>,
    /// The task's `healthStatus` (HEALTHY / UNHEALTHY / UNKNOWN), from its
    /// containers' health checks.
    pub health: String,
    /// Whether any essential container declares a health check (without
    /// one, UNKNOWN says nothing and is not shown).
    pub has_health_check: bool,
    /// `(target group name, state)` for each registration of its address.
    pub targets: Vec<(String, String)>,
}

impl TaskRecord {
    /// The HEALTH column: container health (when checked) and each target
    /// group's state, e.g. `HEALTHY, tg web healthy`; `-` when nothing
    /// says anything.
    pub fn health_text(&self) -> String {
        let mut parts = Vec::new();
        if self.has_health_check {
            parts.push(self.health.clone());
        }
        for (tg, state) in &self.targets {
            parts.push(format!("tg {tg} {state}"));
        }
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What one service still lacks for steady state; `None` when it has it.
pub fn service_awaited(region: &Region, s: &Service) -> Option<String> {
    let (running, _) = region.service_counts(s, None);
    let mut lacks = Vec::new();
    if running != s.desired_count {
        lacks.push(format!("{running} of {} running", s.desired_count));
    }
    if s.deployments.len() > 1 {
        lacks.push(format!("{} deployments", s.deployments.len()));
    }
    match s.deployments.first() {
        Some(d) if d.rollout_state != "COMPLETED" => {
            lacks.push(format!("deployment {}", d.rollout_state));
        }
        Some(_) => {}
        None => lacks.push("no deployment".into()),
    }
    (!lacks.is_empty()).then(|| format!("service {}: {}", s.name, lacks.join(", ")))
}

/// The services of every region that are not at steady state.
pub fn services_awaited(ecs: &Ecs) -> Vec<String> {
    let mut out = Vec::new();
    for scope in ecs.scopes() {
        ecs.read(&scope, |region| {
            for s in region.services.values().filter(|s| s.status == "ACTIVE") {
                out.extend(service_awaited(region, s));
            }
        });
    }
    out
}

/// The target groups whose registered targets are not all `healthy`.
pub fn target_groups_awaited(elbv2: &Elbv2) -> Vec<String> {
    let mut groups: Vec<_> = elbv2.target_groups.values().collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for tg in groups {
        let states: Vec<&str> = tg
            .targets
            .keys()
            .map(|k| elbv2.target_health(tg, k).0)
            .filter(|s| matches!(*s, "initial" | "healthy" | "unhealthy"))
            .collect();
        let healthy = states.iter().filter(|s| **s == "healthy").count();
        if healthy < states.len() {
            out.push(format!(
                "target group {}: {healthy} of {} healthy",
                tg.name,
                states.len()
            ));
        }
    }
    out
}

/// Everything `up --wait` still awaits (empty: ready), services first.
pub fn awaited(ecs: &Ecs, elbv2: &Elbv2) -> Vec<String> {
    let mut out = services_awaited(ecs);
    out.extend(target_groups_awaited(elbv2));
    out
}

/// Every task that is not STOPPED, with its address and health.
pub fn tasks(ecs: &Ecs, elbv2: &Elbv2) -> Vec<TaskRecord> {
    let mut out = Vec::new();
    for scope in ecs.scopes() {
        ecs.read(&scope, |region| {
            for t in region.tasks.values() {
                if t.last_status == TaskStatus::Stopped {
                    continue;
                }
                let ip = t.eni.as_ref().map(|e| e.ip.to_string());
                let mut targets = Vec::new();
                if let Some(ip) = &ip {
                    for tg in elbv2.target_groups.values() {
                        for k in tg.targets.keys().filter(|k| k.id == *ip) {
                            targets.push((tg.name.clone(), elbv2.target_health(tg, k).0.into()));
                        }
                    }
                }
                targets.sort();
                out.push(TaskRecord {
                    task_arn: t.arn.clone(),
                    service: t.service.clone(),
                    last_status: t.last_status.as_str().into(),
                    ip,
                    health: t.health_status.clone(),
                    has_health_check: t
                        .containers
                        .iter()
                        .any(|c| c.essential && c.has_health_check),
                    targets,
                });
            }
        });
    }
    out.sort_by(|a, b| a.task_arn.cmp(&b.task_arn));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ecs::model::Scope;
    use crate::services::ecs::model::service::NewService;
    use crate::services::ecs::model::task::NewTask;
    use crate::services::elbv2::model::health::CheckOutcome;
    use crate::services::elbv2::model::target_group::TargetKey;
    use serde_json::json;

    fn scope() -> Scope {
        Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    /// Cluster `prod`, task definition `web`, service `web` wanting 2.
    fn ecs_with_service() -> Ecs {
        let ecs = Ecs::new();
        ecs.write(&scope(), |r| {
            r.create_cluster(Some("prod".into()), vec![], json!([]), None, 0.0)
                .unwrap();
            r.register_task_definition(
                json!({"family": "web", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
                       "containerDefinitions": [{"name": "app", "image": "emul/testapp:latest"}]})
                .as_object()
                .cloned()
                .unwrap(),
                0.0,
            )
            .unwrap();
            r.create_service(
                "prod",
                NewService {
                    name: "web".into(),
                    task_definition: "web".into(),
                    desired_count: 2,
                    network_configuration: Some(
                        json!({"awsvpcConfiguration": {"subnets": ["private-a"]}}),
                    ),
                    ..NewService::default()
                },
                0.0,
            )
            .unwrap();
        });
        ecs
    }

    /// One RUNNING task of service `web`'s PRIMARY deployment.
    fn run_one(ecs: &Ecs) -> String {
        ecs.write(&scope(), |r| {
            let td = r.task_definition("web").unwrap().clone();
            let deployment = r.services.values().next().unwrap().primary().id.clone();
            let id = r.create_task(
                &td,
                NewTask {
                    cluster: "prod".into(),
                    started_by: Some(deployment),
                    service: Some("web".into()),
                    ..NewTask::default()
                },
                1.0,
            );
            r.tasks
                .get_mut(&id)
                .unwrap()
                .advance(TaskStatus::Running, 2.0);
            id
        })
    }

    #[test]
    fn a_service_is_awaited_until_running_equals_desired_and_its_deployment_completed() {
        let ecs = ecs_with_service();
        assert_eq!(
            services_awaited(&ecs),
            ["service web: 0 of 2 running, deployment IN_PROGRESS"]
        );
        run_one(&ecs);
        run_one(&ecs);
        assert_eq!(
            services_awaited(&ecs),
            ["service web: deployment IN_PROGRESS"]
        );
        ecs.write(&scope(), |r| {
            for s in r.services.values_mut() {
                s.deployments[0].rollout_state = "COMPLETED".into();
            }
        });
        assert!(services_awaited(&ecs).is_empty());
        // A task leaving RUNNING (StopTask: DEACTIVATING) is not running.
        let id = run_one(&ecs);
        ecs.write(&scope(), |r| {
            let t = r.tasks.get_mut(&id).unwrap();
            t.request_stop("UserInitiated", "x", 3.0);
            t.advance(TaskStatus::Deactivating, 3.0);
        });
        assert!(services_awaited(&ecs).is_empty(), "2 of 2 still running");
    }

    fn wechat() -> Elbv2 {
        let topology =
            crate::topology::parse_str(include_str!("../../../fixtures/topologies/wechat.yaml"))
                .expect("the fixture parses");
        crate::services::elbv2::model::build::from_topology(&topology, 0)
    }

    #[test]
    fn target_groups_are_awaited_until_every_registered_target_is_healthy() {
        let mut m = wechat();
        let (arn, name) = m
            .target_groups
            .values()
            .find(|tg| m.target_group_in_use(&tg.arn) && tg.health_check.enabled)
            .map(|tg| (tg.arn.clone(), tg.name.clone()))
            .expect("a target group behind a listener");
        // No targets: nothing to wait for.
        assert!(target_groups_awaited(&m).is_empty());
        m.register_targets(
            &arn,
            &[
                ("10.0.1.10".into(), Some(8080)),
                ("10.0.1.11".into(), Some(8080)),
            ],
            0,
        )
        .unwrap();
        assert_eq!(
            target_groups_awaited(&m),
            [format!("target group {name}: 0 of 2 healthy")]
        );
        let a = TargetKey {
            id: "10.0.1.10".into(),
            port: 8080,
        };
        for i in 0..10 {
            m.observe_health(&arn, &a, CheckOutcome::Passed, i);
        }
        assert_eq!(
            target_groups_awaited(&m),
            [format!("target group {name}: 1 of 2 healthy")]
        );
        // The unhealthy one leaves: a draining target is not awaited.
        m.deregister_targets(&arn, &[("10.0.1.11".into(), Some(8080))], 20)
            .unwrap();
        assert!(target_groups_awaited(&m).is_empty());
    }

    #[test]
    fn health_text_names_container_and_target_health() {
        let mut t = TaskRecord {
            task_arn: "arn".into(),
            service: None,
            last_status: "RUNNING".into(),
            ip: Some("10.0.1.10".into()),
            health: "UNKNOWN".into(),
            has_health_check: false,
            targets: vec![],
        };
        assert_eq!(t.health_text(), "-");
        t.has_health_check = true;
        t.health = "HEALTHY".into();
        t.targets.push(("web".into(), "healthy".into()));
        assert_eq!(t.health_text(), "HEALTHY, tg web healthy");
    }
}
