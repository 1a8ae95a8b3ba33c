//! `emul why --topology FILE SRC DST PORT[/tcp|udp]`: which rule allows a
//! connection on each side, or which side refuses it and what is missing
//! (the explanation is [`crate::netpolicy::why`]'s, the verdict
//! [`crate::netpolicy::expect`]'s, so it agrees with `emul verify`).
//!
//! SRC and DST: an RDS instance, an ElastiCache replication group, an ALB,
//! an ECS service, a task id or ARN, an ENI address or id, or
//! `internet`/`host`. Group-level names work from the topology alone; when
//! the project runs, its ENIs are found as `emul verify` finds them
//! (Docker labels + each agent's table) and the connection attempts the
//! destination's (and source's) ruleset refused for this pair are listed
//! under `observed`.
//!
//! Exit codes: 0 allowed; 5 ([`super::exit::WHY_REFUSED`]) refused; 2 an
//! unknown SRC/DST (the message lists what exists), a bad PORT or an
//! invalid topology; 1 anything else.

use std::net::IpAddr;
use std::path::PathBuf;

use super::exit;
use crate::netpolicy::expect::Endpoint;
use crate::netpolicy::policy::{Policy, Proto};
use crate::netpolicy::verify::{FoundEni, discover};
use crate::netpolicy::why::{self, proto_name};
use crate::runtime::agent::Denied;

/// Arguments of `emul why`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The topology file.
    #[arg(
        long,
        short = 't',
        env = "EMUL_TOPOLOGY",
        default_value = "topology.yaml"
    )]
    pub topology: PathBuf,
    /// The project's state directory (default: `.emul/<project>/` next to
    /// the topology), where changes made through the EC2 API are kept.
    #[arg(long, env = "EMUL_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Who connects: a resource name, task id, address, `internet` or `host`.
    pub src: String,
    /// Where to, named the same way.
    pub dst: String,
    /// The destination port, optionally `/tcp` (default) or `/udp`.
    pub port: String,
}

/// `12:01:02.345` (UTC) of a unix time in ms.
pub fn clock(unix_ms: u64) -> String {
    let s = unix_ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        unix_ms % 1000
    )
}

/// One deny as `emul logs --denied` and `emul why` print it:
/// `12:01:02.345 rds-sg eni/rds/wechat-db refused tcp 10.0.1.17:43122 → 10.0.10.13:5432 (ingress)`.
pub fn render_denied(eni: &str, groups: &[String], d: &Denied) -> String {
    format!(
        "{} {} {eni} refused {} {} → {} ({})",
        clock(d.unix_ms),
        if groups.is_empty() {
            "-".to_string()
        } else {
            groups.join(",")
        },
        d.proto,
        d.src,
        d.dst,
        d.direction()
    )
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    let topology = match super::topology_in_force(&args.topology, args.state_dir.clone()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (proto, port) = match why::parse_port(&args.port) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("emul why: {e}");
            return exit::INVALID_INPUT;
        }
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        // The running project, if any: its absence is no error, names of
        // the topology still resolve.
        let running: Option<Vec<FoundEni>> = match crate::runtime::Engine::connect().await {
            Ok(engine) => discover(&engine, &topology.name)
                .await
                .ok()
                .filter(|e| !e.is_empty()),
            Err(_) => None,
        };
        let endpoints: Option<Vec<Endpoint>> = running.as_ref().map(|r| {
            r.iter()
                .map(|e| Endpoint::eni(&e.id, e.ip, &e.groups))
                .collect()
        });
        let resolve = |which: &str, name: &str| {
            why::resolve(&topology, endpoints.as_deref(), name)
                .map_err(|e| eprintln!("emul why: {which} {e}"))
        };
        let (Ok(src), Ok(dst)) = (resolve("SRC", &args.src), resolve("DST", &args.dst)) else {
            return exit::INVALID_INPUT;
        };
        let policy = Policy::from_topology(&topology);
        let mut answers = Vec::new();
        for s in &src.enis {
            for d in dst.enis.iter().filter(|d| d.name != s.name) {
                answers.push(why::explain(&policy, s, d, proto, port));
            }
        }
        if answers.is_empty() {
            eprintln!(
                "emul why: SRC and DST are the same ENI ({}): loopback is always allowed",
                src.enis.first().map(|e| e.name.as_str()).unwrap_or("?")
            );
            return exit::INVALID_INPUT;
        }
        let p = format!("{}/{port}", proto_name(proto));
        let ips = |r: &why::Resolved| {
            r.enis
                .iter()
                .map(|e| match e.ip {
                    Some(ip) => format!("{} {ip}", e.name),
                    None => e.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        crate::outln!("{} → {} {p}", args.src, args.dst);
        crate::outln!("  src: {}", ips(&src));
        crate::outln!("  dst: {}", ips(&dst));
        if src.assumed || dst.assumed {
            crate::outln!(
                "  (addresses assumed from the topology: {})",
                if running.is_some() {
                    "that resource has no running ENI"
                } else {
                    "the project is not running"
                }
            );
        }
        // Pairs of the same two resources differ only by ENI name: one
        // line says it for all of them.
        let generic = |a: &why::Explanation| a.text.replace(&a.src, "SRC").replace(&a.dst, "DST");
        let first = generic(&answers[0]);
        if answers.iter().all(|a| generic(a) == first) {
            crate::outln!("{}", answers[0].text);
        } else {
            for a in &answers {
                crate::outln!("{} → {}: {}", a.src, a.dst, a.text);
            }
        }
        if let Some(run) = &running {
            let lines = observed(run, &src, &dst, proto, port).await;
            if lines.is_empty() {
                crate::outln!("observed: no refused attempt recorded for this pair");
            } else {
                crate::outln!("observed ({} refused attempts):", lines.len());
                for l in lines {
                    crate::outln!("  {l}");
                }
            }
        }
        if answers.iter().all(|a| a.allowed) {
            exit::SUCCESS
        } else {
            exit::WHY_REFUSED
        }
    })
}

/// The denies the ENIs of either side recorded for this pair, oldest first.
async fn observed(
    run: &[FoundEni],
    src: &why::Resolved,
    dst: &why::Resolved,
    proto: Proto,
    port: u16,
) -> Vec<String> {
    let addrs = |r: &why::Resolved| -> Vec<IpAddr> {
        r.enis.iter().filter_map(|e| e.ip.map(IpAddr::V4)).collect()
    };
    let (from, to) = (addrs(src), addrs(dst));
    let from_host = src.enis.iter().any(|e| e.is_host());
    let to_host = dst.enis.iter().any(|e| e.is_host());
    let mut out: Vec<(u64, String)> = Vec::new();
    for eni in run {
        let Some(agent) = &eni.agent else { continue };
        let ip = IpAddr::V4(eni.ip);
        if !from.contains(&ip) && !to.contains(&ip) {
            continue;
        }
        let Ok(denies) = agent.denied(0).await else {
            continue;
        };
        for d in denies {
            let pair = (from.contains(&d.src.ip()) || (from_host && !to.contains(&d.src.ip())))
                && (to.contains(&d.dst.ip()) || (to_host && !from.contains(&d.dst.ip())));
            if pair && d.dst.port() == port && d.proto == proto_name(proto) {
                out.push((d.unix_ms, render_denied(&eni.id, &eni.groups, &d)));
            }
        }
    }
    out.sort();
    out.into_iter().map(|(_, l)| l).collect()
}
