//! The agent's HTTP routes (table in the crate docs). Every answer other
//! than a tunnel is a small text body, so the daemon can quote it in errors.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::Config;
use crate::denied::Ring;

/// The header that bounds a `CONNECT`'s connect, in milliseconds.
pub const CONNECT_TIMEOUT_HEADER: &str = "emul-connect-timeout-ms";
/// A ruleset larger than this is refused (a big project's table is ~20 KB).
const MAX_RULESET: usize = 4 << 20;
/// The longest a `/listen` listener may stay open.
const MAX_LISTEN_SECS: u64 = 3600;

/// Answers are small text bodies.
pub type Reply = Response<Full<Bytes>>;

/// One `/listen` listener: its deadline (moved by a repeated POST) and its
/// accept task (aborted by DELETE).
type ProbeListener = (watch::Sender<Instant>, JoinHandle<()>);

/// The agent's shared state.
pub struct State {
    /// Token, nft path, control port.
    config: Config,
    /// `/listen` listeners by port.
    listeners: Mutex<HashMap<u16, ProbeListener>>,
    /// The denies the NFLOG reader recorded, served by `GET /denied`.
    denied: Arc<Ring>,
}

impl State {
    /// A fresh state with no listeners and no denies.
    pub fn new(config: Config) -> State {
        State {
            config,
            listeners: Mutex::new(HashMap::new()),
            denied: Arc::new(Ring::default()),
        }
    }

    /// The deny ring (the NFLOG reader writes it; a test may too).
    pub fn denied(&self) -> &Arc<Ring> {
        &self.denied
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Whether `req` carries the project token (compared in constant time).
fn authorized(req: &Request<Incoming>, token: &str) -> bool {
    let Some(given) = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
    else {
        return false;
    };
    same_token(&String::from_utf8_lossy(given), token)
}

/// Whether `given` is the project `token` (compared in constant time).
pub(crate) fn same_token(given: &str, token: &str) -> bool {
    let (given, want) = (given.as_bytes(), token.as_bytes());
    given.len() == want.len()
        && given
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// One request.
pub async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Reply, Infallible> {
    if !authorized(&req, &state.config.token) {
        return Ok(reply(
            StatusCode::UNAUTHORIZED,
            "missing or wrong project token (Authorization: Bearer <token>)\n",
        ));
    }
    let path = req.uri().path().to_string();
    Ok(match (req.method().clone(), path.as_str()) {
        (Method::CONNECT, _) => connect(req).await,
        (Method::PUT, "/ruleset") => put_ruleset(req, &state).await,
        (Method::GET, "/ruleset") => list_ruleset(&state).await,
        (Method::POST, "/listen") => listen(&req, &state).await,
        (Method::DELETE, "/listen") => unlisten(&req, &state).await,
        (Method::GET, "/denied") => {
            let since = query_u64(&req, "since").unwrap_or(0);
            let mut body = String::new();
            for e in state.denied.since(since) {
                body.push_str(&e.line());
                body.push('\n');
            }
            reply(StatusCode::OK, body)
        }
        (_, "/ruleset" | "/listen" | "/denied") => {
            reply(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        _ => reply(StatusCode::NOT_FOUND, format!("no route {path}\n")),
    })
}

/// Runs nft with `args`, feeding it `stdin`.
pub(crate) async fn nft(
    config: &Config,
    args: &[&str],
    stdin: &[u8],
) -> io::Result<std::process::Output> {
    let mut child = tokio::process::Command::new(&config.nft)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut pipe = child.stdin.take().expect("stdin was piped");
    let written = pipe.write_all(stdin).await;
    drop(pipe);
    let out = child.wait_with_output().await?;
    written?;
    Ok(out)
}

async fn put_ruleset(req: Request<Incoming>, state: &State) -> Reply {
    let script = match Limited::new(req.into_body(), MAX_RULESET).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("ruleset body: {e}\n"),
            );
        }
    };
    match nft(&state.config, &["-f", "-"], &script).await {
        Ok(out) if out.status.success() => reply(StatusCode::NO_CONTENT, Bytes::new()),
        Ok(out) => reply(StatusCode::UNPROCESSABLE_ENTITY, out.stderr),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot run {}: {e}\n", state.config.nft.display()),
        ),
    }
}

async fn list_ruleset(state: &State) -> Reply {
    match nft(&state.config, &["list", "table", "inet", "emul"], b"").await {
        Ok(out) if out.status.success() => reply(StatusCode::OK, out.stdout),
        Ok(out) => reply(StatusCode::NOT_FOUND, out.stderr),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot run {}: {e}\n", state.config.nft.display()),
        ),
    }
}

async fn connect(req: Request<Incoming>) -> Reply {
    let target = req.uri().authority().map(|a| a.as_str().to_string());
    let Some(addr) = target.as_deref().and_then(|t| t.parse::<SocketAddr>().ok()) else {
        return reply(
            StatusCode::BAD_REQUEST,
            "CONNECT needs an ip:port target (no names)\n",
        );
    };
    let timeout = req
        .headers()
        .get(CONNECT_TIMEOUT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::from_secs(2), |ms| {
            Duration::from_millis(ms.clamp(1, 60_000))
        });
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return reply(StatusCode::BAD_GATEWAY, format!("connect {addr}: {e}\n")),
        Err(_) => {
            return reply(
                StatusCode::GATEWAY_TIMEOUT,
                format!("connect {addr}: timed out after {timeout:?}\n"),
            );
        }
    };
    let _ = stream.set_nodelay(true);
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(req).await {
            let mut upgraded = TokioIo::new(upgraded);
            let mut stream = stream;
            let _ = tokio::io::copy_bidirectional(&mut upgraded, &mut stream).await;
        }
    });
    reply(StatusCode::OK, Bytes::new())
}

/// The query parameter `name` as a number.
fn query_u64(req: &Request<Incoming>, name: &str) -> Option<u64> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.parse().ok())?
    })
}

/// The `port` parameter, checked.
fn port_param(req: &Request<Incoming>, state: &State) -> Result<u16, String> {
    match query_u64(req, "port").and_then(|p| u16::try_from(p).ok()) {
        Some(0) | None => Err("port: expected a number from 1 to 65535\n".into()),
        Some(p) if p == state.config.control_port => {
            Err(format!("port {p} is the agent's control port\n"))
        }
        Some(p) => Ok(p),
    }
}

async fn listen(req: &Request<Incoming>, state: &State) -> Reply {
    let port = match port_param(req, state) {
        Ok(p) => p,
        Err(why) => return reply(StatusCode::BAD_REQUEST, why),
    };
    let seconds = match query_u64(req, "seconds") {
        Some(s) if (1..=MAX_LISTEN_SECS).contains(&s) => s,
        _ => {
            return reply(
                StatusCode::BAD_REQUEST,
                format!("seconds: expected a number from 1 to {MAX_LISTEN_SECS}\n"),
            );
        }
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut listeners = state.listeners.lock().expect("listeners lock");
    if let Some((until, task)) = listeners.get(&port)
        && !task.is_finished()
    {
        // Ours already (a previous run): keep it, with the new deadline.
        let _ = until.send(deadline);
        return reply(StatusCode::NO_CONTENT, Bytes::new());
    }
    let std_listener = match std::net::TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            return reply(
                StatusCode::CONFLICT,
                format!("port {port}: something already listens there\n"),
            );
        }
        Err(e) => {
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("port {port}: {e}\n"),
            );
        }
    };
    let listener = match std_listener
        .set_nonblocking(true)
        .and_then(|()| TcpListener::from_std(std_listener))
    {
        Ok(l) => l,
        Err(e) => {
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("port {port}: {e}\n"),
            );
        }
    };
    let (until, mut deadline_rx) = watch::channel(deadline);
    let task = tokio::spawn(async move {
        loop {
            let at = *deadline_rx.borrow_and_update();
            tokio::select! {
                accepted = listener.accept() => {
                    // Accept and drop: the handshake is the answer.
                    if let Ok((stream, _)) = accepted {
                        drop(stream);
                    }
                }
                _ = tokio::time::sleep_until(at) => return,
                changed = deadline_rx.changed() => if changed.is_err() { return },
            }
        }
    });
    listeners.insert(port, (until, task));
    reply(StatusCode::NO_CONTENT, Bytes::new())
}

async fn unlisten(req: &Request<Incoming>, state: &State) -> Reply {
    let port = match port_param(req, state) {
        Ok(p) => p,
        Err(why) => return reply(StatusCode::BAD_REQUEST, why),
    };
    let removed = state
        .listeners
        .lock()
        .expect("listeners lock")
        .remove(&port);
    match removed {
        Some((_, task)) => {
            task.abort();
            // Awaiting the aborted task means its socket is closed on return.
            let _ = task.await;
            reply(StatusCode::NO_CONTENT, Bytes::new())
        }
        None => reply(
            StatusCode::NOT_FOUND,
            format!("port {port}: no listener of the agent\n"),
        ),
    }
}
