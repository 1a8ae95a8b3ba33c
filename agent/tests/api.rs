//! The agent's control API served in-process on loopback, with a stand-in
//! `nft` (a shell script) so that no privilege is needed: token check,
//! ruleset apply and refusal, CONNECT tunnels and their failures, and the
//! probe listeners of `emul verify`, and the deny ring behind `GET /denied`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use emul_agent::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// A stand-in nft: records its arguments and stdin; refuses scripts that
/// contain `bogus` the way nft does (stderr, exit 1).
fn fake_nft(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("nft");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\necho \"$@\" > {d}/args\ncat > {d}/stdin\nif grep -q bogus {d}/stdin; then echo 'Error: syntax error, unexpected bogus' >&2; exit 1; fi\nif [ \"$1\" = list ]; then echo 'table inet emul {{'; echo '}}'; fi\n",
            d = dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

struct Agent {
    addr: SocketAddr,
    dir: PathBuf,
}

async fn agent(name: &str) -> Agent {
    let dir = std::env::temp_dir().join(format!("emul-agent-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        token: TOKEN.into(),
        nft: fake_nft(&dir),
        control_port: addr.port(),
    };
    // Not `serve`: that would bind NFLOG group 7 of the test's namespace.
    tokio::spawn(emul_agent::serve_state(
        listener,
        std::sync::Arc::new(emul_agent::api::State::new(config)),
    ));
    Agent { addr, dir }
}

/// One request on a fresh connection; returns (status, body) and the
/// connection (still open after a CONNECT).
async fn request(
    addr: SocketAddr,
    head: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String, TcpStream) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let req = format!(
        "{head} HTTP/1.1\r\nHost: agent\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    // Read the head, then Content-Length bytes of body.
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).await.unwrap();
        assert_eq!(
            n,
            1,
            "connection closed in the head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let status: u16 = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await.unwrap();
    (status, String::from_utf8(body).unwrap(), s)
}

#[tokio::test]
async fn every_request_needs_the_project_token() {
    let a = agent("token").await;
    for token in [None, Some("wrong"), Some(&TOKEN[1..])] {
        let (status, body, _) = request(a.addr, "GET /ruleset", token, "").await;
        assert_eq!(status, 401, "{token:?}: {body}");
    }
    let (status, _, _) = request(a.addr, "GET /ruleset", Some(TOKEN), "").await;
    assert_eq!(status, 200);
    let (status, _, _) = request(a.addr, "POST /nothing", Some(TOKEN), "").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_ruleset_is_fed_to_nft_and_its_refusal_comes_back() {
    let a = agent("ruleset").await;
    let script = "add table inet emul\ndelete table inet emul\ntable inet emul {\n}\n";
    let (status, body, _) = request(a.addr, "PUT /ruleset", Some(TOKEN), script).await;
    assert_eq!((status, body.as_str()), (204, ""));
    assert_eq!(
        std::fs::read_to_string(a.dir.join("stdin")).unwrap(),
        script
    );
    assert_eq!(
        std::fs::read_to_string(a.dir.join("args")).unwrap(),
        "-f -\n"
    );

    let (status, body, _) = request(a.addr, "PUT /ruleset", Some(TOKEN), "bogus\n").await;
    assert_eq!(status, 422);
    assert_eq!(body, "Error: syntax error, unexpected bogus\n");

    let (status, body, _) = request(a.addr, "GET /ruleset", Some(TOKEN), "").await;
    assert_eq!((status, body.as_str()), (200, "table inet emul {\n}\n"));
    assert_eq!(
        std::fs::read_to_string(a.dir.join("args")).unwrap(),
        "list table inet emul\n"
    );
}

#[tokio::test]
async fn connect_tunnels_bytes_and_fails_fast_when_refused() {
    let a = agent("connect").await;
    let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_addr = echo.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = echo.accept().await.unwrap();
        let mut b = [0u8; 5];
        s.read_exact(&mut b).await.unwrap();
        s.write_all(&b).await.unwrap();
    });
    let (status, _, mut tunnel) =
        request(a.addr, &format!("CONNECT {echo_addr}"), Some(TOKEN), "").await;
    assert_eq!(status, 200);
    tunnel.write_all(b"hello").await.unwrap();
    let mut back = [0u8; 5];
    tunnel.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"hello");

    // A port nothing listens on: refused at once, answered 502.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let started = Instant::now();
    let (status, body, _) = request(a.addr, &format!("CONNECT {closed}"), Some(TOKEN), "").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("refused"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(1));

    let (status, _, _) = request(a.addr, "CONNECT db.internal:5432", Some(TOKEN), "").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn connect_to_a_silent_address_answers_504_within_its_timeout() {
    let a = agent("timeout").await;
    let mut s = TcpStream::connect(a.addr).await.unwrap();
    // 192.0.2.0/24 (TEST-NET-1) is never routed: the SYN goes unanswered,
    // or the missing route fails at once (502); either way, quickly.
    let started = Instant::now();
    s.write_all(
        format!("CONNECT 192.0.2.1:9 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nemul-connect-timeout-ms: 200\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await.unwrap();
    let status = String::from_utf8_lossy(&head[9..12]).to_string();
    assert!(status == "504" || status == "502", "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn listen_opens_a_probe_listener_until_deleted() {
    let a = agent("listen").await;
    // A free port, released again for the agent to take.
    let port = TcpListener::bind("0.0.0.0:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        TcpStream::connect(target).await.is_err(),
        "nothing listens yet"
    );

    let (status, body, _) = request(
        a.addr,
        &format!("POST /listen?port={port}&seconds=30"),
        Some(TOKEN),
        "",
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert!(
        TcpStream::connect(target).await.is_ok(),
        "the probe listener accepts"
    );
    // Asked again (a second verify run): kept, still 204.
    let (status, _, _) = request(
        a.addr,
        &format!("POST /listen?port={port}&seconds=30"),
        Some(TOKEN),
        "",
    )
    .await;
    assert_eq!(status, 204);

    let (status, _, _) = request(
        a.addr,
        &format!("DELETE /listen?port={port}"),
        Some(TOKEN),
        "",
    )
    .await;
    assert_eq!(status, 204);
    assert!(
        TcpStream::connect(target).await.is_err(),
        "closed by DELETE"
    );

    // Something else listens: 409, and the port is left alone.
    let taken = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let (status, body, _) = request(
        a.addr,
        &format!("POST /listen?port={taken_port}&seconds=5"),
        Some(TOKEN),
        "",
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // The control port and nonsense are refused.
    for q in [
        format!("port={}&seconds=5", a.addr.port()),
        "port=0&seconds=5".into(),
        format!("port={port}&seconds=0"),
        format!("port={port}"),
    ] {
        let (status, _, _) = request(a.addr, &format!("POST /listen?{q}"), Some(TOKEN), "").await;
        assert_eq!(status, 400, "{q}");
    }
}

#[tokio::test]
async fn a_probe_listener_closes_by_itself_when_its_time_is_up() {
    let a = agent("expire").await;
    let port = TcpListener::bind("0.0.0.0:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (status, _, _) = request(
        a.addr,
        &format!("POST /listen?port={port}&seconds=1"),
        Some(TOKEN),
        "",
    )
    .await;
    assert_eq!(status, 204);
    let target = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(TcpStream::connect(target).await.is_ok());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(TcpStream::connect(target).await.is_err(), "expired");
}

#[tokio::test]
async fn denied_serves_the_ring_after_since_and_wants_the_token() {
    use emul_agent::api::State;
    use emul_agent::denied::Entry;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = std::sync::Arc::new(State::new(Config {
        token: TOKEN.into(),
        nft: PathBuf::from("/nonexistent/nft"),
        control_port: addr.port(),
    }));
    for (ms, inbound, src, dst) in [
        (1000, true, "10.0.1.17:43122", "10.0.10.13:5432"),
        (2000, false, "10.0.10.13:40000", "10.0.10.20:6379"),
    ] {
        state.denied().push(Entry {
            unix_ms: ms,
            inbound,
            proto: "tcp".into(),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
        });
    }
    tokio::spawn(emul_agent::serve_state(listener, state));
    let (status, _, _) = request(addr, "GET /denied?since=0", None, "").await;
    assert_eq!(status, 401);
    let (status, body, _) = request(addr, "GET /denied?since=0", Some(TOKEN), "").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "1000 in tcp 10.0.1.17:43122 10.0.10.13:5432\n2000 out tcp 10.0.10.13:40000 10.0.10.20:6379\n"
    );
    let (_, body, _) = request(addr, "GET /denied?since=1000", Some(TOKEN), "").await;
    assert_eq!(body, "2000 out tcp 10.0.10.13:40000 10.0.10.20:6379\n");
    let (_, body, _) = request(addr, "GET /denied?since=2000", Some(TOKEN), "").await;
    assert_eq!(body, "");
    let (status, _, _) = request(addr, "POST /denied", Some(TOKEN), "").await;
    assert_eq!(status, 405);
}
