//! `emul up --topology FILE [-d] [--wait] [--timeout SECS]`: bring a
//! topology to life.
//!
//! Foreground (default): runs the project daemon ([`crate::project::daemon`])
//! until SIGTERM / Ctrl-C, which removes the project's containers (volumes
//! are kept) and exits 0.
//!
//! `-d/--detach`: starts the same command again in the background (its own
//! session, none of the caller's descriptors beyond 0-2 kept:
//! [`crate::project::detached`]; output appended to `<state-dir>/emul.log`), waits until it
//! reports ready in `daemon.json` — with `--wait` that includes every data
//! store answering an authenticated query, every ECS service at steady state
//! and every registered target healthy (see below) — and exits 0. While it
//! waits it prints what the daemon still awaits (`daemon.json`'s
//! `awaiting`) each time that changes. If the daemon fails
//! or `--timeout` passes, it exits non-zero with the daemon's last log lines,
//! after making sure the daemon is gone and the project's containers removed.
//!
//! Readiness: containers created by this run are always probed (a store
//! that never answers fails the run, named, after `--timeout`); `--wait`
//! also probes the ones that were already running, and then waits until
//! every ECS service has runningCount = desiredCount, one deployment and
//! rolloutState COMPLETED, and every target group with registered targets
//! has them all `healthy` ([`crate::project::workloads`]). Progress lines
//! (`waiting …`) say what is still awaited as it changes; when `--timeout`
//! (counted from the start) passes first, `up` exits 1 naming what was not
//! ready (`service web: 1 of 2 running; target group web: 0 of 2 healthy`)
//! and the project's containers are removed. `emul up -d --wait &&
//! run-tests` therefore starts the tests against a project that answers.
//!
//! A project whose daemon already runs the same topology file: `up` lists
//! the project's Docker objects and, when everything planned runs, is a
//! no-op (printed with the time it took); when something is missing or
//! stopped it sends the daemon SIGUSR1 and waits for its reconcile. A changed
//! file while a daemon runs is refused (run `emul down` first).
//!
//! Ctrl-C on `up -d` while it waits leaves the daemon running (it is in its
//! own session); `emul down` stops it.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::exit;
use crate::project::daemon::{self, DaemonOptions};
use crate::project::{Project, record};
use crate::runtime::images::PullPolicy;

/// Arguments of `emul up`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// Run in the background; return once the project is up.
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Return only when the project is ready: every data store accepts an
    /// authenticated query (also those already running), every ECS service
    /// is at steady state and every registered target is healthy.
    #[arg(long)]
    pub wait: bool,
    /// Seconds to wait for readiness (per data store in the foreground; for
    /// the whole start with --detach; with --wait, the ECS services and
    /// target groups must be ready this long after the start).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Port of the AWS endpoint on 127.0.0.1.
    #[arg(long, short = 'p', env = "EMUL_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Port of the ECR image registry on 127.0.0.1 (`docker login/push/pull
    /// 127.0.0.1:<port>`); when taken, any free port (shown by
    /// `aws ecr get-authorization-token` as `proxyEndpoint`).
    #[arg(long, env = "EMUL_REGISTRY_PORT", default_value_t = 5100)]
    pub registry_port: u16,
    /// Whether to pull missing official images (`missing`) or never touch a registry (`never`).
    #[arg(long, env = "EMUL_PULL", default_value = "missing", value_parser = ["missing", "never"])]
    pub pull: String,
    /// An extra `KEY=VALUE` label on every Docker object (repeatable).
    #[arg(long = "label", hide = true)]
    pub labels: Vec<String>,
    /// Set by `up -d` on the background daemon it starts: leave the
    /// caller's session and close its inherited descriptors first
    /// ([`crate::project::detached`]).
    #[arg(long = "daemon", hide = true)]
    pub daemon: bool,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    if args.daemon
        && let Err(e) = crate::project::detached::detach_from_caller()
    {
        eprintln!("emul up: cannot detach the daemon from its caller: {e}");
        return exit::FAILURE;
    }
    super::init_logging();
    let started = Instant::now();
    let project = match Project::load(&args.project.topology, args.project.state_dir.clone()) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{e}");
            if !e.to_string().ends_with('\n') {
                eprintln!();
            }
            return e.exit_code();
        }
    };
    let mut labels = Vec::new();
    for l in &args.labels {
        match l.split_once('=') {
            Some((k, v)) if !k.is_empty() => labels.push((k.to_string(), v.to_string())),
            _ => {
                eprintln!("emul up: --label {l:?} is not KEY=VALUE");
                return exit::INVALID_INPUT;
            }
        }
    }
    if let Some(r) = record::read_live(&project.daemon_file())
        && r.pid != std::process::id()
    {
        let wait = args.wait.then(|| Duration::from_secs(args.timeout.max(1)));
        return already_running(&project, &r, started, wait);
    }
    let placement = match crate::runtime::placement::Placement::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("emul up: {e}");
            return exit::INVALID_INPUT;
        }
    };
    if args.detach {
        return detach(&project, &args);
    }
    let opts = DaemonOptions {
        listen: std::net::SocketAddr::from((placement.listen_address(), args.port)),
        placement,
        registry_port: args.registry_port,
        wait: args.wait,
        ready_timeout: Duration::from_secs(args.timeout.max(1)),
        pull: if args.pull == "never" {
            PullPolicy::Never
        } else {
            PullPolicy::IfMissing
        },
        extra_labels: labels,
    };
    match super::runtime() {
        Ok(rt) => rt.block_on(daemon::run(project, opts)),
        Err(code) => code,
    }
}

/// `wait`: `--wait`'s timeout; the running daemon's workloads must then be
/// ready too (see [`wait_for_running`]).
fn already_running(
    project: &Project,
    r: &record::DaemonRecord,
    started: Instant,
    wait: Option<Duration>,
) -> u8 {
    if r.topology_hash != project.file_hash() {
        eprintln!(
            "emul up: emul already runs project {} (pid {}) with another version of {}; run `emul down --topology {}` first",
            project.name,
            r.pid,
            project.file.display(),
            project.file.display()
        );
        return exit::FAILURE;
    }
    if !r.ready {
        eprintln!(
            "emul up: project {} is still starting (pid {}); see {}",
            project.name,
            r.pid,
            project.log_file().display()
        );
        return exit::FAILURE;
    }
    let drift = match super::runtime() {
        Ok(rt) => rt.block_on(drift(project)),
        Err(code) => return code,
    };
    let code = match drift {
        Ok(None) => {
            crate::outln!(
                "emul up: {} is already up, nothing changed ({} ms; pid {}, endpoint {})",
                project.name,
                started.elapsed().as_millis(),
                r.pid,
                r.endpoint
            );
            exit::SUCCESS
        }
        Ok(Some(what)) => reconcile_running(project, r, &what, started),
        Err(code) => code,
    };
    match wait {
        Some(timeout) if code == exit::SUCCESS => wait_for_running(project, started, timeout),
        _ => code,
    }
}

/// `up --wait` when the daemon already runs: its record's `awaiting` names
/// what is not ready *now* (a deployment rolling, a target not yet
/// healthy), judged every second; waits until a verdict judged after this
/// call started is empty, printing what is awaited as it changes. Past
/// `timeout` it names what was not ready and exits 1,
/// leaving the running project as it is (this `up` did not start it).
fn wait_for_running(project: &Project, started: Instant, timeout: Duration) -> u8 {
    let asked_ms = record::now_ms();
    let mut shown: Vec<String> = Vec::new();
    let mut asked_daemon = false;
    loop {
        let Some(r) = record::read_live(&project.daemon_file()) else {
            eprintln!(
                "emul up: the daemon stopped; see {}",
                project.log_file().display()
            );
            return exit::FAILURE;
        };
        // A verdict from before this `up` may predate the last API call:
        // ask the daemon (SIGUSR2) to judge now rather than at its next
        // one-second tick.
        if !asked_daemon {
            asked_daemon = true;
            if let Ok(pid) = i32::try_from(r.pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGUSR2,
                );
            }
        }
        let fresh = r.checked_ms > asked_ms;
        if fresh && r.awaiting.is_empty() {
            return exit::SUCCESS;
        }
        if r.awaiting != shown {
            eprintln!("  waiting   {}", r.awaiting.join("; "));
            shown = r.awaiting;
        }
        if started.elapsed() >= timeout {
            eprintln!(
                "emul up: not ready within {}s (--timeout): {}",
                timeout.as_secs(),
                shown.join("; ")
            );
            return exit::FAILURE;
        }
        // Quick polls while the first verdict comes, then calmer ones.
        let pause = if fresh { 250 } else { 10 };
        std::thread::sleep(Duration::from_millis(pause));
    }
}

/// What differs between the plan and Docker (missing or stopped objects),
/// or `None` when everything planned runs. Config changes cannot happen
/// here: the topology file is the one the daemon runs.
async fn drift(project: &Project) -> Result<Option<String>, u8> {
    use crate::runtime::naming::LABEL_RESOURCE;
    let pp = crate::project::plan::build(project, &|_| Ok(String::new())).map_err(|e| {
        eprintln!("emul up: {e}");
        exit::INVALID_INPUT
    })?;
    let engine = super::engine("up").await?;
    let (containers, networks) = futures::try_join!(
        engine.project_containers(&project.name),
        engine.project_networks(&project.name)
    )
    .map_err(|e| {
        eprintln!("emul up: {e}");
        exit::FAILURE
    })?;
    let running: std::collections::BTreeSet<&str> = containers
        .iter()
        .filter(|o| o.state == "running")
        .filter_map(|o| o.labels.get(LABEL_RESOURCE).map(String::as_str))
        .collect();
    let nets: std::collections::BTreeSet<&str> = networks
        .iter()
        .filter_map(|o| o.labels.get(LABEL_RESOURCE).map(String::as_str))
        .collect();
    let plan = &pp.plan;
    let missing: Vec<&str> = plan
        .networks
        .iter()
        .map(|n| n.id.as_str())
        .filter(|id| !nets.contains(id))
        .chain(
            plan.enis
                .iter()
                .map(|e| e.id.as_str())
                .chain(plan.containers.iter().map(|c| c.id.as_str()))
                .filter(|id| !running.contains(id)),
        )
        .collect();
    Ok((!missing.is_empty()).then(|| missing.join(", ")))
}

/// Asks the running daemon to reconcile (SIGUSR1) and waits for it.
fn reconcile_running(
    project: &Project,
    r: &record::DaemonRecord,
    what: &str,
    started: Instant,
) -> u8 {
    eprintln!(
        "emul up: not running as planned: {what}; asking the daemon (pid {}) to reconcile",
        r.pid
    );
    let Ok(pid) = i32::try_from(r.pid) else {
        return exit::FAILURE;
    };
    if nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGUSR1,
    )
    .is_err()
    {
        eprintln!("emul up: cannot signal pid {}", r.pid);
        return exit::FAILURE;
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        match record::read_live(&project.daemon_file()) {
            Some(now) if now.pid == r.pid && now.generation > r.generation => {
                crate::outln!(
                    "emul up: {} reconciled by the running daemon in {:.1}s (pid {}, endpoint {})",
                    project.name,
                    started.elapsed().as_secs_f64(),
                    now.pid,
                    now.endpoint
                );
                return exit::SUCCESS;
            }
            Some(_) => {}
            None => {
                eprintln!(
                    "emul up: the daemon stopped; see {}",
                    project.log_file().display()
                );
                return exit::FAILURE;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "emul up: the daemon did not finish reconciling; see {}",
        project.log_file().display()
    );
    exit::FAILURE
}

/// Starts the daemon in the background and waits for it.
fn detach(project: &Project, args: &Args) -> u8 {
    if let Err(e) = std::fs::create_dir_all(&project.state_dir) {
        eprintln!(
            "emul up: cannot create {}: {e}",
            project.state_dir.display()
        );
        return exit::FAILURE;
    }
    let log_path = project.log_file();
    let log = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("emul up: cannot open {}: {e}", log_path.display());
            return exit::FAILURE;
        }
    };
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emul up: cannot find the emul executable: {e}");
            return exit::FAILURE;
        }
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("up")
        .arg("--topology")
        .arg(&project.file)
        .arg("--state-dir")
        .arg(&project.state_dir)
        .arg("--port")
        .arg(args.port.to_string())
        .arg("--registry-port")
        .arg(args.registry_port.to_string())
        .arg("--timeout")
        .arg(args.timeout.to_string())
        .arg("--pull")
        .arg(&args.pull);
    if args.wait {
        cmd.arg("--wait");
    }
    cmd.arg("--daemon");
    for l in &args.labels {
        cmd.arg("--label").arg(l);
    }
    let err = match log.try_clone() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emul up: {e}");
            return exit::FAILURE;
        }
    };
    cmd.stdin(Stdio::null()).stdout(log).stderr(err);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("emul up: cannot start the daemon: {e}");
            return exit::FAILURE;
        }
    };
    let pid = child.id();
    eprintln!(
        "emul up: daemon started (pid {pid}); log: {}",
        log_path.display()
    );
    let deadline =
        Instant::now() + Duration::from_secs(args.timeout.max(1)) + Duration::from_secs(15);
    // What the daemon still awaits (`--wait`), printed as it changes.
    let mut awaiting: Vec<String> = Vec::new();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            eprintln!(
                "emul up: the daemon exited ({status}) before the project was up; its log ends with:"
            );
            eprint!("{}", log_tail(&log_path, log_start, 30));
            let code = status.code().and_then(|c| u8::try_from(c).ok());
            return code.filter(|c| *c != 0).unwrap_or(exit::FAILURE);
        }
        if let Some(r) = record::read(&project.daemon_file()).filter(|r| r.pid == pid && !r.ready)
            && r.awaiting != awaiting
        {
            if !r.awaiting.is_empty() {
                eprintln!("  waiting   {}", r.awaiting.join("; "));
            }
            awaiting = r.awaiting;
        }
        if let Some(r) = record::read(&project.daemon_file()).filter(|r| r.pid == pid && r.ready) {
            let tail = log_tail(&log_path, log_start, usize::MAX);
            // The daemon's summary (stdout) is in the log: show it.
            let mut out = std::io::stdout().lock();
            let progress = ["  starting", "  ready", "  unchanged", "  waiting"];
            for line in tail
                .lines()
                .filter(|l| !progress.iter().any(|p| l.starts_with(p)))
                .filter(|l| !l.contains(" INFO ") && !l.contains(" WARN "))
            {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(
                out,
                "emul up: running in the background (pid {}); stop it with `emul down --topology {}`",
                r.pid,
                project.file.display()
            );
            return exit::SUCCESS;
        }
        if Instant::now() >= deadline {
            eprintln!(
                "emul up: the project was not up within {}s; stopping the daemon. Its log ends with:",
                args.timeout
            );
            eprint!("{}", log_tail(&log_path, log_start, 30));
            super::down::stop_daemon(pid, Duration::from_secs(30));
            let _ = child.wait();
            if let Ok(rt) = super::runtime() {
                rt.block_on(super::down::remove_containers(project, false));
            }
            return exit::FAILURE;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The last `n` lines written to `path` after byte `from`.
fn log_tail(path: &std::path::Path, from: u64, n: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let start = usize::try_from(from).unwrap_or(0).min(text.len());
    let text = String::from_utf8_lossy(&text[start..]);
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    let mut out = lines[skip..].join("\n");
    out.push('\n');
    out
}
