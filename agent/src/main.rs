//! The `emul-agent` binary: PID 1 of an ENI container (see the crate docs).
//!
//! Environment:
//! - `EMUL_AGENT_TOKEN`: the project token; without it the control API is
//!   not served (the agent still holds the namespace, as pause did);
//! - `EMUL_AGENT_LISTEN`: the control address, default `0.0.0.0:7411` (the
//!   daemon passes `<eni-ip>:7411`);
//! - `EMUL_AGENT_NFT`: the `nft` binary, default `/usr/sbin/nft`;
//! - `EMUL_AGENT_SOCKET`: where the socket broker listens (a path in the
//!   directory the daemon shares with the container), if anywhere;
//! - `EMUL_AGENT_VPC_NAT`: the VPC services' DNAT rules
//!   (`proto:ip:port=ip:port,…`, [`emul_agent::vpc_nat`]), installed before
//!   the control API answers; a failure ends the agent (exit 1): its
//!   workloads would find neither the metadata endpoint nor the resolver.
//!
//! As PID 1, signals with the default disposition are ignored by the kernel,
//! so SIGTERM, SIGINT and SIGHUP get explicit handlers that exit 0 at once
//! (`docker stop` must not wait for its timeout).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use emul_agent::{CONTROL_PORT, Config, install_vpc_nat, serve, vpc_nat};
use tokio::signal::unix::{SignalKind, signal};

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("emul-agent: cannot start the async runtime: {e}");
            return ExitCode::from(70);
        }
    };
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    );
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = handlers else {
        eprintln!("emul-agent: cannot install the signal handlers");
        return ExitCode::from(70);
    };
    let listen =
        std::env::var("EMUL_AGENT_LISTEN").unwrap_or_else(|_| format!("0.0.0.0:{CONTROL_PORT}"));
    let Ok(addr) = listen.parse::<SocketAddr>() else {
        eprintln!("emul-agent: EMUL_AGENT_LISTEN={listen:?} is not an address:port");
        return ExitCode::from(64);
    };
    let token = std::env::var("EMUL_AGENT_TOKEN").unwrap_or_default();
    let nft = std::env::var("EMUL_AGENT_NFT").unwrap_or_else(|_| "/usr/sbin/nft".into());
    if token.is_empty() {
        eprintln!("emul-agent: EMUL_AGENT_TOKEN is not set: holding the namespace, no control API");
    } else {
        let config = Config {
            token,
            nft: nft.into(),
            control_port: addr.port(),
        };
        let rules = match vpc_nat::parse(&std::env::var("EMUL_AGENT_VPC_NAT").unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("emul-agent: EMUL_AGENT_VPC_NAT: {e}");
                return ExitCode::from(64);
            }
        };
        if let Err(e) = install_vpc_nat(&config, &rules).await {
            eprintln!("emul-agent: cannot install the VPC services' NAT table: {e}");
            return ExitCode::from(1);
        }
        if let Ok(path) = std::env::var("EMUL_AGENT_SOCKET")
            && let Err(e) = emul_agent::broker::spawn(path.as_ref(), config.token.clone())
        {
            eprintln!("emul-agent: cannot listen on {path}: {e}");
            return ExitCode::from(1);
        }
        tokio::spawn(async move {
            // The ENI address is configured before the container's process
            // starts, but retry briefly rather than lose the API to a race.
            for _ in 0..100 {
                match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => return serve(l, config).await,
                    Err(e) => {
                        eprintln!("emul-agent: cannot listen on {addr}: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            eprintln!("emul-agent: gave up listening on {addr}: holding the namespace only");
        });
    }
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
    // Exit at once: no waiting for tunnels or an nft run in flight (the
    // namespace and everything in it go away with the container anyway).
    std::process::exit(0)
}
