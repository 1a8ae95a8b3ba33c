//! `emul logs --topology FILE (RESOURCE | --service NAME | --task ID | --denied) [-f] [--tail N]`.
//!
//! `--denied` is the security groups' view ([`super::denied`]): every
//! refused connection attempt, from the ENI that refused it.
//!
//! RESOURCE is what `emul tunnel` accepts: an RDS instance or ElastiCache
//! group name (every node of it, each line prefixed with the node), or a
//! logical container id; read from Docker's logs, found by label.
//!
//! `--service NAME` (every task the ECS service ran, running or stopped,
//! each line prefixed `<task-id-short>/<container> | `) and `--task ID`
//! (a task id or ARN) read the copies the scheduler keeps under the state
//! directory (`runtime::task_logs`), so they work after the task stopped
//! and without the daemon. `-f` follows until Ctrl-C (with `--service`,
//! tasks started meanwhile join in); `--tail N` is per container.

use std::io::Write;

use futures::StreamExt;

use super::exit;
use crate::project::Project;
use crate::runtime::naming::LABEL_RESOURCE;
use crate::runtime::task_logs::{self, LogArchive, LogTail, Selection};

/// How often `-f` looks for new task log lines.
const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// Arguments of `emul logs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// The resource (RDS instance, ElastiCache group, or logical container id).
    #[arg(required_unless_present_any = ["service", "task", "denied"], conflicts_with_all = ["service", "task", "denied"])]
    pub resource: Option<String>,
    /// The connection attempts the security groups refused, per ENI that refused them.
    #[arg(long, conflicts_with_all = ["service", "task"])]
    pub denied: bool,
    /// Every task of this ECS service, running or stopped.
    #[arg(long, conflicts_with = "task")]
    pub service: Option<String>,
    /// One ECS task, by id or ARN.
    #[arg(long)]
    pub task: Option<String>,
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
    let selection = match (&args.service, &args.task) {
        (Some(s), _) => Some(Selection::Service(s.clone())),
        (None, Some(t)) => Some(Selection::Task(t.clone())),
        (None, None) => None,
    };
    if args.denied {
        return rt.block_on(super::denied::show(&project, args.follow));
    }
    match selection {
        Some(selection) => rt.block_on(show_tasks(&project, &selection, &args)),
        None => rt.block_on(show(project, args)),
    }
}

/// `--service` / `--task`: the kept task logs.
async fn show_tasks(project: &Project, selection: &Selection, args: &Args) -> u8 {
    let archive = LogArchive::open(&project.state_dir);
    if archive.select(selection).is_empty() {
        let what = match selection {
            Selection::Service(s) => format!("no task of service {s} has logs"),
            Selection::Task(t) => format!("no task {t} has logs"),
        };
        eprintln!(
            "emul logs: {what} under {} (tasks keep logs from the moment the daemon launches them)",
            task_logs::root(&project.state_dir).display()
        );
        return exit::FAILURE;
    }
    let mut tail = LogTail::default();
    print(&history(&archive, selection, &mut tail, &args.tail));
    if !args.follow {
        print(&tail.flush());
        return exit::SUCCESS;
    }
    let follow = async {
        loop {
            tokio::time::sleep(FOLLOW_POLL).await;
            // Tasks (and containers) that appeared since: from their start.
            for (prefix, file) in archive.streams(selection) {
                if !tail.contains(&file) {
                    print(&tail.add(&prefix, &file, None));
                }
            }
            print(&tail.poll());
        }
    };
    tokio::select! {
        () = follow => {}
        () = crate::project::daemon::shutdown_signal() => {}
    }
    exit::SUCCESS
}

/// What `emul logs --service/--task` prints first: every selected
/// container's history (`--tail` lines of each), in launch order. `tail`
/// then follows those files. The library function behind the CLI.
pub fn history(
    archive: &LogArchive,
    selection: &Selection,
    tail: &mut LogTail,
    tail_lines: &str,
) -> Vec<String> {
    let n = task_logs::parse_tail(tail_lines);
    archive
        .streams(selection)
        .into_iter()
        .flat_map(|(prefix, file)| tail.add(&prefix, &file, n))
        .collect()
}

fn print(lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    super::output::write_or_exit(|out| {
        for line in lines {
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    });
}

async fn show(project: Project, args: Args) -> u8 {
    let engine = match super::engine("logs").await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let all = match engine.project_containers(&project.name).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("emul logs: {e}");
            return exit::FAILURE;
        }
    };
    let r = args.resource.as_deref().unwrap_or_default();
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
            super::output::write_or_exit(|out| {
                for line in text.split_inclusive('\n') {
                    if prefix {
                        write!(out, "{name} | {line}")?;
                    } else {
                        write!(out, "{line}")?;
                    }
                }
                Ok(())
            });
        }
    };
    tokio::select! {
        _ = run => {}
        _ = crate::project::daemon::shutdown_signal() => {}
    }
    exit::SUCCESS
}
