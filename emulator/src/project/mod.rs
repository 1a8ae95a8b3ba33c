//! A project: one topology file brought to life by `emul up`.
//!
//! [`Project`] is what every running part reads: the loaded topology, the
//! project name (the `io.emul.project` label), the state directory, the
//! security groups of every ENI, and the loopback URL of every ALB listener.
//!
//! | file | what it owns |
//! |---|---|
//! | [`plan`] | topology → [`crate::runtime::Plan`] (VPC, RDS, ElastiCache, ALB ENIs); pure |
//! | [`secrets`] | topology secrets → Secrets Manager (`ensure_secret`), RDS-managed names |
//! | [`daemon`] | the foreground process `emul up` runs: gateway, secrets, reconcile, components |
//! | [`detached`] | what a background daemon does first: its own session, no inherited descriptors |
//! | [`record`] | `daemon.json`: how other verbs find (and stop) a running daemon |
//! | [`progress`] | one line per resource with elapsed time while `up` works |
//! | [`workloads`] | ECS services, tasks and target groups judged from the models: what `up --wait` awaits, task rows of `status` |
//! | [`references`] | `${rds.db.address}` in task environments → the endpoint text (pure) |
//!
//! State directory: `.emul/<project>/` next to the topology file, unless
//! `--state-dir` / `EMUL_STATE_DIR` says otherwise. It holds the Secrets
//! Manager log (`secretsmanager/`), `daemon.json` and `emul.log` (detached
//! daemons). Docker objects are found by label, never through this directory,
//! so `emul down` works without it.
//!
//! Listener URLs (docs/decisions/0007-project-daemon.md): a listener is
//! published on `127.0.0.1:<host_port>` when the topology sets `host_port`;
//! otherwise on a predictable default, [`default_host_port`]. Both `emul env`
//! and the ALB data plane call [`Project::listeners`], so they always agree.

pub mod daemon;
pub mod datastore_runtime;
pub mod detached;
pub mod ec2_backend;
pub mod plan;
pub mod progress;
pub mod record;
pub mod references;
pub mod secrets;
pub mod workloads;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::topology::model::elbv2::HttpProtocol;
use crate::topology::{self, LoadError, Topology};

/// Environment variable that overrides the state directory.
pub const STATE_DIR_ENV: &str = "EMUL_STATE_DIR";

/// One topology file, loaded, with where its state lives.
#[derive(Debug, Clone)]
pub struct Project {
    /// The validated topology.
    pub topology: Topology,
    /// The project name (the topology's `name`): labels every Docker object.
    pub name: String,
    /// The topology file, as given (messages name it).
    pub file: PathBuf,
    /// Where durable state and `daemon.json` live.
    pub state_dir: PathBuf,
}

/// Why a project could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The topology file is unreadable or invalid (rendered diagnostics).
    #[error("{}", .0.render())]
    Load(#[from] LoadError),
    /// Two listeners would be published on one loopback port.
    #[error(
        "listeners {first} and {second} would both be published on 127.0.0.1:{port}; set a distinct `host_port` on one of them"
    )]
    PortClash {
        /// The first listener (`alb:port`).
        first: String,
        /// The second listener.
        second: String,
        /// The shared host port.
        port: u16,
    },
}

impl ProjectError {
    /// The CLI exit code: invalid input unless the file could not be read.
    pub fn exit_code(&self) -> u8 {
        match self {
            ProjectError::Load(LoadError::Io { .. }) => crate::cli::exit::FAILURE,
            _ => crate::cli::exit::INVALID_INPUT,
        }
    }
}

/// One ALB listener as published on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerUrl {
    /// The load balancer's name.
    pub alb: String,
    /// The listener's AWS port (what the topology says).
    pub port: u16,
    /// The loopback port it is published on.
    pub host_port: u16,
    /// `http` or `https`, from the listener protocol.
    pub scheme: &'static str,
    /// `<scheme>://127.0.0.1:<host_port>`.
    pub url: String,
    /// `EMUL_ALB_<NAME>_<PORT>`: the name upper-cased, every
    /// non-alphanumeric character replaced by `_`.
    pub env_key: String,
}

/// The host port of a listener without `host_port`: `8000 + port` for
/// privileged ports (80 → 8080, 443 → 8443), the port itself otherwise, plus
/// `100 × index` of the load balancer in the file (so two ALBs listening on
/// 80 get 8080 and 8180).
pub fn default_host_port(alb_index: usize, port: u16) -> u16 {
    let base = if port < 1024 {
        8000 + u32::from(port)
    } else {
        u32::from(port)
    };
    let p = base + 100 * alb_index as u32;
    u16::try_from(p).unwrap_or(port)
}

/// `EMUL_ALB_<NAME>_<PORT>` for a listener.
pub fn listener_env_key(alb: &str, port: u16) -> String {
    let name: String = alb
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("EMUL_ALB_{name}_{port}")
}

impl Project {
    /// Loads and validates `file`; the state directory is `state_dir` when
    /// given (flag or `EMUL_STATE_DIR`), else `.emul/<name>/` next to the file.
    pub fn load(file: &Path, state_dir: Option<PathBuf>) -> Result<Project, ProjectError> {
        let topology = topology::load(file)?;
        Project::from_topology(topology, file, state_dir)
    }

    /// A project over an already loaded topology (tests, embedders).
    pub fn from_topology(
        topology: Topology,
        file: &Path,
        state_dir: Option<PathBuf>,
    ) -> Result<Project, ProjectError> {
        let name = topology.name.value.clone();
        let state_dir = state_dir.unwrap_or_else(|| {
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(".emul")
                .join(&name)
        });
        let p = Project {
            topology,
            name,
            file: file.to_path_buf(),
            state_dir,
        };
        p.check_listener_ports()?;
        Ok(p)
    }

    /// The account every resource belongs to.
    pub fn account(&self) -> &str {
        &self.topology.account_id
    }

    /// The region every resource lives in.
    pub fn region(&self) -> &str {
        &self.topology.region
    }

    /// Every ALB listener with its loopback URL, in file order.
    pub fn listeners(&self) -> Vec<ListenerUrl> {
        let mut out = Vec::new();
        for (i, lb) in self.topology.load_balancers.iter().enumerate() {
            for l in &lb.listeners {
                let port = *l.port;
                let host_port = l
                    .host_port
                    .as_ref()
                    .map(|h| **h)
                    .unwrap_or_else(|| default_host_port(i, port));
                let scheme = match *l.protocol {
                    HttpProtocol::Https => "https",
                    HttpProtocol::Http => "http",
                };
                out.push(ListenerUrl {
                    alb: lb.name.value.clone(),
                    port,
                    host_port,
                    scheme,
                    url: format!("{scheme}://127.0.0.1:{host_port}"),
                    env_key: listener_env_key(&lb.name, port),
                });
            }
        }
        out
    }

    fn check_listener_ports(&self) -> Result<(), ProjectError> {
        let mut seen: BTreeMap<u16, String> = BTreeMap::new();
        for l in self.listeners() {
            let me = format!("{}:{}", l.alb, l.port);
            if let Some(first) = seen.insert(l.host_port, me.clone()) {
                return Err(ProjectError::PortClash {
                    first,
                    second: me,
                    port: l.host_port,
                });
            }
        }
        Ok(())
    }

    /// The logical ENI id of an ALB (`eni/alb/<name>`): its pause container
    /// owns the namespace the ALB's upstream sockets are created in.
    pub fn alb_eni(alb: &str) -> String {
        format!("eni/alb/{alb}")
    }

    /// Security-group names of every ENI this project's plan creates, by ENI
    /// id (`eni/rds/<id>`, `eni/rds/<id>/standby`,
    /// `eni/elasticache/<id>/<node>`, `eni/alb/<name>`): what the
    /// NETPOLICY component reads to judge traffic by its source and
    /// destination ENI. ECS task ENIs are not here (they come and go; ECS
    /// reports them through `wiring::NetworkPolicy`).
    pub fn eni_security_groups(&self) -> BTreeMap<String, Vec<String>> {
        let names = |g: &[crate::topology::span::Spanned<String>]| {
            g.iter().map(|s| s.value.clone()).collect::<Vec<_>>()
        };
        let mut out = BTreeMap::new();
        for d in &self.topology.rds_instances {
            out.insert(format!("eni/rds/{}", *d.name), names(&d.security_groups));
            if d.multi_az {
                out.insert(
                    format!("eni/rds/{}/standby", *d.name),
                    names(&d.security_groups),
                );
            }
        }
        for c in &self.topology.elasticache_clusters {
            for n in 1..=(*c.num_cache_clusters).max(1) {
                out.insert(
                    format!("eni/elasticache/{}/{n:03}", *c.name),
                    names(&c.security_groups),
                );
            }
        }
        for lb in &self.topology.load_balancers {
            out.insert(Self::alb_eni(&lb.name), names(&lb.security_groups));
        }
        out
    }

    /// `<state_dir>/daemon.json`.
    pub fn daemon_file(&self) -> PathBuf {
        self.state_dir.join("daemon.json")
    }

    /// `<state_dir>/agents`: shared with the ALB ENIs' agents, whose socket
    /// brokers listen there (absolute: Docker bind-mounts it).
    pub fn agent_dir(&self) -> PathBuf {
        let dir = self.state_dir.join("agents");
        std::path::absolute(&dir).unwrap_or(dir)
    }

    /// `<state_dir>/emul.log`: where a detached daemon writes.
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("emul.log")
    }

    /// sha256 of the topology file's bytes: a running daemon records it so a
    /// second `up` can tell whether anything changed.
    pub fn file_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        std::fs::read(&self.file)
            .map(|b| hex::encode(Sha256::digest(&b)))
            .unwrap_or_default()
    }
}

/// A seed fixture loaded as a project, for the project module's tests.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Project {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/topologies")
        .join(name);
    Project::load(&file, None).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_dir_defaults_next_to_the_file() {
        let p = fixture("wechat.yaml");
        assert!(p.state_dir.ends_with("fixtures/topologies/.emul/wechat"));
        let file =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies/wechat.yaml");
        let q = Project::load(&file, Some("/tmp/x".into())).unwrap();
        assert_eq!(q.state_dir, PathBuf::from("/tmp/x"));
        assert_eq!(q.daemon_file(), PathBuf::from("/tmp/x/daemon.json"));
    }

    #[test]
    fn listener_urls_follow_the_rule() {
        let p = fixture("wechat.yaml");
        let l = p.listeners();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].env_key, "EMUL_ALB_WECHAT_ALB_80");
        assert_eq!(l[0].url, "http://127.0.0.1:8080");
        assert_eq!(l[1].env_key, "EMUL_ALB_WECHAT_ALB_443");
        assert_eq!(l[1].url, "https://127.0.0.1:8443");
        assert_eq!(default_host_port(1, 80), 8180);
        assert_eq!(default_host_port(0, 3000), 3000);
        assert_eq!(listener_env_key("my.alb-1", 443), "EMUL_ALB_MY_ALB_1_443");
    }

    #[test]
    fn every_eni_has_its_security_groups() {
        let p = fixture("wechat.yaml");
        let m = p.eni_security_groups();
        assert_eq!(m["eni/rds/wechat-db"], vec!["rds-sg"]);
        assert_eq!(m["eni/rds/wechat-db/standby"], vec!["rds-sg"]);
        assert_eq!(m["eni/elasticache/wechat-redis/001"], vec!["redis-sg"]);
        assert_eq!(m["eni/elasticache/wechat-redis/002"], vec!["redis-sg"]);
        assert_eq!(m["eni/alb/wechat-alb"], vec!["alb-sg"]);
        assert_eq!(m.len(), 5);
    }

    #[test]
    fn clashing_default_ports_are_refused() {
        let src = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies/wechat.yaml"),
        )
        .unwrap()
        .replace(
            "      - port: 443\n",
            "      - port: 443\n        host_port: 8080\n",
        );
        let t = crate::topology::parse_str(&src).unwrap();
        let err = Project::from_topology(t, Path::new("w.yaml"), None).unwrap_err();
        assert!(err.to_string().contains("127.0.0.1:8080"), "{err}");
    }
}
