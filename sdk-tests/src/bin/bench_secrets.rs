//! Benchmark client for `scripts/bench-secrets.sh`: the official AWS SDK for
//! Rust doing PutSecretValue and GetSecretValue a fixed number of times
//! against one endpoint (emul or moto), printing throughput and latency.
//!
//! ```text
//! bench_secrets --endpoint http://127.0.0.1:4566 --label emul --count 2000 --concurrency 1
//! ```
//!
//! Output: one human line per operation and one machine line
//! `RESULT <label> <op> <concurrency> <ops_per_sec> <p50_ms> <p99_ms>` that the
//! script turns into the emul/moto ratio. No assertions: figures only.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_secretsmanager::Client;

/// Parsed command line.
struct Args {
    /// Endpoint URL of the server under test.
    endpoint: String,
    /// Name printed in the results (`emul`, `moto`).
    label: String,
    /// Requests per operation.
    count: usize,
    /// Requests in flight at once.
    concurrency: usize,
    /// Size of each secret value in bytes.
    value_bytes: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        endpoint: "http://127.0.0.1:4566".to_string(),
        label: "server".to_string(),
        count: 1000,
        concurrency: 1,
        value_bytes: 256,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--endpoint" => args.endpoint = value(),
            "--label" => args.label = value(),
            "--count" => {
                args.count = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--count: a number"))
            }
            "--concurrency" => {
                args.concurrency = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--concurrency: a number"))
            }
            "--value-bytes" => {
                args.value_bytes = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--value-bytes: a number"))
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if args.count == 0 || args.concurrency == 0 {
        usage("--count and --concurrency must be positive");
    }
    args
}

fn usage(why: &str) -> ! {
    eprintln!("bench_secrets: {why}");
    eprintln!(
        "usage: bench_secrets --endpoint URL [--label NAME] [--count N] [--concurrency C] [--value-bytes B]"
    );
    std::process::exit(2);
}

/// Which operation a run measures.
#[derive(Clone, Copy)]
enum Op {
    Put,
    Get,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Put => "PutSecretValue",
            Op::Get => "GetSecretValue",
        }
    }
}

/// Runs `count` calls of `op` with `concurrency` workers; returns latencies
/// and the wall time.
async fn run(client: &Client, secret: &str, op: Op, args: &Args) -> (Vec<Duration>, Duration) {
    let per_worker = args.count.div_ceil(args.concurrency);
    let value = "v".repeat(args.value_bytes);
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let n = per_worker.min(args.count.saturating_sub(w * per_worker));
        let client = client.clone();
        let secret = secret.to_string();
        let value = value.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                match op {
                    Op::Put => {
                        client
                            .put_secret_value()
                            .secret_id(&secret)
                            .secret_string(&value)
                            .send()
                            .await
                            .expect("PutSecretValue");
                    }
                    Op::Get => {
                        let out = client
                            .get_secret_value()
                            .secret_id(&secret)
                            .send()
                            .await
                            .expect("GetSecretValue");
                        assert!(out.secret_string().is_some());
                    }
                }
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(args.count);
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    (all, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let shared = sdk_tests::sdk_config(
        &args.endpoint,
        "us-east-1",
        sdk_tests::TEST_ACCESS_KEY,
        sdk_tests::TEST_SECRET_KEY,
    )
    .await;
    let conf = aws_sdk_secretsmanager::config::Builder::from(&shared)
        .retry_config(RetryConfig::disabled())
        .build();
    let client = Client::from_conf(conf);
    let secret = format!("bench/{}", uuid::Uuid::new_v4());
    client
        .create_secret()
        .name(&secret)
        .secret_string("initial")
        .send()
        .await
        .expect("CreateSecret (is the server up?)");
    // Warm-up: connections, first-use paths.
    for _ in 0..20 {
        client
            .get_secret_value()
            .secret_id(&secret)
            .send()
            .await
            .expect("warm-up");
    }
    for op in [Op::Put, Op::Get] {
        let (mut latencies, wall) = run(&client, &secret, op, &args).await;
        latencies.sort();
        let ops = latencies.len() as f64 / wall.as_secs_f64();
        let p50 = percentile(&latencies, 0.50).as_secs_f64() * 1000.0;
        let p99 = percentile(&latencies, 0.99).as_secs_f64() * 1000.0;
        println!(
            "{:<6} {:<15} c={:<3} n={:<6} {:>9.1} ops/s  p50 {:>7.3} ms  p99 {:>7.3} ms",
            args.label,
            op.name(),
            args.concurrency,
            latencies.len(),
            ops,
            p50,
            p99
        );
        println!(
            "RESULT {} {} {} {:.1} {:.3} {:.3}",
            args.label,
            op.name(),
            args.concurrency,
            ops,
            p50,
            p99
        );
    }
}
