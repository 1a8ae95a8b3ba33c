//! The project daemon: the process `emul up` runs in the foreground (and
//! `emul up -d` runs in the background).
//!
//! In order, each step failing with a message that names what failed:
//! 1. bind the AWS endpoint (before anything is created, so "port already
//!    taken" leaves nothing behind) and write `daemon.json` (`ready: false`);
//! 2. open the Secrets Manager store under the state dir and ensure every
//!    topology secret ([`super::secrets::ensure_all`]); serve the gateway
//!    from then on (account and region from the topology);
//! 3. translate the topology ([`super::plan::build`]) and reconcile it with
//!    progress lines; on failure the runtime removes what this run created;
//! 4. start the [`Components`] (see there); with `--wait`, wait until every
//!    ECS service is at steady state and every registered target is healthy
//!    ([`super::workloads`]; progress lines and `daemon.json`'s `awaiting`
//!    say what is still awaited; past `--timeout` from the start the daemon
//!    names what was not ready, removes the project's containers and exits
//!    1); print where everything is, rewrite `daemon.json` with `ready: true`;
//! 5. run until SIGTERM / Ctrl-C / SIGHUP (SIGUSR1 reconciles again), then
//!    stop the components, remove the project's containers and networks
//!    (volumes are kept) and exit 0.
//!
//! A signal during step 3 abandons the reconcile and removes the project's
//! containers too, so an interrupted `up` leaves nothing running.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Project;
use super::plan::{self, ProjectPlan};
use super::record::{self, DaemonRecord, ListenerRecord};
use super::secrets::{self, SecretNames};
use super::workloads;
use crate::cli::exit;
use crate::dataplane::dns::{BoundResolver, VpcResolver, Zone, host_upstreams};
use crate::gateway::{self, Gateway, GatewayConfig, Registry};
use crate::runtime::vpc_services::{RESOLVER_PORT, VpcServices};
use tokio::net::TcpListener;

use crate::dataplane::alb::{AlbOptions, AlbRuntime};
use crate::netpolicy::Enforcer;
use crate::runtime::images::PullPolicy;
use crate::runtime::naming;
use crate::runtime::placement::Placement;
use crate::runtime::reconcile::EnisReady;
use crate::runtime::{self, DownOptions, Engine, UpOptions, reconcile};
use crate::services::ecs::model::Scope as EcsScope;
use crate::services::ecs::topology::{self as ecs_topology, SeedNames};
use crate::services::ecs::{Ecs, EcsDeps, EcsHandle, EcsRuntime};
use crate::services::secretsmanager::SecretsManager;
use crate::wiring::EniInfo;

/// How the daemon runs (from `emul up`'s flags).
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// Where the AWS endpoint listens.
    pub listen: SocketAddr,
    /// The ECR registry's port on 127.0.0.1 (any free port when taken).
    pub registry_port: u16,
    /// `--wait`: also probe data stores that were already running, and wait
    /// for the ECS services and target groups ([`super::workloads`]).
    pub wait: bool,
    /// How long one data store may take to become ready; with `--wait`,
    /// also how long after the start the workloads may take.
    pub ready_timeout: Duration,
    /// Whether official images may be pulled.
    pub pull: PullPolicy,
    /// Extra labels on every Docker object (tests: `io.emul.test=1`).
    pub extra_labels: Vec<(String, String)>,
    /// Where emul runs (`runtime::placement`): its address in the VPC, what
    /// it shares with the agents, where its listeners bind.
    pub placement: Placement,
}

/// Everything the daemon started, stopped in reverse order on shutdown.
///
/// This is THE place where the runtime parts of a project are wired
/// together. Each later part exposes one entry point the daemon calls after
/// the data stores are ready, with what it needs from here:
/// - ECS (`services::ecs`): the [`Project`], the engine, the Secrets Manager
///   store and [`SecretNames`] (to resolve `valueFrom`), the gateway
///   registry, and the NETPOLICY/ALB seams from `wiring`;
/// - the ALB (`services::elbv2` + `dataplane`): [`Project::listeners`] for
///   its loopback ports and the namespace of `eni/alb/<name>`;
/// - NETPOLICY (`netpolicy`): started here ([`Components::netpolicy`]); the
///   reconcile's `enis_ready` hook attaches every plan ENI before its
///   workloads start, and ECS attaches task ENIs to the same enforcer.
///
/// Each adds a field holding its handle here and a line in `Components::stop`.
pub struct Components {
    /// The AWS endpoint's server tasks: on loopback, and on the VPC bridge's
    /// gateway address so tasks reach it as `AWS_ENDPOINT_URL`.
    gateways: Vec<tokio::task::JoinHandle<()>>,
    /// Tells the gateways to stop accepting and finish in-flight requests.
    gateway_stop: tokio::sync::watch::Sender<bool>,
    /// The ALB data plane (listeners, health checks); dropping it stops it.
    alb: AlbRuntime,
    /// The VPC resolver tasks ask for service-discovery names (`None` when
    /// its port was taken; discovery names then do not resolve).
    resolver: Option<VpcResolver>,
    /// The VPC's service addresses as derived once at start (emul's own
    /// address in the VPC, the resolver's), for the summary.
    vpc: VpcServices,
    /// The ECS scheduler; stopped first so tasks drain before the rest goes.
    ecs: EcsHandle,
    /// The ECS API and model the scheduler works on: `--wait` and the
    /// record's task rows read services and tasks from it.
    ecs_model: Arc<Ecs>,
    /// The ECR registry's `127.0.0.1:<port>` (recorded in daemon.json for
    /// `emul env`).
    registry: String,
}

/// How long the ECS scheduler gets to drain its tasks on shutdown. Past it
/// the daemon goes on: the project's containers are removed next anyway,
/// and `docker stop` of emul's own container (compose's default grace is
/// 10 s, ours 90 s) must not find it still waiting.
const ECS_STOP: Duration = Duration::from_secs(30);

impl Components {
    /// Stops everything, last started first; says which step was slow.
    async fn stop(self) {
        let started = Instant::now();
        if tokio::time::timeout(ECS_STOP, self.ecs.shutdown())
            .await
            .is_err()
        {
            eprintln!(
                "emul: the ECS scheduler did not stop within {} s; its tasks are removed with the project's containers",
                ECS_STOP.as_secs()
            );
        }
        let ecs = started.elapsed();
        drop(self.resolver);
        drop(self.alb);
        let _ = self.gateway_stop.send(true);
        for g in self.gateways {
            let _ = tokio::time::timeout(Duration::from_secs(10), g).await;
        }
        tracing::info!(
            ecs_ms = ecs.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "components stopped"
        );
    }
}

/// Resolves on SIGTERM, Ctrl-C (SIGINT) or SIGHUP.
pub async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    // SIGHUP (the terminal of a foreground `up` went away) stops cleanly too.
    let hup = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut h) => {
                h.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C received"),
        _ = hup => tracing::info!("SIGHUP received"),
    }
}

/// Runs the daemon to the end; returns the process exit code.
pub async fn run(project: Project, opts: DaemonOptions) -> u8 {
    let started = Instant::now();
    let pid = std::process::id();
    let daemon_file = project.daemon_file();
    if let Err(e) = std::fs::create_dir_all(&project.state_dir) {
        eprintln!(
            "emul up: cannot create the state directory {}: {e}",
            project.state_dir.display()
        );
        return exit::FAILURE;
    }

    // 1. The endpoint first: a taken port must fail before anything exists.
    let listener = match tokio::net::TcpListener::bind(opts.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "emul up: cannot listen on {} for the AWS endpoint: {e} (is another emul running? choose another port with --port)",
                opts.listen
            );
            return exit::FAILURE;
        }
    };
    // What a client on the host dials: loopback, where emul binds on the
    // host and where the compose file publishes it from a container.
    let port = listener.local_addr().unwrap_or(opts.listen).port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut rec = DaemonRecord {
        pid,
        endpoint: endpoint.clone(),
        started_at: record::now_rfc3339(),
        ready: false,
        generation: 0,
        topology_hash: project.file_hash(),
        listeners: vec![],
        endpoints: vec![],
        awaiting: vec![],
        tasks: vec![],
        checked_ms: 0,
        registry: None,
    };
    if let Err(e) = record::write(&daemon_file, &rec) {
        eprintln!("emul up: cannot write {}: {e}", daemon_file.display());
        return exit::FAILURE;
    }
    let code = run_after_bind(&project, &opts, listener, &mut rec, started).await;
    record::remove_if_mine(&daemon_file, pid);
    code
}

async fn run_after_bind(
    project: &Project,
    opts: &DaemonOptions,
    listener: tokio::net::TcpListener,
    rec: &mut DaemonRecord,
    started: Instant,
) -> u8 {
    // 2. Secrets, then the gateway.
    let sm = match SecretsManager::open(&project.state_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("emul up: cannot open the secrets store: {e}");
            return exit::FAILURE;
        }
    };
    let names = match secrets::ensure_all(project, &sm) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("emul up: {e}");
            return exit::FAILURE;
        }
    };
    // The ENI agents' project token, kept across daemon restarts so the
    // agents a previous run created still take our requests.
    match crate::runtime::agent::load_or_create_token(&project.state_dir) {
        Ok(token) => crate::runtime::agent::set_project_token(&project.name, token),
        Err(e) => {
            eprintln!(
                "emul up: cannot keep the ENI agent token in {}: {e}",
                project.state_dir.display()
            );
            return exit::FAILURE;
        }
    }
    // The enforcer exists before any ENI: the reconcile's `enis_ready` hook
    // attaches every ENI before its workloads start.
    // The groups in force: the EC2 API's changes, kept in the state
    // directory, replace the file's while the file's groups are unchanged.
    let kept = match crate::services::ec2::live::in_force(&project.topology, &project.state_dir) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("emul up: the security groups changed through the EC2 API: {e}");
            return exit::FAILURE;
        }
    };
    let mut in_force = project.topology.clone();
    in_force.security_groups = kept.groups;
    let enforcer = Arc::new(Enforcer::placed(&in_force, opts.placement.clone()));
    enforcer.set_overrides(kept.eni_groups);
    let mut listener = Some(listener);
    let mut components: Option<Components> = None;

    // Signals other verbs send once `daemon.json` says ready, handled from
    // before that moment (an unhandled SIGUSR would end the daemon):
    // SIGUSR1 reconciles again (a second `up` found drift), SIGUSR2 judges
    // readiness now (a second `up --wait` need not wait for the next tick).
    let mut hup =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()).ok();
    let mut judge =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined2()).ok();

    // 3. The Docker side.
    let code = bring_up(
        project,
        opts,
        (&sm, &names, &enforcer),
        (&mut listener, &mut components),
        rec,
        started,
    )
    .await;
    match code {
        Ok(()) => {
            // Listeners created, moved or deleted through the ELBv2 API show
            // in `emul env`/`status` within a second.
            let mut listeners_tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                let reconcile_asked = async {
                    match hup.as_mut() {
                        Some(h) => {
                            h.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                let judge_asked = async {
                    match judge.as_mut() {
                        Some(j) => {
                            j.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = shutdown_signal() => break,
                    _ = listeners_tick.tick() => {
                        if let Some(c) = &components {
                            refresh_record(project, rec, c);
                        }
                    }
                    _ = judge_asked => {
                        if let Some(c) = &components {
                            refresh_record(project, rec, c);
                        }
                    }
                    _ = reconcile_asked => {
                        eprintln!("emul: SIGUSR1: reconciling {} again", project.name);
                        let again = opts.clone();
                        match bring_up(
                            project,
                            &again,
                            (&sm, &names, &enforcer),
                            (&mut listener, &mut components),
                            rec,
                            Instant::now(),
                        )
                        .await
                        {
                            Ok(()) => {}
                            Err(exit::INTERRUPTED) => break,
                            Err(_) => eprintln!("emul: the reconcile failed; the daemon keeps running"),
                        }
                    }
                }
            }
            eprintln!("emul: stopping project {}", project.name);
            if let Some(c) = components {
                c.stop().await;
            }
            take_down(project).await;
            exit::SUCCESS
        }
        Err(code) => {
            if let Some(c) = components {
                c.stop().await;
            }
            code
        }
    }
}

/// The reconcile hook that installs every ENI's security-group ruleset once
/// its pause container runs and before its workloads start: each ENI is
/// attached to the enforcer with its address and groups.
fn enforce_hook(
    project: &Project,
    plan: &crate::runtime::Plan,
    enforcer: &Arc<Enforcer>,
    (engine, placement): (&Engine, &Placement),
) -> EnisReady {
    let engine = engine.clone();
    let network = naming::object_name(&project.name, plan::VPC_NETWORK);
    let cidr = project.topology.vpc.cidr_block.value;
    let placement = placement.clone();
    let groups = project.eni_security_groups();
    let enis: std::collections::BTreeMap<String, (std::net::Ipv4Addr, String)> = plan
        .enis
        .iter()
        .map(|e| (e.id.clone(), (e.ip, e.subnet.to_string())))
        .collect();
    let enforcer = enforcer.clone();
    EnisReady(Arc::new(move |ready: Vec<(String, String)>| {
        let (groups, enis, enforcer) = (groups.clone(), enis.clone(), enforcer.clone());
        let (placement, network, engine) = (placement.clone(), network.clone(), engine.clone());
        Box::pin(async move {
            // In a container, emul joins the VPC first: the agents' control
            // API, the probes and the tasks' services are reached there.
            placement.join_vpc(&engine, &network, cidr).await?;
            for (eni, _container) in ready {
                let Some((ip, subnet)) = enis.get(&eni).cloned() else {
                    continue;
                };
                let info = EniInfo {
                    id: eni.clone(),
                    ip,
                    subnet,
                    security_groups: groups.get(&eni).cloned().unwrap_or_default(),
                };
                enforcer
                    .attach(&info)
                    .await
                    .map_err(|e| format!("security groups of {eni}: {e}"))?;
            }
            Ok(())
        })
    }))
}

/// Reconciles and waits; `Err(exit code)` after printing why.
async fn bring_up(
    project: &Project,
    opts: &DaemonOptions,
    (sm, names, enforcer): (&Arc<SecretsManager>, &SecretNames, &Arc<Enforcer>),
    (listener, components): (&mut Option<TcpListener>, &mut Option<Components>),
    rec: &mut DaemonRecord,
    started: Instant,
) -> Result<(), u8> {
    let resolve = |vf: &_| secrets::resolve(project, sm, names, vf);
    let ProjectPlan {
        mut plan,
        endpoints,
    } = plan::build(project, &resolve).map_err(|e| {
        eprintln!("emul up: {}: {e}", project.file.display());
        exit::INVALID_INPUT
    })?;
    plan.extra_labels.extend(opts.extra_labels.iter().cloned());
    let share = opts
        .placement
        .agent_share(&project.name, &project.agent_dir());
    if let Err(e) = std::fs::create_dir_all(&share.daemon_dir) {
        eprintln!("emul up: cannot create {}: {e}", share.daemon_dir.display());
        return Err(exit::FAILURE);
    }
    plan.agent_share = Some(share);
    let engine = Engine::connect().await.map_err(|e| {
        eprintln!("emul up: {e}");
        exit::DOCKER_UNAVAILABLE
    })?;
    eprintln!(
        "emul up: project {} ({} networks, {} ENIs, {} containers)",
        project.name,
        plan.networks.len(),
        plan.enis.len(),
        plan.containers.len()
    );
    let up_opts = UpOptions {
        pull: opts.pull,
        wait_ready: opts.wait,
        ready_timeout: opts.ready_timeout,
        progress: Some(super::progress::stderr_printer()),
        enis_ready: Some(enforce_hook(
            project,
            &plan,
            enforcer,
            (&engine, &opts.placement),
        )),
        build_images: true,
        ..UpOptions::default()
    };
    // The topology's tasks that name one of emul's own images (the fixtures'
    // test app) get it built now if the engine lacks it, before anything
    // starts, as the data stores' images are in `reconcile::up`.
    if let Err(e) = ensure_task_images(project, &engine, opts.pull).await {
        eprintln!("emul up: {e}");
        return Err(exit::FAILURE);
    }
    let outcome = tokio::select! {
        r = reconcile::up(&engine, &plan, &up_opts) => Some(r),
        _ = shutdown_signal() => None,
    };
    // Ends the progress spinner before the summary is printed.
    drop(up_opts);
    let report = match outcome {
        None => {
            eprintln!("emul up: interrupted; removing the project's containers");
            take_down(project).await;
            return Err(exit::INTERRUPTED);
        }
        Some(Err(e)) => {
            eprintln!("emul up: {e}");
            eprintln!("emul up: what this run created has been removed");
            return Err(if e.is_engine_unreachable() {
                exit::DOCKER_UNAVAILABLE
            } else {
                exit::FAILURE
            });
        }
        Some(Ok(r)) => r,
    };
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }

    // 4. Once: the ALB, ECS and the AWS endpoint (see [`Components`]).
    let first_start = components.is_none();
    if first_start {
        let Some(loopback) = listener.take() else {
            unreachable!("the endpoint listener is only taken once");
        };
        match start_components(
            project,
            sm.clone(),
            names,
            enforcer,
            &engine,
            (&plan, &report.password_refused),
            (loopback, opts),
        )
        .await
        {
            Ok(c) => *components = Some(c),
            Err(e) => {
                eprintln!("emul up: {e}");
                take_down(project).await;
                return Err(exit::FAILURE);
            }
        }
    }
    // `--wait` on the start that launched the workloads (a SIGUSR1
    // reconcile later only restores Docker objects).
    if opts.wait && first_start {
        let c = components.as_ref().expect("started above");
        if let Err(code) = wait_for_workloads(project, c, rec, started, opts.ready_timeout).await {
            if let Some(c) = components.take() {
                c.stop().await;
            }
            take_down(project).await;
            return Err(code);
        }
    }
    let c = components.as_ref().expect("started above");

    rec.ready = true;
    rec.awaiting.clear();
    rec.tasks = task_records(c);
    rec.generation += 1;
    rec.endpoints = endpoints;
    rec.listeners = listener_records(c);
    rec.registry = Some(c.registry.clone());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "emul up: {} is up in {:.1}s ({} created, {} recreated, {} unchanged, {} removed)",
        project.name,
        started.elapsed().as_secs_f64(),
        report.created.len(),
        report.recreated.len(),
        report.kept.len(),
        report.removed.len()
    );
    let _ = writeln!(out, "  AWS endpoint   {}", rec.endpoint);
    if let (Some(r), Some(ns)) = (&c.resolver, &project.topology.service_discovery_namespace) {
        let _ = writeln!(
            out,
            "  VPC resolver   {}:53 in tasks, served on {} (service discovery in {})",
            c.vpc.resolver,
            r.local_addr(),
            ns.name.value
        );
    }
    for l in &rec.listeners {
        let _ = writeln!(out, "  alb {:<10} {} (listener {})", l.alb, l.url, l.port);
    }
    for e in &rec.endpoints {
        let ip = e
            .containers
            .first()
            .and_then(|c| plan.container(c))
            .and_then(|c| plan.eni(&c.eni))
            .map(|e| e.ip.to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<14} {}:{} ({ip}){}",
            format!("{} {}", e.kind, e.name),
            e.endpoint,
            e.port,
            e.reader_endpoint
                .as_ref()
                .map(|r| format!(", reader {r}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(out, "emul ready: {}", rec.endpoint);
    let _ = out.flush();
    if let Err(e) = record::write(&project.daemon_file(), rec) {
        eprintln!("emul up: cannot write daemon.json: {e}");
    }
    Ok(())
}

/// The ALB listeners bound right now, as the daemon record lists them.
fn listener_records(c: &Components) -> Vec<ListenerRecord> {
    c.alb
        .endpoints()
        .iter()
        .map(|l| ListenerRecord {
            alb: l.load_balancer.clone(),
            port: l.port,
            url: l.url.clone(),
        })
        .collect()
}

/// Every ECS task with its address and health, as the record lists them.
fn task_records(c: &Components) -> Vec<workloads::TaskRecord> {
    workloads::tasks(&c.ecs_model, &c.alb.elbv2.snapshot())
}

/// Rewrites the daemon record (every second): the bound listeners (the
/// ELBv2 API re-binds them at any time), the ECS tasks, and what is not
/// ready now (a deployment rolling, a target not yet healthy) with when it
/// was judged, so that a later `up --wait` against this daemon waits for it.
fn refresh_record(project: &Project, rec: &mut DaemonRecord, c: &Components) {
    rec.listeners = listener_records(c);
    rec.tasks = task_records(c);
    rec.awaiting = workloads::awaited(&c.ecs_model, &c.alb.elbv2.snapshot());
    rec.checked_ms = record::now_ms();
    rec.registry = Some(c.registry.clone());
    if let Err(e) = record::write(&project.daemon_file(), rec) {
        eprintln!("emul: cannot update daemon.json: {e}");
    }
}

/// `up --wait`: waits until [`workloads::awaited`] is empty, printing a
/// progress line and publishing `awaiting` in the record whenever what is
/// awaited changes. Past `timeout` from `started` it prints what was not
/// ready and returns `Err(FAILURE)`; a stop signal returns `Err(INTERRUPTED)`.
async fn wait_for_workloads(
    project: &Project,
    c: &Components,
    rec: &mut DaemonRecord,
    started: Instant,
    timeout: Duration,
) -> Result<(), u8> {
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        let awaited = workloads::awaited(&c.ecs_model, &c.alb.elbv2.snapshot());
        if awaited.is_empty() {
            return Ok(());
        }
        if awaited != rec.awaiting {
            eprintln!(
                "  {:<9} {} {:>6.1}s",
                "waiting",
                awaited.join("; "),
                started.elapsed().as_secs_f64()
            );
            rec.awaiting = awaited.clone();
            rec.tasks = task_records(c);
            if let Err(e) = record::write(&project.daemon_file(), rec) {
                eprintln!("emul: cannot update daemon.json: {e}");
            }
        }
        if started.elapsed() >= timeout {
            eprintln!(
                "emul up: not ready within {}s (--timeout): {}",
                timeout.as_secs(),
                awaited.join("; ")
            );
            eprintln!("emul up: removing the project's containers");
            return Err(exit::FAILURE);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = &mut stop => {
                eprintln!("emul up: interrupted; removing the project's containers");
                return Err(exit::INTERRUPTED);
            }
        }
    }
}

/// Makes sure every `emul/` image the topology's task definitions name is
/// in the engine, building it from the recipes when it is not
/// (`runtime::image_recipes`). Other images are the user's: a task whose
/// image is missing stops with `CannotPullContainerError`, as in AWS.
async fn ensure_task_images(
    project: &Project,
    engine: &Engine,
    pull: crate::runtime::images::PullPolicy,
) -> Result<(), String> {
    let images: std::collections::BTreeSet<String> = project
        .topology
        .ecs_cluster
        .iter()
        .flat_map(|c| &c.services)
        .flat_map(|s| &s.task_definition.container_definitions)
        .map(|c| c.image.raw.value.clone())
        .filter(|i| i.starts_with("emul/"))
        .collect();
    if images.is_empty() {
        return Ok(());
    }
    let mut resolver = crate::runtime::images::ImageResolver::new(engine, pull)
        .with_recipes(crate::runtime::image_recipes::Recipes::find());
    for image in images {
        resolver
            .resolve(
                &format!("tasks running {image}"),
                &crate::runtime::ImageChoice::exact(image.as_str()),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Starts what needs running data stores and ENIs: the ALB data plane in
/// its ENIs' namespaces, the ECS scheduler (tasks attach to `enforcer` and
/// register with the ALB), then the AWS endpoint with every service, on
/// loopback and on the VPC bridge's gateway address (for tasks).
async fn start_components(
    project: &Project,
    sm: Arc<SecretsManager>,
    names: &SecretNames,
    enforcer: &Arc<Enforcer>,
    engine: &Engine,
    (plan, password_refused): (&crate::runtime::Plan, &[String]),
    (loopback, opts): (TcpListener, &DaemonOptions),
) -> Result<Components, String> {
    let (registry_port, placement) = (opts.registry_port, &opts.placement);
    let topology = &project.topology;
    // The EC2 API first: it is the one piece that can fail on the state
    // directory, before anything is started.
    let ec2 = Arc::new(
        crate::services::ec2::Ec2::live(
            topology,
            crate::services::ec2::live::LiveStore::in_dir(&project.state_dir),
            Arc::new(super::ec2_backend::EnforcerBackend::new(
                enforcer.clone(),
                topology,
            )),
        )
        .map_err(|e| format!("the security groups changed through the EC2 API: {e}"))?,
    );
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or_default();
    // RDS and ElastiCache before any task starts: a Multi-AZ instance takes
    // the roles its data carries (after a failover, the standby node's)
    // before anything reaches its endpoint.
    let (rds, elasticache) =
        super::datastore_runtime::services(project, engine, (plan, password_refused), now_ms).await;
    // The ALB data plane: upstream sockets from each ALB's own ENI, opened
    // by its agent and handed over (`runtime::agent::BrokerClient`).
    let mut alb_opts = AlbOptions {
        listen_address: placement.listen_address(),
        ..AlbOptions::default()
    };
    let token = crate::runtime::agent::project_token(&project.name);
    for lb in &topology.load_balancers {
        let socket = plan
            .eni(&Project::alb_eni(&lb.name))
            .and_then(|eni| plan.broker_socket(eni))
            .ok_or_else(|| format!("ALB {}: its ENI has no socket broker", *lb.name))?;
        alb_opts.brokers.insert(
            lb.name.value.clone(),
            crate::runtime::agent::BrokerClient::new(socket.0, token.clone()),
        );
    }
    for l in project.listeners() {
        alb_opts
            .host_ports
            .insert((l.alb.clone(), l.port), l.host_port);
    }
    // Listeners created or moved through the API get the same port rule.
    alb_opts.alb_order = topology
        .load_balancers
        .iter()
        .map(|lb| lb.name.value.clone())
        .collect();
    let ca_dir = alb_opts.ca_dir.clone();
    let mut alb = AlbRuntime::start(topology, alb_opts, now_ms)
        .await
        .map_err(|e| format!("ALB listeners: {e}"))?;
    // ACM: certificates requested (issued by the same local CA) or imported,
    // which HTTPS listeners created through the API present by SNI.
    let acm = Arc::new(
        crate::services::acm::Acm::open(&project.state_dir)
            .map_err(|e| format!("cannot load the ACM state: {e}"))?,
    );
    acm.set_issuer(Arc::new(crate::dataplane::alb::tls::LazyCa::new(ca_dir)));
    alb.attach_certificates(&acm);

    // Tasks reach the AWS endpoint on emul's address in the VPC (the
    // bridge's gateway on the host, base + 3 in a container; nothing
    // outside the VPC network reaches it), where the VPC's other services
    // are served too (`runtime::vpc_services`).
    let vpc_services = VpcServices::of_vpc(topology.vpc.cidr_block.value, placement)
        .ok_or("the VPC has no room for emul's address and the resolver")?;
    let bridge_ip = vpc_services.host;
    let port = loopback.local_addr().map(|a| a.port()).unwrap_or(4566);
    // In a container the endpoint already listens on every address of it,
    // this one included (`Placement::listen_address`).
    let vpc_listener = if loopback.local_addr().is_ok_and(|a| a.ip().is_unspecified()) {
        None
    } else {
        Some(
            TcpListener::bind((bridge_ip, port))
                .await
                .map_err(|e| format!("cannot listen on {bridge_ip}:{port} for tasks: {e}"))?,
        )
    };

    // The VPC resolver on the same address, an unprivileged port: every
    // task ENI's DNS server is the VPC base + 2, which its agent DNATs here
    // (`runtime::vpc_services`). A taken port costs discovery names, not the
    // project.
    let resolver_socket = match BoundResolver::bind(bridge_ip, RESOLVER_PORT).await {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "emul: warning: the VPC resolver cannot listen on {bridge_ip}:{RESOLVER_PORT} ({e}); \
                 service-discovery names will not resolve in tasks"
            );
            None
        }
    };

    let scope = EcsScope {
        account: project.account().to_string(),
        region: project.region().to_string(),
    };
    // CloudWatch Logs: the API, and where awslogs containers' lines go.
    let logs = Arc::new(
        crate::services::logs::CloudWatchLogs::open(&project.state_dir)
            .map_err(|e| format!("cannot load the CloudWatch Logs state: {e}"))?,
    );
    // CloudWatch metrics: what ECS tasks and the ALB really do, every
    // (scaled) minute; alarms and Application Auto Scaling act on them.
    let time_scale = *topology.time_scale as f64;
    let metric_period = Duration::from_secs_f64(60.0 / time_scale);
    let cloudwatch = Arc::new(crate::services::cloudwatch::CloudWatch::new(
        project.account(),
    ));
    cloudwatch.set_time_scale(time_scale);
    // ECR and its registry on loopback: pushes land in ECR, and tasks whose
    // images name ECR repositories are pulled from it.
    let (ecr, registry_listener) = crate::services::ecr::registry::open_for_project(
        project,
        placement.listen_address(),
        registry_port,
    )
    .await?;
    let registry_host = ecr.registry_host().unwrap_or_default();
    let deps = EcsDeps {
        engine: engine.clone(),
        secrets: sm.clone(),
        project: project.name.clone(),
        network: naming::object_name(&project.name, plan::VPC_NETWORK),
        subnets: topology
            .vpc
            .subnets
            .iter()
            .map(|s| (s.name.value.clone(), s.cidr_block.value))
            .collect(),
        reserved_ips: plan.enis.iter().map(|e| e.ip).collect(),
        network_policy: enforcer.clone(),
        targets: alb.targets.clone(),
        gateway_url: format!("http://{bridge_ip}:{port}"),
        vpc: Some(vpc_services),
        extra_labels: plan.extra_labels.clone().into_iter().collect(),
        healthy_after_running: Duration::ZERO,
        tick: Duration::ZERO,
        default_stop_timeout: Duration::ZERO,
        log_dir: Some(crate::runtime::task_logs::root(&project.state_dir)),
        images: Some(ecr.clone()),
        log_sink: Some(logs.clone()),
        network_names: Some(ec2.clone()),
        metrics: Some(crate::services::ecs::scheduler::metrics::MetricsDeps {
            sink: cloudwatch.clone(),
            every: metric_period,
        }),
    }
    .aws_timings();
    let (ecs, ecs_handle) = EcsRuntime::start(deps);
    let ecs_model = ecs.clone();
    let namespaces = topology
        .service_discovery_namespace
        .iter()
        .map(|n| n.name.value.clone());
    let resolver =
        resolver_socket.map(|b| b.serve(Zone::new(ecs.clone(), namespaces), host_upstreams()));
    let tg_arns: std::collections::HashMap<String, String> = alb
        .elbv2
        .snapshot()
        .target_groups
        .values()
        .map(|tg| (tg.name.clone(), tg.arn.clone()))
        .collect();
    let secret_value_from = |vf: &crate::topology::model::secrets::ValueFrom| {
        let secret = topology.resolve_secret(vf)?;
        let arn = names.get(&*secret.name)?.arn.clone();
        if vf.json_key.is_none() && vf.version_stage.is_none() && vf.version_id.is_none() {
            return Some(arn);
        }
        Some(format!(
            "{arn}:{}:{}:{}",
            vf.json_key.as_deref().unwrap_or_default(),
            vf.version_stage.as_deref().unwrap_or_default(),
            vf.version_id.as_deref().unwrap_or_default()
        ))
    };
    let target_group_arn = |name: &str| tg_arns.get(name).cloned();
    let reference =
        |r: &crate::topology::model::references::Reference| super::references::resolve(project, r);
    let seeded = ecs_topology::seed(
        &ecs,
        &scope,
        topology,
        &SeedNames {
            secret_value_from: &secret_value_from,
            target_group_arn: &target_group_arn,
            reference: &reference,
        },
    );
    if let Err(e) = seeded {
        ecs_handle.shutdown().await;
        return Err(format!("ECS services of the topology: {e}"));
    }
    // The services' `autoscaling` blocks as scalable targets and policies.
    let scaling = Arc::new(crate::services::autoscaling::ApplicationAutoScaling::new(
        cloudwatch.clone(),
        ecs.clone(),
    ));
    scaling.set_time_scale(time_scale);
    let lb_of_tg = alb.elbv2.snapshot();
    let resource_label = |tg_name: &str| {
        let tg = lb_of_tg
            .target_groups
            .values()
            .find(|t| t.name == tg_name)?;
        let lb = lb_of_tg
            .load_balancers_of_target_group(&tg.arn)
            .into_iter()
            .next()?;
        Some(format!(
            "{}/{}",
            crate::dataplane::alb::metrics::lb_dimension(&lb),
            crate::dataplane::alb::metrics::tg_dimension(&tg.arn)
        ))
    };
    if let Err(e) = crate::services::autoscaling::topology::seed(
        &scaling,
        project.account(),
        project.region(),
        topology,
        &resource_label,
    ) {
        ecs_handle.shutdown().await;
        return Err(format!("Application Auto Scaling of the topology: {e}"));
    }
    alb.publish_metrics(
        cloudwatch.clone(),
        project.account(),
        project.region(),
        metric_period,
    );

    let mut registry = Registry::new();
    registry.register(sm);
    registry.register(ecs);
    // SetSecurityGroups moves the ALB's ENI through the EC2 API's groups.
    alb.elbv2.set_vpc_groups(ec2.clone());
    // API-made load balancers' subnets and groups are the VPC's.
    alb.elbv2.set_network(ec2.clone());
    registry.register(alb.elbv2.clone());
    registry.register(acm);
    registry.register(ecr.clone());
    registry.register(logs);
    registry.register(cloudwatch.clone());
    registry.register(scaling.clone());
    registry.register(ec2);
    // RDS and ElastiCache: the topology's data stores, operated on Docker.
    registry.register(rds);
    registry.register(elasticache);
    let gw = Arc::new(Gateway::new(
        GatewayConfig {
            account: project.account().to_string(),
            ..GatewayConfig::default()
        },
        registry,
    ));
    let (gateway_stop, stop_rx) = tokio::sync::watch::channel(false);
    let mut gateways: Vec<_> = std::iter::once(loopback)
        .chain(vpc_listener)
        .map(|l| {
            let mut rx = stop_rx.clone();
            tokio::spawn(gateway::server::serve(l, gw.clone(), async move {
                let _ = rx.changed().await;
            }))
        })
        .collect();
    // Alarms evaluated every (scaled) minute invoke the scaling policies;
    // the loop stops with the gateways.
    gateways.push(tokio::spawn(crate::services::autoscaling::driver::run(
        cloudwatch,
        scaling,
        project.account().to_string(),
        crate::services::autoscaling::driver::evaluation_period(time_scale),
        stop_rx.clone(),
    )));
    // The registry stops with the gateways.
    let mut rx = stop_rx.clone();
    gateways.push(tokio::spawn(crate::services::ecr::registry::serve(
        registry_listener,
        crate::services::ecr::registry::Registry::new(ecr),
        async move {
            let _ = rx.changed().await;
        },
    )));
    Ok(Components {
        gateways,
        gateway_stop,
        alb,
        resolver,
        vpc: vpc_services,
        ecs: ecs_handle,
        ecs_model,
        registry: registry_host,
    })
}

/// Removes the project's containers and networks, keeping volumes; says
/// how long the engine took (a slow engine is what makes `docker stop` of
/// emul's own container run out of grace).
async fn take_down(project: &Project) {
    let started = Instant::now();
    match Engine::connect().await {
        Ok(engine) => {
            match runtime::reconcile::down(&engine, &project.name, DownOptions { volumes: false })
                .await
            {
                Ok(r) => eprintln!(
                    "emul: removed {} containers and {} networks of {} in {:.1} s",
                    r.containers.len(),
                    r.networks.len(),
                    project.name,
                    started.elapsed().as_secs_f64()
                ),
                Err(e) => eprintln!(
                    "emul: could not remove every container of {} (after {:.1} s): {e}",
                    project.name,
                    started.elapsed().as_secs_f64()
                ),
            }
        }
        Err(e) => eprintln!("emul: {e}"),
    }
}
