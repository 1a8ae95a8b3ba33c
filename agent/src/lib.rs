//! emul-agent: the process that lives in every ENI's network namespace
//! (docs/decisions/0011-eni-agent-portability.md, step 1).
//!
//! It is PID 1 of the ENI container (image `emul/agent`, which replaces
//! `emul/pause`): it holds the namespace, the fixed IP and the DNS aliases
//! that workloads join with `--network container:<agent>`, and exits 0 at
//! once on SIGTERM. Everything emul used to do by entering the namespace
//! from the host (`setns` + the host's `nft`, probe sockets) it does on
//! request instead, so the daemon needs no root and no `nft` of its own:
//!
//! | request | what the agent does |
//! |---|---|
//! | `PUT /ruleset` (body: an nft script) | `nft -f -` in its own namespace; 204 once nft succeeded, 422 with nft's stderr otherwise |
//! | `GET /ruleset` | `nft list table inet emul`: 200 with the listing, 404 when there is no such table |
//! | `CONNECT <ip>:<port>` | a TCP tunnel from its namespace; 502 when refused, 504 on timeout (header `emul-connect-timeout-ms`, default 2000) |
//! | `POST /listen?port=N&seconds=S` | a listener on `0.0.0.0:N` that accepts and closes, for S seconds; 409 when something listens there already |
//! | `DELETE /listen?port=N` | closes that listener before its time |
//! | unix socket `EMUL_AGENT_SOCKET`: `<token> <ip:port> <ms>` | a TCP connection from its namespace, its file descriptor sent back ([`broker`]) |
//! | `GET /denied?since=MS` | the attempts its ruleset refused after MS (unix ms), oldest first, one per line: `<ms> <in\|out> <proto> <src ip:port> <dst ip:port>` (the last 1,000, from NFLOG group 7) |
//!
//! Every request carries `Authorization: Bearer <token>`, the project token
//! the daemon put in the container's environment (`EMUL_AGENT_TOKEN`);
//! anything else is answered 401. The listener is on the ENI address, port
//! [`CONTROL_PORT`]; the ruleset the daemon sends admits that port from the
//! VPC gateway only (where the host's connections come from).
//!
//! | file | what it owns |
//! |---|---|
//! | [`api`] | the HTTP routes above |
//! | [`broker`] | connected TCP sockets from this namespace handed to the daemon over a unix socket (`SCM_RIGHTS`): the ALB's upstream connections |
//! | [`denied`] | the NFLOG group 7 reader (nfnetlink_log on a raw netlink socket) and the ring of recent denies |
//! | [`vpc_nat`] | the VPC services' DNAT table (metadata endpoint, VPC resolver), installed at start |
//! | `main.rs` | environment, signals, the accept loop |

pub mod api;
pub mod broker;
pub mod denied;
pub mod vpc_nat;

use std::path::PathBuf;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The agent's control port on its ENI address.
pub const CONTROL_PORT: u16 = 7411;

/// What the agent needs to serve its API.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project token every request must carry as `Bearer` credentials.
    pub token: String,
    /// The `nft` binary run for `/ruleset` (the image's `/usr/sbin/nft`; a
    /// test points it at a stand-in script).
    pub nft: PathBuf,
    /// The control port, which `/listen` refuses to take over.
    pub control_port: u16,
}

/// Installs the VPC services' DNAT table ([`vpc_nat`]); the error is nft's.
pub async fn install_vpc_nat(config: &Config, rules: &[vpc_nat::NatRule]) -> Result<(), String> {
    if rules.is_empty() {
        return Ok(());
    }
    let script = vpc_nat::script(rules);
    match api::nft(config, &["-f", "-"], script.as_bytes()).await {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(e) => Err(format!("cannot run {}: {e}", config.nft.display())),
    }
}

/// Serves the control API on `listener` until the process ends, recording
/// the namespace's denies (NFLOG group 7) as it goes.
pub async fn serve(listener: TcpListener, config: Config) {
    let state = Arc::new(api::State::new(config));
    denied::spawn(state.denied().clone());
    serve_state(listener, state).await
}

/// Serves the control API with a given state (tests fill its deny ring).
pub async fn serve_state(listener: TcpListener, state: Arc<api::State>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("emul-agent: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| api::handle(req, state.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades()
                .await;
        });
    }
}
