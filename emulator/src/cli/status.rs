//! `emul status --topology FILE [--json]`: what runs for a project.
//!
//! Every resource of the plan (networks, ENIs, data-store containers) with
//! its Docker state (from the `io.emul.*` labels), its health (data stores:
//! whether their port accepts a connection on the ENI's address, checked
//! now from inside the store's own namespace), its address and its endpoint names; plus the daemon (pid, AWS
//! endpoint, listener URLs) when one runs. Objects with the project label
//! that the plan does not know are listed too: ECS task containers (with the
//! task's private IP and its health — container health checks and the state
//! of its target in each target group — from the daemon's record,
//! [`crate::project::workloads`]) and orphans. `--json` prints one JSON
//! document with the same facts. The table's columns are as wide as their
//! longest value, and it ends with a newline. Exit 0 whether or not the
//! project is up; 3 when Docker is unreachable.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::exit;
use super::status_services as services;
use crate::project::{Project, plan, record};
use crate::runtime::Readiness;
use crate::runtime::agent::AgentClient;
use crate::runtime::naming::LABEL_RESOURCE;

/// The label ECS puts on every task container (and emul on the task's
/// pause container): which task it belongs to.
const TASK_ARN_LABEL: &str = "com.amazonaws.ecs.task-arn";

/// Arguments of `emul status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One row of the status.
#[derive(Debug, Serialize)]
struct Row {
    /// Logical id (`rds/wechat-db`, `eni/alb/web`, `vpc/main`).
    resource: String,
    /// `network`, `pause`, `rds`, `elasticache`, ...
    kind: String,
    /// Docker state (`running`, `exited`, `created`) or `missing`.
    state: String,
    /// `accepting` / `not accepting` for data stores; for ECS task
    /// containers the task's health (`HEALTHY, tg web healthy`); `-`
    /// otherwise.
    health: String,
    /// The ENI address (or the VPC CIDR for a network; an ECS task's
    /// private IP).
    address: String,
    /// DNS names that resolve to it inside the VPC.
    endpoints: Vec<String>,
    /// A data-store node's role now: `primary`, `standby` or `replica`
    /// (a failover changes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
}

/// The whole status document (`--json`).
#[derive(Debug, Serialize)]
struct Status {
    /// The project name.
    project: String,
    /// The running daemon, if any.
    daemon: Option<record::DaemonRecord>,
    /// Every resource.
    resources: Vec<Row>,
    /// Named volumes with the project label.
    volumes: Vec<String>,
    /// The ECS services (desired/running, last scaling activity), from the
    /// daemon's API; empty when no daemon runs.
    services: Vec<services::ServiceRow>,
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
    match rt.block_on(collect(&project)) {
        Ok(s) => {
            if args.json {
                crate::outln!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                crate::out!("{}", render_table(&s));
            }
            exit::SUCCESS
        }
        Err(code) => code,
    }
}

async fn collect(project: &Project) -> Result<Status, u8> {
    let pp = plan::build(project, &|_| Ok(String::new())).map_err(|e| {
        eprintln!("emul status: {e}");
        exit::INVALID_INPUT
    })?;
    let engine = super::engine("status").await?;
    let fail = |e: crate::runtime::EngineError| {
        eprintln!("emul status: {e}");
        exit::FAILURE
    };
    let containers = engine
        .project_containers(&project.name)
        .await
        .map_err(fail)?;
    let networks = engine.project_networks(&project.name).await.map_err(fail)?;
    let volumes = engine.project_volumes(&project.name).await.map_err(fail)?;
    let by_resource = |list: &[crate::runtime::docker::ObjectInfo]| {
        list.iter()
            .filter_map(|o| Some((o.labels.get(LABEL_RESOURCE)?.clone(), o.state.clone())))
            .collect::<BTreeMap<String, String>>()
    };
    let running = by_resource(&containers);
    let nets = by_resource(&networks);
    let plan = &pp.plan;
    let mut rows = Vec::new();
    for n in &plan.networks {
        rows.push(Row {
            resource: n.id.clone(),
            kind: "network".into(),
            state: if nets.contains_key(&n.id) {
                "present".into()
            } else {
                "missing".into()
            },
            health: "-".into(),
            address: n.cidr.to_string(),
            endpoints: vec![],
            role: None,
        });
    }
    // Each running ENI's endpoint names as Docker answers them now: a
    // failover moves a data store's names to the node it promoted.
    let mut live_aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &plan.enis {
        if running.get(&e.id).is_some_and(|s| s == "running") {
            let name = crate::runtime::naming::object_name(&project.name, &e.id);
            if let Ok(live) = engine.container_aliases(&name).await {
                let known: Vec<String> = plan
                    .enis
                    .iter()
                    .flat_map(|p| p.aliases.iter())
                    .filter(|a| live.contains(a))
                    .cloned()
                    .collect();
                live_aliases.insert(e.id.clone(), dedup(known));
            }
        }
    }
    let aliases_of = |eni: &crate::runtime::plan::EniSpec| {
        live_aliases
            .get(&eni.id)
            .cloned()
            .unwrap_or_else(|| eni.aliases.clone())
    };
    for e in &plan.enis {
        rows.push(Row {
            resource: e.id.clone(),
            kind: "pause".into(),
            state: running
                .get(&e.id)
                .cloned()
                .unwrap_or_else(|| "missing".into()),
            health: "-".into(),
            address: e.ip.to_string(),
            endpoints: aliases_of(e),
            role: None,
        });
    }
    for c in &plan.containers {
        let eni = plan.eni(&c.eni).expect("validated plan");
        let state = running
            .get(&c.id)
            .cloned()
            .unwrap_or_else(|| "missing".into());
        let port = match &c.readiness {
            Readiness::Postgres { port, .. }
            | Readiness::Redis { port, .. }
            | Readiness::Tcp { port } => Some(*port),
            Readiness::Running => None,
        };
        let health = match port {
            Some(p) if state == "running" => {
                // From inside the container's own namespace, through its
                // ENI's agent: the ENI's security groups refuse the host,
                // but never its own address (the readiness probes' path).
                let addr = std::net::SocketAddr::from((eni.ip, p));
                let eni_name = crate::runtime::naming::object_name(&project.name, &c.eni);
                let connected = match AgentClient::of_container(&engine, &eni_name).await {
                    Ok(Some(agent)) => agent.connect(addr, Duration::from_secs(1)).await.is_ok(),
                    _ => false,
                };
                if connected {
                    "accepting"
                } else {
                    "not accepting"
                }
                .into()
            }
            _ => "-".into(),
        };
        let endpoints = aliases_of(eni);
        let role = role(plan, &eni.id, &endpoints).map(String::from);
        rows.push(Row {
            resource: c.id.clone(),
            kind: c.kind.as_str().into(),
            state,
            health,
            address: port
                .map(|p| format!("{}:{p}", eni.ip))
                .unwrap_or_else(|| eni.ip.to_string()),
            endpoints,
            role,
        });
    }
    let known: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.resource.as_str()).collect();
    let daemon = record::read_live(&project.daemon_file());
    // ECS task containers carry their task's ARN; the daemon's record has
    // the task's address and health.
    let tasks: BTreeMap<&str, &crate::project::workloads::TaskRecord> = daemon
        .iter()
        .flat_map(|d| d.tasks.iter())
        .map(|t| (t.task_arn.as_str(), t))
        .collect();
    let orphans: Vec<Row> = containers
        .iter()
        .filter_map(|o| {
            let id = o.labels.get(LABEL_RESOURCE)?;
            let task = o
                .labels
                .get(TASK_ARN_LABEL)
                .and_then(|arn| tasks.get(arn.as_str()));
            (!known.contains(id.as_str())).then(|| Row {
                resource: id.clone(),
                kind: o
                    .labels
                    .get(crate::runtime::naming::LABEL_KIND)
                    .cloned()
                    .unwrap_or_default(),
                state: o.state.clone(),
                health: task.map_or_else(|| "-".into(), |t| t.health_text()),
                address: task.and_then(|t| t.ip.clone()).unwrap_or_default(),
                endpoints: vec![],
                role: None,
            })
        })
        .collect();
    rows.extend(orphans);
    let services = match &daemon {
        Some(d) if d.ready => services::collect(project, &d.endpoint).await,
        _ => Vec::new(),
    };
    Ok(Status {
        project: project.name.clone(),
        services,
        daemon,
        resources: rows,
        volumes: volumes.into_iter().map(|v| v.name).collect(),
    })
}

/// The status as a table: the daemon line and its listeners, then one row
/// per resource with every column as wide as its longest value (long task
/// names never push a column out of line), no trailing blanks, and a final
/// newline.
fn render_table(s: &Status) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match &s.daemon {
        Some(d) => {
            let _ = writeln!(
                out,
                "project {}: emul running (pid {}, since {}, {}), AWS endpoint {}",
                s.project,
                d.pid,
                d.started_at,
                if d.ready { "ready" } else { "starting" },
                d.endpoint
            );
            for l in &d.listeners {
                let _ = writeln!(out, "  ALB {} :{} -> {}", l.alb, l.port, l.url);
            }
        }
        None => {
            let _ = writeln!(out, "project {}: no emul daemon running", s.project);
        }
    }
    let cells: Vec<Vec<String>> = s
        .resources
        .iter()
        .map(|r| {
            vec![
                r.resource.clone(),
                r.kind.clone(),
                r.state.clone(),
                match &r.role {
                    Some(role) if r.health != "-" => format!("{}, {role}", r.health),
                    _ => r.health.clone(),
                },
                r.address.clone(),
                r.endpoints.join(", "),
            ]
        })
        .collect();
    let header = [
        "RESOURCE",
        "KIND",
        "STATE",
        "HEALTH",
        "ADDRESS",
        "ENDPOINTS",
    ];
    write_table(&mut out, &header, &cells);
    if !s.volumes.is_empty() {
        let _ = writeln!(out, "volumes: {}", s.volumes.join(", "));
    }
    if !s.services.is_empty() {
        out.push('\n');
        write_table(
            &mut out,
            &services::HEADER,
            &s.services
                .iter()
                .map(services::ServiceRow::cells)
                .collect::<Vec<_>>(),
        );
    }
    out
}

/// Aliases in order, each once.
fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// A data-store node's role from the endpoint names its ENI holds now:
/// an RDS node holding the instance's endpoint (the first name of the
/// instance's own ENI in the plan) is the primary, the other the standby;
/// an ElastiCache node holding the `master.` name is the primary, the
/// others replicas. `None` for other ENIs.
fn role(plan: &crate::runtime::plan::Plan, eni_id: &str, live: &[String]) -> Option<&'static str> {
    if let Some(rest) = eni_id.strip_prefix("eni/rds/") {
        let instance = rest.split('/').next().unwrap_or(rest);
        let endpoint = plan.eni(&format!("eni/rds/{instance}"))?.aliases.first()?;
        return Some(if live.contains(endpoint) {
            "primary"
        } else {
            "standby"
        });
    }
    if eni_id.starts_with("eni/elasticache/") {
        return Some(if live.iter().any(|a| a.starts_with("master.")) {
            "primary"
        } else {
            "replica"
        });
    }
    None
}

/// Appends `header` and `cells` with every column as wide as its longest
/// value (long names never push a column out of line), two spaces
/// between columns and no trailing blanks.
fn write_table(out: &mut String, header: &[&str], cells: &[Vec<String>]) {
    use std::fmt::Write as _;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut line = |row: &[String]| {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 < row.len() {
                let _ = write!(text, "{c:<w$}  ", w = widths[i]);
            } else {
                text.push_str(c);
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for row in cells {
        line(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(resource: &str, kind: &str, health: &str, address: &str) -> Row {
        Row {
            resource: resource.into(),
            kind: kind.into(),
            state: "running".into(),
            health: health.into(),
            address: address.into(),
            endpoints: vec![],
            role: None,
        }
    }

    #[test]
    fn the_table_stays_aligned_with_long_names_and_ends_with_a_newline() {
        let long = "ecs/wechat-cluster/wechat-backend-service/0123456789ab/app";
        let s = Status {
            project: "wechat".into(),
            daemon: None,
            resources: vec![
                Row {
                    endpoints: vec!["wechat-db".into()],
                    ..row("rds/wechat-db", "rds", "accepting", "10.0.10.5:5432")
                },
                row(
                    long,
                    "task",
                    "HEALTHY, tg wechat-backend healthy",
                    "10.0.10.17",
                ),
            ],
            volumes: vec!["emul-wechat-rds".into()],
            services: vec![services::ServiceRow {
                service: "wechat-backend-service".into(),
                desired: 3,
                running: 2,
                pending: 1,
                last_scaling: Some("Setting desired count to 3. (monitor alarm A in state ALARM triggered policy p)".into()),
            }],
        };
        let text = render_table(&s);
        assert!(
            text.contains("\nSERVICE                 DESIRED  RUNNING  PENDING  LAST SCALING\nwechat-backend-service  3        2        1        Setting desired count to 3."),
            "{text}"
        );
        assert!(text.ends_with('\n'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "project wechat: no emul daemon running");
        let (header, db, task) = (lines[1], lines[2], lines[3]);
        // Every column starts at the same offset on every line.
        for (word, value_db, value_task) in [
            ("KIND", "rds", "task"),
            ("STATE", "running", "running"),
            ("HEALTH", "accepting", "HEALTHY, tg wechat-backend healthy"),
            ("ADDRESS", "10.0.10.5:5432", "10.0.10.17"),
        ] {
            let at = header.find(word).unwrap();
            assert_eq!(db[at..].split("  ").next().unwrap(), value_db, "{text}");
            assert_eq!(task[at..].split("  ").next().unwrap(), value_task, "{text}");
        }
        assert!(task.starts_with(&format!("{long}  ")), "{task}");
        assert!(db.ends_with("wechat-db"), "{db}");
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "no trailing blanks: {text:?}"
        );
        assert_eq!(lines[4], "volumes: emul-wechat-rds");
    }
}
