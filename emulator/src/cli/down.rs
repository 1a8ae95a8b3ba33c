//! `emul down --topology FILE [--volumes]`: stop a project and remove every
//! trace of it from Docker.
//!
//! Stops the project's daemon if one runs (SIGTERM through `daemon.json`,
//! then SIGKILL after 30 s), then removes the project's containers and
//! networks — and named volumes with `--volumes` — found by their
//! `io.emul.project` label, so it works even when the state directory is
//! gone and after a crash. Idempotent: a second `down` finds nothing and
//! exits 0.

use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::exit;
use crate::project::{Project, record};
use crate::runtime::{DownOptions, reconcile};

/// Arguments of `emul down`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// Also remove named volumes (database data).
    #[arg(long)]
    pub volumes: bool,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    super::init_logging();
    let project = match args.project.load() {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(r) = record::read_live(&project.daemon_file()) {
        eprintln!("emul down: stopping the daemon (pid {})", r.pid);
        stop_daemon(r.pid, Duration::from_secs(30));
        record::remove_if_mine(&project.daemon_file(), r.pid);
    }
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(remove_containers(&project, args.volumes))
}

/// SIGTERM to `pid`, wait up to `grace`, then SIGKILL (and a short wait).
pub fn stop_daemon(pid: u32, grace: Duration) {
    let Ok(raw) = i32::try_from(pid) else { return };
    let pid_t = Pid::from_raw(raw);
    if kill(pid_t, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !record::pid_alive(pid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("emul: pid {pid} did not stop within {grace:?}; killing it");
    let _ = kill(pid_t, Signal::SIGKILL);
    let deadline = Instant::now() + Duration::from_secs(5);
    while record::pid_alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Removes the project's Docker objects by label; the exit code.
pub async fn remove_containers(project: &Project, volumes: bool) -> u8 {
    let engine = match super::engine("down").await {
        Ok(e) => e,
        Err(code) => return code,
    };
    match reconcile::down(&engine, &project.name, DownOptions { volumes }).await {
        Ok(r) => {
            eprintln!(
                "emul down: {}: removed {} containers, {} networks, {} volumes",
                project.name,
                r.containers.len(),
                r.networks.len(),
                r.volumes.len()
            );
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("emul down: {e}");
            exit::FAILURE
        }
    }
}
