//! `emul verify`'s engine: find a running project's ENIs, compute the
//! expected matrix ([`super::expect`]), probe every cell for real, compare.
//!
//! Discovery works from Docker alone (so it works against a project started
//! by `emul up` in another process): every running ENI agent container of
//! the project (`io.emul.project=<name>`, `io.emul.kind=pause`) is an ENI;
//! its project token is read back from its environment (`docker inspect`).
//! Its address and groups are read back from the identity comment of the
//! `inet emul` table the enforcer installed in its namespace, as the agent
//! lists it (`GET /ruleset`); an ENI with no such table (or no agent that
//! answers) is reported as **unenforced** (a failure).
//!
//! Probing goes through the agents, never into namespaces: a TCP connect
//! from the source ENI is a `CONNECT` to its agent ([`AgentClient::connect`];
//! the host row connects directly from the host), with a short timeout,
//! many in parallel. Connected = allowed; refused (RST) or timed out (a
//! dropped SYN) = refused. To tell "allowed" from "nobody listens", verify
//! first asks each destination's agent for a **probe listener** on every
//! probed port where nothing listens yet (`POST /listen`: a socket of the
//! agent's, closed again at the end of the run). Where a workload already
//! listens (Postgres on 5432, the app on 8080) its real listener answers.
//! The agent's own control port (7411) is not in the matrix.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use super::compile::parse_identity;
use super::expect::{self, Endpoint, Expectation};
use super::nft::{self, NftError};
use super::policy::Policy;
use crate::runtime::agent::{AgentClient, token_from_env};
use crate::runtime::naming::LABEL_KIND;
use crate::runtime::{Engine, EngineError};
use crate::topology::Topology;

/// How verify probes.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// How long one connect may take before it counts as refused.
    pub timeout: Duration,
    /// Probes in flight at once.
    pub concurrency: usize,
    /// Where emul runs: where probes "from the internet" come from.
    pub placement: crate::runtime::placement::Placement,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            timeout: Duration::from_millis(600),
            concurrency: 128,
            placement: crate::runtime::placement::Placement::Host,
        }
    }
}

/// A running ENI of the project.
#[derive(Debug, Clone)]
pub struct FoundEni {
    /// Logical id (`io.emul.resource` of the agent container).
    pub id: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its groups, as installed (empty when unenforced).
    pub groups: Vec<String>,
    /// Its agent, through which probes leave from its address (`None` for
    /// an ENI container without a token: not an agent).
    pub agent: Option<AgentClient>,
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
    /// An ENI agent answered something unexpected.
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
        /// What its agent said.
        source: NftError,
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
        let Some(ip) = engine.container_ipv4(&c.id).await? else {
            continue;
        };
        let agent = token_from_env(&engine.container_env(&c.id).await?)
            .map(|token| AgentClient::new(ip, token));
        let listing = match &agent {
            Some(a) => match nft::list_table(a).await {
                Ok(l) => l,
                // An agent that does not answer enforces nothing we can see.
                Err(e) if e.agent_gone() => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let identity = listing
            .as_deref()
            .and_then(nft::table_comment)
            .and_then(parse_identity);
        out.push(match identity {
            Some(i) => FoundEni {
                id,
                ip: i.ip,
                groups: i.groups,
                agent,
                enforced: true,
            },
            None => FoundEni {
                id,
                ip,
                groups: vec![],
                agent,
                enforced: false,
            },
        });
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
    let policy = Policy::placed(topology, &opts.placement);
    let ports = expect::ports(topology, &policy);
    let endpoints: Vec<Endpoint> = enis
        .iter()
        .map(|e| Endpoint::eni(&e.id, e.ip, &e.groups))
        .collect();
    let expectations = expect::matrix(&policy, &endpoints, &ports);
    let listeners = open_probe_listeners(&enis, &ports, opts).await?;
    let by_id: BTreeMap<&str, &FoundEni> = enis.iter().map(|e| (e.id.as_str(), e)).collect();
    let cells: Vec<Cell> = futures::stream::iter(expectations.into_iter().map(|x| {
        let src = match by_id.get(x.src.as_str()) {
            Some(e) => Source::Agent(e.agent.clone()),
            None => Source::Host,
        };
        probe(src, x, opts.timeout)
    }))
    .buffer_unordered(opts.concurrency.max(1))
    .collect()
    .await;
    listeners.close().await;
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

/// The probe listeners the agents opened for one run; [`Self::close`]
/// closes them (and the agents close them anyway after
/// [`PROBE_LISTENER_SECS`], should verify die first).
pub struct ProbeListeners {
    /// (agent, port) of every listener opened.
    opened: Vec<(AgentClient, u16)>,
}

/// How long an agent keeps a probe listener if verify never closes it.
pub const PROBE_LISTENER_SECS: u64 = 300;

impl ProbeListeners {
    /// Closes every listener (errors ignored: the agent's own deadline
    /// closes whatever is left).
    pub async fn close(self) {
        futures::stream::iter(
            self.opened
                .into_iter()
                .map(|(agent, port)| async move { agent.unlisten(port).await }),
        )
        .buffer_unordered(32)
        .for_each(|_| async {})
        .await;
    }
}

/// Asks every ENI's agent for a listener on every port where nothing
/// listens yet.
pub async fn open_probe_listeners(
    enis: &[FoundEni],
    ports: &[u16],
    opts: &VerifyOptions,
) -> Result<ProbeListeners, VerifyError> {
    let jobs = enis
        .iter()
        .filter_map(|e| e.agent.as_ref().map(|a| (e, a)))
        .flat_map(|(e, a)| ports.iter().map(move |&port| (e, a, port)))
        .map(|(e, a, port)| async move {
            let opened = a.listen(port, PROBE_LISTENER_SECS).await;
            (e, a, port, opened)
        });
    let results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut listeners = ProbeListeners { opened: Vec::new() };
    let mut failure = None;
    for (e, a, port, result) in results {
        match result {
            Ok(true) => listeners.opened.push((a.clone(), port)),
            // Something listens there already: its real listener answers.
            Ok(false) => {}
            Err(source) => {
                failure.get_or_insert(VerifyError::Listener {
                    eni: e.id.clone(),
                    port,
                    source,
                });
            }
        }
    }
    match failure {
        Some(err) => {
            listeners.close().await;
            Err(err)
        }
        None => Ok(listeners),
    }
}

/// Where a probe leaves from.
enum Source {
    /// The host's own namespace (the host row).
    Host,
    /// An ENI, through its agent (`None`: no agent, nothing can leave).
    Agent(Option<AgentClient>),
}

/// Probes one cell from `src`.
async fn probe(src: Source, x: Expectation, timeout: Duration) -> Cell {
    let addr = SocketAddr::from((x.dst_ip, x.port));
    let result = match &src {
        Source::Agent(Some(agent)) => agent.connect(addr, timeout).await.map(drop),
        Source::Agent(None) => Err(std::io::Error::other(
            "the source ENI has no agent to probe from",
        )),
        Source::Host => {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
                Ok(r) => r.map(drop),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "timed out",
                )),
            }
        }
    };
    let (observed, outcome) = match result {
        Ok(()) => (true, "connected".to_string()),
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
