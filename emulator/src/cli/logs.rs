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
//! (a task id or ARN) read where the task's output is kept, so they work
//! after the task stopped and without the daemon: a container with the
//! `awslogs` driver (or the topology's `log_group`) from its CloudWatch
//! Logs stream ([`super::logs_cloudwatch`]), the same events `aws logs
//! get-log-events` returns; any other container from the file the
//! scheduler keeps under the state directory (`runtime::task_logs`).
//! `-f` follows until Ctrl-C (with `--service`, tasks started meanwhile
//! join in); `--tail N` is per container.

use std::io::Write;

use futures::StreamExt;

use super::exit;
use super::logs_cloudwatch::CloudWatchTail;
use crate::project::Project;
use crate::runtime::naming::LABEL_RESOURCE;
use crate::runtime::task_logs::{self, LogArchive, LogSource, LogTail, Selection};

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
    let mut tails = Tails {
        files: LogTail::default(),
        cloudwatch: None,
    };
    let n = task_logs::parse_tail(&args.tail);
    for (prefix, source) in archive.streams(selection) {
        if let Err(code) = tails.add(project, &prefix, &source, n).await {
            return code;
        }
    }
    if !args.follow {
        print(&tails.files.flush());
        return exit::SUCCESS;
    }
    if tails.cloudwatch.as_ref().is_some_and(|c| !c.follows()) {
        eprintln!(
            "emul logs: the project is not running; CloudWatch Logs streams are not followed"
        );
    }
    let follow = async {
        loop {
            tokio::time::sleep(FOLLOW_POLL).await;
            // Tasks (and containers) that appeared since: from their start.
            for (prefix, source) in archive.streams(selection) {
                if !tails.contains(&source)
                    && let Err(code) = tails.add(project, &prefix, &source, None).await
                {
                    return code;
                }
            }
            print(&tails.files.poll());
            if let Some(c) = tails.cloudwatch.as_mut() {
                print(&c.poll().await);
            }
        }
    };
    tokio::select! {
        code = follow => code,
        () = crate::project::daemon::shutdown_signal() => exit::SUCCESS,
    }
}

/// What `--service/--task` reads: task files and CloudWatch Logs streams.
struct Tails {
    /// The containers whose output is in a file.
    files: LogTail,
    /// The `awslogs` containers' streams (opened at the first).
    cloudwatch: Option<CloudWatchTail>,
}

impl Tails {
    /// Whether `source` is followed already.
    fn contains(&self, source: &LogSource) -> bool {
        match source {
            LogSource::File(f) => self.files.contains(f),
            LogSource::CloudWatch(d) => self.cloudwatch.as_ref().is_some_and(|c| c.contains(d)),
        }
    }

    /// Prints `source`'s history (`tail` lines) and follows it.
    async fn add(
        &mut self,
        project: &Project,
        prefix: &str,
        source: &LogSource,
        tail: Option<usize>,
    ) -> Result<(), u8> {
        match source {
            LogSource::File(file) => print(&self.files.add(prefix, file, tail)),
            LogSource::CloudWatch(dest) => {
                if self.cloudwatch.is_none() {
                    let opened = CloudWatchTail::open(project).map_err(|e| {
                        eprintln!("emul logs: cannot read the CloudWatch Logs store: {e}");
                        exit::FAILURE
                    })?;
                    self.cloudwatch = Some(opened);
                }
                let c = self.cloudwatch.as_mut().expect("opened above");
                match c.add(prefix, dest, tail).await {
                    Ok(lines) => print(&lines),
                    // One stream that cannot be read (its group was
                    // deleted) does not hide the others.
                    Err(e) => {
                        eprintln!("emul logs: {}: {e}", super::logs_cloudwatch::describe(dest))
                    }
                }
            }
        }
        Ok(())
    }
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
