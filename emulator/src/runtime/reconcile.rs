//! `up` and `down`: make the engine match a [`Plan`], or remove a project.
//!
//! `up` lists the project's objects by the `io.emul.project` label and diffs
//! them against the plan by `io.emul.resource`:
//!
//! - same config hash and running → kept, untouched;
//! - different hash, or not running (a crash between create and start, an
//!   exited container) → removed and created again; the workloads of a
//!   recreated ENI (pause container) are recreated too, since they lived in
//!   its network namespace;
//! - missing → created; present but not in the plan (orphan) → removed.
//!
//! Order: everything that can fail without touching the engine first (image
//! resolution, network overlap checks), then removals, networks, volumes,
//! pause containers, then workloads, each as soon as the containers it
//! comes `after` are ready (not in waves). If anything fails, what THIS run created is
//! removed and the error names the resource and the reason. Names are
//! deterministic, so a crashed run followed by another converges without
//! duplicates. A run with nothing to change makes only list calls (and, with
//! `wait_ready`, protocol probes): no Docker writes.
//!
//! `down` works from labels alone: containers (forced, with anonymous
//! volumes), then networks, then named volumes only when asked. Idempotent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared, join_all};

use super::diff;
use super::docker::{Engine, EngineError, ObjectInfo};
use super::eni::{self, PAUSE_IMAGE};
use super::images::{ImageError, ImageResolver, PullPolicy, ResolvedImage};
use super::naming::{self, LABEL_CIDR, LABEL_KIND};
use super::network::{self, NetworkClash};
use super::plan::{ContainerSpec, Kind, Plan, Readiness};
use crate::probes;

/// How `up` behaves.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Pull official images that are missing locally.
    pub pull: PullPolicy,
    /// Also probe containers that were kept (what `--wait` asks). Created
    /// containers are always probed, so a store that never becomes ready
    /// fails the run.
    pub wait_ready: bool,
    /// How long one container may take to become ready.
    pub ready_timeout: Duration,
    /// Check the host's routes for overlaps (only meaningful when the engine
    /// is local; defaults to [`Engine::is_local`]).
    pub check_host_routes: Option<bool>,
    /// The pause image (tests may substitute).
    pub pause_image: String,
    /// Build an `emul/` image no candidate finds, with the recipes that
    /// ship with emul when this machine has them (`image_recipes`); off:
    /// a missing image fails `up` with the command that builds it.
    pub build_images: bool,
    /// Told about each resource as `up` works on it (the CLI's progress lines).
    pub progress: Option<Progress>,
    /// Called once every ENI's pause container runs and BEFORE any workload
    /// starts in it: where security-group rulesets are installed, so nothing
    /// ever runs in an ENI without its rules (see `netpolicy`).
    pub enis_ready: Option<EnisReady>,
}

/// The [`UpOptions::enis_ready`] hook: given `(ENI id, pause container id)`
/// for every ENI of the plan (kept and new), prepares them; an `Err(reason)`
/// fails the run (and rolls back what it created).
#[derive(Clone)]
pub struct EnisReady(pub Arc<EnisReadyFn>);

/// The callback type behind [`EnisReady`].
pub type EnisReadyFn = dyn Fn(Vec<(String, String)>) -> crate::wiring::BoxFuture<'static, Result<(), String>>
    + Send
    + Sync;

impl std::fmt::Debug for EnisReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnisReady(..)")
    }
}

/// What `up` is doing with one resource, for [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A container (or pause container) is being created and started.
    Starting,
    /// It answered its readiness probe (or, for pause containers, runs).
    Ready,
    /// It was already as planned and is left alone.
    Kept,
}

/// A progress callback: `(logical id, step)`. Called from the reconcile
/// task; keep it quick (print a line).
#[derive(Clone)]
pub struct Progress(pub Arc<ProgressFn>);

/// The callback type behind [`Progress`].
pub type ProgressFn = dyn Fn(&str, Step) + Send + Sync;

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

impl UpOptions {
    fn tell(&self, resource: &str, step: Step) {
        if let Some(p) = &self.progress {
            (p.0)(resource, step);
        }
    }
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            pull: PullPolicy::IfMissing,
            wait_ready: true,
            ready_timeout: Duration::from_secs(120),
            check_host_routes: None,
            pause_image: PAUSE_IMAGE.to_string(),
            build_images: false,
            progress: None,
            enis_ready: None,
        }
    }
}

/// What `up` did.
#[derive(Debug, Clone, Default)]
pub struct UpReport {
    /// Resources created fresh.
    pub created: Vec<String>,
    /// Resources removed and created again (drifted or not running).
    pub recreated: Vec<String>,
    /// Resources left as they were.
    pub kept: Vec<String>,
    /// Orphans removed.
    pub removed: Vec<String>,
    /// Warnings (image substitutions).
    pub warnings: Vec<String>,
    /// Postgres containers whose server refused the topology's master
    /// password (28P01) though it runs: data kept from an earlier run whose
    /// password was changed since (ModifyDBInstance, or another state
    /// directory's secret). The server is up; the daemon sets the password
    /// from the secret before anything uses the endpoint.
    pub password_refused: Vec<String>,
    /// Docker writes made (0 when nothing changed).
    pub docker_writes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Why `up` failed; what the run created has been removed.
#[derive(Debug, thiserror::Error)]
pub enum UpError {
    /// Talking to the engine failed outside any one resource.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A VPC CIDR clashes with a route or a Docker network.
    #[error(transparent)]
    Clash(#[from] NetworkClash),
    /// No image for a container.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The [`UpOptions::enis_ready`] hook refused the ENIs (e.g. a
    /// security-group ruleset could not be installed).
    #[error("preparing the ENIs failed: {reason}")]
    EnisNotReady {
        /// What the hook said.
        reason: String,
    },
    /// A resource could not be created or started.
    #[error("{resource} failed: {source}")]
    Resource {
        /// The logical id.
        resource: String,
        /// The engine's refusal.
        source: EngineError,
    },
    /// A container stopped before it was ready.
    #[error(
        "{resource} exited (code {code}) before becoming ready{error}; last log lines:\n{logs}"
    )]
    Exited {
        /// The logical id.
        resource: String,
        /// Exit code.
        code: i64,
        /// The engine's error text, prefixed with ": " when present.
        error: String,
        /// Its last log lines.
        logs: String,
    },
    /// A data store answered its probe with a definite failure: refused the
    /// configured credentials (e.g. a data volume initialised with another
    /// password) or spoke something unexpected. Retrying would not help.
    #[error("{resource} failed its readiness probe: {reason}")]
    Refused {
        /// The logical id.
        resource: String,
        /// What the server said.
        reason: String,
    },
    /// A container did not become ready in time.
    #[error("{resource} did not become ready within {timeout:?}: {last}")]
    NotReady {
        /// The logical id.
        resource: String,
        /// The limit.
        timeout: Duration,
        /// The last probe error.
        last: String,
    },
}

impl UpError {
    /// Whether the engine itself is unreachable (CLI exit code 3).
    pub fn is_engine_unreachable(&self) -> bool {
        matches!(self, UpError::Engine(EngineError::Unreachable { .. }))
    }
}

/// What this run created, to remove on failure.
#[derive(Default)]
struct Created {
    containers: Vec<String>,
    networks: Vec<String>,
    volumes: Vec<String>,
}

/// Makes the engine match `plan`.
pub async fn up(engine: &Engine, plan: &Plan, opts: &UpOptions) -> Result<UpReport, UpError> {
    let start = Instant::now();
    let writes_before = engine.writes();
    let mut report = UpReport::default();
    let mut created = Created::default();
    let result = apply(engine, plan, opts, &mut report, &mut created).await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "up failed; removing what this run created");
        rollback(engine, &created).await;
        return Err(e);
    }
    report.docker_writes = engine.writes() - writes_before;
    report.elapsed = start.elapsed();
    Ok(report)
}

async fn apply(
    engine: &Engine,
    plan: &Plan,
    opts: &UpOptions,
    report: &mut UpReport,
    created: &mut Created,
) -> Result<(), UpError> {
    let project = &plan.project;
    let (containers, networks, volumes) = futures::try_join!(
        engine.project_containers(project),
        engine.project_networks(project),
        engine.project_volumes(project),
    )?;
    let pause_image = opts.pause_image.as_str();
    let d = diff::diff(plan, pause_image, containers, networks, volumes);
    let (containers, networks, volumes) = (&d.containers, &d.networks, &d.volumes);
    let (net_keep, replace) = (&d.keep_networks, &d.replace);
    let (orphan_containers, orphan_networks) = (&d.orphan_containers, &d.orphan_networks);
    let nets_to_make = d.networks_to_make(plan);

    // --- checks that need no writes ---------------------------------------
    let recipes = opts
        .build_images
        .then(super::image_recipes::Recipes::find)
        .flatten();
    let mut resolver = ImageResolver::new(engine, opts.pull).with_recipes(recipes);
    let mut images: HashMap<String, ResolvedImage> = HashMap::new();
    if plan.enis.iter().any(|e| replace.contains(&e.id)) {
        let pause = resolver
            .resolve(
                "pause containers",
                &super::plan::ImageChoice::exact(pause_image),
            )
            .await?;
        images.insert(String::new(), pause);
    }
    for c in plan.containers.iter().filter(|c| replace.contains(&c.id)) {
        let img = resolver.resolve(&c.id, &c.image).await?;
        if let Some(w) = img
            .warning
            .as_ref()
            .filter(|w| !report.warnings.contains(w))
        {
            tracing::warn!("{w}");
            report.warnings.push(w.clone());
        }
        images.insert(c.id.clone(), img);
    }
    if !nets_to_make.is_empty() {
        let going: BTreeSet<&str> = orphan_networks
            .iter()
            .chain(nets_to_make.iter().filter_map(|n| networks.get(&n.id)))
            .map(|o| o.name.as_str())
            .collect();
        let others: Vec<_> = engine
            .all_networks()
            .await?
            .into_iter()
            .filter(|n| !going.contains(n.name.as_str()))
            .collect();
        let routes = if opts.check_host_routes.unwrap_or_else(|| engine.is_local()) {
            std::fs::read_to_string("/proc/net/route")
                .map(|t| network::parse_proc_net_route(&t))
                .unwrap_or_default()
        } else {
            vec![]
        };
        for n in &nets_to_make {
            network::check_overlaps(project, &n.id, n.cidr, &routes, &others)?;
        }
    }

    // --- removals ---------------------------------------------------------
    let mut to_remove: Vec<&ObjectInfo> = orphan_containers.iter().collect();
    for r in replace {
        if let Some(o) = containers.get(r) {
            to_remove.push(o);
        }
    }
    // Workloads before the pause containers whose namespaces they use.
    to_remove.sort_by_key(|o| o.labels.get(LABEL_KIND).map(String::as_str) == Some("pause"));
    for o in &to_remove {
        tracing::info!(
            resource = o.resource().unwrap_or(&o.name),
            "removing container"
        );
        engine
            .remove_container(&o.id)
            .await
            .map_err(|source| UpError::Resource {
                resource: o.resource().unwrap_or(&o.name).to_string(),
                source,
            })?;
    }
    for o in orphan_networks
        .iter()
        .chain(nets_to_make.iter().filter_map(|n| networks.get(&n.id)))
    {
        engine
            .remove_network(&o.id)
            .await
            .map_err(|source| UpError::Resource {
                resource: o.resource().unwrap_or(&o.name).to_string(),
                source,
            })?;
    }
    report.removed = orphan_containers
        .iter()
        .chain(orphan_networks.iter())
        .map(|o| o.resource().unwrap_or(&o.name).to_string())
        .collect();

    // --- networks and volumes ---------------------------------------------
    for n in &nets_to_make {
        let name = naming::object_name(project, &n.id);
        tracing::info!(resource = %n.id, %name, cidr = %n.cidr, "creating network");
        let mut labels = plan.labels(&n.id, Kind::Network, &plan.network_hash(n));
        labels.insert(LABEL_CIDR.into(), n.cidr.to_string());
        let id = engine
            .create_network(
                &name,
                &n.cidr.to_string(),
                &naming::bridge_name(project, &n.id),
                labels,
            )
            .await
            .map_err(|source| UpError::Resource {
                resource: n.id.clone(),
                source,
            })?;
        created.networks.push(id);
        note(report, &n.id, networks.contains_key(&n.id));
    }
    report.kept.extend(net_keep.iter().map(|s| s.to_string()));
    for v in &plan.volumes {
        if volumes.contains_key(&v.id) {
            continue;
        }
        let name = naming::object_name(project, &v.id);
        engine
            .create_volume(&name, plan.labels(&v.id, Kind::Volume, "-"))
            .await
            .map_err(|source| UpError::Resource {
                resource: v.id.clone(),
                source,
            })?;
        created.volumes.push(name);
        report.created.push(v.id.clone());
    }

    // --- pause containers (ENIs) ------------------------------------------
    let mut pause_ids: HashMap<&str, String> = HashMap::new();
    let mut jobs = Vec::new();
    for e in &plan.enis {
        if replace.contains(&e.id) {
            let spec = eni::pause_container(
                plan,
                e,
                &images[""].reference,
                &super::agent::project_token(&plan.project),
                &plan.eni_hash(e, pause_image),
            );
            opts.tell(&e.id, Step::Starting);
            jobs.push(async move { (e, create_and_start(engine, &e.id, &spec).await) });
        } else {
            pause_ids.insert(&e.id, containers[&e.id].id.clone());
            report.kept.push(e.id.clone());
            opts.tell(&e.id, Step::Kept);
        }
    }
    for (e, r) in join_all(jobs).await {
        let id = collect(r, created)?;
        pause_ids.insert(&e.id, id);
        note(report, &e.id, containers.contains_key(&e.id));
        opts.tell(&e.id, Step::Ready);
    }
    if let Some(hook) = &opts.enis_ready {
        let enis = plan
            .enis
            .iter()
            .map(|e| (e.id.clone(), pause_ids[e.id.as_str()].clone()))
            .collect();
        (hook.0)(enis)
            .await
            .map_err(|reason| UpError::EnisNotReady { reason })?;
    }

    // --- workloads, each once what it comes after is ready ----------------
    start_workloads(
        Ctx {
            engine,
            plan,
            opts,
            images: &images,
            pause_ids: &pause_ids,
            existing: containers,
            replace,
            stop: &tokio::sync::watch::channel(false).0,
        },
        report,
        created,
    )
    .await
}

/// What the workload jobs read.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    engine: &'a Engine,
    plan: &'a Plan,
    opts: &'a UpOptions,
    images: &'a HashMap<String, ResolvedImage>,
    pause_ids: &'a HashMap<&'a str, String>,
    existing: &'a BTreeMap<String, ObjectInfo>,
    replace: &'a BTreeSet<String>,
    /// Set by the first job that fails: the others stop waiting for
    /// readiness and start nothing new (what they created is rolled back).
    stop: &'a tokio::sync::watch::Sender<bool>,
}

/// How one workload's job ended, folded into the report in plan order.
#[derive(Default)]
struct JobEnd {
    /// The container it created (kept for rollback even if it then failed).
    created: Option<String>,
    /// Kept as it was.
    kept: bool,
    /// Its Postgres server refused the master password (see
    /// [`UpReport::password_refused`]).
    password_refused: bool,
    /// Why it failed (its own failure, not a dependency's).
    error: Option<UpError>,
}

/// A workload job's outcome as its dependents see it: ready or not.
type ReadySignal<'a> = Shared<BoxFuture<'a, bool>>;

/// Starts every workload as soon as the containers it comes `after` are
/// ready — not in waves, so a slow Postgres `initdb` holds back only what
/// depends on it. After a failure no job starts a container and none keeps
/// waiting for readiness, but a create or start already in flight finishes,
/// so everything created is known to the rollback; the first failure in
/// plan order is returned.
async fn start_workloads(
    ctx: Ctx<'_>,
    report: &mut UpReport,
    created: &mut Created,
) -> Result<(), UpError> {
    let order: Vec<&ContainerSpec> = ctx
        .plan
        .waves()
        .expect("validated by Plan::build")
        .into_iter()
        .flatten()
        .collect();
    let needed_by_later: BTreeSet<&str> = ctx
        .plan
        .containers
        .iter()
        .flat_map(|c| c.after.iter().map(String::as_str))
        .collect();
    let ends: Vec<Mutex<JobEnd>> = order.iter().map(|_| Mutex::default()).collect();
    let mut signals: HashMap<&str, ReadySignal<'_>> = HashMap::new();
    for (i, c) in order.iter().copied().enumerate() {
        // Topological order: every dependency's signal exists already.
        let deps: Vec<ReadySignal<'_>> = c
            .after
            .iter()
            .map(|a| signals[a.as_str()].clone())
            .collect();
        let end = &ends[i];
        let probe_kept = needed_by_later.contains(c.id.as_str());
        let job = async move {
            if !join_all(deps).await.into_iter().all(|ok| ok) {
                return false;
            }
            match run_job(ctx, c, probe_kept, end).await {
                Ok(ready) => ready,
                Err(e) => {
                    lock(end).error = Some(e);
                    ctx.stop.send_replace(true);
                    false
                }
            }
        };
        signals.insert(&c.id, job.boxed().shared());
    }
    join_all(signals.into_values()).await;
    let mut first_error = None;
    for (c, end) in order.iter().zip(ends) {
        let end = end.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = end.created {
            created.containers.push(id);
            note(report, &c.id, ctx.existing.contains_key(&c.id));
        } else if end.kept {
            report.kept.push(c.id.clone());
        }
        if end.password_refused {
            report.password_refused.push(c.id.clone());
        }
        if first_error.is_none() {
            first_error = end.error;
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// One workload: created and started when the plan replaces it (else kept),
/// then probed when it is new, when `wait_ready` asks, or when another
/// container comes after it (`probe_kept`). `Ok(false)`: another job failed
/// first and this one stopped.
async fn run_job(
    ctx: Ctx<'_>,
    c: &ContainerSpec,
    probe_kept: bool,
    end: &Mutex<JobEnd>,
) -> Result<bool, UpError> {
    let mut stop = ctx.stop.subscribe();
    if *stop.borrow() {
        return Ok(false);
    }
    let fresh = if ctx.replace.contains(&c.id) {
        ctx.opts.tell(&c.id, Step::Starting);
        let spec = eni::workload_container(
            ctx.plan,
            c,
            &ctx.images[&c.id],
            &ctx.pause_ids[c.eni.as_str()],
            &ctx.plan.container_hash(c, ctx.opts.pause_image.as_str()),
        );
        let (id, outcome) = create_and_start(ctx.engine, &c.id, &spec).await;
        lock(end).created = id.clone();
        outcome?;
        id
    } else {
        lock(end).kept = true;
        ctx.opts.tell(&c.id, Step::Kept);
        None
    };
    if fresh.is_none() && !ctx.opts.wait_ready && !probe_kept {
        return Ok(true);
    }
    let id = fresh.unwrap_or_else(|| ctx.existing[&c.id].id.clone());
    let ip = ctx.plan.eni(&c.eni).expect("validated").ip;
    tokio::select! {
        ready = wait_ready(ctx.engine, c, id, ip, &ctx.plan.project, ctx.opts.ready_timeout) => {
            if ready? == Answer::PasswordRefused {
                lock(end).password_refused = true;
            }
        }
        _ = stop.wait_for(|stopped| *stopped) => return Ok(false),
    }
    ctx.opts.tell(&c.id, Step::Ready);
    Ok(true)
}

fn lock(end: &Mutex<JobEnd>) -> std::sync::MutexGuard<'_, JobEnd> {
    end.lock().unwrap_or_else(|p| p.into_inner())
}

fn note(report: &mut UpReport, resource: &str, existed: bool) {
    if existed {
        report.recreated.push(resource.to_string());
    } else {
        report.created.push(resource.to_string());
    }
}

/// Records a created container id (even when its start failed: it exists
/// and must be rolled back), then passes on the outcome.
fn collect(
    r: (Option<String>, Result<(), UpError>),
    created: &mut Created,
) -> Result<String, UpError> {
    let (id, outcome) = r;
    if let Some(id) = &id {
        created.containers.push(id.clone());
    }
    outcome?;
    Ok(id.expect("a started container has an id"))
}

async fn create_and_start(
    engine: &Engine,
    resource: &str,
    spec: &super::docker::ContainerCreate,
) -> (Option<String>, Result<(), UpError>) {
    let err = |source| UpError::Resource {
        resource: resource.to_string(),
        source,
    };
    tracing::info!(resource, name = %spec.name, image = %spec.image, "creating container");
    let id = match engine.create_container(spec).await {
        Ok(id) => id,
        Err(e) => return (None, Err(err(e))),
    };
    let started = engine.start_container(&id, &spec.name).await.map_err(err);
    (Some(id), started)
}

/// How a container answered its readiness probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// As asked.
    Ready,
    /// A Postgres server that runs and refused the master password (28P01):
    /// its data has another one (see [`UpReport::password_refused`]).
    PasswordRefused,
}

/// Waits until `c` answers its readiness probe, or fails with the reason.
async fn wait_ready(
    engine: &Engine,
    c: &ContainerSpec,
    id: String,
    ip: std::net::Ipv4Addr,
    project: &str,
    timeout: Duration,
) -> Result<Answer, UpError> {
    let deadline = Instant::now() + timeout;
    // Probe from inside the container's own namespace (its ENI), through
    // its agent: the connection is local there, so the ENI's security-group
    // ruleset, which refuses the host, does not apply (see `probes`).
    let origin = probes::Origin::Agent(super::agent::AgentClient::new(
        ip,
        super::agent::project_token(project),
    ));
    loop {
        let (running, code, error) = engine.container_status(&id).await?;
        if !running {
            return Err(UpError::Exited {
                resource: c.id.clone(),
                code: code.unwrap_or(-1),
                error: if error.is_empty() {
                    String::new()
                } else {
                    format!(": {error}")
                },
                logs: engine.logs_tail(&id, 20).await,
            });
        }
        let step = Duration::from_secs(3);
        let outcome = match &c.readiness {
            Readiness::Running => Ok(()),
            Readiness::Postgres {
                port,
                user,
                password,
                database,
            } => {
                probes::postgres::select_one_from(
                    &origin,
                    &format!("{ip}:{port}"),
                    user,
                    password.expose(),
                    database,
                    step,
                )
                .await
            }
            Readiness::Redis { port, password } => {
                probes::redis::ping_from(
                    &origin,
                    &format!("{ip}:{port}"),
                    password.as_ref().map(|p| p.expose()),
                    step,
                )
                .await
            }
            Readiness::Tcp { port } => {
                tokio::time::timeout(step, origin.connect(&format!("{ip}:{port}")))
                    .await
                    .map_err(|_| probes::ProbeError::Timeout {
                        addr: format!("{ip}:{port}"),
                        timeout: step,
                    })
                    .and_then(|r| {
                        r.map(drop).map_err(|source| probes::ProbeError::Io {
                            addr: format!("{ip}:{port}"),
                            source,
                        })
                    })
            }
        };
        match outcome {
            Ok(()) => return Ok(Answer::Ready),
            Err(probes::ProbeError::Auth(text))
                if text.contains(" 28P01:")
                    && matches!(c.readiness, Readiness::Postgres { .. }) =>
            {
                return Ok(Answer::PasswordRefused);
            }
            Err(e) if !e.is_transient() => {
                return Err(UpError::Refused {
                    resource: c.id.clone(),
                    reason: e.to_string(),
                });
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(UpError::NotReady {
                    resource: c.id.clone(),
                    timeout,
                    last: e.to_string(),
                });
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn rollback(engine: &Engine, created: &Created) {
    for id in created.containers.iter().rev() {
        if let Err(e) = engine.remove_container(id).await {
            tracing::warn!(error = %e, "rollback: could not remove container {id}");
        }
    }
    for id in &created.networks {
        if let Err(e) = engine.remove_network(id).await {
            tracing::warn!(error = %e, "rollback: could not remove network {id}");
        }
    }
    for name in &created.volumes {
        if let Err(e) = engine.remove_volume(name).await {
            tracing::warn!(error = %e, "rollback: could not remove volume {name}");
        }
    }
}

/// How `down` behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct DownOptions {
    /// Also remove named volumes (database data).
    pub volumes: bool,
}

/// What `down` removed (Docker names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownReport {
    /// Containers removed.
    pub containers: Vec<String>,
    /// Networks removed.
    pub networks: Vec<String>,
    /// Volumes removed.
    pub volumes: Vec<String>,
}

/// Removes a project's objects, found by label alone. Idempotent.
pub async fn down(
    engine: &Engine,
    project: &str,
    opts: DownOptions,
) -> Result<DownReport, EngineError> {
    let mut report = DownReport::default();
    let mut containers = engine.project_containers(project).await?;
    containers.sort_by_key(|o| o.labels.get(LABEL_KIND).map(String::as_str) == Some("pause"));
    let (workloads, pauses): (Vec<_>, Vec<_>) = containers
        .into_iter()
        .partition(|o| o.labels.get(LABEL_KIND).map(String::as_str) != Some("pause"));
    for group in [workloads, pauses] {
        for r in join_all(group.iter().map(|o| engine.remove_container(&o.id))).await {
            r?;
        }
        report.containers.extend(group.into_iter().map(|o| o.name));
    }
    for n in engine.project_networks(project).await? {
        engine.remove_network(&n.id).await?;
        report.networks.push(n.name);
    }
    if opts.volumes {
        for v in engine.project_volumes(project).await? {
            engine.remove_volume(&v.name).await?;
            report.volumes.push(v.name);
        }
    }
    Ok(report)
}
