//! Readiness that means ready: real protocol exchanges with a data store.
//!
//! `emul up --wait` returns only when each Postgres accepts an authenticated
//! `SELECT 1` ([`postgres`]) and each Redis answers `PING` after `AUTH`
//! ([`redis`]). A port that merely accepts TCP is not ready: Postgres accepts
//! connections while still running initdb, and Redis answers `-LOADING`.
//!
//! The probes run from the host to the ENI's IP. On Linux the host has a
//! route to every bridge network, so this is the operator path (the same one
//! `emul tunnel` uses), not a path a workload in the VPC would take; security
//! group rules for in-VPC traffic do not apply to it.

pub mod postgres;
pub mod redis;
pub mod scram;

use std::time::Duration;

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
