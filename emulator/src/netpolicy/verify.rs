//! `emul verify`'s engine: find a running project's ENIs, compute the
//! expected matrix ([`super::expect`]), probe every cell for real, compare.
//!
//! Discovery works from Docker labels alone (so it works against a project
//! started by `emul up` in another process): every running pause container
//! of the project (`io.emul.project=<name>`, `io.emul.kind=pause`) is an
//! ENI. Its address and groups are read back from the identity comment of
//! the `inet emul` table the enforcer installed in its namespace; an ENI
//! with no such table is reported as **unenforced** (a failure).
//!
//! Probing: a TCP connect made from inside the source ENI's namespace
//! ([`NetNs::connect`]; from the host's own namespace for the host), with a
//! short timeout, many in parallel. Connected = allowed; refused (RST) or
//! timed out (a dropped SYN) = refused. To tell "allowed" from "nobody
//! listens", verify first opens a **probe listener** inside each
//! destination namespace on every probed port where nothing listens yet
//! ([`NetNs::tcp_listener`]: a socket of emul's own, in that namespace, for
//! the duration of the run). Where a workload already listens (Postgres on
//! 5432, the app on 8080) its real listener answers.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use super::compile::parse_identity;
use super::expect::{self, Endpoint, Expectation};
use super::nft::{self, NftError};
use super::policy::Policy;
use crate::runtime::naming::LABEL_KIND;
use crate::runtime::netns::NetNs;
use crate::runtime::{Engine, EngineError};
use crate::topology::Topology;

/// How verify probes.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// How long one connect may take before it counts as refused.
    pub timeout: Duration,
    /// Probes in flight at once.
    pub concurrency: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            timeout: Duration::from_millis(600),
            concurrency: 128,
        }
    }
}

/// A running ENI of the project.
#[derive(Debug, Clone)]
pub struct FoundEni {
    /// Logical id (`io.emul.resource` of the pause container).
    pub id: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its groups, as installed (empty when unenforced).
    pub groups: Vec<String>,
    /// Its namespace.
    pub netns: NetNs,
    /// Whether an emul ruleset is installed in it.
    pub enforced: bool,
}

/// One probed cell.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Source (`host` or an ENI id).
    pub src: String,
    /// Destination ENI id.
    pub dst: String,
    /// Destination address.
    pub dst_ip: Ipv4Addr,
    /// TCP port.
    pub port: u16,
    /// What the security groups say.
    pub expected: bool,
    /// What the connect did.
    pub observed: bool,
    /// How the connect ended (`connected`, `timed out`, `refused`...).
    pub outcome: String,
    /// The rule that allows it, or what is missing.
    pub reason: String,
}

impl Cell {
    /// Whether observation and expectation differ.
    pub fn mismatch(&self) -> bool {
        self.expected != self.observed
    }
}

/// The outcome of a verify run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The project.
    pub project: String,
    /// ENI ids with their addresses and groups.
    pub enis: Vec<(String, Ipv4Addr, Vec<String>)>,
    /// ENIs without an emul ruleset (a failure on their own).
    pub unenforced: Vec<String>,
    /// Ports probed.
    pub ports: Vec<u16>,
    /// Every probed cell.
    pub cells: Vec<Cell>,
    /// Wall time of the whole run, in milliseconds.
    pub elapsed_ms: u128,
}

impl Report {
    /// The cells where observation differs from expectation.
    pub fn mismatches(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.mismatch())
    }

    /// Whether everything matched and every ENI is enforced.
    pub fn ok(&self) -> bool {
        self.unenforced.is_empty() && self.mismatches().next().is_none()
    }
}

/// Why verify could not run (as opposed to finding mismatches).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Docker failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// nft could not be run to read a ruleset.
    #[error(transparent)]
    Nft(#[from] NftError),
    /// Nothing of the project runs.
    #[error("project {0:?} has no running ENIs (start it with `emul up` first)")]
    NotRunning(String),
    /// A probe listener could not be opened.
    #[error("cannot open a probe listener on {eni} port {port}: {source}")]
    Listener {
        /// The ENI.
        eni: String,
        /// The port.
        port: u16,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Finds the running ENIs of `project`.
pub async fn discover(engine: &Engine, project: &str) -> Result<Vec<FoundEni>, VerifyError> {
    let mut out = Vec::new();
    for c in engine.project_containers(project).await? {
        if c.labels.get(LABEL_KIND).map(String::as_str) != Some("pause") || c.state != "running" {
            continue;
        }
        let id = c.resource().unwrap_or(&c.name).to_string();
        let netns = engine.container_netns(&c.id).await?;
        let ns = netns.clone();
        let listing = tokio::task::spawn_blocking(move || nft::list_table(&ns))
            .await
            .map_err(|e| NftError::Io {
                netns: String::new(),
                source: std::io::Error::other(e.to_string()),
            })??;
        let identity = listing
            .as_deref()
            .and_then(nft::table_comment)
            .and_then(parse_identity);
        match identity {
            Some(i) => out.push(FoundEni {
                id,
                ip: i.ip,
                groups: i.groups,
                netns,
                enforced: true,
            }),
            None => {
                let Some(ip) = engine.container_ipv4(&c.id).await? else {
                    continue;
                };
                out.push(FoundEni {
                    id,
                    ip,
                    groups: vec![],
                    netns,
                    enforced: false,
                });
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Runs verify against the running project of `topology`.
pub async fn verify(
    engine: &Engine,
    topology: &Topology,
    opts: &VerifyOptions,
) -> Result<Report, VerifyError> {
    let started = Instant::now();
    let project = topology.name.value.clone();
    let enis = discover(engine, &project).await?;
    if enis.is_empty() {
        return Err(VerifyError::NotRunning(project));
    }
    let policy = Policy::from_topology(topology);
    let ports = expect::ports(topology, &policy);
    let endpoints: Vec<Endpoint> = enis
        .iter()
        .map(|e| Endpoint::eni(&e.id, e.ip, &e.groups))
        .collect();
    let expectations = expect::matrix(&policy, &endpoints, &ports);
    let _listeners = open_probe_listeners(&enis, &ports)?;
    let by_id: BTreeMap<&str, &FoundEni> = enis.iter().map(|e| (e.id.as_str(), e)).collect();
    let cells: Vec<Cell> = futures::stream::iter(expectations.into_iter().map(|x| {
        let src = by_id.get(x.src.as_str()).map(|e| e.netns.clone());
        probe(src, x, opts.timeout)
    }))
    .buffer_unordered(opts.concurrency.max(1))
    .collect()
    .await;
    let mut cells = cells;
    cells.sort_by(|a, b| (&a.src, &a.dst, a.port).cmp(&(&b.src, &b.dst, b.port)));
    Ok(Report {
        project,
        enis: enis
            .iter()
            .map(|e| (e.id.clone(), e.ip, e.groups.clone()))
            .collect(),
        unenforced: enis
            .iter()
            .filter(|e| !e.enforced)
            .map(|e| e.id.clone())
            .collect(),
        ports,
        cells,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// Listeners that stay open while they are held; dropping them closes them.
pub struct ProbeListeners {
    /// The accept loops (aborted on drop).
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for ProbeListeners {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Opens a listener in every ENI on every port where nothing listens yet.
pub fn open_probe_listeners(
    enis: &[FoundEni],
    ports: &[u16],
) -> Result<ProbeListeners, VerifyError> {
    let mut tasks = Vec::new();
    for e in enis {
        for &port in ports {
            let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
            match e.netns.tcp_listener(addr) {
                Ok(listener) => tasks.push(tokio::spawn(async move {
                    // Accept and drop: the handshake is the answer.
                    while let Ok((stream, _)) = listener.accept().await {
                        drop(stream);
                    }
                })),
                Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {}
                Err(source) => {
                    return Err(VerifyError::Listener {
                        eni: e.id.clone(),
                        port,
                        source,
                    });
                }
            }
        }
    }
    Ok(ProbeListeners { tasks })
}

/// Probes one cell from `src` (`None` = the host's namespace).
async fn probe(src: Option<NetNs>, x: Expectation, timeout: Duration) -> Cell {
    let addr = SocketAddr::from((x.dst_ip, x.port));
    let result = match &src {
        Some(ns) => ns.connect(addr, timeout).await,
        None => match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "timed out",
            )),
        },
    };
    let (observed, outcome) = match result {
        Ok(_) => (true, "connected".to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            (false, format!("timed out after {timeout:?}"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            (false, "refused (RST)".to_string())
        }
        Err(e) => (false, e.to_string()),
    };
    Cell {
        src: x.src,
        dst: x.dst,
        dst_ip: x.dst_ip,
        port: x.port,
        expected: x.allowed,
        observed,
        outcome,
        reason: x.reason,
    }
}

/// The human rendering: a summary, the matrix (per source → destination:
/// allowed ports expected / observed) and one line per mismatch.
pub fn render(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "emul verify: project {}: {} ENIs + the host, ports {:?}, {} probes in {} ms",
        r.project,
        r.enis.len(),
        r.ports,
        r.cells.len(),
        r.elapsed_ms
    );
    for (id, ip, groups) in &r.enis {
        let _ = writeln!(s, "  {id} {ip} [{}]", groups.join(", "));
    }
    let _ = writeln!(
        s,
        "\nallowed ports per source → destination (expected | observed):"
    );
    // (source, destination) → (expected allowed ports, observed allowed ports)
    type Ports = (Vec<u16>, Vec<u16>);
    let mut pairs: BTreeMap<(&str, &str), Ports> = BTreeMap::new();
    for c in &r.cells {
        let e = pairs.entry((&c.src, &c.dst)).or_default();
        if c.expected {
            e.0.push(c.port);
        }
        if c.observed {
            e.1.push(c.port);
        }
    }
    let list = |p: &[u16]| {
        if p.is_empty() {
            "-".to_string()
        } else {
            p.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
        }
    };
    for ((src, dst), (exp, obs)) in &pairs {
        if exp.is_empty() && obs.is_empty() {
            continue;
        }
        let mark = if exp == obs { "ok" } else { "MISMATCH" };
        let _ = writeln!(s, "  {src} → {dst}: {} | {}  {mark}", list(exp), list(obs));
    }
    let _ = writeln!(
        s,
        "  (pairs not listed: nothing expected, nothing observed)"
    );
    for id in &r.unenforced {
        let _ = writeln!(s, "UNENFORCED {id}: no emul ruleset in its namespace");
    }
    let mismatches: Vec<&Cell> = r.mismatches().collect();
    for c in &mismatches {
        let _ = writeln!(
            s,
            "MISMATCH {} → {} ({}:{}): expected {}, observed {} ({}); {}",
            c.src,
            c.dst,
            c.dst_ip,
            c.port,
            if c.expected { "allowed" } else { "refused" },
            if c.observed { "allowed" } else { "refused" },
            c.outcome,
            c.reason
        );
    }
    let _ = writeln!(
        s,
        "{}: {} mismatches, {} unenforced ENIs",
        if r.ok() { "OK" } else { "FAILED" },
        mismatches.len(),
        r.unenforced.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(src: &str, dst: &str, port: u16, expected: bool, observed: bool) -> Cell {
        Cell {
            src: src.into(),
            dst: dst.into(),
            dst_ip: Ipv4Addr::new(10, 0, 1, 5),
            port,
            expected,
            observed,
            outcome: if observed {
                "connected"
            } else {
                "timed out after 600ms"
            }
            .into(),
            reason: if expected {
                "allowed by db ingress #1 (line 9)".into()
            } else {
                "no ingress rule of b (db) admits tcp/22 from a".into()
            },
        }
    }

    #[test]
    fn render_lists_pairs_and_names_the_rule_of_each_mismatch() {
        let mut r = Report {
            project: "p".into(),
            enis: vec![("a".into(), Ipv4Addr::new(10, 0, 1, 4), vec!["app".into()])],
            unenforced: vec![],
            ports: vec![22, 5432],
            cells: vec![
                cell("a", "b", 5432, true, true),
                cell("a", "b", 22, false, false),
                cell("host", "b", 22, false, false),
            ],
            elapsed_ms: 12,
        };
        assert!(r.ok());
        let text = render(&r);
        assert!(text.contains("  a → b: 5432 | 5432  ok\n"), "{text}");
        assert!(
            !text.contains("host → b"),
            "nothing expected, nothing observed: {text}"
        );
        assert!(
            text.ends_with("OK: 0 mismatches, 0 unenforced ENIs\n"),
            "{text}"
        );

        r.cells[1] = cell("a", "b", 22, false, true);
        r.cells[0] = cell("a", "b", 5432, true, false);
        r.unenforced.push("c".into());
        assert!(!r.ok());
        let text = render(&r);
        assert!(text.contains("  a → b: 5432 | 22  MISMATCH\n"), "{text}");
        assert!(text.contains(
            "MISMATCH a → b (10.0.1.5:22): expected refused, observed allowed (connected); no ingress rule of b (db) admits tcp/22 from a\n"
        ), "{text}");
        assert!(text.contains(
            "MISMATCH a → b (10.0.1.5:5432): expected allowed, observed refused (timed out after 600ms); allowed by db ingress #1 (line 9)\n"
        ), "{text}");
        assert!(text.contains("UNENFORCED c: no emul ruleset in its namespace\n"));
        assert!(
            text.ends_with("FAILED: 2 mismatches, 1 unenforced ENIs\n"),
            "{text}"
        );
    }
}
