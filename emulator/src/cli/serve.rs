//! `emul serve`: the AWS-compatible endpoint on its own, without a topology
//! and without Docker, listening until SIGTERM or Ctrl-C.

use std::path::PathBuf;

/// Arguments of `emul serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind. Loopback by default: nothing listens on other
    /// interfaces unless asked.
    #[arg(long, env = "EMUL_BIND", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Port of the AWS endpoint (4566 is what LocalStack-era tooling assumes).
    #[arg(long, short = 'p', env = "EMUL_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Where durable state (secrets) is kept.
    #[arg(long, env = "EMUL_STATE_DIR", default_value = ".emul/serve")]
    pub state_dir: PathBuf,
    /// The AWS account id that owns every resource.
    #[arg(long, env = "EMUL_ACCOUNT", default_value = "000000000000")]
    pub account: String,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    eprintln!("emul serve: not built yet (port {})", args.port);
    super::exit::FAILURE
}
