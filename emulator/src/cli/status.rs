//! `emul status --topology FILE [--json]`: what runs for a project.
//!
//! Every resource of the plan (networks, ENIs, data-store containers) with
//! its Docker state (from the `io.emul.*` labels), its health (data stores:
//! whether their port accepts a connection on the ENI's address, checked
//! now from inside the store's own namespace), its address and its endpoint names; plus the daemon (pid, AWS
//! endpoint, listener URLs) when one runs. Objects with the project label
//! that the plan does not know (orphans) are listed too. `--json` prints one
//! JSON document with the same facts. Exit 0 whether or not the project is
//! up; 3 when Docker is unreachable.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::exit;
use crate::project::{Project, plan, record};
use crate::runtime::Readiness;
use crate::runtime::naming::LABEL_RESOURCE;

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
    /// `healthy` / `unreachable` for data stores, `-` otherwise.
    health: String,
    /// The ENI address (or the VPC CIDR for a network).
    address: String,
    /// DNS names that resolve to it inside the VPC.
    endpoints: Vec<String>,
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
                println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                print_table(&s);
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
        });
    }
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
            endpoints: e.aliases.clone(),
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
                // From inside the container's own namespace: the ENI's
                // security groups refuse the host, but never its own
                // loopback (the same path the readiness probes take).
                let addr = std::net::SocketAddr::from((eni.ip, p));
                let name = crate::runtime::naming::object_name(&project.name, &c.id);
                let connected = match engine.container_netns(&name).await {
                    Ok(ns) => ns.connect(addr, Duration::from_secs(1)).await.is_ok(),
                    Err(_) => false,
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
        rows.push(Row {
            resource: c.id.clone(),
            kind: c.kind.as_str().into(),
            state,
            health,
            address: port
                .map(|p| format!("{}:{p}", eni.ip))
                .unwrap_or_else(|| eni.ip.to_string()),
            endpoints: eni.aliases.clone(),
        });
    }
    let known: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.resource.as_str()).collect();
    let orphans: Vec<Row> = containers
        .iter()
        .filter_map(|o| {
            let id = o.labels.get(LABEL_RESOURCE)?;
            (!known.contains(id.as_str())).then(|| Row {
                resource: id.clone(),
                kind: o
                    .labels
                    .get(crate::runtime::naming::LABEL_KIND)
                    .cloned()
                    .unwrap_or_default(),
                state: o.state.clone(),
                health: "-".into(),
                address: String::new(),
                endpoints: vec![],
            })
        })
        .collect();
    rows.extend(orphans);
    Ok(Status {
        project: project.name.clone(),
        daemon: record::read_live(&project.daemon_file()),
        resources: rows,
        volumes: volumes.into_iter().map(|v| v.name).collect(),
    })
}

fn print_table(s: &Status) {
    match &s.daemon {
        Some(d) => {
            println!(
                "project {}: emul running (pid {}, since {}, {}), AWS endpoint {}",
                s.project,
                d.pid,
                d.started_at,
                if d.ready { "ready" } else { "starting" },
                d.endpoint
            );
            for l in &d.listeners {
                println!("  ALB {} :{} -> {}", l.alb, l.port, l.url);
            }
        }
        None => println!("project {}: no emul daemon running", s.project),
    }
    println!(
        "{:<36} {:<12} {:<9} {:<14} {:<20} ENDPOINTS",
        "RESOURCE", "KIND", "STATE", "HEALTH", "ADDRESS"
    );
    for r in &s.resources {
        println!(
            "{:<36} {:<12} {:<9} {:<14} {:<20} {}",
            r.resource,
            r.kind,
            r.state,
            r.health,
            r.address,
            r.endpoints.join(", ")
        );
    }
    if !s.volumes.is_empty() {
        println!("volumes: {}", s.volumes.join(", "));
    }
}
