//! The command line: `emul <verb> [options]`.
//!
//! One file per verb, each with the same shape: an `Args` struct that clap
//! fills in and a `run(args) -> u8` that returns an exit code from [`exit`].
//! Errors meant for the user are printed by the verb itself (with miette when
//! they point into a file), so `main` only has to exit with the code.

pub mod ca;
pub mod denied;
pub mod down;
pub mod env;
pub mod exit;
pub mod logs;
pub mod logs_cloudwatch;
pub mod output;
pub mod serve;
pub mod status;
pub mod status_services;
pub mod tunnel;
pub mod up;
pub mod validate;
pub mod verify;
pub mod why;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::project::Project;

/// What every project verb (`up`, `down`, `status`, `env`, `tunnel`, `logs`)
/// takes to find its project: the topology file and the state directory.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArgs {
    /// The topology file.
    #[arg(
        long,
        short = 't',
        env = "EMUL_TOPOLOGY",
        default_value = "topology.yaml"
    )]
    pub topology: PathBuf,
    /// Where durable state lives (default: `.emul/<project>/` next to the topology).
    #[arg(long, env = "EMUL_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

impl ProjectArgs {
    /// Loads the project, or prints why it cannot and returns the exit code.
    pub fn load(&self) -> Result<Project, u8> {
        Project::load(&self.topology, self.state_dir.clone()).map_err(|e| {
            eprintln!("{}", e.to_string().trim_end());
            e.exit_code()
        })
    }
}

/// The topology of `file` with the security groups in force: changes made
/// through the EC2 API, kept in the project's state directory, replace the
/// file's groups (`verify` and `why` check what is enforced). Prints why it
/// cannot and returns the exit code.
pub fn topology_in_force(
    file: &std::path::Path,
    state_dir: Option<PathBuf>,
) -> Result<crate::topology::Topology, u8> {
    let project = ProjectArgs {
        topology: file.to_path_buf(),
        state_dir,
    }
    .load()?;
    let mut topology = project.topology;
    match crate::services::ec2::live::in_force(&topology, &project.state_dir) {
        Ok(kept) => topology.security_groups = kept.groups,
        Err(e) => {
            eprintln!("error: the security groups changed through the EC2 API: {e}");
            return Err(exit::FAILURE);
        }
    }
    Ok(topology)
}

/// `emul` runs an AWS topology (ALB, ECS, RDS, ElastiCache, Secrets Manager,
/// security groups) locally on Docker.
#[derive(Debug, Parser)]
#[command(name = "emul", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs. Each variant's doc is its `--help` summary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a topology file and print every problem with FILE:LINE:COLUMN.
    Validate(validate::Args),
    /// Serve the AWS API endpoint on its own: no topology, no Docker.
    Serve(serve::Args),
    /// Bring a topology up on Docker (foreground; -d to run in the background).
    Up(up::Args),
    /// Stop a project and remove its containers and networks (--volumes: data too).
    Down(down::Args),
    /// Show every resource of a project with its state, health and addresses.
    Status(status::Args),
    /// Print `export` lines: AWS endpoint, credentials, region, ALB URLs.
    Env(env::Args),
    /// Forward a loopback port to a private RDS / ElastiCache endpoint.
    Tunnel(tunnel::Args),
    /// Show a data store's logs, an ECS service's or task's (kept after they stop), or --denied: refused connections.
    Logs(logs::Args),
    /// Probe a running project's security groups for real; exit 4 on any mismatch.
    Verify(verify::Args),
    /// Explain why SRC may or may not reach DST:PORT: the rule on each side, or what is missing.
    Why(why::Args),
    /// Print (or export) the local CA certificate that signs HTTPS listeners.
    Ca(ca::Args),
}

/// Parses the process arguments, runs the verb and returns its exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Up(args) => up::run(args),
        Command::Down(args) => down::run(args),
        Command::Status(args) => status::run(args),
        Command::Env(args) => env::run(args),
        Command::Tunnel(args) => tunnel::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Why(args) => why::run(args),
        Command::Ca(args) => ca::run(args),
    };
    std::process::ExitCode::from(code)
}

/// The Docker engine for `verb`, or exit code 3 with `emul <verb>: <why>`.
pub(crate) async fn engine(verb: &str) -> Result<crate::runtime::Engine, u8> {
    crate::runtime::Engine::connect().await.map_err(|e| {
        eprintln!("emul {verb}: {e}");
        exit::DOCKER_UNAVAILABLE
    })
}

/// A multi-threaded tokio runtime for a verb, or exit code 1 with a message.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("emul: cannot start the async runtime: {e}");
            exit::FAILURE
        })
}

/// Logs to stderr; `EMUL_LOG` (or `RUST_LOG`) sets the filter, `warn` by
/// default for the project verbs (their progress lines say what happens).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMUL_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
