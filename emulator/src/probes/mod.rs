//! Readiness that means ready: real protocol exchanges with a data store.
//!
//! `emul up --wait` returns only when each Postgres accepts an authenticated
//! `SELECT 1` ([`postgres`]) and each Redis answers `PING` after `AUTH`
//! ([`redis`]). A port that merely accepts TCP is not ready: Postgres accepts
//! connections while still running initdb, and Redis answers `-LOADING`.
//!
//! Where a probe connects from is its [`Origin`]. The runtime probes a data
//! store from inside the store's own network namespace (its ENI), through
//! the ENI's agent (a `CONNECT` tunnel, `runtime::agent`): the connection
//! is local there, so the security-group ruleset of that ENI, which refuses
//! the host, never stands in the way of readiness, and no hole is opened
//! for it. [`Origin::Host`] connects from emul's own process instead
//! (tests, and stores whose agent does not answer).

pub mod postgres;
pub mod redis;
pub mod scram;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::runtime::agent::AgentClient;

/// A byte stream a probe speaks its protocol over: a TCP connection or an
/// agent's tunnel.
pub trait ProbeIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ProbeIo for T {}

/// What [`Origin::connect`] opens.
pub type ProbeStream = Box<dyn ProbeIo>;

/// Where a probe's TCP connection starts.
#[derive(Debug, Clone, Default)]
pub enum Origin {
    /// From emul's process (on a host, the bridge gateway address).
    #[default]
    Host,
    /// From inside an ENI's namespace, through its agent.
    Agent(AgentClient),
}

impl Origin {
    /// Opens the probe's connection to `addr` (`ip:port`).
    pub(crate) async fn connect(&self, addr: &str) -> std::io::Result<ProbeStream> {
        match self {
            Origin::Host => Ok(Box::new(TcpStream::connect(addr).await?)),
            Origin::Agent(agent) => {
                let target = addr.parse().map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{addr}: {e}"))
                })?;
                // The caller's `within` bounds the whole exchange; this bound
                // only keeps one dropped SYN from using all of it.
                Ok(Box::new(
                    agent.connect(target, Duration::from_secs(3)).await?,
                ))
            }
        }
    }
}

/// Why a probe did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// TCP connect or I/O failed (refused, reset, unreachable).
    #[error("connection to {addr} failed: {source}")]
    Io {
        /// The target.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// No complete answer in time.
    #[error("no answer from {addr} within {timeout:?}")]
    Timeout {
        /// The target.
        addr: String,
        /// The limit.
        timeout: Duration,
    },
    /// The server rejected our credentials.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The server answered with an error (e.g. still starting up).
    #[error("server error: {0}")]
    Server(String),
    /// The bytes did not follow the protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl ProbeError {
    /// Whether retrying may help (the server is still coming up). A rejected
    /// password will not fix itself.
    pub fn is_transient(&self) -> bool {
        !matches!(self, ProbeError::Auth(_) | ProbeError::Protocol(_))
    }
}

/// Runs `fut` under `timeout`, mapping elapsed time to [`ProbeError::Timeout`].
pub(crate) async fn within<T>(
    addr: &str,
    timeout: Duration,
    fut: impl std::future::Future<Output = Result<T, ProbeError>>,
) -> Result<T, ProbeError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(ProbeError::Timeout {
            addr: addr.to_string(),
            timeout,
        }),
    }
}
