//! `emul validate --topology FILE`: parse and check a topology, print every
//! problem as `FILE:LINE:COLUMN: error: what is wrong` plus a hint.
//! Exit 0 when valid (with a one-line summary), 2
//! ([`super::exit::INVALID_INPUT`]) when not, 1 when the file can't be read.

use crate::topology::{self, LoadError};
use std::path::PathBuf;

/// Arguments of `emul validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The topology file to check.
    #[arg(
        long,
        short = 't',
        env = "EMUL_TOPOLOGY",
        default_value = "topology.yaml"
    )]
    pub topology: PathBuf,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    match topology::load(&args.topology) {
        Ok(t) => {
            crate::outln!("ok: {}", t.summary());
            super::exit::SUCCESS
        }
        Err(e @ LoadError::Io { .. }) => {
            eprint!("{}", e.render());
            super::exit::FAILURE
        }
        Err(e @ LoadError::Invalid { .. }) => {
            eprint!("{}", e.render());
            if let LoadError::Invalid {
                file, diagnostics, ..
            } = &e
            {
                eprintln!(
                    "{file}: {} error(s); the topology is not valid",
                    diagnostics.len()
                );
            }
            super::exit::INVALID_INPUT
        }
    }
}
