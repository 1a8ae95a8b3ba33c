//! `emul logs --topology FILE --denied [-f]`: the connection attempts the
//! security groups refused, as each ENI that refused them recorded them
//! (its agent's ring of the last 1,000, `GET /denied`; fed by the ruleset's
//! `log … group 7` before each default drop, at most 20 a second per chain).
//!
//! One line per deny, oldest first, per ENI: `12:01:02.345 rds-sg
//! eni/rds/wechat-db refused tcp 10.0.1.17:43122 → 10.0.10.13:5432
//! (ingress)` (UTC). ENIs are found as `emul verify` finds them (Docker
//! labels + the agents' tables); with `-f` they are looked up again every
//! poll, so tasks started meanwhile join in, and only newer denies print.

use std::collections::HashMap;
use std::time::Duration;

use super::exit;
use super::why::render_denied;
use crate::netpolicy::verify::discover;
use crate::project::Project;

/// How often `-f` asks the agents for new denies.
const POLL: Duration = Duration::from_secs(1);

/// Prints the recorded denies of every running ENI of `project` (and with
/// `follow`, new ones until Ctrl-C).
pub async fn show(project: &Project, follow: bool) -> u8 {
    let engine = match super::engine("logs").await {
        Ok(e) => e,
        Err(code) => return code,
    };
    // Per ENI id: the newest deny already printed (unix ms).
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut first = true;
    loop {
        let enis = match discover(&engine, &project.name).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("emul logs: {e}");
                return exit::FAILURE;
            }
        };
        if first && enis.is_empty() {
            eprintln!("emul logs: project {} is not running", project.name);
            return exit::FAILURE;
        }
        let mut lines: Vec<(u64, String)> = Vec::new();
        for eni in &enis {
            let Some(agent) = &eni.agent else { continue };
            let since = seen.get(&eni.id).copied().unwrap_or(0);
            let Ok(denies) = agent.denied(since).await else {
                continue;
            };
            if let Some(last) = denies.iter().map(|d| d.unix_ms).max() {
                seen.insert(eni.id.clone(), last);
            }
            for d in &denies {
                lines.push((d.unix_ms, render_denied(&eni.id, &eni.groups, d)));
            }
        }
        lines.sort();
        for (_, l) in lines {
            crate::outln!("{l}");
        }
        first = false;
        if !follow {
            return exit::SUCCESS;
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = crate::project::daemon::shutdown_signal() => return exit::SUCCESS,
        }
    }
}
