//! Benchmark client for `scripts/bench-logs.sh`: PutLogEvents throughput
//! through the official AWS SDK for Rust against one endpoint, and, as the
//! baseline in the same run, the same batches appended to a local file with
//! one fsync per batch (what a durable log costs without HTTP, JSON, SigV4
//! or the model).
//!
//! ```text
//! bench_logs --endpoint http://127.0.0.1:4566 --batches 200 --batch-events 500 \
//!            --event-bytes 120 --concurrency 1 --baseline-dir /tmp/x
//! ```
//!
//! Output: one human line per measurement and one machine line
//! `RESULT <label> <concurrency> <events_per_sec> <mb_per_sec>`. Each
//! in-flight worker writes its own stream (as tasks do). No assertions.

use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;

/// Parsed command line.
struct Args {
    /// Endpoint URL of the server under test.
    endpoint: String,
    /// PutLogEvents calls per worker.
    batches: usize,
    /// Events per call.
    batch_events: usize,
    /// Message size in bytes.
    event_bytes: usize,
    /// Calls in flight at once (one stream each).
    concurrency: usize,
    /// Where the file baseline writes.
    baseline_dir: std::path::PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        endpoint: "http://127.0.0.1:4566".into(),
        batches: 200,
        batch_events: 500,
        event_bytes: 120,
        concurrency: 1,
        baseline_dir: std::env::temp_dir(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number = || -> usize {
            value
                .parse()
                .unwrap_or_else(|_| usage(&format!("{flag}: a number")))
        };
        match flag.as_str() {
            "--endpoint" => args.endpoint = value.clone(),
            "--batches" => args.batches = number(),
            "--batch-events" => args.batch_events = number(),
            "--event-bytes" => args.event_bytes = number(),
            "--concurrency" => args.concurrency = number(),
            "--baseline-dir" => args.baseline_dir = value.clone().into(),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if args.batches == 0 || args.batch_events == 0 || args.concurrency == 0 {
        usage("--batches, --batch-events and --concurrency must be positive");
    }
    args
}

fn usage(why: &str) -> ! {
    eprintln!("bench_logs: {why}");
    eprintln!(
        "usage: bench_logs --endpoint URL [--batches N] [--batch-events E] [--event-bytes B] [--concurrency C] [--baseline-dir DIR]"
    );
    std::process::exit(2);
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One batch's messages (the same for emul and the baseline).
fn messages(args: &Args, worker: usize, batch: usize) -> Vec<String> {
    (0..args.batch_events)
        .map(|i| {
            let head = format!("w{worker} b{batch} e{i} ");
            let pad = args.event_bytes.saturating_sub(head.len());
            format!("{head}{}", "x".repeat(pad))
        })
        .collect()
}

fn report(label: &str, args: &Args, secs: f64) {
    let events = (args.batches * args.batch_events * args.concurrency) as f64;
    let mb = events * args.event_bytes as f64 / 1e6;
    println!(
        "{label:<14} c={:<3} {:>8} events {:>10.0} events/s {:>8.2} MB/s",
        args.concurrency,
        events,
        events / secs,
        mb / secs
    );
    println!(
        "RESULT {label} {} {:.1} {:.3}",
        args.concurrency,
        events / secs,
        mb / secs
    );
}

async fn emul(args: &Args) -> f64 {
    let shared = sdk_tests::sdk_config(
        &args.endpoint,
        "us-east-1",
        sdk_tests::TEST_ACCESS_KEY,
        sdk_tests::TEST_SECRET_KEY,
    )
    .await;
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&shared)
        .retry_config(RetryConfig::disabled())
        .build();
    let client = Client::from_conf(conf);
    let group = format!("/bench/{}", uuid::Uuid::new_v4());
    client
        .create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .expect("CreateLogGroup (is the server up?)");
    for w in 0..args.concurrency {
        client
            .create_log_stream()
            .log_group_name(&group)
            .log_stream_name(format!("w{w}"))
            .send()
            .await
            .expect("CreateLogStream");
    }
    // Build every request body first: the client's own work is not timed.
    let mut work = Vec::new();
    for w in 0..args.concurrency {
        let batches: Vec<Vec<InputLogEvent>> = (0..args.batches)
            .map(|b| {
                let t = now_ms();
                messages(args, w, b)
                    .into_iter()
                    .map(|m| {
                        InputLogEvent::builder()
                            .timestamp(t)
                            .message(m)
                            .build()
                            .unwrap()
                    })
                    .collect()
            })
            .collect();
        work.push(batches);
    }
    let started = Instant::now();
    let mut workers = Vec::new();
    for (w, batches) in work.into_iter().enumerate() {
        let client = client.clone();
        let group = group.clone();
        workers.push(tokio::spawn(async move {
            for events in batches {
                client
                    .put_log_events()
                    .log_group_name(&group)
                    .log_stream_name(format!("w{w}"))
                    .set_log_events(Some(events))
                    .send()
                    .await
                    .expect("PutLogEvents");
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    started.elapsed().as_secs_f64()
}

/// The same lines appended to one file per worker, one fsync per batch.
fn baseline(args: &Args) -> f64 {
    let dir = tempfile::tempdir_in(&args.baseline_dir).expect("baseline dir");
    let work: Vec<Vec<Vec<u8>>> = (0..args.concurrency)
        .map(|w| {
            (0..args.batches)
                .map(|b| (messages(args, w, b).join("\n") + "\n").into_bytes())
                .collect()
        })
        .collect();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (w, batches) in work.iter().enumerate() {
            let path = dir.path().join(format!("w{w}.log"));
            s.spawn(move || {
                let mut f = std::fs::File::create(path).expect("baseline file");
                for batch in batches {
                    f.write_all(batch).expect("write");
                    f.sync_data().expect("fsync");
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    report("file+fsync", &args, baseline(&args));
    report("emul", &args, emul(&args).await);
}
