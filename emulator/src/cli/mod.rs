//! The command line: `emul <verb> [options]`.
//!
//! One file per verb, each with the same shape: an `Args` struct that clap
//! fills in and a `run(args) -> u8` that returns an exit code from [`exit`].
//! Errors meant for the user are printed by the verb itself (with miette when
//! they point into a file), so `main` only has to exit with the code.

pub mod exit;
pub mod serve;
pub mod validate;
pub mod verify;

use clap::{Parser, Subcommand};

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
    /// Probe a running project's security groups for real; exit 4 on any mismatch.
    Verify(verify::Args),
}

/// Parses the process arguments, runs the verb and returns its exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Verify(args) => verify::run(args),
    };
    std::process::ExitCode::from(code)
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
