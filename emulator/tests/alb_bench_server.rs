//! The server side of `scripts/bench-alb.sh` (ignored: not a test).
//!
//! Starts one in-process upstream HTTP server and an ALB whose listener
//! forwards to it (NetNs-less host mode), waits until the target is healthy,
//! writes `UPSTREAM=<url>` and `ALB=<url>` to `$EMUL_BENCH_URLS`, then serves
//! until `$EMUL_BENCH_STOP` exists.
//! Run: `cargo test --release -p emul --test alb_bench_server -- --ignored`.

#[path = "support/alb.rs"]
mod alb_support;

use std::time::Duration;

use emul::dataplane::alb::{AlbOptions, AlbRuntime};
use emul::services::elbv2::service::now_ms;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark server, started by scripts/bench-alb.sh"]
async fn alb_bench_server() {
    let urls = std::env::var("EMUL_BENCH_URLS").expect("EMUL_BENCH_URLS");
    let stop = std::env::var("EMUL_BENCH_STOP").expect("EMUL_BENCH_STOP");
    let topology = emul::topology::parse_str(alb_support::TOPOLOGY).unwrap();
    let alb = AlbRuntime::start(&topology, AlbOptions::default(), now_ms())
        .await
        .unwrap();
    let up = alb_support::Upstream::start("bench").await;
    let arn = alb
        .elbv2
        .snapshot()
        .target_groups
        .values()
        .find(|t| t.name == "web")
        .unwrap()
        .arn
        .clone();
    alb.elbv2
        .write_primary(|m| m.register_targets(&arn, &[up.target()], now_ms()))
        .unwrap();
    while alb.targets.state(
        &arn,
        emul::wiring::Target {
            ip: std::net::Ipv4Addr::LOCALHOST,
            port: up.addr.port(),
        },
    ) != emul::wiring::TargetState::Healthy
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let listener = alb.listener("front", 80).unwrap();
    std::fs::write(
        &urls,
        format!("UPSTREAM=http://{}\nALB={}\n", up.addr, listener.url),
    )
    .unwrap();
    while !std::path::Path::new(&stop).exists() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
