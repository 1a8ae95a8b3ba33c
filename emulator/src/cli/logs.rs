//! `emul logs --topology FILE RESOURCE [-f]`: a data store's (or any
//! project container's) output, from Docker's logs, found by label.
//!
//! RESOURCE is what `emul tunnel` accepts: an RDS instance or ElastiCache
//! group name (every node of it, each line prefixed with the node), or a
//! logical container id. `-f` follows until Ctrl-C.

use std::io::Write;

use futures::StreamExt;

use super::exit;
use crate::project::Project;
use crate::runtime::Engine;
use crate::runtime::naming::LABEL_RESOURCE;

/// Arguments of `emul logs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// The resource (RDS instance, ElastiCache group, or logical container id).
    pub resource: String,
    /// Follow the output.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Lines of history to show per container.
    #[arg(long, default_value = "all")]
    pub tail: String,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    let project = match args.project.load() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(show(project, args))
}

async fn show(project: Project, args: Args) -> u8 {
    let engine = match Engine::connect().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emul logs: {e}");
            return exit::DOCKER_UNAVAILABLE;
        }
    };
    let all = match engine.project_containers(&project.name).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("emul logs: {e}");
            return exit::FAILURE;
        }
    };
    let r = &args.resource;
    let matches = |id: &str| {
        id == r
            || id == format!("rds/{r}")
            || id.starts_with(&format!("rds/{r}/"))
            || id.starts_with(&format!("elasticache/{r}/"))
    };
    let mut chosen: Vec<_> = all
        .into_iter()
        .filter(|o| o.labels.get(LABEL_RESOURCE).is_some_and(|id| matches(id)))
        .collect();
    chosen.sort_by(|a, b| {
        a.labels
            .get(LABEL_RESOURCE)
            .cmp(&b.labels.get(LABEL_RESOURCE))
    });
    if chosen.is_empty() {
        eprintln!(
            "emul logs: no running container of {} is {r} (is the project up? `emul status` lists them)",
            project.name
        );
        return exit::FAILURE;
    }
    let prefix = chosen.len() > 1;
    let streams = chosen.iter().map(|o| {
        let name = o.labels.get(LABEL_RESOURCE).cloned().unwrap_or_default();
        engine
            .logs(&o.id, args.follow, &args.tail)
            .map(move |chunk| (name.clone(), chunk))
    });
    let mut merged = futures::stream::select_all(streams.map(Box::pin));
    let run = async {
        while let Some((name, chunk)) = merged.next().await {
            let Ok(bytes) = chunk else { break };
            let text = String::from_utf8_lossy(&bytes);
            let mut out = std::io::stdout().lock();
            for line in text.split_inclusive('\n') {
                let _ = if prefix {
                    write!(out, "{name} | {line}")
                } else {
                    write!(out, "{line}")
                };
            }
            let _ = out.flush();
        }
    };
    tokio::select! {
        _ = run => {}
        _ = crate::project::daemon::shutdown_signal() => {}
    }
    exit::SUCCESS
}
