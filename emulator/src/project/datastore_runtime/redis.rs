//! ElastiCache Redis on Docker: a coordinated failover (TestFailover).

use std::time::{Duration, Instant};

use super::{CATCH_UP, DockerDatastores, Node, Redis, err};
use crate::wiring::WiringError;

impl DockerDatastores {
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

    pub(super) async fn redis_failover(&self, g: &mut Redis, to: usize) -> Result<(), WiringError> {
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

/// A numeric `field:value` line of `INFO` output.
fn info_field(info: &str, field: &str) -> Option<u64> {
    info.lines()
        .find_map(|l| l.trim().strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields() {
        let info =
            "# Replication\r\nrole:slave\r\nslave_repl_offset:1234\r\nmaster_repl_offset:99\r\n";
        assert_eq!(info_field(info, "slave_repl_offset"), Some(1234));
        assert_eq!(info_field(info, "master_repl_offset"), Some(99));
        assert_eq!(info_field(info, "role"), None);
    }
}
