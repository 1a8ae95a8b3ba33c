//! The daemon's side of the ENI agent (docs/decisions/0011-eni-agent-portability.md).
//!
//! Every ENI container runs `emul-agent` (crate `agent/`, image
//! [`AGENT_IMAGE`]) as PID 1: it holds the namespace and does, on request,
//! what emul used to do by entering the namespace from the host — apply
//! the security-group ruleset with its own `nft`, connect from the ENI's
//! address, listen on a port for `emul verify`. This file is the client:
//! plain HTTP/1.1 to `<eni-ip>:7411` (a Linux host routes to every bridge,
//! root or not), each request carrying the project token.
//!
//! # The project token
//!
//! 32 random bytes (hex) per project, put in every agent's environment
//! (`EMUL_AGENT_TOKEN`) when the container is created. The daemon keeps it
//! in the project's state directory (`agent-token`, mode 0600) so that a
//! restarted daemon still speaks to the agents it created
//! ([`load_or_create_token`] + [`set_project_token`]); a process that
//! creates agents without a daemon (tests) gets one random token per
//! project for its lifetime ([`project_token`]). `emul verify`, a separate
//! process, reads each agent's token back from `docker inspect`.
//! Workloads share the agent's network namespace, so they can reach port
//! 7411 through `lo`, but they cannot read another container's environment.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::upgrade::Upgraded;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The image of every ENI container.
pub const AGENT_IMAGE: &str = "emul/agent:latest";
/// The agent's control port on its ENI address (kept out of `emul verify`'s
/// matrix; every ruleset admits it from the VPC gateway only).
pub const CONTROL_PORT: u16 = 7411;
/// The environment variable carrying the project token into the agent.
pub const TOKEN_ENV: &str = "EMUL_AGENT_TOKEN";
/// The agent's environment variable naming its socket broker's path.
pub const BROKER_SOCKET_ENV: &str = "EMUL_AGENT_SOCKET";
/// The capability the agent container gets (nft in its own namespace);
/// workload containers get none.
pub const AGENT_CAPABILITY: &str = "NET_ADMIN";
/// The header that bounds a `CONNECT`'s connect inside the agent (ms).
const CONNECT_TIMEOUT_HEADER: &str = "emul-connect-timeout-ms";
/// The state-directory file holding the project token.
const TOKEN_FILE: &str = "agent-token";

/// Tokens of the projects this process creates agents for.
fn tokens() -> &'static Mutex<HashMap<String, String>> {
    static TOKENS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    TOKENS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A fresh random token: 32 bytes, hex.
fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The token of `project` in this process (a new random one the first time,
/// unless the daemon registered the persisted one with [`set_project_token`]).
pub fn project_token(project: &str) -> String {
    tokens()
        .lock()
        .expect("token registry")
        .entry(project.to_string())
        .or_insert_with(new_token)
        .clone()
}

/// Makes `token` the token of `project` in this process (the daemon, with
/// the one from its state directory, before it creates any agent).
pub fn set_project_token(project: &str, token: String) {
    tokens()
        .lock()
        .expect("token registry")
        .insert(project.to_string(), token);
}

/// The project token kept in `state_dir` (created, mode 0600, when missing).
pub fn load_or_create_token(state_dir: &Path) -> std::io::Result<String> {
    let path = state_dir.join(TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) if t.trim().len() == 64 => return Ok(t.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let token = new_token();
    crate::state::write_durably(&path, token.as_bytes())?;
    Ok(token)
}

/// The environment of an agent container at `ip`.
pub fn agent_env(token: &str, ip: Ipv4Addr) -> Vec<String> {
    vec![
        format!("{TOKEN_ENV}={token}"),
        format!("EMUL_AGENT_LISTEN={ip}:{CONTROL_PORT}"),
    ]
}

/// The token in a container's environment (`docker inspect` `Config.Env`).
pub fn token_from_env(env: &[String]) -> Option<String> {
    env.iter()
        .find_map(|e| e.strip_prefix(TOKEN_ENV)?.strip_prefix('='))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Why a request to an agent failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No connection to the agent (its container is gone, or not started).
    #[error("ENI agent at {addr} unreachable: {source}")]
    Unreachable {
        /// The agent's control address.
        addr: SocketAddr,
        /// The connect error.
        source: std::io::Error,
    },
    /// The agent refused the project token.
    #[error("ENI agent at {addr} refused the project token (an agent of another emul process?)")]
    Unauthorized {
        /// The agent's control address.
        addr: SocketAddr,
    },
    /// nft refused the ruleset (its stderr).
    #[error("nft refused the ruleset in the ENI agent at {addr}: {stderr}")]
    Refused {
        /// The agent's control address.
        addr: SocketAddr,
        /// nft's message.
        stderr: String,
    },
    /// Any other answer, or a broken exchange.
    #[error("ENI agent at {addr}: {what}")]
    Protocol {
        /// The agent's control address.
        addr: SocketAddr,
        /// The status and body, or the HTTP error.
        what: String,
    },
}

impl AgentError {
    /// Whether the agent is gone (its ENI died): nothing left to protect.
    pub fn agent_gone(&self) -> bool {
        matches!(self, AgentError::Unreachable { .. })
    }
}

/// A client of one ENI's agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentClient {
    /// `<eni-ip>:7411`.
    addr: SocketAddr,
    /// The project token.
    token: String,
}

/// How long to keep retrying a refused connect: a container that just
/// started may not listen yet.
const STARTUP_GRACE: Duration = Duration::from_secs(3);
/// One connect attempt's bound (a dead ENI's address never answers).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

impl AgentClient {
    /// The agent of the ENI at `ip`.
    pub fn new(ip: Ipv4Addr, token: impl Into<String>) -> AgentClient {
        AgentClient {
            addr: SocketAddr::from((ip, CONTROL_PORT)),
            token: token.into(),
        }
    }

    /// The agent of a running ENI container (name or id), found the way
    /// another emul process finds it: its address and the token in its
    /// environment, from `docker inspect`. `None` when the container does
    /// not run, has no address, or is no agent.
    pub async fn of_container(
        engine: &super::Engine,
        container: &str,
    ) -> Result<Option<AgentClient>, super::EngineError> {
        let Some(ip) = engine.container_ipv4(container).await? else {
            return Ok(None);
        };
        Ok(token_from_env(&engine.container_env(container).await?)
            .map(|token| AgentClient::new(ip, token)))
    }

    /// The agent's control address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns once the agent accepts connections (retrying a refused
    /// connect for a just-started container, as every call does). The
    /// agent listens only after its start-up work (the VPC services' NAT
    /// table), so this is "the agent is ready", at the cost of one connect.
    pub async fn wait_listening(&self) -> Result<(), AgentError> {
        self.dial().await.map(drop)
    }

    async fn dial(&self) -> Result<TcpStream, AgentError> {
        let started = Instant::now();
        loop {
            let err =
                match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(self.addr)).await {
                    Ok(Ok(s)) => {
                        let _ = s.set_nodelay(true);
                        return Ok(s);
                    }
                    Ok(Err(e)) => e,
                    Err(_) => std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {CONNECT_TIMEOUT:?}"),
                    ),
                };
            if err.kind() != std::io::ErrorKind::ConnectionRefused
                || started.elapsed() > STARTUP_GRACE
            {
                return Err(AgentError::Unreachable {
                    addr: self.addr,
                    source: err,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn request(&self, method: Method, uri: &str, body: Bytes) -> Request<Full<Bytes>> {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(hyper::header::HOST, self.addr.to_string())
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            )
            .body(Full::new(body))
            .expect("a valid request")
    }

    fn protocol(&self, what: impl std::fmt::Display) -> AgentError {
        AgentError::Protocol {
            addr: self.addr,
            what: what.to_string(),
        }
    }

    /// One request on a fresh connection; (status, body).
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: impl Into<Bytes>,
    ) -> Result<(StatusCode, Bytes), AgentError> {
        let stream = self.dial().await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.protocol(e))?;
        tokio::spawn(conn);
        let resp = sender
            .send_request(self.request(method, path, body.into()))
            .await
            .map_err(|e| self.protocol(e))?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| self.protocol(e))?
            .to_bytes();
        if status == StatusCode::UNAUTHORIZED {
            return Err(AgentError::Unauthorized { addr: self.addr });
        }
        Ok((status, body))
    }

    fn unexpected(&self, status: StatusCode, body: &[u8]) -> AgentError {
        self.protocol(format!(
            "{status}: {}",
            String::from_utf8_lossy(body).trim()
        ))
    }

    /// Applies `script` (`nft -f -` in the agent's namespace); returns once
    /// nft succeeded, with the wall time of the exchange.
    pub async fn put_ruleset(&self, script: &str) -> Result<Duration, AgentError> {
        let started = Instant::now();
        let (status, body) = self
            .call(Method::PUT, "/ruleset", script.to_string())
            .await?;
        match status {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(started.elapsed()),
            StatusCode::UNPROCESSABLE_ENTITY => Err(AgentError::Refused {
                addr: self.addr,
                stderr: String::from_utf8_lossy(&body).trim().to_string(),
            }),
            s => Err(self.unexpected(s, &body)),
        }
    }

    /// `nft list table inet emul` in the agent's namespace; `None` when
    /// there is no such table.
    pub async fn get_ruleset(&self) -> Result<Option<String>, AgentError> {
        let (status, body) = self.call(Method::GET, "/ruleset", Bytes::new()).await?;
        match status {
            StatusCode::OK => Ok(Some(String::from_utf8_lossy(&body).into_owned())),
            StatusCode::NOT_FOUND => Ok(None),
            s => Err(self.unexpected(s, &body)),
        }
    }

    /// Opens a listener on `port` in the agent's namespace (accepts and
    /// closes) for `seconds`; `false` when something listens there already.
    pub async fn listen(&self, port: u16, seconds: u64) -> Result<bool, AgentError> {
        let path = format!("/listen?port={port}&seconds={seconds}");
        let (status, body) = self.call(Method::POST, &path, Bytes::new()).await?;
        match status {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(true),
            StatusCode::CONFLICT => Ok(false),
            s => Err(self.unexpected(s, &body)),
        }
    }

    /// Closes the agent's listener on `port` (one opened by [`Self::listen`]).
    pub async fn unlisten(&self, port: u16) -> Result<(), AgentError> {
        let path = format!("/listen?port={port}");
        let (status, body) = self.call(Method::DELETE, &path, Bytes::new()).await?;
        match status {
            StatusCode::NO_CONTENT | StatusCode::OK | StatusCode::NOT_FOUND => Ok(()),
            s => Err(self.unexpected(s, &body)),
        }
    }

    /// The connection attempts this ENI's ruleset refused since `since_ms`
    /// (unix ms), oldest first: `GET /denied?since=` (the agent's ring of
    /// the last 1,000; one line per deny, see [`Denied::parse`]).
    pub async fn denied(&self, since_ms: u64) -> Result<Vec<Denied>, AgentError> {
        let path = format!("/denied?since={since_ms}");
        let (status, body) = self.call(Method::GET, &path, Bytes::new()).await?;
        match status {
            StatusCode::OK => Ok(String::from_utf8_lossy(&body)
                .lines()
                .filter_map(Denied::parse)
                .collect()),
            s => Err(self.unexpected(s, &body)),
        }
    }

    /// A TCP stream to `dst` that leaves from the agent's namespace (its ENI
    /// address). Errors keep the kinds of a plain connect: a refusal is
    /// `ConnectionRefused`, a silent destination `TimedOut` after `timeout`.
    pub async fn connect(
        &self,
        dst: SocketAddr,
        timeout: Duration,
    ) -> std::io::Result<TokioIo<Upgraded>> {
        let io_err = |e: AgentError| std::io::Error::other(e.to_string());
        let stream = self.dial().await.map_err(io_err)?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| io_err(self.protocol(e)))?;
        tokio::spawn(conn.with_upgrades());
        let req = Request::builder()
            .method(Method::CONNECT)
            .uri(dst.to_string())
            .header(hyper::header::HOST, dst.to_string())
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            )
            .header(CONNECT_TIMEOUT_HEADER, timeout.as_millis().to_string())
            .body(Full::new(Bytes::new()))
            .expect("a valid CONNECT");
        // The agent answers within `timeout`; bound the whole exchange too.
        let resp = tokio::time::timeout(timeout + Duration::from_secs(2), sender.send_request(req))
            .await
            .map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("ENI agent at {} did not answer the CONNECT", self.addr),
                )
            })?
            .map_err(|e| io_err(self.protocol(e)))?;
        match resp.status() {
            StatusCode::OK => hyper::upgrade::on(resp)
                .await
                .map(TokioIo::new)
                .map_err(|e| io_err(self.protocol(e))),
            status => {
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&body).trim().to_string();
                let kind = match status {
                    StatusCode::GATEWAY_TIMEOUT => std::io::ErrorKind::TimedOut,
                    StatusCode::BAD_GATEWAY if text.contains("refused") => {
                        std::io::ErrorKind::ConnectionRefused
                    }
                    StatusCode::UNAUTHORIZED => std::io::ErrorKind::PermissionDenied,
                    _ => std::io::ErrorKind::Other,
                };
                Err(std::io::Error::new(kind, format!("{status}: {text}")))
            }
        }
    }
}

/// One connection attempt an ENI's ruleset refused, as its agent recorded
/// it from the ruleset's log (NFLOG group 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// When the kernel logged it (unix ms).
    pub unix_ms: u64,
    /// True when the input chain refused it (ingress of this ENI), false
    /// for the output chain (its egress).
    pub inbound: bool,
    /// `tcp`, `udp`, or the IP protocol number.
    pub proto: String,
    /// Who tried.
    pub src: SocketAddr,
    /// Where to.
    pub dst: SocketAddr,
}

impl Denied {
    /// Parses one line of `GET /denied`: `<unix ms> <in|out> <proto>
    /// <src ip:port> <dst ip:port>` (IPv6 addresses bracketed).
    pub fn parse(line: &str) -> Option<Denied> {
        let mut f = line.split_whitespace();
        let unix_ms = f.next()?.parse().ok()?;
        let inbound = match f.next()? {
            "in" => true,
            "out" => false,
            _ => return None,
        };
        Some(Denied {
            unix_ms,
            inbound,
            proto: f.next()?.to_string(),
            src: f.next()?.parse().ok()?,
            dst: f.next()?.parse().ok()?,
        })
    }

    /// `ingress` or `egress`, as the groups' rules are named.
    pub fn direction(&self) -> &'static str {
        if self.inbound { "ingress" } else { "egress" }
    }
}

/// An agent's socket broker (the agent crate's `broker` module): a TCP
/// connection opened in the ENI's namespace and received, over the unix
/// socket the agent listens on in the shared directory, as this process's
/// own socket (`SCM_RIGHTS`). Reads and writes then cost what any socket
/// costs, and the connection leaves from the ENI's address: the ALB's
/// upstream connections, without `setns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerClient {
    /// The broker's unix socket, as this process sees it.
    path: std::path::PathBuf,
    /// The project token.
    token: String,
}

impl BrokerClient {
    /// The broker listening at `path`.
    pub fn new(path: impl Into<std::path::PathBuf>, token: impl Into<String>) -> BrokerClient {
        BrokerClient {
            path: path.into(),
            token: token.into(),
        }
    }

    /// A TCP connection to `dst` from the ENI. Errors keep a plain
    /// connect's kinds (`ConnectionRefused`, `TimedOut`).
    pub async fn connect(&self, dst: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
        let me = self.clone();
        let stream = tokio::task::spawn_blocking(move || me.connect_blocking(dst, timeout))
            .await
            .map_err(std::io::Error::other)??;
        stream.set_nonblocking(true)?;
        TcpStream::from_std(stream)
    }

    fn connect_blocking(
        &self,
        dst: SocketAddr,
        timeout: Duration,
    ) -> std::io::Result<std::net::TcpStream> {
        use std::io::{IoSliceMut, Write as _};
        use std::mem::MaybeUninit;

        use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, recvmsg};

        let mut conn = std::os::unix::net::UnixStream::connect(&self.path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("ENI agent broker {}: {e}", self.path.display()),
            )
        })?;
        conn.set_read_timeout(Some(timeout + Duration::from_secs(2)))?;
        conn.write_all(format!("{} {dst} {}\n", self.token, timeout.as_millis()).as_bytes())?;
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut ancillary = RecvAncillaryBuffer::new(&mut space);
        let mut text = [0u8; 512];
        let got = recvmsg(
            &conn,
            &mut [IoSliceMut::new(&mut text)],
            &mut ancillary,
            RecvFlags::CMSG_CLOEXEC,
        )?;
        let mut fd = None;
        for message in ancillary.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = message {
                for f in fds {
                    fd.get_or_insert(f);
                }
            }
        }
        let answer = String::from_utf8_lossy(&text[..got.bytes])
            .trim()
            .to_string();
        match (answer.as_str(), fd) {
            ("ok", Some(fd)) => Ok(std::net::TcpStream::from(fd)),
            _ => {
                let mut parts = answer.splitn(3, ' ');
                let (_, kind, why) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
                let kind = match kind {
                    Some("refused") => std::io::ErrorKind::ConnectionRefused,
                    Some("timeout") => std::io::ErrorKind::TimedOut,
                    Some("denied") => std::io::ErrorKind::PermissionDenied,
                    _ => std::io::ErrorKind::Other,
                };
                Err(std::io::Error::new(
                    kind,
                    format!("connect to {dst} from the ENI: {why}"),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denied_line_parses_and_nonsense_does_not() {
        let d = Denied::parse("1733460062345 in tcp 10.0.1.17:43122 10.0.10.13:5432").unwrap();
        assert_eq!(d.unix_ms, 1733460062345);
        assert_eq!(d.direction(), "ingress");
        assert_eq!(d.proto, "tcp");
        assert_eq!(d.src, "10.0.1.17:43122".parse().unwrap());
        assert_eq!(d.dst, "10.0.10.13:5432".parse().unwrap());
        let d = Denied::parse("5 out udp [fd00::1]:53 [fd00::2]:53").unwrap();
        assert!(!d.inbound);
        assert_eq!(Denied::parse("5 sideways tcp 1.2.3.4:1 1.2.3.4:2"), None);
        assert_eq!(Denied::parse(""), None);
    }

    #[test]
    fn the_token_round_trips_through_the_environment_and_the_state_dir() {
        let env = agent_env("abc", Ipv4Addr::new(10, 0, 1, 5));
        assert_eq!(
            env,
            ["EMUL_AGENT_TOKEN=abc", "EMUL_AGENT_LISTEN=10.0.1.5:7411"]
        );
        assert_eq!(token_from_env(&env).as_deref(), Some("abc"));
        assert_eq!(token_from_env(&["EMUL_AGENT_TOKEN=".into()]), None);

        let dir = tempfile::tempdir().unwrap();
        let t = load_or_create_token(dir.path()).unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(load_or_create_token(dir.path()).unwrap(), t, "kept");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_project_keeps_one_token_per_process_unless_the_daemon_sets_it() {
        let a = project_token("agent-test-p1");
        assert_eq!(project_token("agent-test-p1"), a);
        assert_ne!(project_token("agent-test-p2"), a);
        set_project_token("agent-test-p1", "persisted".into());
        assert_eq!(project_token("agent-test-p1"), "persisted");
    }

    #[tokio::test]
    async fn an_agent_that_does_not_exist_is_unreachable_not_a_hang() {
        // Port 7411 on loopback: nothing listens there in the test run.
        let c = AgentClient::new(Ipv4Addr::LOCALHOST, "t");
        let started = Instant::now();
        let err = c.put_ruleset("").await.unwrap_err();
        assert!(err.agent_gone(), "{err}");
        assert!(started.elapsed() < STARTUP_GRACE + Duration::from_secs(1));
    }
}
