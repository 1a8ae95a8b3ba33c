//! ALB-generated refusals over a raw TCP socket (no Docker): each bad or
//! oversized request gets AWS's status line, `Server: awselb/2.0`, AWS's
//! HTML page and AWS's connection handling, never hyper's own answer.
//! Run: `cargo nextest run -p emul --test alb_errors`.

#[path = "support/alb.rs"]
mod alb_support;

use std::net::SocketAddr;
use std::time::Duration;

use alb_support::{Upstream, register, start};
use emul::dataplane::alb::responses::page_body;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Everything the ALB sends until it closes the connection (or 5 s pass).
async fn exchange(addr: SocketAddr, request: &[u8]) -> (String, bool) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    read_until_close(&mut s).await
}

/// Reads until EOF; `true` if the peer closed (rather than 5 s passing).
async fn read_until_close(s: &mut TcpStream) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

/// Sends `request` and reads exactly one response (head and
/// `Content-Length` body), leaving the connection open.
async fn one_response(s: &mut TcpStream, request: &[u8]) -> String {
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&out));
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= len {
                return text;
            }
        }
    }
}

/// Asserts `reply` is exactly one AWS page for `status` with `reason`.
fn assert_page(reply: &str, status: u16, reason: &str, connection: &str) {
    let (head, body) = reply.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.split("\r\n");
    assert_eq!(lines.next().unwrap(), format!("HTTP/1.1 {status} {reason}"));
    let headers: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    assert!(
        headers.contains(&"server: awselb/2.0".to_string()),
        "{head}"
    );
    assert!(
        headers.contains(&"content-type: text/html".to_string()),
        "{head}"
    );
    assert!(
        headers.contains(&format!("connection: {connection}")),
        "{head}"
    );
    let expected = page_body(status);
    assert!(
        headers.contains(&format!("content-length: {}", expected.len())),
        "{head}"
    );
    assert_eq!(body, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_request_line_is_aws_400_and_closes() {
    let alb = start().await;
    let addr = alb.listener("front", 80).unwrap().addr;
    let (reply, closed) = exchange(addr, b"THIS IS NOT HTTP\r\n\r\n").await;
    assert_page(&reply, 400, "Bad Request", "close");
    assert!(closed);
    let (reply, closed) = exchange(addr, b"GET / HTTP/1.1\r\nbad header\r\n\r\n").await;
    assert_page(&reply, 400, "Bad Request", "close");
    assert!(closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_400() {
    let alb = start().await;
    let addr = alb.listener("front", 80).unwrap().addr;
    // One header line over 16 KiB.
    let big = "a".repeat(17 * 1024);
    let req = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    let (reply, closed) = exchange(addr, req.as_bytes()).await;
    assert_page(&reply, 400, "Bad Request", "close");
    assert!(closed);
    // Headers over 64 KiB in all, each under 16 KiB, sent without an end.
    let line = format!("X-Part: {}\r\n", "b".repeat(8 * 1024));
    let req = format!("GET / HTTP/1.1\r\nHost: x\r\n{}", line.repeat(9));
    let (reply, closed) = exchange(addr, req.as_bytes()).await;
    assert_page(&reply, 400, "Bad Request", "close");
    assert!(closed);
    // Just under the limits passes the door (503: no targets registered).
    let req = format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", line.repeat(7));
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n])
            .starts_with("HTTP/1.1 503 Service Temporarily Unavailable")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_uri_is_414_and_the_connection_goes_on() {
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let addr = alb.listener("front", 80).unwrap().addr;
    let path = format!("/{}", "p".repeat(17 * 1024));
    // A long-URI request with a body, then a normal request on the same
    // connection: 414 first, then the target's answer.
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
         GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let (reply, _) = exchange(addr, req.as_bytes()).await;
    let second = reply.find("HTTP/1.1 200").expect("second request answered");
    assert_page(&reply[..second], 414, "Request-URI Too Large", "keep-alive");
    assert!(reply[second..].contains("web-1"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_forwarded_addresses_is_463_and_trace_is_405() {
    let alb = start().await;
    let addr = alb.listener("front", 80).unwrap().addr;
    let xff: Vec<String> = (1..=31).map(|i| format!("10.0.0.{i}")).collect();
    // Both refusals keep the connection: one socket serves all three.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {}\r\n\r\n",
        xff.join(", ")
    );
    assert_page(
        &one_response(&mut s, req.as_bytes()).await,
        463,
        "Bad Request",
        "keep-alive",
    );
    let trace = b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_page(
        &one_response(&mut s, trace).await,
        405,
        "Method Not Allowed",
        "keep-alive",
    );
    // A client that asks to close gets `Connection: close` on the page.
    let (reply, closed) = read_after(
        &mut s,
        b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_page(&reply, 405, "Method Not Allowed", "close");
    assert!(closed);
}

async fn read_after(s: &mut TcpStream, request: &[u8]) -> (String, bool) {
    s.write_all(request).await.unwrap();
    read_until_close(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_host_unknown_coding_and_bad_version() {
    let alb = start().await;
    let addr = alb.listener("front", 80).unwrap().addr;
    let (reply, closed) = exchange(addr, b"GET / HTTP/1.1\r\n\r\n").await;
    assert_page(&reply, 400, "Bad Request", "close");
    assert!(closed);
    let (reply, closed) = exchange(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    )
    .await;
    assert_page(&reply, 501, "Not Implemented", "close");
    assert!(closed);
    let (reply, closed) = exchange(addr, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n").await;
    assert_page(&reply, 505, "HTTP Version Not Supported", "close");
    assert!(closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_head_is_408_and_idle_connection_closes_quietly() {
    let alb = start().await;
    alb_support::set_idle_timeout(&alb, 1);
    let addr = alb.listener("front", 80).unwrap().addr;
    let (reply, closed) = exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n").await;
    assert_page(&reply, 408, "Request Time-out", "close");
    assert!(closed);
    // Nothing sent at all: closed without a word.
    let (reply, closed) = exchange(addr, b"").await;
    assert_eq!(reply, "");
    assert!(closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_and_pipelined_requests_pass_the_door() {
    let alb = start().await;
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let addr = alb.listener("front", 80).unwrap().addr;
    let req = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n\
        GET /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n\
        GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (reply, closed) = exchange(addr, req).await;
    assert!(closed);
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 3, "{reply}");
    // A bad head after good ones: the good ones are answered first, in order.
    let req = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n";
    let (reply, closed) = exchange(addr, req).await;
    assert!(closed);
    let bad = reply
        .find("HTTP/1.1 400 Bad Request")
        .expect("400 after the 200");
    assert!(reply[..bad].starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert_page(&reply[bad..], 400, "Bad Request", "close");
}
