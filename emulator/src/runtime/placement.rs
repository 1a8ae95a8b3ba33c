//! Where emul runs relative to the Docker engine: on the engine's host, or
//! inside one of the engine's containers (docs/decisions/0011, step 5).
//!
//! Everything else in emul is the same in both places; what differs is
//! which address emul has in the VPC and which files it shares with the
//! agents:
//!
//! | | on the host ([`Placement::Host`]) | in a container ([`Placement::Container`]) |
//! |---|---|---|
//! | emul's address in the VPC | the bridge's gateway, base + 1 | base + 3 (AWS reserves it), after `docker network connect` of its own container |
//! | what the ALB brokers share | `<state>/agents`, bind-mounted | a named volume, mounted in emul's container and in the agents |
//! | listeners (AWS endpoint, ALB, ECR registry) | 127.0.0.1 | every address of the container, which the compose file publishes on the host's 127.0.0.1 only |
//!
//! The container case is what Docker Desktop, rootless engines and remote
//! engines look like to emul: it has the Docker API and nothing else of the
//! engine's host. It is chosen by [`CONTAINER_ENV`] (the container's name or
//! id, or `self` to find it from `/proc/self/mountinfo`) and needs
//! [`AGENT_VOLUME_ENV`]; the top-level `docker-compose.yml` sets both.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;

use super::docker::{Engine, EngineError};

/// Names emul's own container (or `self`): emul runs inside the engine.
pub const CONTAINER_ENV: &str = "EMUL_CONTAINER";
/// The named volume emul's container shares with the ALB ENIs' agents,
/// mounted in emul's container at [`AGENT_VOLUME_DIR`].
pub const AGENT_VOLUME_ENV: &str = "EMUL_AGENT_VOLUME";
/// Where emul's container mounts the agent volume.
pub const AGENT_VOLUME_DIR: &str = "/run/emul-agents";

/// Where emul runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// On the engine's host: its bridges are in emul's routing table.
    Host,
    /// In a container of the engine.
    Container {
        /// emul's container (id or name), which joins each VPC network.
        container: String,
        /// The named volume shared with the agents.
        agent_volume: String,
    },
}

/// The directory emul and the ALB ENIs' agents share (the brokers' sockets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentShare {
    /// Where emul sees it.
    pub daemon_dir: PathBuf,
    /// The mount source in the agent containers: a host path or a volume name.
    pub mount_source: String,
    /// Where an agent sees the sockets of this project.
    pub inside_dir: String,
}

/// Where the agents mount [`AgentShare::mount_source`].
pub const AGENT_MOUNT: &str = "/run/emul";

impl Placement {
    /// Reads [`CONTAINER_ENV`] and [`AGENT_VOLUME_ENV`]; an error names the
    /// variable that is wrong.
    pub fn from_env() -> Result<Placement, String> {
        let Ok(container) = std::env::var(CONTAINER_ENV) else {
            return Ok(Placement::Host);
        };
        let container = match container.trim() {
            "" => return Ok(Placement::Host),
            "self" => own_container_id().ok_or_else(|| {
                format!(
                    "{CONTAINER_ENV}=self, but no Docker container id appears in /proc/self/mountinfo; set {CONTAINER_ENV} to this container's name"
                )
            })?,
            name => name.to_string(),
        };
        let agent_volume = std::env::var(AGENT_VOLUME_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty() && !v.starts_with('/'))
            .ok_or_else(|| {
                format!(
                    "{CONTAINER_ENV} is set, so {AGENT_VOLUME_ENV} must name the Docker volume mounted at {AGENT_VOLUME_DIR}"
                )
            })?;
        Ok(Placement::Container {
            container,
            agent_volume,
        })
    }

    /// Where emul's listeners bind: loopback on the host; in a container,
    /// every address of it (its namespace is its own; the compose file
    /// publishes the ports on the host's loopback).
    pub fn listen_address(&self) -> Ipv4Addr {
        match self {
            Placement::Host => Ipv4Addr::LOCALHOST,
            Placement::Container { .. } => Ipv4Addr::UNSPECIFIED,
        }
    }

    /// emul's address in the VPC `cidr`: where it serves the tasks (AWS
    /// endpoint, metadata, resolver) and where its traffic to the ENIs
    /// comes from. `None` for a network too small to hold it.
    pub fn vpc_address(&self, cidr: Ipv4Net) -> Option<Ipv4Addr> {
        let offset = match self {
            Placement::Host => 1,
            Placement::Container { .. } => 3,
        };
        let ip = Ipv4Addr::from(u32::from(cidr.network()).checked_add(offset)?);
        (cidr.contains(&ip) && ip != cidr.broadcast()).then_some(ip)
    }

    /// The directory shared with the agents of `project`, whose state
    /// directory holds `host_dir` (`<state>/agents`).
    pub fn agent_share(&self, project: &str, host_dir: &Path) -> AgentShare {
        match self {
            Placement::Host => AgentShare {
                daemon_dir: host_dir.to_path_buf(),
                mount_source: host_dir.to_string_lossy().into_owned(),
                inside_dir: AGENT_MOUNT.to_string(),
            },
            // One volume may serve several projects: each has its folder.
            Placement::Container { agent_volume, .. } => AgentShare {
                daemon_dir: Path::new(AGENT_VOLUME_DIR).join(project),
                mount_source: agent_volume.clone(),
                inside_dir: format!("{AGENT_MOUNT}/{project}"),
            },
        }
    }

    /// In a container: connects it to the VPC `network` at
    /// [`Self::vpc_address`] (nothing when already there). On the host:
    /// nothing, the bridge's gateway is ours.
    pub async fn join_vpc(
        &self,
        engine: &Engine,
        network: &str,
        cidr: Ipv4Net,
    ) -> Result<(), String> {
        let Placement::Container { container, .. } = self else {
            return Ok(());
        };
        let ip = self
            .vpc_address(cidr)
            .ok_or_else(|| format!("the VPC {cidr} has no base + 3 address for emul"))?;
        engine
            .connect_container(network, container, ip)
            .await
            .map_err(|e: EngineError| {
                format!("emul's container {container} cannot join {network} at {ip}: {e}")
            })
    }
}

/// This process's container id, from the engine's bind mounts of
/// `/etc/hostname` and friends (`…/containers/<64 hex>/hostname`).
fn own_container_id() -> Option<String> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    container_id_in_mountinfo(&info)
}

fn container_id_in_mountinfo(info: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let root = line.split(' ').nth(3)?;
        let mut parts = root.split('/');
        while let Some(p) = parts.next() {
            if p == "containers"
                && let Some(id) = parts.next()
                && id.len() == 64
                && id.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Some(id.to_string());
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_the_gateway_and_a_container_the_reserved_third_address() {
        let cidr: Ipv4Net = "10.0.0.0/16".parse().unwrap();
        assert_eq!(
            Placement::Host.vpc_address(cidr),
            Some(Ipv4Addr::new(10, 0, 0, 1))
        );
        let c = Placement::Container {
            container: "emul".into(),
            agent_volume: "emul-agents".into(),
        };
        assert_eq!(c.vpc_address(cidr), Some(Ipv4Addr::new(10, 0, 0, 3)));
        assert_eq!(c.vpc_address("10.0.0.0/31".parse().unwrap()), None);
        assert_eq!(c.listen_address(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(Placement::Host.listen_address(), Ipv4Addr::LOCALHOST);
    }

    #[test]
    fn agents_share_a_host_directory_or_a_volume_folder_per_project() {
        let host = Placement::Host.agent_share("shop", Path::new("/p/.emul/shop/agents"));
        assert_eq!(host.mount_source, "/p/.emul/shop/agents");
        assert_eq!(host.daemon_dir, Path::new("/p/.emul/shop/agents"));
        assert_eq!(host.inside_dir, "/run/emul");
        let c = Placement::Container {
            container: "emul".into(),
            agent_volume: "emul-agents".into(),
        }
        .agent_share("shop", Path::new("/p/.emul/shop/agents"));
        assert_eq!(c.mount_source, "emul-agents");
        assert_eq!(c.daemon_dir, Path::new("/run/emul-agents/shop"));
        assert_eq!(c.inside_dir, "/run/emul/shop");
    }

    #[test]
    fn the_container_id_comes_from_the_engines_bind_mounts() {
        let id = "0123456789abcdef".repeat(4);
        let info = format!(
            "600 580 0:52 / / rw,relatime master:1 - overlay overlay rw\n\
             612 600 254:1 /var/lib/docker/containers/{id}/hostname /etc/hostname rw - ext4 /dev/vda1 rw\n"
        );
        assert_eq!(container_id_in_mountinfo(&info), Some(id));
        assert_eq!(
            container_id_in_mountinfo("1 0 0:1 / / rw - ext4 /dev/vda1 rw\n"),
            None
        );
    }
}
