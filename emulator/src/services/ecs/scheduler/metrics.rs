//! `AWS/ECS` metrics from what the tasks really use: twice a period, one
//! immediate Docker stats sample of each RUNNING service task's containers
//! (CPU from the difference with the previous sample), summed per service
//! and per cluster against what the tasks reserve, as ECS computes them.
//! Twice a period, so that every period of an alarm has a datapoint
//! (CloudWatch averages the two):
//!
//! - `CPUUtilization` = 100 × CPU units used ÷ CPU units reserved, where a
//!   vCPU is 1024 units and a task reserves its task-level `cpu` (or the
//!   sum of its containers' `cpu`);
//! - `MemoryUtilization` = 100 × memory used ÷ memory reserved, memory
//!   used being the cgroup's usage less its page cache (inactive files),
//!   and the reservation the task's `memory` (or its containers' sum).
//!
//! Dimensions `ClusterName`+`ServiceName` (what target tracking reads) and
//! `ClusterName` alone. A task with no reservation is left out of the
//! share it has none for. Datapoints go to a [`MetricSink`] (CloudWatch).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::Inner;
use crate::services::ecs::model::{Scope, TaskStatus};
use crate::wiring::{MetricDatum, MetricSink};

/// What the collector needs.
#[derive(Clone)]
pub struct MetricsDeps {
    /// Where datapoints go.
    pub sink: Arc<dyn MetricSink>,
    /// Time between samples (AWS publishes one datapoint a minute).
    pub every: Duration,
}

/// One RUNNING service task, as the collector samples it.
struct Sampled {
    scope: Scope,
    cluster: String,
    service: String,
    /// Reserved CPU units, when the task or its containers reserve any.
    cpu_units: Option<f64>,
    /// Reserved memory (MiB), likewise.
    memory_mib: Option<f64>,
    /// Docker ids of its containers.
    containers: Vec<String>,
}

/// Used and reserved sums of one service or cluster.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Usage {
    /// CPU units used.
    pub cpu_used: f64,
    /// CPU units reserved.
    pub cpu_reserved: f64,
    /// MiB used.
    pub mem_used: f64,
    /// MiB reserved.
    pub mem_reserved: f64,
}

/// Samples until `stopped` turns true.
pub(super) async fn run(
    inner: Arc<Inner>,
    deps: MetricsDeps,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let every = (deps.every / 2).max(Duration::from_millis(200));
    let mut previous = CpuReadings::default();
    loop {
        let started = tokio::time::Instant::now();
        let tasks = running_tasks(&inner);
        if !tasks.is_empty() {
            let stats = futures::future::join_all(tasks.iter().map(|t| fetch(&inner, t))).await;
            let mut current = CpuReadings::default();
            let samples: Vec<_> = stats
                .iter()
                .map(|s| usage(s, &previous, &mut current))
                .collect();
            previous = current;
            publish(&*deps.sink, &tasks, &samples, SystemTime::now());
        }
        tokio::select! {
            _ = tokio::time::sleep_until(started + every) => {}
            _ = stopped.changed() => return,
        }
    }
}

fn running_tasks(inner: &Inner) -> Vec<Sampled> {
    let mut out = Vec::new();
    for scope in inner.ecs.scopes() {
        inner.ecs.read(&scope, |region| {
            for task in region.tasks.values() {
                let Some(service) = &task.service else {
                    continue;
                };
                if task.last_status != TaskStatus::Running {
                    continue;
                }
                let containers: Vec<String> = task
                    .containers
                    .iter()
                    .filter_map(|c| c.runtime_id.clone())
                    .collect();
                let sum = |f: fn(&crate::services::ecs::model::Container) -> Option<&String>| {
                    let v: f64 = task
                        .containers
                        .iter()
                        .filter_map(|c| f(c).and_then(|s| s.parse::<f64>().ok()))
                        .sum();
                    (v > 0.0).then_some(v)
                };
                let parse = |s: &Option<String>| {
                    s.as_deref()
                        .and_then(|s| s.parse::<f64>().ok())
                        .filter(|v| *v > 0.0)
                };
                out.push(Sampled {
                    scope: scope.clone(),
                    cluster: task.cluster.clone(),
                    service: service.clone(),
                    cpu_units: parse(&task.cpu).or_else(|| sum(|c| c.cpu.as_ref())),
                    memory_mib: parse(&task.memory).or_else(|| sum(|c| c.memory.as_ref())),
                    containers,
                });
            }
        });
    }
    out
}

/// Each container's last (CPU time, wall time) reading, in ns.
type CpuReadings = std::collections::HashMap<String, (f64, f64)>;

/// One immediate sample of each of the task's containers (id, stats).
async fn fetch(inner: &Inner, task: &Sampled) -> Vec<(String, Value)> {
    let stats = futures::future::join_all(
        task.containers
            .iter()
            .map(|id| inner.deps.engine.stats_once(id)),
    )
    .await;
    task.containers
        .iter()
        .zip(stats)
        .filter_map(|(id, s)| Some((id.clone(), s.ok()??)))
        .collect()
}

/// The task's (CPU units used, MiB used) from its containers' samples:
/// `None` when none answered (it is stopping); CPU is `None` while a
/// container has no earlier reading (its first sample).
fn usage(
    stats: &[(String, Value)],
    previous: &CpuReadings,
    current: &mut CpuReadings,
) -> Option<(Option<f64>, f64)> {
    if stats.is_empty() {
        return None;
    }
    let mut cpu = Some(0.0);
    let mut mem = 0.0;
    for (id, s) in stats {
        let reading = cpu_reading(s);
        if let Some(r) = reading {
            current.insert(id.clone(), r);
        }
        let used = match (previous.get(id), reading) {
            (Some(before), Some(now)) => cpu_units(*before, now),
            _ => None,
        };
        cpu = cpu.zip(used).map(|(a, b)| a + b);
        mem += memory_mib(s).unwrap_or(0.0);
    }
    Some((cpu, mem))
}

/// A container's (CPU time, wall time) in ns from one sample: the host's
/// `system_cpu_usage` counts every CPU's time, so divided by the online
/// CPUs it advances with the wall clock.
pub fn cpu_reading(stats: &Value) -> Option<(f64, f64)> {
    let c = &stats["cpu_stats"];
    let total = c["cpu_usage"]["total_usage"].as_f64()?;
    let system = c["system_cpu_usage"].as_f64()?;
    let online = c["online_cpus"]
        .as_f64()
        .filter(|n| *n > 0.0)
        .unwrap_or(1.0);
    Some((total, system / online))
}

/// CPU units (1024 per core) a container used between two readings.
pub fn cpu_units(before: (f64, f64), now: (f64, f64)) -> Option<f64> {
    let cpu_delta = now.0 - before.0;
    let wall_delta = now.1 - before.1;
    if wall_delta <= 0.0 || cpu_delta < 0.0 {
        return None;
    }
    Some(cpu_delta / wall_delta * 1024.0)
}

/// MiB a container uses, less its page cache (`inactive_file` on cgroup
/// v2, `total_inactive_file` or `cache` on v1), as `docker stats` shows.
pub fn memory_mib(stats: &Value) -> Option<f64> {
    let m = &stats["memory_stats"];
    let usage = m["usage"].as_f64()?;
    let s = &m["stats"];
    let cache = s["inactive_file"]
        .as_f64()
        .or_else(|| s["total_inactive_file"].as_f64())
        .or_else(|| s["cache"].as_f64())
        .unwrap_or(0.0);
    Some((usage - cache).max(0.0) / (1024.0 * 1024.0))
}

/// Sums the samples per service and per cluster and hands the datapoints
/// to the sink.
fn publish(
    sink: &dyn MetricSink,
    tasks: &[Sampled],
    samples: &[Option<(Option<f64>, f64)>],
    at: SystemTime,
) {
    let mut services: BTreeMap<(Scope, String, String), Usage> = BTreeMap::new();
    let mut clusters: BTreeMap<(Scope, String), Usage> = BTreeMap::new();
    for (task, sample) in tasks.iter().zip(samples) {
        let Some((cpu, mem)) = sample else { continue };
        let add = |u: &mut Usage| {
            if let (Some(r), Some(cpu)) = (task.cpu_units, *cpu) {
                u.cpu_used += cpu;
                u.cpu_reserved += r;
            }
            if let Some(r) = task.memory_mib {
                u.mem_used += mem;
                u.mem_reserved += r;
            }
        };
        add(services
            .entry((
                task.scope.clone(),
                task.cluster.clone(),
                task.service.clone(),
            ))
            .or_default());
        add(clusters
            .entry((task.scope.clone(), task.cluster.clone()))
            .or_default());
    }
    let mut by_scope: BTreeMap<Scope, Vec<MetricDatum>> = BTreeMap::new();
    for ((scope, cluster, service), u) in services {
        let dims = vec![
            ("ClusterName".to_string(), cluster),
            ("ServiceName".to_string(), service),
        ];
        by_scope
            .entry(scope)
            .or_default()
            .extend(datapoints(&u, dims, at));
    }
    for ((scope, cluster), u) in clusters {
        let dims = vec![("ClusterName".to_string(), cluster)];
        by_scope
            .entry(scope)
            .or_default()
            .extend(datapoints(&u, dims, at));
    }
    for (scope, data) in by_scope {
        sink.put(&scope.account, &scope.region, data);
    }
}

/// The CPUUtilization and MemoryUtilization datapoints of one usage sum.
pub fn datapoints(u: &Usage, dims: Vec<(String, String)>, at: SystemTime) -> Vec<MetricDatum> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, used: f64, reserved: f64| {
        if reserved > 0.0 {
            out.push(MetricDatum {
                namespace: "AWS/ECS",
                name,
                dimensions: dims.clone(),
                value: 100.0 * used / reserved,
                unit: "Percent",
                timestamp: at,
            });
        }
    };
    push("CPUUtilization", u.cpu_used, u.cpu_reserved);
    push("MemoryUtilization", u.mem_used, u.mem_reserved);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cpu_is_cpu_time_over_wall_time_in_units() {
        // Half of one core for one second on a 2-core host.
        let a = json!({"cpu_stats": {"cpu_usage": {"total_usage": 1_000_000_000u64}, "system_cpu_usage": 2_000_000_000u64, "online_cpus": 2}});
        let b = json!({"cpu_stats": {"cpu_usage": {"total_usage": 1_500_000_000u64}, "system_cpu_usage": 4_000_000_000u64, "online_cpus": 2}});
        let (ra, rb) = (cpu_reading(&a).unwrap(), cpu_reading(&b).unwrap());
        assert_eq!(cpu_units(ra, rb), Some(512.0));
        assert_eq!(cpu_reading(&json!({"cpu_stats": {}})), None);
        // The first sample of a container gives no CPU figure; memory still counts.
        let mut current = CpuReadings::default();
        let stats = vec![("c1".to_string(), a.clone())];
        assert_eq!(
            usage(&stats, &CpuReadings::default(), &mut current),
            Some((None, 0.0))
        );
        let later = vec![("c1".to_string(), b)];
        let mut next = CpuReadings::default();
        assert_eq!(usage(&later, &current, &mut next), Some((Some(512.0), 0.0)));
        assert_eq!(usage(&[], &current, &mut next), None);
    }

    #[test]
    fn memory_leaves_out_the_page_cache() {
        let s = json!({"memory_stats": {"usage": 300u64 << 20, "stats": {"inactive_file": 100u64 << 20}}});
        assert_eq!(memory_mib(&s), Some(200.0));
        let v1 = json!({"memory_stats": {"usage": 64u64 << 20, "stats": {"cache": 32u64 << 20}}});
        assert_eq!(memory_mib(&v1), Some(32.0));
    }

    #[test]
    fn utilization_is_used_over_reserved() {
        let u = Usage {
            cpu_used: 768.0,
            cpu_reserved: 1024.0,
            mem_used: 0.0,
            mem_reserved: 0.0,
        };
        let d = datapoints(
            &u,
            vec![("ClusterName".into(), "c".into())],
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(d.len(), 1, "no memory reservation, no MemoryUtilization");
        assert_eq!(
            (d[0].name, d[0].value, d[0].unit),
            ("CPUUtilization", 75.0, "Percent")
        );
    }
}
