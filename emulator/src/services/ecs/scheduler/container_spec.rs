//! One container definition → the Docker container that runs it: image,
//! command, environment (with `secrets[].valueFrom` resolved and what an SDK
//! inside the task needs to reach emul), limits and health check.
//!
//! # Task definition → Docker
//!
//! | task definition | Docker |
//! |---|---|
//! | container `cpu` (units) | `CpuShares` (min 2): a relative weight, as the ECS agent sets it |
//! | container `memory` (MiB) | `Memory`: hard limit, OOM-kill beyond |
//! | container `memoryReservation` (MiB) | `MemoryReservation`: soft limit |
//! | task `cpu` / `memory` | the task's cgroup (`runtime::task_cgroup`), parent of all its containers: one budget for the whole task, as on Fargate; containers without their own `memory` share it |
//! | the same, when no task cgroup can be made (remote engine, `systemd` cgroup driver) | per container: `NanoCpus` = task cpu, `Memory` = own `memory` else task memory (an upper bound each, not a shared one) |
//! | `healthCheck{command, interval, timeout, retries, startPeriod}` | `Healthcheck` with ECS's defaults 30 s, 5 s, 3, 0 (none) |

use std::time::Duration;

use serde_json::Value;

use super::Inner;
use crate::runtime::docker::{Healthcheck, Limits};
use crate::runtime::task_cgroup::TaskLimits;
use crate::runtime::tasks::TaskContainer;
use crate::services::ecs::model::Scope;
use crate::services::secretsmanager::value_from;

/// The agent's stoppedReason prefix for secret failures (aws-reference.md §2.4.1).
const SECRETS_PREFIX: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: ";

/// Builds one container's Docker view: env (with secrets), limits, health.
pub(super) fn container_spec(
    inner: &Inner,
    scope: &Scope,
    overrides: &Value,
    def: &Value,
    injected: Vec<(String, String)>,
) -> Result<TaskContainer, String> {
    let name = def["name"].as_str().unwrap_or_default().to_string();
    let override_of = overrides
        .get("containerOverrides")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|o| o["name"] == name.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    let strings = |v: Option<&Value>| -> Option<Vec<String>> {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
    };
    let mut env: Vec<(String, String)> = Vec::new();
    let push_env = |list: Option<&Value>, env: &mut Vec<(String, String)>| {
        for e in list.and_then(Value::as_array).into_iter().flatten() {
            if let (Some(k), Some(v)) = (e["name"].as_str(), e["value"].as_str()) {
                env.retain(|(name, _)| name != k);
                env.push((k.to_string(), v.to_string()));
            }
        }
    };
    push_env(def.get("environment"), &mut env);
    push_env(override_of.get("environment"), &mut env);
    for s in def
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(k), Some(from)) = (s["name"].as_str(), s["valueFrom"].as_str()) else {
            continue;
        };
        let value = value_from::resolve(&inner.deps.secrets, from)
            .map_err(|e| format!("{SECRETS_PREFIX}{e}"))?;
        env.push((k.to_string(), value));
    }
    // What an SDK inside the task needs to reach emul (aws-reference.md §2.8).
    for (k, v) in injected {
        env.retain(|(name, _)| *name != k);
        env.push((k, v));
    }
    for (k, v) in [
        ("AWS_REGION", scope.region.clone()),
        ("AWS_DEFAULT_REGION", scope.region.clone()),
        ("AWS_ENDPOINT_URL", inner.deps.gateway_url.clone()),
        ("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE".to_string()),
    ] {
        if !env.iter().any(|(name, _)| name == k) {
            env.push((k.to_string(), v));
        }
    }
    Ok(TaskContainer {
        name,
        image: def["image"].as_str().unwrap_or_default().to_string(),
        entrypoint: strings(def.get("entryPoint")),
        command: strings(override_of.get("command")).or_else(|| strings(def.get("command"))),
        env,
        health: health_check(def),
        limits: container_limits(def),
        user: def["user"].as_str().map(String::from),
        depends_on: def
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                Some((
                    d["containerName"].as_str()?.to_string(),
                    d["condition"].as_str()?.to_string(),
                ))
            })
            .collect(),
    })
}

/// A container definition's `healthCheck` as Docker's, with ECS's
/// defaults for what it leaves out (aws-reference.md §2.4).
fn health_check(def: &Value) -> Option<Healthcheck> {
    let h = def.get("healthCheck")?;
    let test: Vec<String> = h
        .get("command")?
        .as_array()?
        .iter()
        .filter_map(|s| s.as_str().map(String::from))
        .collect();
    let secs = |key: &str, default: u64| Duration::from_secs(h[key].as_u64().unwrap_or(default));
    Some(Healthcheck {
        test,
        interval: secs("interval", 30),
        timeout: secs("timeout", 5),
        retries: u32::try_from(h["retries"].as_u64().unwrap_or(3)).unwrap_or(3),
        start_period: secs("startPeriod", 0),
    })
}

/// A container definition's own limits (the module doc's table). The
/// task-level values are the task cgroup's, or [`cap_per_container`]'s.
fn container_limits(def: &Value) -> Limits {
    let mib = |key: &str| {
        def[key]
            .as_i64()
            .filter(|m| *m > 0)
            .map(|m| m * 1024 * 1024)
    };
    Limits {
        cpu_shares: def["cpu"].as_i64().filter(|c| *c > 0).map(|c| c.max(2)),
        memory_bytes: mib("memory"),
        memory_reservation_bytes: mib("memoryReservation"),
        ..Limits::default()
    }
}

/// Without a task cgroup, task-level limits cap each container instead.
pub(super) fn cap_per_container(limits: &mut Limits, task: TaskLimits) {
    if let Some(units) = task.cpu_units {
        limits.nano_cpus = Some(units * 1_000_000_000 / 1024);
    }
    if limits.memory_bytes.is_none() {
        limits.memory_bytes = task.memory_mib.map(|m| m * 1024 * 1024);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn health_check_takes_every_field_and_ecs_defaults() {
        let full = health_check(&json!({"healthCheck": {
            "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
            "interval": 10, "timeout": 2, "retries": 5, "startPeriod": 60,
        }}))
        .unwrap();
        assert_eq!(
            full,
            Healthcheck {
                test: vec![
                    "CMD-SHELL".into(),
                    "curl -f http://localhost/ || exit 1".into()
                ],
                interval: Duration::from_secs(10),
                timeout: Duration::from_secs(2),
                retries: 5,
                start_period: Duration::from_secs(60),
            }
        );
        let defaults = health_check(&json!({"healthCheck": {"command": ["CMD", "true"]}})).unwrap();
        assert_eq!(defaults.interval, Duration::from_secs(30));
        assert_eq!(defaults.timeout, Duration::from_secs(5));
        assert_eq!(defaults.retries, 3);
        assert_eq!(defaults.start_period, Duration::ZERO);
        assert_eq!(health_check(&json!({"name": "app"})), None);
    }

    #[test]
    fn container_limits_map_cpu_to_shares_and_both_memory_limits() {
        let l = container_limits(&json!({"cpu": 512, "memory": 256, "memoryReservation": 128}));
        assert_eq!(
            l,
            Limits {
                cpu_shares: Some(512),
                memory_bytes: Some(256 << 20),
                memory_reservation_bytes: Some(128 << 20),
                ..Limits::default()
            }
        );
        // Docker's minimum weight is 2; `cpu: 0` means no reservation.
        assert_eq!(container_limits(&json!({"cpu": 1})).cpu_shares, Some(2));
        assert_eq!(container_limits(&json!({"cpu": 0})), Limits::default());
    }

    #[test]
    fn without_a_task_cgroup_task_limits_cap_each_container() {
        let task = TaskLimits {
            cpu_units: Some(256),
            memory_mib: Some(512),
        };
        let mut own = container_limits(&json!({"memory": 128}));
        cap_per_container(&mut own, task);
        assert_eq!(own.memory_bytes, Some(128 << 20), "its own limit stays");
        assert_eq!(own.nano_cpus, Some(250_000_000));
        let mut bare = Limits::default();
        cap_per_container(&mut bare, task);
        assert_eq!(bare.memory_bytes, Some(512 << 20));
        let mut untouched = Limits::default();
        cap_per_container(&mut untouched, TaskLimits::default());
        assert_eq!(untouched, Limits::default());
    }
}
