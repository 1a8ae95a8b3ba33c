//! `emul ca [--path] [--out FILE]`: the machine's local certificate
//! authority, the one that signs every HTTPS listener's certificate.
//!
//! Prints the CA certificate (PEM) on stdout so a test or a browser can trust
//! it (`emul ca > emul-ca.pem`, `curl --cacert emul-ca.pem …`); `--out` writes
//! it to a file instead and `--path` prints where it lives. The CA is created
//! the first time it is asked for (by this verb or by `up`), so the output is
//! stable across runs. The private key is never printed.

use std::path::PathBuf;

use super::exit;
use crate::dataplane::alb::tls::{LocalCa, default_ca_dir};

/// Arguments of `emul ca`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the path of `ca.pem` instead of its contents.
    #[arg(long, conflicts_with = "out")]
    pub path: bool,
    /// Write the PEM to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The CA directory (default: `$EMUL_CA_DIR`, else `$XDG_DATA_HOME/emul/ca`,
    /// else `~/.local/share/emul/ca`; the same one `up` uses).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    let dir = args.dir.unwrap_or_else(default_ca_dir);
    let ca = match LocalCa::load_or_create(&dir) {
        Ok(ca) => ca,
        Err(e) => {
            eprintln!("emul ca: {e}");
            return exit::FAILURE;
        }
    };
    if args.path {
        crate::outln!("{}", ca.cert_path().display());
        return exit::SUCCESS;
    }
    match args.out {
        Some(file) => match std::fs::write(&file, &ca.cert_pem) {
            Ok(()) => exit::SUCCESS,
            Err(e) => {
                eprintln!("emul ca: {}: {e}", file.display());
                exit::FAILURE
            }
        },
        None => {
            crate::out!("{}", ca.cert_pem);
            exit::SUCCESS
        }
    }
}
