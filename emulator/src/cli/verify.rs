//! `emul verify --topology FILE [--json]`: prove the security groups on a
//! running project. Computes the expected reachability of every pair of ENIs
//! (and the host) over every port that matters, probes each one for real
//! from the source ENI's address (through its agent), prints expected vs
//! observed and one line per mismatch naming the rule that should have
//! decided it.
//!
//! Exit codes: 0 all match; 4 ([`super::exit::VERIFY_MISMATCH`]) a mismatch
//! or an ENI without rules; 2 invalid topology; 3 Docker unreachable; 1
//! anything else (project not running, an ENI agent answering nonsense).

use std::path::PathBuf;
use std::time::Duration;

use super::exit;
use crate::netpolicy::verify::{self, VerifyError, VerifyOptions};
use crate::runtime::{Engine, EngineError};

/// Arguments of `emul verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The topology file of the running project.
    #[arg(
        long,
        short = 't',
        env = "EMUL_TOPOLOGY",
        default_value = "topology.yaml"
    )]
    pub topology: PathBuf,
    /// The project's state directory (default: `.emul/<project>/` next to
    /// the topology), where changes made through the EC2 API are kept.
    #[arg(long, env = "EMUL_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Print the report as JSON (every cell, the mismatches, timings).
    #[arg(long)]
    pub json: bool,
    /// How long one probe connect may take before it counts as refused (ms).
    #[arg(long, default_value_t = 600)]
    pub timeout_ms: u64,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    let topology = match super::topology_in_force(&args.topology, args.state_dir.clone()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::FAILURE;
        }
    };
    let placement = match crate::runtime::placement::Placement::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INVALID_INPUT;
        }
    };
    let opts = VerifyOptions {
        timeout: Duration::from_millis(args.timeout_ms),
        placement,
        ..VerifyOptions::default()
    };
    runtime.block_on(async move {
        let engine = match Engine::connect().await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::DOCKER_UNAVAILABLE;
            }
        };
        match verify::verify(&engine, &topology, &opts).await {
            Ok(report) => {
                if args.json {
                    let mut v = serde_json::to_value(&report).unwrap_or_default();
                    v["ok"] = report.ok().into();
                    v["mismatches"] = serde_json::to_value(report.mismatches().collect::<Vec<_>>())
                        .unwrap_or_default();
                    crate::outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                } else {
                    crate::out!("{}", verify::render(&report));
                }
                if report.ok() {
                    exit::SUCCESS
                } else {
                    exit::VERIFY_MISMATCH
                }
            }
            Err(VerifyError::Engine(e @ EngineError::Unreachable { .. })) => {
                eprintln!("error: {e}");
                exit::DOCKER_UNAVAILABLE
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::FAILURE
            }
        }
    })
}
