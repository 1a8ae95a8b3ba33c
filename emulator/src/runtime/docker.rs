//! The ONE place that talks to the Docker engine (through bollard).
//!
//! Everything above this file speaks plain types ([`ContainerCreate`],
//! [`ObjectInfo`], ...); everything below is bollard. Every mutating call
//! bumps a counter ([`Engine::writes`]) so tests can prove that a no-change
//! reconcile makes no Docker writes.
//!
//! Connection: `DOCKER_HOST` when set (`unix://`, `tcp://`, `http://`), else
//! the default local socket. An engine that does not answer `_ping` is
//! [`EngineError::Unreachable`], which the CLI maps to exit code 3.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HealthConfig, HostConfig,
    HostConfigLogConfig, Ipam, IpamConfig, Mount, MountType, NetworkConnectRequest,
    NetworkCreateRequest, NetworkDisconnectRequest, NetworkingConfig, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveVolumeOptionsBuilder,
};
use futures::StreamExt;

use super::naming::{self, LABEL_PROJECT, LABEL_RESOURCE};
use super::network::ExistingNetwork;

/// A Docker failure, with what we were doing.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No engine answers; the CLI exits with code 3.
    #[error(
        "Docker engine unreachable at {endpoint}: {reason} (is the Docker daemon running? set DOCKER_HOST to point elsewhere)"
    )]
    Unreachable {
        /// Where we looked (`DOCKER_HOST` or the default socket).
        endpoint: String,
        /// What the client said.
        reason: String,
    },
    /// The engine refused an operation.
    #[error("Docker {op} {object}: {message}")]
    Api {
        /// The operation, e.g. `create container`.
        op: &'static str,
        /// The object's name.
        object: String,
        /// The engine's message.
        message: String,
        /// HTTP status, when the engine answered (404 = no such object).
        status: Option<u16>,
    },
    /// The container exists but does not run, so it has no namespace.
    #[error("container {id} is not running")]
    NotRunning {
        /// The container's id or name.
        id: String,
    },
}

impl EngineError {
    fn api(op: &'static str, object: &str, e: BollardError) -> Self {
        let (message, status) = match e {
            BollardError::DockerResponseServerError {
                status_code,
                message,
            } => (message, Some(status_code)),
            other => (other.to_string(), None),
        };
        EngineError::Api {
            op,
            object: object.to_string(),
            message,
            status,
        }
    }

    /// Whether the engine said "no such object".
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            EngineError::Api {
                status: Some(404),
                ..
            }
        )
    }
}

/// A connected engine.
#[derive(Clone)]
pub struct Engine {
    /// The bollard client.
    docker: Docker,
    /// `DOCKER_HOST` or the default socket, for messages.
    endpoint: String,
    /// Mutating calls made so far (shared by clones).
    writes: Arc<AtomicU64>,
    /// The engine's cgroup layout, read once (`docker info` per task launch
    /// would be a round trip for an answer that never changes).
    cgroup_layout: Arc<tokio::sync::OnceCell<CgroupLayout>>,
}

/// A container, network or volume found by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Docker id (the name, for volumes).
    pub id: String,
    /// Docker name, without a leading `/`.
    pub name: String,
    /// Its labels.
    pub labels: HashMap<String, String>,
    /// For containers: `running`, `exited`, `created`...; empty otherwise.
    pub state: String,
}

impl ObjectInfo {
    /// The `io.emul.resource` label.
    pub fn resource(&self) -> Option<&str> {
        self.labels.get(LABEL_RESOURCE).map(String::as_str)
    }
    /// The `io.emul.config-hash` label.
    pub fn config_hash(&self) -> Option<&str> {
        self.labels
            .get(naming::LABEL_CONFIG_HASH)
            .map(String::as_str)
    }
}

/// A container's state as the ECS task monitor reads it ([`Engine::container_state`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// Whether it runs.
    pub running: bool,
    /// The exit code (meaningful once it stopped).
    pub exit_code: Option<i64>,
    /// The kernel killed it for exceeding its memory limit.
    pub oom_killed: bool,
    /// Docker health: `starting`, `healthy`, `unhealthy`; `None` without a check.
    pub health: Option<String>,
}

/// An image's default entrypoint and command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageDefaults {
    /// ENTRYPOINT.
    pub entrypoint: Vec<String>,
    /// CMD.
    pub cmd: Vec<String>,
}

/// How a container is attached to the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attach {
    /// Owns an endpoint on a network: the pause container of an ENI.
    Endpoint {
        /// Docker network name.
        network: String,
        /// The fixed IPv4 address.
        ip: String,
        /// DNS aliases on that network.
        aliases: Vec<String>,
        /// DNS servers for the namespace (`--dns`; empty: the engine's
        /// default). Containers joining the namespace share them, and
        /// Docker's embedded DNS forwards to them the names it does not know.
        dns: Vec<String>,
    },
    /// Joins another container's network namespace (`container:<id>`).
    JoinNamespace {
        /// The pause container's id.
        container_id: String,
    },
}

/// A Docker HEALTHCHECK. A zero duration leaves Docker's own default (or
/// the image's value) in place, which is what the engine does with an
/// unset field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    /// The test, `CMD …` (exec) or `CMD-SHELL …` (shell).
    pub test: Vec<String>,
    /// Time between checks.
    pub interval: Duration,
    /// How long one check may run before it counts as failed.
    pub timeout: Duration,
    /// Consecutive failures before the container is `unhealthy`.
    pub retries: u32,
    /// Start-up grace: failures in it do not count, a success ends it.
    pub start_period: Duration,
}

/// Resource limits of one container (Docker's `HostConfig` fields of the
/// same names). `None` leaves the engine's default (unlimited).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Hard CPU cap in 1e-9 CPUs.
    pub nano_cpus: Option<i64>,
    /// Relative CPU weight (1024 = one CPU's worth under contention).
    pub cpu_shares: Option<i64>,
    /// Hard memory limit in bytes: the kernel OOM-kills beyond it.
    pub memory_bytes: Option<i64>,
    /// Soft memory limit in bytes: what the kernel reclaims towards under
    /// memory pressure.
    pub memory_reservation_bytes: Option<i64>,
    /// Parent cgroup (e.g. a task's cgroup bounding all its containers).
    pub cgroup_parent: Option<String>,
}

/// Everything needed to create one container; converted to bollard here.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerCreate {
    /// Docker name (deterministic).
    pub name: String,
    /// Image reference.
    pub image: String,
    /// `KEY=VALUE` entries.
    pub env: Vec<String>,
    /// Entrypoint override.
    pub entrypoint: Option<Vec<String>>,
    /// Command (None = the image's CMD).
    pub cmd: Option<Vec<String>>,
    /// Labels.
    pub labels: HashMap<String, String>,
    /// Network attachment.
    pub attach: Attach,
    /// `uid[:gid]` to run as (the image's USER when `None`).
    pub user: Option<String>,
    /// Hostname (only valid with [`Attach::Endpoint`]).
    pub hostname: Option<String>,
    /// (volume name, target path) pairs; a source that is an absolute path
    /// is a bind mount of that host directory instead.
    pub volumes: Vec<(String, String)>,
    /// Docker HEALTHCHECK, when the container has one.
    pub health: Option<Healthcheck>,
    /// CPU and memory limits and the cgroup the container lives under.
    pub limits: Limits,
    /// Log driver and options.
    pub log: (String, HashMap<String, String>),
    /// Capabilities added (`HostConfig.CapAdd`): NET_ADMIN for the ENI
    /// agent, which applies its namespace's ruleset; empty for every
    /// workload, so a workload can never flush its rules.
    pub cap_add: Vec<String>,
}

/// A duration in Docker's nanoseconds.
fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// What `docker info` says about how containers are placed in cgroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLayout {
    /// `cgroupfs` or `systemd`.
    pub driver: String,
    /// `1` or `2`.
    pub version: String,
}

impl Engine {
    /// Connects (honouring `DOCKER_HOST`) and pings the engine.
    pub async fn connect() -> Result<Engine, EngineError> {
        let endpoint = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string());
        Self::connect_to(&endpoint).await
    }

    /// Connects to an explicit endpoint (`unix:///path`, `tcp://host:port`).
    pub async fn connect_to(endpoint: &str) -> Result<Engine, EngineError> {
        let endpoint = endpoint.to_string();
        let unreachable = |reason: String| EngineError::Unreachable {
            endpoint: endpoint.clone(),
            reason,
        };
        let docker =
            Docker::connect_with_host(&endpoint).map_err(|e| unreachable(e.to_string()))?;
        match tokio::time::timeout(Duration::from_secs(10), docker.ping()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Err(_) => return Err(unreachable("no answer to _ping within 10 s".into())),
        }
        Ok(Engine {
            docker,
            endpoint,
            writes: Arc::new(AtomicU64::new(0)),
            cgroup_layout: Arc::default(),
        })
    }

    /// Where the engine is (for messages).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether the engine runs on this host (a unix socket), so its bridges
    /// share our routing table and container IPs are reachable from here.
    pub fn is_local(&self) -> bool {
        self.endpoint.starts_with("unix://")
    }

    /// How many mutating calls this engine handle has made.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    fn label_filter(project: &str) -> HashMap<String, Vec<String>> {
        HashMap::from([("label".to_string(), vec![naming::project_filter(project)])])
    }

    /// Every container (any state) of the project.
    pub async fn project_containers(&self, project: &str) -> Result<Vec<ObjectInfo>, EngineError> {
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&Self::label_filter(project))
            .build();
        let list = self
            .docker
            .list_containers(Some(opts))
            .await
            .map_err(|e| EngineError::api("list containers", project, e))?;
        Ok(list
            .into_iter()
            .map(|c| ObjectInfo {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .and_then(|n| n.into_iter().next())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_default(),
                labels: c.labels.unwrap_or_default(),
                state: c
                    .state
                    .map(|s| {
                        serde_json::to_value(s)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    })
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// Every network of the project.
    pub async fn project_networks(&self, project: &str) -> Result<Vec<ObjectInfo>, EngineError> {
        let opts = ListNetworksOptionsBuilder::default()
            .filters(&Self::label_filter(project))
            .build();
        let list = self
            .docker
            .list_networks(Some(opts))
            .await
            .map_err(|e| EngineError::api("list networks", project, e))?;
        Ok(list
            .into_iter()
            .map(|n| ObjectInfo {
                id: n.id.unwrap_or_default(),
                name: n.name.unwrap_or_default(),
                labels: n.labels.unwrap_or_default(),
                state: String::new(),
            })
            .collect())
    }

    /// Every network on the engine, for overlap checks.
    pub async fn all_networks(&self) -> Result<Vec<ExistingNetwork>, EngineError> {
        let list = self
            .docker
            .list_networks(None)
            .await
            .map_err(|e| EngineError::api("list networks", "*", e))?;
        Ok(list
            .into_iter()
            .map(|n| {
                let id = n.id.unwrap_or_default();
                let name = n.name.unwrap_or_default();
                let options = n.options.unwrap_or_default();
                let bridge = options
                    .get("com.docker.network.bridge.name")
                    .cloned()
                    .or_else(|| {
                        (n.driver.as_deref() == Some("bridge") && id.len() >= 12)
                            .then(|| format!("br-{}", &id[..12]))
                    });
                let labels = n.labels.unwrap_or_default();
                let owner = match (labels.get(LABEL_PROJECT), labels.get(LABEL_RESOURCE)) {
                    (Some(p), Some(r)) => Some((p.clone(), r.clone())),
                    _ => None,
                };
                let subnets = n
                    .ipam
                    .and_then(|i| i.config)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| c.subnet?.parse().ok())
                    .collect();
                ExistingNetwork {
                    name,
                    subnets,
                    bridge,
                    owner,
                }
            })
            .collect())
    }

    /// Every named volume of the project.
    pub async fn project_volumes(&self, project: &str) -> Result<Vec<ObjectInfo>, EngineError> {
        let opts = ListVolumesOptionsBuilder::default()
            .filters(&Self::label_filter(project))
            .build();
        let list = self
            .docker
            .list_volumes(Some(opts))
            .await
            .map_err(|e| EngineError::api("list volumes", project, e))?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| ObjectInfo {
                id: v.name.clone(),
                name: v.name,
                labels: v.labels,
                state: String::new(),
            })
            .collect())
    }

    /// The image's defaults, or `None` when it is not present locally.
    pub async fn image_defaults(
        &self,
        reference: &str,
    ) -> Result<Option<ImageDefaults>, EngineError> {
        match self.docker.inspect_image(reference).await {
            Ok(img) => {
                let cfg = img.config.unwrap_or_default();
                Ok(Some(ImageDefaults {
                    entrypoint: cfg.entrypoint.unwrap_or_default(),
                    cmd: cfg.cmd.unwrap_or_default(),
                }))
            }
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(EngineError::api("inspect image", reference, e)),
        }
    }

    /// Pulls an image; the engine's message on failure.
    pub async fn pull(&self, reference: &str) -> Result<(), EngineError> {
        self.wrote();
        let opts = CreateImageOptionsBuilder::default()
            .from_image(reference)
            .build();
        let mut stream = self.docker.create_image(Some(opts), None, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| EngineError::api("pull image", reference, e))?;
        }
        Ok(())
    }

    /// Pulls an image from a registry that needs credentials (emul's ECR
    /// registry: `AWS` and the GetAuthorizationToken password).
    pub async fn pull_with_credentials(
        &self,
        reference: &str,
        username: &str,
        password: &str,
        server: &str,
    ) -> Result<(), EngineError> {
        self.wrote();
        let opts = CreateImageOptionsBuilder::default()
            .from_image(reference)
            .build();
        let credentials = bollard::auth::DockerCredentials {
            username: Some(username.to_string()),
            password: Some(password.to_string()),
            serveraddress: Some(server.to_string()),
            ..Default::default()
        };
        let mut stream = self
            .docker
            .create_image(Some(opts), None, Some(credentials));
        while let Some(item) = stream.next().await {
            item.map_err(|e| EngineError::api("pull image", reference, e))?;
        }
        Ok(())
    }

    /// Creates a bridge network with one IPAM subnet and a fixed bridge name.
    pub async fn create_network(
        &self,
        name: &str,
        cidr: &str,
        bridge: &str,
        labels: HashMap<String, String>,
    ) -> Result<String, EngineError> {
        self.wrote();
        let req = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".into()),
            ipam: Some(Ipam {
                driver: Some("default".into()),
                config: Some(vec![IpamConfig {
                    subnet: Some(cidr.to_string()),
                    ..Default::default()
                }]),
                options: None,
            }),
            options: Some(HashMap::from([(
                "com.docker.network.bridge.name".to_string(),
                bridge.to_string(),
            )])),
            labels: Some(labels),
            ..Default::default()
        };
        let r = self
            .docker
            .create_network(req)
            .await
            .map_err(|e| EngineError::api("create network", name, e))?;
        Ok(r.id)
    }

    /// Removes a network; a missing one is not an error. Containers still
    /// attached (emul's own, when it runs in a container and joined the
    /// VPC; one a user connected by hand) are disconnected first: the
    /// engine refuses to remove a network with endpoints.
    pub async fn remove_network(&self, id: &str) -> Result<(), EngineError> {
        self.wrote();
        let attached = match self
            .docker
            .inspect_network(id, None::<bollard::query_parameters::InspectNetworkOptions>)
            .await
        {
            Ok(n) => n.containers.unwrap_or_default(),
            Err(e) => {
                let e = EngineError::api("inspect network", id, e);
                return if e.is_not_found() { Ok(()) } else { Err(e) };
            }
        };
        for container in attached.keys() {
            let req = NetworkDisconnectRequest {
                container: container.clone(),
                force: Some(true),
            };
            if let Err(e) = self.docker.disconnect_network(id, req).await {
                let e = EngineError::api("disconnect from network", id, e);
                if !e.is_not_found() {
                    return Err(e);
                }
            }
        }
        match self.docker.remove_network(id).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = EngineError::api("remove network", id, e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    /// Connects a running container to `network` at `ip`; already being
    /// there at that address is success.
    pub async fn connect_container(
        &self,
        network: &str,
        container: &str,
        ip: std::net::Ipv4Addr,
    ) -> Result<(), EngineError> {
        let current = self
            .inspect(container)
            .await?
            .network_settings
            .and_then(|s| s.networks)
            .and_then(|mut n| n.remove(network))
            .and_then(|e| e.ip_address);
        if current.as_deref() == Some(ip.to_string().as_str()) {
            return Ok(());
        }
        self.wrote();
        let req = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(EndpointSettings {
                ipam_config: Some(EndpointIpamConfig {
                    ipv4_address: Some(ip.to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        };
        self.docker
            .connect_network(network, req)
            .await
            .map_err(|e| EngineError::api("connect to network", network, e))
    }

    /// Creates a named volume (idempotent on the engine side).
    pub async fn create_volume(
        &self,
        name: &str,
        labels: HashMap<String, String>,
    ) -> Result<(), EngineError> {
        self.wrote();
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        };
        self.docker
            .create_volume(req)
            .await
            .map_err(|e| EngineError::api("create volume", name, e))?;
        Ok(())
    }

    /// Removes a named volume; a missing one is not an error.
    pub async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        self.wrote();
        let opts = RemoveVolumeOptionsBuilder::default().force(true).build();
        match self.docker.remove_volume(name, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = EngineError::api("remove volume", name, e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    /// Creates a container (not started); returns its id.
    pub async fn create_container(&self, spec: &ContainerCreate) -> Result<String, EngineError> {
        self.wrote();
        let (network_mode, networking_config) = match &spec.attach {
            Attach::Endpoint {
                network,
                ip,
                aliases,
                ..
            } => (
                network.clone(),
                Some(NetworkingConfig {
                    endpoints_config: Some(HashMap::from([(
                        network.clone(),
                        EndpointSettings {
                            ipam_config: Some(EndpointIpamConfig {
                                ipv4_address: Some(ip.clone()),
                                ..Default::default()
                            }),
                            aliases: Some(aliases.clone()),
                            ..Default::default()
                        },
                    )])),
                }),
            ),
            Attach::JoinNamespace { container_id } => (format!("container:{container_id}"), None),
        };
        let mounts = spec
            .volumes
            .iter()
            .map(|(source, target)| Mount {
                source: Some(source.clone()),
                target: Some(target.clone()),
                typ: Some(if source.starts_with('/') {
                    MountType::BIND
                } else {
                    MountType::VOLUME
                }),
                ..Default::default()
            })
            .collect::<Vec<_>>();
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            env: Some(spec.env.clone()),
            entrypoint: spec.entrypoint.clone(),
            cmd: spec.cmd.clone(),
            labels: Some(spec.labels.clone()),
            hostname: spec.hostname.clone(),
            user: spec.user.clone(),
            healthcheck: spec.health.as_ref().map(|h| HealthConfig {
                test: Some(h.test.clone()),
                interval: Some(nanos(h.interval)),
                timeout: Some(nanos(h.timeout)),
                retries: Some(i64::from(h.retries)),
                start_period: Some(nanos(h.start_period)),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                network_mode: Some(network_mode),
                dns: match &spec.attach {
                    Attach::Endpoint { dns, .. } if !dns.is_empty() => Some(dns.clone()),
                    _ => None,
                },
                mounts: (!mounts.is_empty()).then_some(mounts),
                nano_cpus: spec.limits.nano_cpus,
                cpu_shares: spec.limits.cpu_shares,
                memory: spec.limits.memory_bytes,
                memory_reservation: spec.limits.memory_reservation_bytes,
                cgroup_parent: spec.limits.cgroup_parent.clone(),
                log_config: Some(HostConfigLogConfig {
                    typ: Some(spec.log.0.clone()),
                    config: Some(spec.log.1.clone()),
                }),
                // Only the ENI agent gets one (NET_ADMIN); workloads none.
                cap_add: (!spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
                privileged: Some(false),
                ..Default::default()
            }),
            networking_config,
            ..Default::default()
        };
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let r = self
            .docker
            .create_container(Some(opts), body)
            .await
            .map_err(|e| EngineError::api("create container", &spec.name, e))?;
        Ok(r.id)
    }

    /// Starts a created container.
    pub async fn start_container(&self, id: &str, name: &str) -> Result<(), EngineError> {
        self.wrote();
        self.docker
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(|e| EngineError::api("start container", name, e))
    }

    /// Force-removes a container and its anonymous volumes; missing is fine.
    pub async fn remove_container(&self, id: &str) -> Result<(), EngineError> {
        self.wrote();
        let opts = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(id, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = EngineError::api("remove container", id, e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    /// `docker inspect` of one container (by id or name); the accessors
    /// below each pick what their caller needs from it.
    async fn inspect(
        &self,
        id: &str,
    ) -> Result<bollard::models::ContainerInspectResponse, EngineError> {
        self.docker
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .map_err(|e| EngineError::api("inspect container", id, e))
    }

    /// Whether the container runs; if not, its exit code and error.
    pub async fn container_status(
        &self,
        id: &str,
    ) -> Result<(bool, Option<i64>, String), EngineError> {
        let st = self.inspect(id).await?.state.unwrap_or_default();
        Ok((
            st.running.unwrap_or(false),
            st.exit_code,
            st.error.unwrap_or_default(),
        ))
    }

    /// What the ECS task monitor needs of one container: whether it runs,
    /// its exit code, whether the kernel OOM-killed it, and its Docker health
    /// (`starting` / `healthy` / `unhealthy`; `None` without a HEALTHCHECK).
    /// Missing containers are `Ok(None)`.
    pub async fn container_state(&self, id: &str) -> Result<Option<ContainerState>, EngineError> {
        let c = match self.inspect(id).await {
            Ok(c) => c,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let st = c.state.unwrap_or_default();
        Ok(Some(ContainerState {
            running: st.running.unwrap_or(false),
            exit_code: st.exit_code,
            oom_killed: st.oom_killed.unwrap_or(false),
            health: st
                .health
                .and_then(|h| h.status)
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty() && s != "none"),
        }))
    }

    /// `docker stop`: SIGTERM (or the image's STOPSIGNAL), SIGKILL after
    /// `timeout`. A missing or already stopped container is fine.
    pub async fn stop_container(&self, id: &str, timeout: Duration) -> Result<(), EngineError> {
        self.wrote();
        let opts = bollard::query_parameters::StopContainerOptionsBuilder::default()
            .t(i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX))
            .build();
        match self.docker.stop_container(id, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => {
                let e = EngineError::api("stop container", id, e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    /// The environment of a container (`Config.Env`, `KEY=VALUE`), e.g. the
    /// project token `emul verify` reads back from an ENI agent.
    pub async fn container_env(&self, id: &str) -> Result<Vec<String>, EngineError> {
        Ok(self
            .inspect(id)
            .await?
            .config
            .and_then(|c| c.env)
            .unwrap_or_default())
    }

    /// The IPv4 address of a container on its (first) network; `None` for a
    /// container without one (e.g. a workload joining another namespace).
    /// Used by `emul verify` to find an ENI's address from its pause container.
    pub async fn container_ipv4(
        &self,
        id: &str,
    ) -> Result<Option<std::net::Ipv4Addr>, EngineError> {
        Ok(self
            .inspect(id)
            .await?
            .network_settings
            .and_then(|n| n.networks)
            .and_then(|nets| {
                nets.into_values()
                    .filter_map(|e| e.ip_address)
                    .find_map(|ip| ip.parse().ok())
            }))
    }

    /// The DNS aliases a container has on its networks now (failover moves
    /// a data store's endpoint names from one ENI to another).
    pub async fn container_aliases(&self, id: &str) -> Result<Vec<String>, EngineError> {
        Ok(self
            .inspect(id)
            .await?
            .network_settings
            .and_then(|n| n.networks)
            .map(|nets| {
                nets.into_values()
                    .flat_map(|e| e.aliases.unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The last `n` log lines (stdout and stderr), for failure messages.
    pub async fn logs_tail(&self, id: &str, n: usize) -> String {
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(&n.to_string())
            .build();
        let mut out = String::new();
        let mut stream = self.docker.logs(id, Some(opts));
        while let Some(Ok(chunk)) = stream.next().await {
            out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        out
    }

    /// The engine's cgroup driver and version (`docker info`, asked once).
    pub async fn cgroup_layout(&self) -> Result<CgroupLayout, EngineError> {
        self.cgroup_layout
            .get_or_try_init(|| self.read_cgroup_layout())
            .await
            .cloned()
    }

    /// Asks the engine (`docker info`) for its cgroup driver and version.
    async fn read_cgroup_layout(&self) -> Result<CgroupLayout, EngineError> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|e| EngineError::api("info", "engine", e))?;
        let text = |v: Option<String>| v.unwrap_or_default().to_lowercase();
        Ok(CgroupLayout {
            driver: text(
                info.cgroup_driver
                    .and_then(|d| serde_json::to_value(d).ok())
                    .and_then(|v| v.as_str().map(String::from)),
            ),
            version: text(
                info.cgroup_version
                    .and_then(|d| serde_json::to_value(d).ok())
                    .and_then(|v| v.as_str().map(String::from)),
            ),
        })
    }

    /// One sample of `docker stats` for a container, in the engine's own
    /// JSON shape (`read`, `preread`, `cpu_stats`, `precpu_stats`,
    /// `memory_stats`, `networks`, `name`, `id`, ...). Not streamed, and not
    /// `one-shot`: the engine waits for a second sample so `precpu_stats` is
    /// filled and CPU deltas can be computed, as from the ECS agent.
    /// A missing or stopped container is `Ok(None)`.
    pub async fn stats(&self, id: &str) -> Result<Option<serde_json::Value>, EngineError> {
        self.stats_sample(id, false).await
    }

    /// One immediate `docker stats` sample (`one-shot`: `precpu_stats` is
    /// empty, so the caller computes CPU deltas between its own samples).
    /// Cheap enough to take every second; a missing container is `Ok(None)`.
    pub async fn stats_once(&self, id: &str) -> Result<Option<serde_json::Value>, EngineError> {
        self.stats_sample(id, true).await
    }

    /// One `docker stats` sample, not streamed; `one_shot` skips the
    /// engine's wait for a second sample.
    async fn stats_sample(
        &self,
        id: &str,
        one_shot: bool,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        let opts = bollard::query_parameters::StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(one_shot)
            .build();
        let mut stream = self.docker.stats(id, Some(opts));
        match stream.next().await {
            Some(Ok(sample)) => Ok(serde_json::to_value(sample).ok()),
            Some(Err(e)) => {
                let e = EngineError::api("stats", id, e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
            None => Ok(None),
        }
    }

    /// A container's output (stdout and stderr) as raw chunks: the last
    /// `tail` lines (`all` for everything), then new output while it runs
    /// when `follow` is set. For `emul logs`.
    pub fn logs(
        &self,
        id: &str,
        follow: bool,
        tail: &str,
    ) -> impl futures::Stream<Item = Result<bytes::Bytes, EngineError>> + use<> {
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .tail(tail)
            .build();
        let id = id.to_string();
        self.docker.logs(&id, Some(opts)).map(move |r| {
            r.map(|c| c.into_bytes())
                .map_err(|e| EngineError::api("logs", &id, e))
        })
    }

    /// Runs `cmd` in running container `id` (`docker exec`) with extra
    /// `env` (`KEY=VALUE`, e.g. a password the command must not show in
    /// its arguments); returns its exit code and combined output.
    pub async fn exec(
        &self,
        id: &str,
        cmd: &[&str],
        env: &[String],
    ) -> Result<(i64, String), EngineError> {
        self.wrote();
        let config = bollard::models::ExecConfig {
            cmd: Some(cmd.iter().map(|c| c.to_string()).collect()),
            env: (!env.is_empty()).then(|| env.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let created = self
            .docker
            .create_exec(id, config)
            .await
            .map_err(|e| EngineError::api("exec in", id, e))?;
        let mut text = String::new();
        match self
            .docker
            .start_exec(&created.id, None::<bollard::exec::StartExecOptions>)
            .await
            .map_err(|e| EngineError::api("exec in", id, e))?
        {
            bollard::exec::StartExecResults::Attached { mut output, .. } => {
                while let Some(chunk) = output.next().await {
                    match chunk {
                        Ok(c) => text.push_str(&String::from_utf8_lossy(&c.into_bytes())),
                        Err(e) => return Err(EngineError::api("exec in", id, e)),
                    }
                }
            }
            bollard::exec::StartExecResults::Detached => {}
        }
        let code = self
            .docker
            .inspect_exec(&created.id)
            .await
            .map_err(|e| EngineError::api("exec in", id, e))?
            .exit_code
            .unwrap_or(-1);
        Ok((code, text))
    }

    /// Re-attaches running container `container` to `network` at the same
    /// `ip` with DNS `aliases` instead of its current ones (Docker cannot
    /// change an endpoint's aliases in place): its interface is recreated,
    /// open connections through it break, the namespace and what is loaded
    /// in it (the agent's rules) stay.
    pub async fn reattach_with_aliases(
        &self,
        network: &str,
        container: &str,
        ip: std::net::Ipv4Addr,
        aliases: &[String],
    ) -> Result<(), EngineError> {
        self.wrote();
        self.docker
            .disconnect_network(
                network,
                NetworkDisconnectRequest {
                    container: container.to_string(),
                    force: Some(true),
                },
            )
            .await
            .map_err(|e| EngineError::api("disconnect from network", network, e))?;
        let req = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(EndpointSettings {
                ipam_config: Some(EndpointIpamConfig {
                    ipv4_address: Some(ip.to_string()),
                    ..Default::default()
                }),
                aliases: Some(aliases.to_vec()),
                ..Default::default()
            }),
        };
        self.docker
            .connect_network(network, req)
            .await
            .map_err(|e| EngineError::api("connect to network", network, e))
    }

    /// Waits for container `id` to exit; its exit code.
    pub async fn wait_exit(&self, id: &str) -> Result<i64, EngineError> {
        let mut waits = self
            .docker
            .wait_container(id, None::<bollard::query_parameters::WaitContainerOptions>);
        match waits.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            // A non-zero exit arrives as an error carrying the code.
            Some(Err(BollardError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(EngineError::api("wait for container", id, e)),
            None => Ok(0),
        }
    }

    /// The named volumes mounted in a container, as `(volume, path)`.
    pub async fn container_volumes(&self, id: &str) -> Result<Vec<(String, String)>, EngineError> {
        Ok(self
            .inspect(id)
            .await?
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| Some((m.name?, m.destination?)))
            .collect())
    }

    /// The image a container was created from (`Config.Image`).
    pub async fn container_image(&self, id: &str) -> Result<Option<String>, EngineError> {
        Ok(self.inspect(id).await?.config.and_then(|c| c.image))
    }
}
