//! The ECS scheduler: keeps every service at its desired count with real
//! tasks, runs rolling deployments, and launches/stops RunTask tasks.
//!
//! # Entry point (what the project daemon calls)
//!
//! ```text
//! let (ecs, handle) = EcsRuntime::start(EcsDeps { engine, secrets, project, network,
//!                                                 subnets, reserved_ips, network_policy,
//!                                                 targets, gateway_url, .. });
//! registry.register(ecs.clone());      // the ECS API on the gateway
//! ...                                  // create the topology's clusters/services via `ecs`
//! handle.shutdown().await;             // `down`: stops every task it launched
//! ```
//!
//! | file | what it owns |
//! |---|---|
//! | [`mod@self`] | [`EcsDeps`], [`EcsRuntime::start`], the loop (tick or wake-up on every API write) |
//! | [`reconcile`] | per service: classify tasks, apply the deployment arithmetic, post events (under the model lock, no I/O) |
//! | [`ecr_images`] | ECR image names → pulls from emul's registry (or `CannotPullContainerError`) |
//! | [`launcher`] | one task's launch and stop: IP, secrets, ENI, policy, containers, targets; limits, health checks and logs mapped to Docker |
//! | [`log_config`] | `logConfiguration` `awslogs` → the CloudWatch Logs stream ECS names |
//! | [`monitor`] | reading Docker's view of running tasks back into the model |
//! | [`metadata`] | the task metadata v4 and credentials endpoint, served inside each task's namespace |
//! | [`metrics`] | `AWS/ECS` CPUUtilization and MemoryUtilization per service and cluster, from Docker stats |
//!
//! What "healthy" means for min-healthy (aws-reference.md §2.6): RUNNING, and
//! all essential health checks HEALTHY when there are any, and the target
//! `Healthy` in every target group when the service has load balancers; with
//! neither, [`EcsDeps::healthy_after_running`] after RUNNING (AWS: 40 s).

mod container_spec;
mod ecr_images;
mod launcher;
mod log_config;
mod metadata;
pub mod metrics;
mod monitor;
mod reconcile;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::Ipv4Net;

use super::model::Scope;
use super::service::Ecs;
use crate::runtime::Engine;
use crate::services::secretsmanager::SecretsManager;
use crate::wiring::{NetworkPolicy, Target, TargetRegistry};

/// What the scheduler needs from the rest of emul.
#[derive(Clone)]
pub struct EcsDeps {
    /// The Docker engine (through `runtime` only).
    pub engine: Engine,
    /// Secrets Manager, for `secrets[].valueFrom`.
    pub secrets: Arc<SecretsManager>,
    /// The project name (Docker names and `io.emul.project` labels).
    pub project: String,
    /// The Docker network of the VPC the tasks' ENIs join.
    pub network: String,
    /// Subnets tasks may be placed in, by the names/ids services use in
    /// `awsvpcConfiguration.subnets`.
    pub subnets: BTreeMap<String, Ipv4Net>,
    /// Addresses already taken by the project's plan (RDS, ALB ENIs, …):
    /// task ENIs never get these.
    pub reserved_ips: BTreeSet<Ipv4Addr>,
    /// The security-group enforcer (awaited before workloads start).
    pub network_policy: Arc<dyn NetworkPolicy>,
    /// Target groups (register when RUNNING, drain before stopping).
    pub targets: Arc<dyn TargetRegistry>,
    /// The AWS endpoint as seen from inside a task (`AWS_ENDPOINT_URL`).
    pub gateway_url: String,
    /// The VPC's services (`runtime::vpc_services`): every task ENI's DNS
    /// server is the VPC resolver (service-discovery names resolve through
    /// it), and the scheduler serves the task metadata endpoint on
    /// `host:METADATA_PORT`, where each task's agent sends 169.254.170.2.
    /// `None`: Docker's default resolver and no metadata endpoint.
    pub vpc: Option<crate::runtime::vpc_services::VpcServices>,
    /// Extra labels on every Docker object (tests add `io.emul.test=1`).
    pub extra_labels: HashMap<String, String>,
    /// How long after RUNNING a task without health checks or load
    /// balancer counts as healthy (AWS: 40 s; tests use less).
    pub healthy_after_running: Duration,
    /// The reconcile period when nothing wakes the loop.
    pub tick: Duration,
    /// SIGTERM → SIGKILL grace when stopping containers without
    /// `stopTimeout` (AWS: 30 s).
    pub default_stop_timeout: Duration,
    /// Where task container logs are kept so `emul logs` can read them
    /// after the containers are gone (`runtime::task_logs::root` of the
    /// state directory); `None` keeps none.
    pub log_dir: Option<std::path::PathBuf>,
    /// emul's ECR registry: images named by ECR URI are pulled from it
    /// before the task's containers start; `None` runs every image as named.
    pub images: Option<Arc<dyn crate::wiring::ImageSource>>,
    /// CloudWatch Logs, for containers with the `awslogs` log driver (or
    /// the topology's `log_group`); `None` keeps their output in the files
    /// only. Lines are forwarded by the same copies that fill `log_dir`.
    pub log_sink: Option<Arc<dyn crate::wiring::TaskLogSink>>,
    /// Subnet and group ids (`subnet-…`, `sg-…`) to topology names, so a
    /// task may be given the ids the EC2 API shows; `None` takes names
    /// only.
    pub network_names: Option<Arc<dyn crate::wiring::NetworkNames>>,
    /// Where the services' `AWS/ECS` CPU and memory utilization go, and how
    /// often they are measured (AWS: every 60 s; a topology's `time_scale`
    /// shortens it). `None` measures nothing.
    pub metrics: Option<metrics::MetricsDeps>,
}

impl EcsDeps {
    /// Defaults for the tunables, AWS's values.
    pub fn aws_timings(mut self) -> Self {
        self.healthy_after_running = Duration::from_secs(40);
        self.tick = Duration::from_secs(1);
        self.default_stop_timeout = Duration::from_secs(30);
        self
    }
}

/// What the scheduler keeps per launched task (not in the model: Docker ids
/// and timers are runtime facts, not ECS state).
#[derive(Debug, Clone)]
struct LiveTask {
    /// The region the task lives in.
    scope: Scope,
    /// The pause container (ENI) id, once created.
    pause_id: Option<String>,
    /// (container name, Docker id), in start order.
    containers: Vec<(String, String)>,
    /// The ENI address (released when the task is gone).
    ip: Option<Ipv4Addr>,
    /// The ENI's logical id (for `NetworkPolicy::eni_detached`), once attached.
    eni_id: Option<String>,
    /// The ENI address its metadata/credentials endpoint answers (removed
    /// from the endpoint table at stop).
    metadata: Option<Ipv4Addr>,
    /// Target registrations made for it.
    targets: Vec<(String, Target)>,
    /// When it reached RUNNING.
    running_since: Option<Instant>,
    /// The copies of its containers' output (drained before removal).
    log_pumps: Vec<crate::runtime::task_logs::LogPump>,
    /// Its log directory (marked stopped at the end).
    log_dir: Option<crate::runtime::task_logs::TaskLogDir>,
    /// The cgroup bounding the whole task (removed at the end).
    cgroup: Option<crate::runtime::task_cgroup::TaskCgroup>,
}

/// The shared state of the scheduler.
struct Inner {
    /// The ECS service (API + model).
    ecs: Arc<Ecs>,
    /// Dependencies.
    deps: EcsDeps,
    /// Launched tasks by id.
    live: Mutex<HashMap<String, LiveTask>>,
    /// Tasks with a launch or stop in flight (never two at once).
    busy: Mutex<HashSet<String>>,
    /// Task ENI addresses in use.
    ips: Mutex<BTreeSet<Ipv4Addr>>,
    /// Services whose steady state was already announced.
    steady: Mutex<HashSet<String>>,
    /// Becomes true when the scheduler shuts down (`emul down`): stops under
    /// way skip the rest of their deregistration delay, so `down` does not
    /// wait up to a target group's 300 s for connections nobody will send.
    shutting_down: tokio::sync::watch::Receiver<bool>,
    /// The metadata endpoint's answers, by task ENI address.
    metadata: metadata::Endpoints,
}

/// The running scheduler; [`EcsHandle::shutdown`] stops it and its tasks.
pub struct EcsHandle {
    /// Stops the loop.
    stop: tokio::sync::watch::Sender<bool>,
    /// The loop task.
    join: tokio::task::JoinHandle<()>,
    /// Shared state, for the final cleanup.
    inner: Arc<Inner>,
    /// The VPC-wide metadata endpoint's server (stopped with the loop).
    metadata_server: Option<tokio::task::AbortHandle>,
    /// The metrics collector (stopped with the loop).
    metrics_loop: Option<tokio::task::AbortHandle>,
}

/// The ECS runtime: the API with a scheduler attached.
pub struct EcsRuntime;

impl EcsRuntime {
    /// Starts the scheduler on the current tokio runtime. Returns the ECS
    /// service (register it with the gateway) and the handle.
    pub fn start(deps: EcsDeps) -> (Arc<Ecs>, EcsHandle) {
        let ecs = Arc::new(Ecs::new());
        let handle = Self::attach(ecs.clone(), deps);
        (ecs, handle)
    }

    /// Attaches a scheduler to an existing service.
    pub fn attach(ecs: Arc<Ecs>, deps: EcsDeps) -> EcsHandle {
        ecs.attach_runtime();
        if let Some(network) = &deps.network_names {
            ecs.attach_network(network.clone());
        }
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let inner = Arc::new(Inner {
            ecs: ecs.clone(),
            deps,
            live: Mutex::default(),
            busy: Mutex::default(),
            ips: Mutex::default(),
            steady: Mutex::default(),
            shutting_down: stop.subscribe(),
            metadata: Default::default(),
        });
        let metadata_server = inner.deps.vpc.map(|vpc| {
            let endpoints = inner.metadata.clone();
            tokio::spawn(async move {
                let addr = (vpc.host, crate::runtime::vpc_services::METADATA_PORT);
                match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => metadata::serve(endpoints, l).await,
                    Err(e) => tracing::error!(
                        address = %vpc.host, port = addr.1, error = %e,
                        "the task metadata endpoint cannot listen: tasks will find no metadata or credentials"
                    ),
                }
            })
            .abort_handle()
        });
        let metrics_loop = inner.deps.metrics.clone().map(|m| {
            let inner = inner.clone();
            let stopped = stop.subscribe();
            tokio::spawn(metrics::run(inner, m, stopped)).abort_handle()
        });
        let changed = ecs.changed();
        let looping = inner.clone();
        let join = tokio::spawn(async move {
            // Before the first launch: a previous daemon's tasks are gone.
            launcher::remove_leftovers(&looping).await;
            loop {
                tokio::select! {
                    _ = changed.notified() => {}
                    _ = tokio::time::sleep(looping.deps.tick) => {}
                    _ = stopped.changed() => break,
                }
                looping.clone().tick().await;
                // Never starve the rest of a current-thread runtime.
                tokio::task::yield_now().await;
            }
        });
        EcsHandle {
            stop,
            join,
            inner,
            metadata_server,
            metrics_loop,
        }
    }
}

impl EcsHandle {
    /// Stops the loop and leaves every task running, untouched: what a
    /// daemon killed with SIGKILL leaves behind, which the project's next
    /// scheduler removes when it starts.
    pub async fn abandon(self) {
        let _ = self.stop.send(true);
        let _ = self.join.await;
        if let Some(m) = &self.metrics_loop {
            m.abort();
        }
        if let Some(m) = &self.metadata_server {
            m.abort();
        }
    }

    /// Stops the loop and removes every task container it launched.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.join.await;
        if let Some(m) = &self.metrics_loop {
            m.abort();
        }
        // Launches and stops already under way run on their own tasks: let
        // them finish (bounded), so a task being created right now is torn
        // down below instead of surviving the shutdown.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !self
            .inner
            .busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let live: Vec<(String, LiveTask)> = self
            .inner
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect();
        // Every task at once: `down` takes one task's teardown, not the sum.
        futures::future::join_all(
            live.iter()
                .map(|(_, task)| launcher::teardown(&self.inner, task, Duration::from_secs(1))),
        )
        .await;
        if let Some(m) = &self.metadata_server {
            m.abort();
        }
    }
}

impl Inner {
    /// One pass: read Docker back, reconcile services, start launches/stops.
    async fn tick(self: Arc<Self>) {
        monitor::observe(&self).await;
        let live_view = self.live_view();
        let mut work = Vec::new();
        for scope in self.ecs.scopes() {
            let steady = &self.steady;
            let deps = &self.deps;
            let busy = self.busy.lock().unwrap_or_else(|p| p.into_inner()).clone();
            work.extend(self.ecs.write_quiet(&scope, |region| {
                reconcile::services(region, deps, &live_view, steady, super::service::now());
                reconcile::pending_work(region, &busy)
            }));
        }
        for item in work {
            self.busy
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(item.task_id().to_string());
            let inner = self.clone();
            tokio::spawn(async move {
                let id = item.task_id().to_string();
                match item {
                    reconcile::Work::Launch { scope, task_id } => {
                        launcher::launch(&inner, &scope, &task_id).await
                    }
                    reconcile::Work::Stop { scope, task_id } => {
                        launcher::stop(&inner, &scope, &task_id).await
                    }
                }
                inner
                    .busy
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                inner.ecs.changed().notify_one();
            });
        }
    }

    /// A snapshot of what reconcile needs to know about launched tasks:
    /// how long they have been RUNNING and their target states.
    fn live_view(&self) -> reconcile::LiveView {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.iter()
            .map(|(id, t)| {
                let states: Vec<(&String, &Target, crate::wiring::TargetState)> = t
                    .targets
                    .iter()
                    .map(|(tg, target)| (tg, target, self.deps.targets.state(tg, *target)))
                    .collect();
                let lb_healthy = states
                    .iter()
                    .all(|(_, _, s)| *s == crate::wiring::TargetState::Healthy);
                let lb_unhealthy = states
                    .iter()
                    .find(|(_, _, s)| *s == crate::wiring::TargetState::Unhealthy)
                    .map(|(tg, target, _)| ((*tg).clone(), target.port));
                (
                    id.clone(),
                    reconcile::LiveFacts {
                        running_for: t.running_since.map(|s| s.elapsed()),
                        lb_healthy,
                        lb_unhealthy,
                        has_targets: !t.targets.is_empty(),
                    },
                )
            })
            .collect()
    }
}
