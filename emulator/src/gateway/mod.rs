//! The gateway: one HTTP endpoint for every AWS API emul serves.
//!
//! | file | what it owns |
//! |---|---|
//! | [`server`] | the hyper listener: accept loop, body limits, graceful shutdown |
//! | [`dispatch`] | request → service routing (X-Amz-Target, `Action`, SigV4 scope), auth, `/_emul/*` |
//! | [`registry`] | the [`AwsService`] trait each service implements |
//! | [`json`] / [`query`] / [`cbor`] | the awsJson1_1 (and 1.0), awsQuery and Smithy RPC v2 CBOR codecs |
//! | [`sigv4`] | SigV4 header parsing and verification |
//! | [`errors`] | [`AwsError`], the protocol-neutral error |
//! | [`client`] | a signed JSON 1.1 call to emul's own endpoint (other emul processes asking the daemon) |
//!
//! The server knows nothing about AWS; dispatch knows nothing about sockets.

pub mod cbor;
pub mod client;
pub mod dispatch;
pub mod errors;
pub mod json;
pub mod query;
pub mod registry;
pub mod server;
pub mod sigv4;

use std::collections::HashMap;

pub use dispatch::{WireRequest, WireResponse};
pub use errors::AwsError;
pub use registry::{AwsService, Registry};

/// The default region when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The default account id.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The default request-body limit. Secrets Manager values are at most
/// 64 KiB (about 87 KiB as base64), so 4 MiB leaves room for any real call.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How the gateway behaves (from `emul serve`'s flags).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The account id that owns every resource (`--account`).
    pub account: String,
    /// `--strict-auth`: access key id → secret key. `None` accepts any
    /// credentials (the default, like LocalStack).
    pub credentials: Option<HashMap<String, String>>,
    /// Requests with a larger body get an AWS-shaped 413 and are never buffered.
    pub max_body_bytes: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            account: DEFAULT_ACCOUNT.into(),
            credentials: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The gateway: configuration plus the hosted services.
pub struct Gateway {
    /// Flags that shape dispatch.
    pub config: GatewayConfig,
    /// The services requests are routed to.
    pub registry: Registry,
}

impl Gateway {
    /// A gateway over `registry`.
    pub fn new(config: GatewayConfig, registry: Registry) -> Self {
        Self { config, registry }
    }
}

/// Parses `AKID:SECRET[,AKID:SECRET...]` (`--credentials`).
pub fn parse_credentials(spec: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (i, item) in spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (akid, secret) = item
            .split_once(':')
            .filter(|(a, s)| !a.is_empty() && !s.is_empty())
            .ok_or_else(|| format!("--credentials entry {} is not AKID:SECRET", i + 1))?;
        out.insert(akid.to_string(), secret.to_string());
    }
    if out.is_empty() {
        return Err("--credentials names no AKID:SECRET pair".into());
    }
    Ok(out)
}
