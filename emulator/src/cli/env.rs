//! `emul env --topology FILE`: `export KEY=VALUE` lines for a shell
//! (`eval "$(emul env --topology prod.yaml)"`).
//!
//! Exactly, in this order: `AWS_ENDPOINT_URL` (the running daemon's
//! endpoint, else `http://127.0.0.1:<--port>`), `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY` (`test`: any credentials are accepted),
//! `AWS_REGION` and `AWS_DEFAULT_REGION` (the topology's: current SDKs read
//! the first, the AWS CLI v1 and boto3 only the second), then one `EMUL_ALB_<NAME>_<PORT>=<url>`
//! per ALB listener ([`crate::project::Project::listeners`]: `<NAME>` is the
//! ALB name upper-cased with every non-alphanumeric character replaced by
//! `_`, `<PORT>` the listener's AWS port, `<url>` its loopback URL — the
//! rule in docs/decisions/0007-project-daemon.md, which the ALB data plane
//! uses too), and, when the daemon runs, `EMUL_ECR_REGISTRY` (its ECR
//! registry's `127.0.0.1:<port>`, for `docker login/push`). Values contain
//! no shell metacharacters, so they are unquoted.

use super::exit;
use crate::project::{Project, record};

/// Arguments of `emul env`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// The AWS endpoint port when no daemon is running.
    #[arg(long, short = 'p', env = "EMUL_PORT", default_value_t = 4566)]
    pub port: u16,
}

/// The `export` lines for `project` (endpoint given).
pub fn lines(project: &Project, endpoint: &str) -> Vec<String> {
    let mut out = vec![
        format!("export AWS_ENDPOINT_URL={endpoint}"),
        "export AWS_ACCESS_KEY_ID=test".to_string(),
        "export AWS_SECRET_ACCESS_KEY=test".to_string(),
        format!("export AWS_REGION={}", project.region()),
        format!("export AWS_DEFAULT_REGION={}", project.region()),
    ];
    for l in project.listeners() {
        out.push(format!("export {}={}", l.env_key, l.url));
    }
    out
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    let project = match args.project.load() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let live = record::read_live(&project.daemon_file());
    let endpoint = live
        .as_ref()
        .map(|r| r.endpoint.clone())
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", args.port));
    for l in lines(&project, &endpoint) {
        crate::outln!("{l}");
    }
    if let Some(registry) = live.and_then(|r| r.registry) {
        crate::outln!("export EMUL_ECR_REGISTRY={registry}");
    }
    exit::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_shape() {
        let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/topologies/wechat.yaml");
        let p = Project::load(&file, None).unwrap();
        assert_eq!(
            lines(&p, "http://127.0.0.1:4566"),
            [
                "export AWS_ENDPOINT_URL=http://127.0.0.1:4566",
                "export AWS_ACCESS_KEY_ID=test",
                "export AWS_SECRET_ACCESS_KEY=test",
                "export AWS_REGION=us-east-1",
                "export AWS_DEFAULT_REGION=us-east-1",
                "export EMUL_ALB_WECHAT_ALB_80=http://127.0.0.1:8080",
                "export EMUL_ALB_WECHAT_ALB_443=https://127.0.0.1:8443",
            ]
        );
    }
}
