//! tcp-probe HOST PORT [TIMEOUT_MS]: opens one TCP connection and says whether it worked.
//! Used from emul/netpolicy (inside an ENI's network namespace) for reachability probes.
//! Prints one line and exits 0 when connected, 1 when refused or unreachable, 2 on timeout,
//! 64 on bad usage. Std only; built with rustc and crt-static by scripts/build-images.sh.

use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (host, port, timeout_ms) = match args.as_slice() {
        [h, p] => (h, p.parse::<u16>().ok(), Some(2000)),
        [h, p, t] => (h, p.parse::<u16>().ok(), t.parse::<u64>().ok()),
        _ => (&String::new(), None, None),
    };
    let (Some(port), Some(timeout_ms)) = (port.filter(|p| *p != 0), timeout_ms.filter(|t| *t > 0)) else {
        eprintln!("usage: tcp-probe HOST PORT [TIMEOUT_MS]   (PORT 1-65535, TIMEOUT_MS > 0, default 2000)");
        return ExitCode::from(64);
    };
    let started = Instant::now();
    let addrs = match (host.as_str(), port).to_socket_addrs() {
        Ok(a) => a.collect::<Vec<_>>(),
        Err(e) => {
            println!("unreachable {host}:{port} error=\"resolve: {e}\" elapsed_ms={}", started.elapsed().as_millis());
            return ExitCode::from(1);
        }
    };
    let timeout = Duration::from_millis(timeout_ms);
    let mut last_error = String::from("no addresses");
    let mut timed_out = false;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => {
                println!("connected {addr} elapsed_ms={}", started.elapsed().as_millis());
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                timed_out = e.kind() == std::io::ErrorKind::TimedOut;
                last_error = e.to_string();
            }
        }
    }
    let verdict = if timed_out { "timeout" } else { "refused" };
    println!("{verdict} {host}:{port} error=\"{last_error}\" elapsed_ms={}", started.elapsed().as_millis());
    ExitCode::from(if timed_out { 2 } else { 1 })
}
