//! [`DockerDatastores`]: the running RDS and ElastiCache containers, as the
//! RDS and ElastiCache APIs operate them ([`DatastoreRuntime`]): reboots,
//! Multi-AZ failover, replica promotion and a new master password.
//!
//! How a failover works (`docs/decisions/0017-datastore-failover.md`):
//! the endpoint name is a Docker network alias of the primary's ENI (its
//! agent container), so the name follows the primary by re-attaching both
//! ENIs with swapped aliases; each ENI keeps its address, its namespace and
//! the security-group rules its agent loaded, so the new primary is guarded
//! by the instance's groups as before.
//!
//! - RDS: the old primary is fenced (sessions read-only, clients
//!   disconnected), the standby replays up to the primary's last WAL
//!   position and is promoted; the names move; the old primary is stopped,
//!   its data re-seeded with `pg_basebackup` from the new primary by a
//!   one-shot container in its namespace, and started again as the standby.
//! - Redis: writes on the primary are paused, the replica catches up with
//!   its replication offset and is promoted (`REPLICAOF NO ONE`); the names
//!   move; every other node replicates from it; the pause ends.
//!
//!
//! At `up` ([`services`]), the roles the Postgres data carries win over the
//! topology's: after a failover the topology's standby node holds the
//! primary's data, so the names move to it and the demoted node follows it
//! (`postgres.rs`, `adopt_roles`). Redis keeps no data across a restart
//! (no persistence), so a group starts with node 001 as its primary again.
//!
//! Commands run through `docker exec` in the data stores' own containers
//! (Postgres over its Unix socket; Redis with `REDISCLI_AUTH`), so no
//! secret is ever in a command line or a log.
//!
//! Layout: this file holds the nodes and the [`DatastoreRuntime`] seam;
//! `postgres.rs` the RDS operations, `redis.rs` the ElastiCache ones.

mod postgres;
mod redis;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::runtime::docker::Engine;
use crate::runtime::naming;
use crate::runtime::plan::{Kind, Plan, Readiness, Secret};
use crate::wiring::{BoxFuture, DatastoreRuntime, WiringError};

/// How long a standby or replica may take to catch up before promotion.
const CATCH_UP: Duration = Duration::from_secs(30);
/// How long the old primary gets to stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// One node (an ENI and the container in it).
#[derive(Debug, Clone)]
struct Node {
    /// Docker name of the workload container.
    container: String,
    /// Docker name of the ENI's agent container.
    eni: String,
    /// The ENI's address.
    ip: Ipv4Addr,
}

/// A Postgres instance: node 0 the topology's primary, node 1 its standby.
struct Postgres {
    user: String,
    database: String,
    port: u16,
    endpoint: String,
    password: Secret,
    nodes: Vec<Node>,
    /// Index of the serving primary.
    primary: usize,
    /// The names of the primary's ENI (endpoint, bare identifier).
    primary_aliases: Vec<String>,
    /// The names of the standby's ENI.
    standby_aliases: Vec<String>,
}

/// A Redis replication group: nodes in id order, node 0 the first primary.
struct Redis {
    port: u16,
    auth: Option<Secret>,
    nodes: Vec<Node>,
    /// Each node's own name (`<group>-00N.<…>`).
    node_names: Vec<String>,
    /// Names only the primary has (primary endpoint, bare id).
    primary_names: Vec<String>,
    /// Names only replicas have (reader endpoint).
    replica_names: Vec<String>,
    primary: usize,
}

/// The project's data stores on Docker.
pub struct DockerDatastores {
    engine: Engine,
    project: String,
    network: String,
    postgres: HashMap<String, Mutex<Postgres>>,
    redis: HashMap<String, Mutex<Redis>>,
}

fn err(what: impl std::fmt::Display) -> WiringError {
    WiringError(what.to_string())
}

impl DockerDatastores {
    /// The running RDS instance `id`.
    fn instance(&self, id: &str) -> Result<&Mutex<Postgres>, WiringError> {
        self.postgres
            .get(id)
            .ok_or_else(|| err(format!("no running RDS instance {id}")))
    }

    /// The data stores of `plan`, driven through `engine`.
    pub fn from_plan(engine: Engine, plan: &Plan) -> Arc<Self> {
        let node = |container: &str| -> Option<(Node, Vec<String>)> {
            let c = plan.container(container)?;
            let eni = plan.eni(&c.eni)?;
            Some((
                Node {
                    container: naming::object_name(&plan.project, &c.id),
                    eni: naming::object_name(&plan.project, &eni.id),
                    ip: eni.ip,
                },
                eni.aliases.clone(),
            ))
        };
        let mut postgres = HashMap::new();
        let mut redis: HashMap<String, Redis> = HashMap::new();
        let mut network = naming::object_name(&plan.project, super::plan::VPC_NETWORK);
        for c in &plan.containers {
            if let Some(eni) = plan
                .eni(&c.eni)
                .filter(|_| matches!(c.kind, Kind::Rds | Kind::Elasticache))
            {
                network = naming::object_name(&plan.project, &eni.network);
            }
            match (&c.kind, &c.readiness) {
                (
                    Kind::Rds,
                    Readiness::Postgres {
                        port,
                        user,
                        password,
                        database,
                    },
                ) if !c.id.ends_with("/standby") => {
                    let id = c.id.trim_start_matches("rds/").to_string();
                    let Some((primary, primary_aliases)) = node(&c.id) else {
                        continue;
                    };
                    let mut nodes = vec![primary];
                    let mut standby_aliases = vec![];
                    if let Some((standby, aliases)) = node(&format!("{}/standby", c.id)) {
                        nodes.push(standby);
                        standby_aliases = aliases;
                    }
                    postgres.insert(
                        id,
                        Mutex::new(Postgres {
                            user: user.clone(),
                            database: database.clone(),
                            port: *port,
                            endpoint: primary_aliases.first().cloned().unwrap_or_default(),
                            password: password.clone(),
                            nodes,
                            primary: 0,
                            primary_aliases,
                            standby_aliases,
                        }),
                    );
                }
                (Kind::Elasticache, Readiness::Redis { port, password }) => {
                    let rest = c.id.trim_start_matches("elasticache/");
                    let Some((group, _)) = rest.rsplit_once('/') else {
                        continue;
                    };
                    let Some((n, aliases)) = node(&c.id) else {
                        continue;
                    };
                    let g = redis.entry(group.to_string()).or_insert_with(|| Redis {
                        port: *port,
                        auth: password.clone(),
                        nodes: vec![],
                        node_names: vec![],
                        primary_names: vec![],
                        replica_names: vec![],
                        primary: 0,
                    });
                    let own = aliases.first().cloned().unwrap_or_default();
                    let rest: Vec<String> = aliases.into_iter().skip(1).collect();
                    if g.nodes.is_empty() {
                        g.primary_names = rest;
                    } else {
                        g.replica_names = rest;
                    }
                    g.nodes.push(n);
                    g.node_names.push(own);
                }
                _ => {}
            }
        }
        Arc::new(DockerDatastores {
            engine,
            project: plan.project.clone(),
            network,
            postgres,
            redis: redis.into_iter().map(|(k, v)| (k, Mutex::new(v))).collect(),
        })
    }

    /// Moves the primary's names: first off `old` (so no client is sent
    /// to it any more), then onto `new`.
    async fn swap_names(
        &self,
        old: &Node,
        old_aliases: &[String],
        new: &Node,
        new_aliases: &[String],
    ) -> Result<(), WiringError> {
        self.engine
            .reattach_with_aliases(&self.network, &old.eni, old.ip, old_aliases)
            .await
            .map_err(err)?;
        self.engine
            .reattach_with_aliases(&self.network, &new.eni, new.ip, new_aliases)
            .await
            .map_err(err)
    }
}

/// The RDS and ElastiCache services of a running project: the topology's
/// instances and groups (created at `now_ms`), operated on `plan`'s
/// containers. Called once the containers run and before anything uses the
/// endpoints: each Multi-AZ instance first takes the roles its data
/// carries (an instance whose standby node holds the primary's data is
/// shown failed over, as DescribeDBInstances' zones then say), and an
/// instance in `password_refused` (logical container ids whose server
/// refused the secret's password) gets the secret's password again.
pub async fn services(
    project: &super::Project,
    engine: &Engine,
    (plan, password_refused): (&Plan, &[String]),
    now_ms: i64,
) -> (
    Arc<crate::services::rds::RdsService>,
    Arc<crate::services::elasticache::ElastiCacheService>,
) {
    let runtime = DockerDatastores::from_plan(engine.clone(), plan);
    let suffix = crate::runtime::datastores::endpoint_suffix(&project.name);
    let (account, region) = (project.account(), project.region());
    let t = &project.topology;
    let mut rds = crate::services::rds::topology::from_topology(t, &suffix, now_ms);
    for (id, pg) in &runtime.postgres {
        let mut pg = pg.lock().await;
        let nodes = [format!("rds/{id}"), format!("rds/{id}/standby")];
        let restore_password = password_refused.iter().any(|c| nodes.contains(c));
        match runtime.at_up(id, &mut pg, restore_password).await {
            Ok(true) => rds.serving_from_standby_node(id),
            Ok(false) => {}
            // The instance keeps the topology's roles; the log says why.
            Err(e) => eprintln!("emul: rds: {id}: {e}"),
        }
    }
    (
        Arc::new(crate::services::rds::RdsService::live(
            account,
            region,
            rds,
            runtime.clone(),
        )),
        Arc::new(crate::services::elasticache::ElastiCacheService::live(
            account,
            region,
            crate::services::elasticache::topology::from_topology(t, &suffix, now_ms),
            runtime,
        )),
    )
}

/// Single-quotes a value for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl DatastoreRuntime for DockerDatastores {
    fn reboot_db<'a>(
        &'a self,
        id: &'a str,
        failover: bool,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            let pg = self.instance(id)?;
            let mut pg = pg.lock().await;
            if failover {
                self.rds_failover(&mut pg).await
            } else {
                self.rds_restart(&pg).await
            }
        })
    }

    fn set_db_password<'a>(
        &'a self,
        id: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            let pg = self.instance(id)?;
            let mut pg = pg.lock().await;
            self.set_password(&mut pg, password).await
        })
    }

    fn redis_failover<'a>(
        &'a self,
        group: &'a str,
        node: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            let g = self
                .redis
                .get(group)
                .ok_or_else(|| err(format!("no running replication group {group}")))?;
            let mut g = g.lock().await;
            let to = node
                .rsplit('-')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .filter(|i| *i < g.nodes.len())
                .ok_or_else(|| err(format!("no node {node} in {group}")))?;
            self.redis_failover(&mut g, to).await
        })
    }
}
