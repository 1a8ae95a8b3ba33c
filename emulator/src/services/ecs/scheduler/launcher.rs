//! One task's launch and stop, in ECS's lifecycle order:
//!
//! launch: PROVISIONING (IP from the service's subnets) → secrets resolved
//! (a failure stops the task with the agent's text) → ENI pause container →
//! `NetworkPolicy::eni_attached` → PENDING → containers in `dependsOn`
//! order → ACTIVATING (target registration) → RUNNING.
//!
//! stop: DEACTIVATING (deregister, wait the deregistration delay) →
//! STOPPING (`docker stop` with `stopTimeout`; the log copies drain) →
//! DEPROVISIONING (`eni_detached`, pause removed, cgroup removed, IP
//! released) → STOPPED.
//!
//! Every container's stdout/stderr is copied from its start into
//! `<state>/logs/ecs/<cluster>/<task-id>/<container>.log` (`runtime::task_logs`)
//! when [`super::EcsDeps::log_dir`] is set, and the lines of `awslogs`
//! containers into CloudWatch Logs when [`super::EcsDeps::log_sink`] is
//! (`super::log_config`). How each container definition
//! becomes a Docker container (limits, health check, environment) is
//! `container_spec`.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::container_spec::{cap_per_container, container_spec};
use super::{Inner, LiveTask, metadata};
use crate::runtime::ipam;
use crate::runtime::task_cgroup::{TaskCgroup, TaskLimits};
use crate::runtime::task_logs::{self, TaskLogDir, TaskLogInfo};
use crate::runtime::tasks::{self, Started, TaskLaunch};
use crate::services::ecs::model::task::EniAttachment;
use crate::services::ecs::model::{Scope, TaskStatus};
use crate::services::ecs::service::now;
use crate::wiring::{EniInfo, Target};

/// Everything read from the model to launch one task.
struct Blueprint {
    cluster: String,
    task_arn: String,
    family: String,
    revision: u32,
    service: Option<String>,
    subnets: Vec<String>,
    security_groups: Vec<String>,
    containers: Vec<Value>,
    overrides: Value,
    task_cpu: Option<i64>,
    task_memory: Option<i64>,
    load_balancers: Vec<(String, String, u16)>,
}

fn read_blueprint(inner: &Inner, scope: &Scope, task_id: &str) -> Option<Blueprint> {
    inner.ecs.read(scope, |region| {
        let t = region.tasks.get(task_id)?;
        let td = region.task_definition(&t.task_definition_arn).ok()?;
        let service = t
            .service
            .as_ref()
            .and_then(|s| region.service(&t.cluster, s));
        let net = t.network_configuration.clone().unwrap_or(Value::Null);
        let strings = |p: &str| -> Vec<String> {
            net.pointer(p)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        // Ids read from the EC2 API name the same subnets and groups.
        let named = |list: Vec<String>| -> Vec<String> {
            match &inner.deps.network_names {
                Some(n) => list.iter().map(|x| n.name_of(x)).collect(),
                None => list,
            }
        };
        let load_balancers = service
            .and_then(|s| s.load_balancers.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|lb| {
                Some((
                    lb.get("targetGroupArn")?.as_str()?.to_string(),
                    lb.get("containerName")?.as_str()?.to_string(),
                    u16::try_from(lb.get("containerPort")?.as_u64()?).ok()?,
                ))
            })
            .collect();
        Some(Blueprint {
            cluster: t.cluster.clone(),
            task_arn: t.arn.clone(),
            family: td.family.clone(),
            revision: td.revision,
            service: t.service.clone(),
            subnets: named(strings("/awsvpcConfiguration/subnets")),
            security_groups: named(strings("/awsvpcConfiguration/securityGroups")),
            containers: td.containers().to_vec(),
            overrides: t.overrides.clone(),
            task_cpu: t.cpu.as_deref().and_then(|c| c.parse().ok()),
            task_memory: t.memory.as_deref().and_then(|c| c.parse().ok()),
            load_balancers,
        })
    })
}

/// The resource name of a task's ENI and containers
/// (`ecs/<cluster>/<service or family>/<task id's first 12 digits>`).
fn eni_resource(bp: &Blueprint, task_id: &str) -> String {
    format!(
        "ecs/{}/{}/{}",
        bp.cluster,
        bp.service.as_deref().unwrap_or(&bp.family),
        &task_id[..12]
    )
}

/// Picks a free address in the first of `subnets` that has one.
fn allocate_ip(inner: &Inner, subnets: &[String]) -> Option<(String, Ipv4Addr)> {
    let mut ips = inner.ips.lock().unwrap_or_else(|p| p.into_inner());
    let candidates: Vec<&String> = if subnets.is_empty() {
        inner.deps.subnets.keys().collect()
    } else {
        subnets.iter().collect()
    };
    // Spread tasks over the subnets: start with the least used one.
    let mut ordered: Vec<(usize, &String)> = candidates
        .iter()
        .filter_map(|name| {
            let net = inner.deps.subnets.get(*name)?;
            Some((ips.iter().filter(|ip| net.contains(*ip)).count(), *name))
        })
        .collect();
    ordered.sort();
    for (_, name) in ordered {
        let net = inner.deps.subnets[name];
        let Some((first, last)) = ipam::usable_range(net) else {
            continue;
        };
        for n in first..=last {
            let ip = Ipv4Addr::from(n);
            if !ips.contains(&ip) && !inner.deps.reserved_ips.contains(&ip) {
                ips.insert(ip);
                return Some((name.clone(), ip));
            }
        }
    }
    None
}

fn release_ip(inner: &Inner, ip: Option<Ipv4Addr>) {
    if let Some(ip) = ip {
        inner
            .ips
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ip);
    }
}

/// Moves the task forward in the model.
fn advance(inner: &Inner, scope: &Scope, task_id: &str, to: TaskStatus) {
    inner.ecs.write_quiet(scope, |region| {
        if let Some(t) = region.tasks.get_mut(task_id) {
            t.advance(to, now());
        }
    });
}

/// Marks a task that never started as stopped with `code`/`reason`.
fn fail_to_start(inner: &Inner, scope: &Scope, task_id: &str, reason: &str) {
    tracing::warn!(task = task_id, reason, "ECS task failed to start");
    inner.ecs.write_quiet(scope, |region| {
        if let Some(t) = region.tasks.get_mut(task_id) {
            t.request_stop("TaskFailedToStart", reason, now());
            t.advance(TaskStatus::Stopped, now());
        }
    });
}

/// Launches one PROVISIONING task.
pub(super) async fn launch(inner: &Inner, scope: &Scope, task_id: &str) {
    let Some(bp) = read_blueprint(inner, scope, task_id) else {
        return;
    };
    // Secrets first: a bad reference never costs an ENI.
    let credentials_id = uuid::Uuid::new_v4().to_string();
    let mut containers = Vec::new();
    for (index, def) in bp.containers.iter().enumerate() {
        let injected = vec![
            (
                "ECS_CONTAINER_METADATA_URI_V4".to_string(),
                format!(
                    "http://{}/v4/{}",
                    metadata::ADDRESS,
                    metadata::container_id(task_id, index)
                ),
            ),
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".to_string(),
                format!("/v2/credentials/{credentials_id}"),
            ),
        ];
        match container_spec(inner, scope, &bp.overrides, def, injected) {
            Ok(c) => containers.push(c),
            Err(reason) => return fail_to_start(inner, scope, task_id, &reason),
        }
    }
    // awslogs destinations next, as the agent validates its logger before
    // anything runs: a missing group stops the task here.
    let mut log_forward = HashMap::new();
    if let Some(sink) = &inner.deps.log_sink {
        for def in &bp.containers {
            let dest = match super::log_config::awslogs(def, scope, task_id) {
                None => continue,
                Some(Ok(dest)) => dest,
                Some(Err(reason)) => return fail_to_start(inner, scope, task_id, &reason),
            };
            let (s, d) = (sink.clone(), dest.clone());
            match tokio::task::spawn_blocking(move || s.open(&d)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return fail_to_start(inner, scope, task_id, &e.0),
                Err(e) => {
                    return fail_to_start(
                        inner,
                        scope,
                        task_id,
                        &format!(
                            "ResourceInitializationError: failed to validate logger args: {e}"
                        ),
                    );
                }
            }
            let name = def["name"].as_str().unwrap_or_default().to_string();
            log_forward.insert(
                name,
                task_logs::LogForward {
                    sink: sink.clone(),
                    dest,
                },
            );
        }
    }
    // Images from emul's ECR registry are pulled before anything is
    // created, as the agent pulls before it starts a task's containers.
    for c in &mut containers {
        if let Err(reason) = super::ecr_images::resolve(&inner.deps, &mut c.image).await {
            return fail_to_start(inner, scope, task_id, &reason);
        }
    }
    let Some((subnet, ip)) = allocate_ip(inner, &bp.subnets) else {
        return fail_to_start(
            inner,
            scope,
            task_id,
            "ResourceInitializationError: failed to configure ENI: no free address in the task's subnets",
        );
    };
    inner.ecs.write_quiet(scope, |region| {
        if let Some(t) = region.tasks.get_mut(task_id) {
            t.eni = Some(EniAttachment {
                id: uuid::Uuid::new_v4().to_string(),
                ip,
                subnet: crate::services::ec2::model::resource_id(
                    "subnet",
                    &inner.deps.project,
                    &subnet,
                ),
                // The id the EC2 API shows for the same ENI.
                eni_id: crate::services::ec2::model::eni_id(
                    &inner.deps.project,
                    &format!("eni/{}", eni_resource(&bp, task_id)),
                ),
                mac: format!(
                    "0a:{}:{}:{}:{}:{}",
                    &task_id[0..2],
                    &task_id[2..4],
                    &task_id[4..6],
                    &task_id[6..8],
                    &task_id[8..10]
                ),
            });
        }
    });
    let task_limits = TaskLimits {
        cpu_units: bp.task_cpu,
        memory_mib: bp.task_memory,
    };
    let cgroup = if task_limits == TaskLimits::default() {
        None
    } else {
        let cgroup = TaskCgroup::create(
            &inner.deps.engine,
            &inner.deps.project,
            task_id,
            task_limits,
        )
        .await;
        if cgroup.is_none() {
            tracing::info!(
                task = task_id,
                "no task cgroup on this engine: the task-level cpu/memory cap each container"
            );
            for c in &mut containers {
                cap_per_container(&mut c.limits, task_limits);
            }
        }
        cgroup
    };
    let log_dir = inner.deps.log_dir.as_ref().and_then(|root| {
        let info = TaskLogInfo {
            task_arn: bp.task_arn.clone(),
            cluster: bp.cluster.clone(),
            service: bp.service.clone(),
            family: bp.family.clone(),
            containers: containers.iter().map(|c| c.name.clone()).collect(),
            started_at_ms: task_logs::now_ms(),
            stopped_at_ms: None,
            awslogs: log_forward
                .iter()
                .map(|(name, f): (&String, &task_logs::LogForward)| (name.clone(), f.dest.clone()))
                .collect(),
        };
        TaskLogDir::create(root, &info)
            .inspect_err(
                |e| tracing::warn!(task = task_id, error = %e, "cannot keep the task's logs"),
            )
            .ok()
    });
    let mut labels = inner.deps.extra_labels.clone();
    labels.insert("com.amazonaws.ecs.task-arn".into(), bp.task_arn.clone());
    labels.insert("com.amazonaws.ecs.cluster".into(), bp.cluster.clone());
    labels.insert(
        "com.amazonaws.ecs.task-definition-family".into(),
        bp.family.clone(),
    );
    labels.insert(
        "com.amazonaws.ecs.task-definition-version".into(),
        bp.revision.to_string(),
    );
    if let Some(s) = &bp.service {
        labels.insert("io.emul.ecs.service".into(), s.clone());
    }
    let resource = eni_resource(&bp, task_id);
    let plan = TaskLaunch {
        project: inner.deps.project.clone(),
        resource: resource.clone(),
        network: inner.deps.network.clone(),
        ip,
        vpc: inner.deps.vpc,
        hostname: format!("ip-{}", ip.to_string().replace('.', "-")),
        labels,
        containers,
        start_timeout: Duration::from_secs(120),
        cgroup_parent: cgroup.as_ref().map(|c| c.parent().to_string()),
        log_dir: log_dir.clone(),
        log_forward,
    };
    let mut live = LiveTask {
        scope: scope.clone(),
        pause_id: None,
        containers: Vec::new(),
        ip: Some(ip),
        eni_id: None,
        metadata: None,
        targets: Vec::new(),
        running_since: None,
        log_pumps: Vec::new(),
        log_dir,
        cgroup,
    };
    let engine = &inner.deps.engine;
    let pause_id = match tasks::start_eni(engine, &plan).await {
        Ok(x) => x,
        Err(e) => {
            finish_teardown(inner, &live).await;
            return fail_to_start(
                inner,
                scope,
                task_id,
                &format!("ResourceInitializationError: failed to configure ENI: {e}"),
            );
        }
    };
    live.pause_id = Some(pause_id.clone());
    live.eni_id = Some(format!("eni/{resource}"));
    let eni = EniInfo {
        id: format!("eni/{resource}"),
        ip,
        subnet: subnet.clone(),
        security_groups: bp.security_groups.clone(),
    };
    if let Err(e) = inner.deps.network_policy.eni_attached(&eni).await {
        teardown(inner, &live, Duration::from_secs(1)).await;
        return fail_to_start(
            inner,
            scope,
            task_id,
            &format!("ResourceInitializationError: failed to configure ENI: {e}"),
        );
    }
    // The agent listens only once its VPC services' DNAT table is in place
    // (`runtime::vpc_services`): workloads must not start before that, or
    // their first metadata or DNS request would go nowhere.
    if inner.deps.vpc.is_some() {
        let agent = crate::runtime::agent::AgentClient::new(
            ip,
            crate::runtime::agent::project_token(&inner.deps.project),
        );
        if let Err(e) = agent.wait_listening().await {
            let logs = engine.logs_tail(&pause_id, 5).await;
            teardown(inner, &live, Duration::from_secs(1)).await;
            return fail_to_start(
                inner,
                scope,
                task_id,
                &format!(
                    "ResourceInitializationError: failed to configure ENI: its agent did not start: {e} {}",
                    logs.trim()
                ),
            );
        }
    }
    // The metadata/credentials endpoint: the VPC-wide server answers this
    // task's ENI address from now on (its agent DNATs 169.254.170.2 there).
    let endpoint = metadata::Endpoint {
        ecs: inner.ecs.clone(),
        scope: scope.clone(),
        task_id: task_id.to_string(),
        credentials_id,
        subnet_cidr: inner.deps.subnets[&subnet].to_string(),
        engine: inner.deps.engine.clone(),
        pause_id: pause_id.clone(),
    };
    inner
        .metadata
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(ip, endpoint);
    live.metadata = Some(ip);
    advance(inner, scope, task_id, TaskStatus::Pending);
    let mut started = Started::default();
    let result = tasks::start_containers(engine, &plan, &pause_id, &mut started).await;
    live.containers = started.containers;
    live.log_pumps = started.log_pumps;
    match result {
        Ok(()) => {}
        Err(e) => {
            teardown(inner, &live, Duration::from_secs(1)).await;
            return fail_to_start(inner, scope, task_id, &e.to_string());
        }
    }
    advance(inner, scope, task_id, TaskStatus::Activating);
    let mut registered = Vec::new();
    for (tg, _container, port) in &bp.load_balancers {
        let target = Target { ip, port: *port };
        match inner.deps.targets.register(tg, target) {
            Ok(()) => {
                live.targets.push((tg.clone(), target));
                registered.push(tg.clone());
            }
            Err(e) => tracing::warn!(task = task_id, tg, error = %e, "target registration failed"),
        }
    }
    live.running_since = Some(Instant::now());
    inner
        .live
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(task_id.to_string(), live.clone());
    inner.ecs.write_quiet(scope, |region| {
        if let Some(t) = region.tasks.get_mut(task_id) {
            for c in &mut t.containers {
                if let Some((_, id)) = live.containers.iter().find(|(n, _)| *n == c.name) {
                    c.runtime_id = Some(id.clone());
                    c.last_status = TaskStatus::Running;
                }
            }
            t.advance(TaskStatus::Running, now());
        }
        if let Some(s) = bp.service.as_ref() {
            let cluster = bp.cluster.clone();
            if let Some(service) = region.service_mut(&cluster, s) {
                for tg in &registered {
                    service.event(
                        format!(
                            "(service {}) registered 1 targets in (target-group {tg})",
                            service.name
                        ),
                        now(),
                    );
                }
            }
        }
    });
}

/// Stops one task whose desired status is STOPPED.
pub(super) async fn stop(inner: &Inner, scope: &Scope, task_id: &str) {
    let live = inner
        .live
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(task_id)
        .cloned();
    let Some(live) = live else {
        // Never launched (or launch failed): nothing runs.
        advance(inner, scope, task_id, TaskStatus::Stopped);
        return;
    };
    advance(inner, scope, task_id, TaskStatus::Deactivating);
    let (service, cluster, deployment) = inner.ecs.read(scope, |region| {
        region
            .tasks
            .get(task_id)
            .map(|t| (t.service.clone(), t.cluster.clone(), t.started_by.clone()))
            .unwrap_or_default()
    });
    let mut delay = Duration::ZERO;
    for (tg, target) in &live.targets {
        if inner.deps.targets.deregister(tg, *target).is_ok() {
            delay = delay.max(inner.deps.targets.deregistration_delay(tg));
            if let Some(s) = &service {
                inner.ecs.write_quiet(scope, |region| {
                    if let Some(svc) = region.service_mut(&cluster, s) {
                        let name = svc.name.clone();
                        svc.event(
                            format!("(service {name}) deregistered 1 targets in (target-group {tg})"),
                            now(),
                        );
                        svc.event(
                            format!(
                                "(service {name}, taskSet {}) has begun draining connections on 1 tasks.",
                                deployment.clone().unwrap_or_default()
                            ),
                            now(),
                        );
                    }
                });
            }
        }
    }
    if !delay.is_zero() {
        let mut shutting_down = inner.shutting_down.clone();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutting_down.wait_for(|down| *down) => {}
        }
    }
    advance(inner, scope, task_id, TaskStatus::Stopping);
    let timeout = inner.deps.default_stop_timeout;
    let exits = teardown_containers(inner, &live, timeout).await;
    inner.ecs.write_quiet(scope, |region| {
        if let Some(t) = region.tasks.get_mut(task_id) {
            for c in &mut t.containers {
                if let Some(code) = exits.get(&c.name) {
                    c.exit_code.get_or_insert(*code);
                }
            }
            t.advance(TaskStatus::Deprovisioning, now());
        }
    });
    forget_metadata(inner, &live);
    finish_teardown(inner, &live).await;
    inner
        .live
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(task_id);
    advance(inner, scope, task_id, TaskStatus::Stopped);
}

/// Stops and removes the containers; returns their exit codes.
async fn teardown_containers(
    inner: &Inner,
    live: &LiveTask,
    timeout: Duration,
) -> HashMap<String, i64> {
    let engine = &inner.deps.engine;
    for (_, id) in live.containers.iter().rev() {
        if let Err(e) = engine.stop_container(id, timeout).await {
            tracing::warn!(container = id, error = %e, "stopping a task container failed");
        }
    }
    // The log copies end with the containers' output: let them write the
    // last lines before the containers (and Docker's copy) are removed.
    for pump in &live.log_pumps {
        pump.finished(Duration::from_secs(5)).await;
    }
    let mut exits = HashMap::new();
    for (name, id) in &live.containers {
        if let Ok(Some(state)) = engine.container_state(id).await
            && let Some(code) = state.exit_code
        {
            exits.insert(name.clone(), code);
        }
    }
    let _ = tasks::stop_task(engine, &live.containers, None, Duration::ZERO).await;
    exits
}

/// ENI detach (policy, after the workloads stopped), pause container
/// removal, the task cgroup, IP release; the task's logs marked stopped.
async fn finish_teardown(inner: &Inner, live: &LiveTask) {
    if let Some(eni) = &live.eni_id
        && let Err(e) = inner.deps.network_policy.eni_detached(eni).await
    {
        tracing::warn!(eni, error = %e, "network policy refused the ENI detach");
    }
    if let Some(pause) = &live.pause_id
        && let Err(e) = inner.deps.engine.remove_container(pause).await
    {
        tracing::warn!(container = pause, error = %e, "removing a task ENI failed");
    }
    if let Some(cgroup) = &live.cgroup {
        cgroup.remove_when_released().await;
    }
    if let Some(dir) = &live.log_dir
        && let Err(e) = dir.mark_stopped()
    {
        tracing::warn!(error = %e, "cannot mark the task's logs stopped");
    }
    release_ip(inner, live.ip);
}

/// The metadata endpoint stops answering the task's address.
fn forget_metadata(inner: &Inner, live: &LiveTask) {
    if let Some(ip) = live.metadata {
        inner
            .metadata
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ip);
    }
}

/// Removes everything of a task without the lifecycle (failed launches,
/// shutdown).
pub(super) async fn teardown(inner: &Inner, live: &LiveTask, timeout: Duration) {
    forget_metadata(inner, live);
    for (tg, target) in &live.targets {
        let _ = inner.deps.targets.deregister(tg, *target);
    }
    teardown_containers(inner, live, timeout).await;
    finish_teardown(inner, live).await;
}

/// Removes what a previous daemon of the project left running (its tasks
/// died with its memory): containers, their cgroups; their logs stay,
/// marked stopped.
pub(super) async fn remove_leftovers(inner: &Inner) {
    let engine = &inner.deps.engine;
    let leftovers = match tasks::remove_leftovers(engine, &inner.deps.project).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "cannot remove a previous run's task containers");
            return;
        }
    };
    for task in leftovers {
        let task_id = task.task_arn.rsplit('/').next().unwrap_or_default();
        tracing::info!(
            task = task.task_arn,
            "removed a task a previous daemon left running"
        );
        if let Some(cgroup) = TaskCgroup::of_task(engine, &inner.deps.project, task_id).await {
            cgroup.remove_when_released().await;
        }
        if let Some(root) = &inner.deps.log_dir {
            let _ = TaskLogDir::existing(root, &task.cluster, task_id).mark_stopped();
        }
    }
}
