//! RDS Postgres on Docker: restarts, Multi-AZ failover, re-seeding a
//! standby, a new master password, and the roles the data carries at `up`.

use std::time::{Duration, Instant};

use super::{CATCH_UP, DockerDatastores, Node, Postgres, STOP_TIMEOUT, err, sh_quote};
use crate::runtime::docker::{Attach, ContainerCreate, Limits};
use crate::runtime::naming;
use crate::runtime::plan::{Kind, Secret};
use crate::wiring::WiringError;

impl DockerDatastores {
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

    pub(super) async fn rds_restart(&self, pg: &Postgres) -> Result<(), WiringError> {
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

    pub(super) async fn rds_failover(&self, pg: &mut Postgres) -> Result<(), WiringError> {
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

    pub(super) async fn set_password(
        &self,
        pg: &mut Postgres,
        password: &str,
    ) -> Result<(), WiringError> {
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

    /// What `node`'s data says about its role.
    async fn data_role(&self, pg: &Postgres, node: &Node) -> Result<DataRole, WiringError> {
        let out = self
            .psql(
                pg,
                node,
                &["SELECT pg_is_in_recovery(), timeline_id, \
                   current_setting('default_transaction_read_only') = 'on' \
                   FROM pg_control_checkpoint()"],
            )
            .await?;
        DataRole::parse(&out)
            .ok_or_else(|| err(format!("{} answered {out:?} for its role", node.container)))
    }

    /// At `up`, once the nodes run and before anything uses the endpoint.
    ///
    /// The node whose data is the primary's serves: after a failover that
    /// is the topology's standby node, which then takes the endpoint names,
    /// and the demoted node (a standby whose `primary_conninfo` names the
    /// endpoint) is restarted to follow the name to its new place. A second
    /// primary on an earlier timeline (a failover whose re-seed never ran)
    /// is re-seeded from the serving one. The fence of an interrupted
    /// failover (`default_transaction_read_only`) is lifted. With
    /// `restore_password` (the server refused the secret's password), the
    /// master password is set from the secret first, as the topology says.
    /// True when the topology's standby node serves.
    pub(super) async fn at_up(
        &self,
        id: &str,
        pg: &mut Postgres,
        restore_password: bool,
    ) -> Result<bool, WiringError> {
        let mut follow_up = None;
        if pg.nodes.len() > 1 {
            let roles =
                futures::future::join_all(pg.nodes.iter().map(|node| self.data_role(pg, node)))
                    .await;
            let roles: Vec<Option<DataRole>> = roles.into_iter().map(Result::ok).collect();
            let serving = serving_node(&roles)
                .ok_or_else(|| err("no node's data is a primary's (both are standbys)"))?;
            let demoted = pg.nodes[1 - serving].clone();
            let moved = serving != pg.primary;
            if moved {
                let (old, new) = (pg.nodes[pg.primary].clone(), pg.nodes[serving].clone());
                self.swap_names(&old, &pg.standby_aliases, &new, &pg.primary_aliases)
                    .await?;
                pg.primary = serving;
                eprintln!(
                    "emul: rds: {id}: serving from {} (its primary since a failover)",
                    new.container
                );
            }
            follow_up = match roles[1 - serving] {
                Some(r) if !r.in_recovery => {
                    eprintln!(
                        "emul: rds: {id}: {} is a second primary (timeline {}); re-seeding it from the serving node",
                        demoted.container, r.timeline
                    );
                    Some((demoted, true))
                }
                Some(_) if moved => Some((demoted, false)),
                _ => None,
            };
            if roles[serving].is_some_and(|r| r.fenced) {
                self.psql(
                    pg,
                    &pg.nodes[serving],
                    &[
                        "ALTER SYSTEM RESET default_transaction_read_only",
                        "SELECT pg_reload_conf()",
                    ],
                )
                .await?;
            }
        }
        if restore_password {
            let password = pg.password.expose().to_string();
            self.set_password(pg, &password).await?;
            eprintln!("emul: rds: {id}: the master password is its secret's again");
        }
        match follow_up {
            Some((node, true)) => self.reseed(pg, &node).await?,
            Some((node, false)) => {
                self.engine
                    .stop_container(&node.container, STOP_TIMEOUT)
                    .await
                    .map_err(err)?;
                self.engine
                    .start_container(&node.container, &node.container)
                    .await
                    .map_err(err)?;
            }
            None => {}
        }
        Ok(pg.primary != 0)
    }
}

/// Quotes a libpq connection-string value.
fn conninfo_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// What a Postgres node's data says about its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DataRole {
    /// A standby (`standby.signal`): it replays a primary's WAL.
    in_recovery: bool,
    /// The timeline of its last checkpoint: a promotion starts a new one,
    /// so a promoted standby is ahead of the primary it replaced.
    timeline: u32,
    /// Sessions are read-only by default (a failover's fence).
    fenced: bool,
}

impl DataRole {
    /// psql's unaligned `f|2|f`.
    fn parse(out: &str) -> Option<DataRole> {
        let flag = |v: &str| match v {
            "t" => Some(true),
            "f" => Some(false),
            _ => None,
        };
        let mut fields = out.trim().split('|');
        let role = DataRole {
            in_recovery: flag(fields.next()?)?,
            timeline: fields.next()?.parse().ok()?,
            fenced: flag(fields.next()?)?,
        };
        fields.next().is_none().then_some(role)
    }
}

/// Which node serves: of the nodes out of recovery, the one on the latest
/// timeline (the topology's primary on a tie); `None` when no node that
/// answered is out of recovery.
fn serving_node(roles: &[Option<DataRole>]) -> Option<usize> {
    roles
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.filter(|r| !r.in_recovery).map(|r| (i, r.timeline)))
        .max_by_key(|(i, timeline)| (*timeline, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(in_recovery: bool, timeline: u32) -> Option<DataRole> {
        Some(DataRole {
            in_recovery,
            timeline,
            fenced: false,
        })
    }

    #[test]
    fn roles_parse_from_psql() {
        assert_eq!(DataRole::parse("f|1|f\n"), role(false, 1));
        assert_eq!(DataRole::parse("t|12|f"), role(true, 12));
        assert_eq!(
            DataRole::parse("f|2|t"),
            Some(DataRole {
                in_recovery: false,
                timeline: 2,
                fenced: true
            })
        );
        for bad in ["x|1|f", "f|1", "f|x|f", "f|1|f|f"] {
            assert_eq!(DataRole::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_primary_data_serves_wherever_it_is() {
        // As the topology made them.
        assert_eq!(serving_node(&[role(false, 1), role(true, 1)]), Some(0));
        // After a failover: the standby node was promoted, the old primary
        // re-seeded as its standby.
        assert_eq!(serving_node(&[role(true, 2), role(false, 2)]), Some(1));
        // A failover whose re-seed never ran: the promoted node is ahead.
        assert_eq!(serving_node(&[role(false, 1), role(false, 2)]), Some(1));
        assert_eq!(serving_node(&[role(false, 3), role(false, 2)]), Some(0));
        // A tie keeps the topology's primary; a silent node is no candidate.
        assert_eq!(serving_node(&[role(false, 1), role(false, 1)]), Some(0));
        assert_eq!(serving_node(&[None, role(false, 1)]), Some(1));
        assert_eq!(serving_node(&[role(true, 1), role(true, 1)]), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(conninfo_quote("a'b\\c"), "'a\\'b\\\\c'");
    }
}
