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
//! Commands run through `docker exec` in the data stores' own containers
//! (Postgres over its Unix socket; Redis with `REDISCLI_AUTH`), so no
//! secret is ever in a command line or a log.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::runtime::docker::{Attach, ContainerCreate, Engine, Limits};
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

    /// `psql` on `node`'s Unix socket (trusted locally), one statement per
    /// `-c`; its trimmed output, or the failure.
    async fn psql(&self, pg: &Postgres, node: &Node, sql: &[&str]) -> Result<String, WiringError> {
        let port = pg.port.to_string();
        let mut cmd = vec![
            "psql",
            "-X",
            "-A",
            "-t",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "/var/run/postgresql",
            "-p",
            &port,
            "-U",
            &pg.user,
            "-d",
            &pg.database,
        ];
        for s in sql {
            cmd.extend(["-c", s]);
        }
        let (code, out) = self
            .engine
            .exec(&node.container, &cmd, &[])
            .await
            .map_err(err)?;
        if code != 0 {
            return Err(err(format!("psql in {}: {}", node.container, out.trim())));
        }
        Ok(out.trim().to_string())
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

    async fn rds_restart(&self, pg: &Postgres) -> Result<(), WiringError> {
        let node = &pg.nodes[pg.primary];
        self.engine
            .stop_container(&node.container, STOP_TIMEOUT)
            .await
            .map_err(err)?;
        self.engine
            .start_container(&node.container, &node.container)
            .await
            .map_err(err)
    }

    async fn rds_failover(&self, pg: &mut Postgres) -> Result<(), WiringError> {
        if pg.nodes.len() < 2 {
            return Err(err("no standby to fail over to"));
        }
        let (old, new) = (
            pg.nodes[pg.primary].clone(),
            pg.nodes[1 - pg.primary].clone(),
        );
        // Fence the primary if it answers: new sessions are read-only,
        // current ones end; what it committed is all at its WAL position.
        if self.psql(pg, &old, &["SELECT 1"]).await.is_ok() {
            self.psql(
                pg,
                &old,
                &[
                    "ALTER SYSTEM SET default_transaction_read_only = on",
                    "SELECT pg_reload_conf()",
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                ],
            )
            .await?;
            let lsn = self
                .psql(pg, &old, &["SELECT pg_current_wal_lsn()"])
                .await?;
            let caught_up = format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn");
            let deadline = Instant::now() + CATCH_UP;
            loop {
                if self.psql(pg, &new, &[&caught_up]).await.ok().as_deref() == Some("t") {
                    break;
                }
                if Instant::now() > deadline {
                    // Unfence: the primary keeps serving, nothing changed.
                    let _ = self
                        .psql(
                            pg,
                            &old,
                            &[
                                "ALTER SYSTEM RESET default_transaction_read_only",
                                "SELECT pg_reload_conf()",
                            ],
                        )
                        .await;
                    return Err(err(format!(
                        "the standby did not replay up to {lsn} within {}s",
                        CATCH_UP.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let promoted = self
            .psql(pg, &new, &["SELECT pg_promote(true, 60)"])
            .await?;
        if promoted != "t" {
            return Err(err(format!("pg_promote answered {promoted}")));
        }
        self.swap_names(&old, &pg.standby_aliases, &new, &pg.primary_aliases)
            .await?;
        pg.primary = 1 - pg.primary;
        // The failover is done: the name reaches the promoted node. A
        // re-seed that fails leaves the instance without a standby, which
        // the log says; it does not undo the failover.
        if let Err(e) = self.reseed(pg, &old).await {
            eprintln!("emul: rds: {e}");
        }
        Ok(())
    }

    /// Stops `node`, replaces its data by a base backup of the primary
    /// (reached by its endpoint name from `node`'s own namespace, which the
    /// groups allow as replication traffic) and starts it as the standby.
    async fn reseed(&self, pg: &Postgres, node: &Node) -> Result<(), WiringError> {
        let engine = &self.engine;
        let env = engine.container_env(&node.container).await.map_err(err)?;
        let pgdata = env
            .iter()
            .find_map(|e| e.strip_prefix("PGDATA="))
            .unwrap_or("/var/lib/postgresql/data")
            .to_string();
        let image = engine
            .container_image(&node.container)
            .await
            .map_err(err)?
            .ok_or_else(|| err(format!("{} has no image", node.container)))?;
        let volume = engine
            .container_volumes(&node.container)
            .await
            .map_err(err)?;
        engine
            .stop_container(&node.container, STOP_TIMEOUT)
            .await
            .map_err(err)?;
        let script = format!(
            "export PATH=\"$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tr '\\n' ':')\"\n\
             clean() {{ mkdir -p \"$PGDATA\" && rm -rf \"$PGDATA\"/* && chmod 700 \"$PGDATA\"; }}\n\
             n=0\n\
             until clean && pg_basebackup -h {host} -p {port} -U {user} -D \"$PGDATA\" -R -X stream; do\n\
             \x20 n=$((n+1)); [ $n -ge 30 ] && exit 1; sleep 1\n\
             done",
            host = sh_quote(&pg.endpoint),
            port = pg.port,
            user = sh_quote(&pg.user),
        );
        let helper = format!("{}-reseed", node.container);
        let _ = engine.remove_container(&helper).await;
        let spec = ContainerCreate {
            name: helper.clone(),
            image,
            env: vec![
                format!("PGDATA={pgdata}"),
                format!("PGPASSWORD={}", pg.password.expose()),
            ],
            entrypoint: Some(vec!["/bin/sh".into(), "-c".into(), script]),
            cmd: None,
            labels: naming::labels(&self.project, "rds/reseed", Kind::Rds, ""),
            attach: Attach::JoinNamespace {
                container_id: node.eni.clone(),
            },
            user: Some("999:999".into()),
            hostname: None,
            volumes: volume,
            health: None,
            limits: Limits::default(),
            log: {
                let l = crate::runtime::plan::LogConfig::default();
                (l.driver, l.options.into_iter().collect())
            },
            cap_add: vec![],
        };
        engine.create_container(&spec).await.map_err(err)?;
        engine
            .start_container(&helper, &helper)
            .await
            .map_err(err)?;
        let code = engine.wait_exit(&helper).await.map_err(err)?;
        let tail = engine.logs_tail(&helper, 20).await;
        let _ = engine.remove_container(&helper).await;
        if code != 0 {
            return Err(err(format!(
                "re-seeding {} from the new primary failed: {}",
                node.container,
                tail.trim()
            )));
        }
        engine
            .start_container(&node.container, &node.container)
            .await
            .map_err(err)
    }

    async fn set_password(&self, pg: &mut Postgres, password: &str) -> Result<(), WiringError> {
        let primary = pg.nodes[pg.primary].clone();
        // Variables keep the password out of the command line and the SQL
        // text psql logs on error.
        let env = vec![
            format!("EMUL_NEW_PASSWORD={password}"),
            format!("EMUL_ROLE={}", pg.user),
        ];
        let script = format!(
            "printf '%s\\n' \"ALTER ROLE :\\\"u\\\" PASSWORD :'pw';\" | psql -X -q -v ON_ERROR_STOP=1 \
             -h /var/run/postgresql -p {port} -U \"$EMUL_ROLE\" -d {db} \
             -v u=\"$EMUL_ROLE\" -v pw=\"$EMUL_NEW_PASSWORD\"",
            port = pg.port,
            db = sh_quote(&pg.database),
        );
        let (code, out) = self
            .engine
            .exec(&primary.container, &["sh", "-c", &script], &env)
            .await
            .map_err(err)?;
        if code != 0 {
            return Err(err(format!("ALTER ROLE failed: {}", out.trim())));
        }
        pg.password = Secret(password.to_string());
        // The standby reconnects (after a restart, or a network blip) with
        // the new password too.
        if pg.nodes.len() > 1 {
            let standby = pg.nodes[1 - pg.primary].clone();
            let conninfo = format!(
                "host={} port={} user={} password={}",
                conninfo_quote(&pg.endpoint),
                pg.port,
                conninfo_quote(&pg.user),
                conninfo_quote(password)
            );
            let script = format!(
                "printf '%s\\n' \"ALTER SYSTEM SET primary_conninfo = :'ci';\" 'SELECT pg_reload_conf();' \
                 | psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p {port} \
                 -U \"$EMUL_ROLE\" -d {db} -v ci=\"$EMUL_CONNINFO\"",
                port = pg.port,
                db = sh_quote(&pg.database),
            );
            let env = vec![
                format!("EMUL_CONNINFO={conninfo}"),
                format!("EMUL_ROLE={}", pg.user),
            ];
            let (code, out) = self
                .engine
                .exec(&standby.container, &["sh", "-c", &script], &env)
                .await
                .map_err(err)?;
            if code != 0 {
                // The password works already; only a later reconnection of
                // the standby would be refused.
                eprintln!(
                    "emul: rds: the standby's replication password was not updated: {}",
                    out.trim()
                );
            }
        }
        Ok(())
    }

    /// `redis-cli` on `node` (AUTH through `REDISCLI_AUTH`).
    async fn redis_cli(
        &self,
        g: &Redis,
        node: &Node,
        args: &[&str],
    ) -> Result<String, WiringError> {
        let port = g.port.to_string();
        let mut cmd = vec!["redis-cli", "-p", &port];
        cmd.extend(args);
        let env: Vec<String> = g
            .auth
            .iter()
            .map(|a| format!("REDISCLI_AUTH={}", a.expose()))
            .collect();
        let (code, out) = self
            .engine
            .exec(&node.container, &cmd, &env)
            .await
            .map_err(err)?;
        if code != 0 || out.starts_with("ERR") || out.contains("\nERR") {
            return Err(err(format!(
                "redis-cli in {}: {}",
                node.container,
                out.trim()
            )));
        }
        Ok(out)
    }

    async fn redis_failover(&self, g: &mut Redis, to: usize) -> Result<(), WiringError> {
        let (old, new) = (g.nodes[g.primary].clone(), g.nodes[to].clone());
        // A coordinated failover, as TestFailover's: writes pause on the
        // primary, the replica catches up with its offset, then takes over.
        let paused = self
            .redis_cli(g, &old, &["CLIENT", "PAUSE", "30000", "WRITE"])
            .await
            .is_ok();
        if paused {
            let info = self.redis_cli(g, &old, &["INFO", "replication"]).await?;
            let target = info_field(&info, "master_repl_offset").unwrap_or(0);
            let deadline = Instant::now() + CATCH_UP;
            loop {
                let info = self.redis_cli(g, &new, &["INFO", "replication"]).await?;
                if info_field(&info, "slave_repl_offset").is_some_and(|o| o >= target) {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = self.redis_cli(g, &old, &["CLIENT", "UNPAUSE"]).await;
                    return Err(err(format!(
                        "the replica did not reach offset {target} within {}s",
                        CATCH_UP.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        self.redis_cli(g, &new, &["REPLICAOF", "NO", "ONE"]).await?;
        let names = |i: usize, primary: bool| -> Vec<String> {
            let mut v = vec![g.node_names[i].clone()];
            v.extend(if primary {
                g.primary_names.clone()
            } else {
                g.replica_names.clone()
            });
            v
        };
        self.swap_names(&old, &names(g.primary, false), &new, &names(to, true))
            .await?;
        g.primary = to;
        // The failover is done; a node that cannot follow the new primary
        // is left as it is, which the log says.
        let port = g.port.to_string();
        for (_, n) in g.nodes.iter().enumerate().filter(|(i, _)| *i != to) {
            if let Err(e) = self
                .redis_cli(g, n, &["REPLICAOF", &g.node_names[to], &port])
                .await
            {
                eprintln!("emul: elasticache: {e}");
            }
        }
        if paused {
            let _ = self.redis_cli(g, &old, &["CLIENT", "UNPAUSE"]).await;
        }
        Ok(())
    }
}

/// The RDS and ElastiCache services of a running project: the topology's
/// instances and groups (created at `now_ms`), operated on `plan`'s
/// containers.
pub fn services(
    project: &super::Project,
    engine: &Engine,
    plan: &Plan,
    now_ms: i64,
) -> (
    Arc<crate::services::rds::RdsService>,
    Arc<crate::services::elasticache::ElastiCacheService>,
) {
    let runtime = DockerDatastores::from_plan(engine.clone(), plan);
    let suffix = crate::runtime::datastores::endpoint_suffix(&project.name);
    let (account, region) = (project.account(), project.region());
    let t = &project.topology;
    (
        Arc::new(crate::services::rds::RdsService::live(
            account,
            region,
            crate::services::rds::topology::from_topology(t, &suffix, now_ms),
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

/// A numeric `field:value` line of `INFO` output.
fn info_field(info: &str, field: &str) -> Option<u64> {
    info.lines()
        .find_map(|l| l.trim().strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}

/// Single-quotes a value for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Quotes a libpq connection-string value.
fn conninfo_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields_and_quoting() {
        let info =
            "# Replication\r\nrole:slave\r\nslave_repl_offset:1234\r\nmaster_repl_offset:99\r\n";
        assert_eq!(info_field(info, "slave_repl_offset"), Some(1234));
        assert_eq!(info_field(info, "master_repl_offset"), Some(99));
        assert_eq!(info_field(info, "role"), None);
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(conninfo_quote("a'b\\c"), "'a\\'b\\\\c'");
    }
}
