//! `emul tunnel --topology FILE RESOURCE [--port N]`: the operator's bastion
//! to a private data store.
//!
//! Listens on `127.0.0.1:<N>` (default: the store's own port; 0 picks a free
//! one) and forwards each connection to the store. The upstream connection
//! is opened INSIDE the store's own network namespace by its ENI's agent (a
//! `CONNECT` tunnel, `runtime::agent`), to `127.0.0.1:<port>`: it never
//! crosses the VPC, so the security groups never need a hole for this path.
//! That is a deliberate, explicit operator exception (like an SSM
//! port-forwarding session in AWS), not something a workload can use: it
//! needs the project token (read from the agent container's environment
//! through the Docker API), and only ever listens on loopback.
//!
//! RESOURCE is an RDS instance or ElastiCache replication group name (the
//! node that is primary now: the one whose ENI carries the endpoint name,
//! which a failover moves), or a logical container id
//! (`rds/<name>/standby`, `elasticache/<name>/002`). One line `emul tunnel: 127.0.0.1:<port> -> ...`
//! goes to stdout once listening; Ctrl-C / SIGTERM stops it.

use std::io::Write;
use std::time::Duration;

use super::exit;
use crate::project::{Project, plan};
use crate::runtime::agent::AgentClient;
use crate::runtime::{Readiness, naming};

/// Arguments of `emul tunnel`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which project: its topology file and state directory.
    #[command(flatten)]
    pub project: super::ProjectArgs,
    /// The RDS instance or ElastiCache group (or a logical container id).
    pub resource: String,
    /// Local port on 127.0.0.1 (default: the store's port; 0 = any free port).
    #[arg(long, short = 'p')]
    pub port: Option<u16>,
}

/// A data-store container addressed by the user.
#[derive(Debug, Clone)]
pub struct Target {
    /// Logical container id (`rds/wechat-db`).
    pub container: String,
    /// Its ENI's logical id.
    pub eni: String,
    /// The port it serves.
    pub port: u16,
    /// When RESOURCE named an instance or group: that name (an alias only
    /// the primary's ENI carries) and every node as `(container, ENI)`, the topology's primary first, so
    /// the tunnel reaches the node that carries the name now.
    pub follows: Option<(String, Vec<(String, String)>)>,
}

/// Finds RESOURCE among the project's data-store containers. The plan is
/// built without secrets (addresses do not depend on them).
pub fn find(project: &Project, resource: &str) -> Result<Target, String> {
    let pp = plan::build(project, &|_| Ok(String::new())).map_err(|e| e.to_string())?;
    let ids = [
        resource.to_string(),
        format!("rds/{resource}"),
        format!("elasticache/{resource}/001"),
    ];
    let c = ids
        .iter()
        .find_map(|id| pp.plan.container(id))
        .ok_or_else(|| {
            let known: Vec<&str> = pp.endpoints.iter().map(|e| e.name.as_str()).collect();
            format!(
                "{resource} is not an RDS instance or ElastiCache cluster of {} (known: {})",
                project.name,
                known.join(", ")
            )
        })?;
    let port = match &c.readiness {
        Readiness::Postgres { port, .. }
        | Readiness::Redis { port, .. }
        | Readiness::Tcp { port } => *port,
        Readiness::Running => return Err(format!("{} serves no port", c.id)),
    };
    // An instance or group named: all its nodes, to follow a failover.
    let nodes: Vec<(String, String)> = if c.id == resource {
        vec![]
    } else {
        // `rds/<id>` with `rds/<id>/standby`; `elasticache/<id>/00N`.
        let group = c.id.strip_suffix("/001").unwrap_or(&c.id);
        let within = format!("{group}/");
        pp.plan
            .containers
            .iter()
            .filter(|n| n.id == group || n.id.starts_with(&within))
            .map(|n| (n.id.clone(), n.eni.clone()))
            .collect()
    };
    Ok(Target {
        container: c.id.clone(),
        eni: c.eni.clone(),
        port,
        // The bare identifier is a name only the primary's ENI carries.
        follows: (nodes.len() > 1).then(|| (resource.to_string(), nodes)),
    })
}

/// The node of `target` whose ENI carries the endpoint name now (Docker's
/// aliases); `target` itself when it names one node or none answers.
async fn serving_node(engine: &crate::runtime::Engine, project: &str, target: Target) -> Target {
    let Some((endpoint, nodes)) = &target.follows else {
        return target;
    };
    for (container, eni) in nodes {
        let name = naming::object_name(project, eni);
        if engine
            .container_aliases(&name)
            .await
            .is_ok_and(|a| a.contains(endpoint))
        {
            return Target {
                container: container.clone(),
                eni: eni.clone(),
                ..target
            };
        }
    }
    target
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    super::init_logging();
    let project = match args.project.load() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let target = match find(&project, &args.resource) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("emul tunnel: {e}");
            return exit::INVALID_INPUT;
        }
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(serve(project, target, args.port))
}

async fn serve(project: Project, target: Target, port: Option<u16>) -> u8 {
    let engine = match super::engine("tunnel").await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let target = serving_node(&engine, &project.name, target).await;
    let eni = naming::object_name(&project.name, &target.eni);
    let agent = match AgentClient::of_container(&engine, &eni).await {
        Ok(Some(agent)) => agent,
        Ok(None) => {
            eprintln!(
                "emul tunnel: {} is not running (is the project up?)",
                target.container
            );
            return exit::FAILURE;
        }
        Err(e) => {
            eprintln!(
                "emul tunnel: {} is not running (is the project up?): {e}",
                target.container
            );
            return exit::FAILURE;
        }
    };
    let local = std::net::SocketAddr::from(([127, 0, 0, 1], port.unwrap_or(target.port)));
    let listener = match tokio::net::TcpListener::bind(local).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("emul tunnel: cannot listen on {local}: {e} (choose another with --port)");
            return exit::FAILURE;
        }
    };
    let bound = listener.local_addr().unwrap_or(local);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "emul tunnel: {bound} -> {} (port {} inside its network namespace)",
            target.container, target.port
        );
        let _ = out.flush();
    }
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], target.port));
    let accept = async {
        loop {
            let (mut client, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let agent = agent.clone();
            tokio::spawn(async move {
                match agent.connect(upstream, Duration::from_secs(5)).await {
                    Ok(mut up) => {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
                    }
                    Err(e) => tracing::warn!(%peer, error = %e, "tunnel: upstream connect failed"),
                }
            });
        }
    };
    tokio::select! {
        _ = accept => {}
        _ = crate::project::daemon::shutdown_signal() => {}
    }
    exit::SUCCESS
}
