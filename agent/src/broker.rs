//! The socket broker: TCP connections opened in this ENI's namespace and
//! handed, as file descriptors, to the daemon.
//!
//! Some connections must leave from the ENI's own address and carry a lot
//! of traffic: the ALB's connections to its targets (the targets' security
//! groups admit the ALB's group, so the source address must be the ALB
//! ENI's). A tunnel through the agent (`CONNECT`) would copy every byte
//! twice more; entering the namespace (`setns`) needs root. Instead the
//! daemon asks over a unix socket in a directory it shares with the agent
//! container (bind-mounted at `/run/emul`), the agent connects, and sends
//! the connected socket back with `SCM_RIGHTS`: the daemon then reads and
//! writes it as its own, and the connection leaves from the ENI's address.
//!
//! Protocol, one request per unix connection:
//! - request: `<token> <ip:port> <timeout-ms>\n`;
//! - answer: `ok\n` with the socket attached, or `err <kind> <text>\n` where
//!   kind is `refused`, `timeout`, `denied` (bad token) or `other`.
//!
//! The socket file is mode 0666 so a daemon running as any user reaches it;
//! the token (the same as the control API's) is what admits a request.

use std::io::{self, BufRead, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags, sendmsg};

/// The longest request line accepted.
const MAX_REQUEST: usize = 256;
/// The longest a connect may take, whatever the request asks.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);

/// Listens on `path` (replacing a stale socket file) and serves requests
/// on threads of their own until the process ends.
pub fn spawn(path: &Path, token: String) -> io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let token = token.clone();
            std::thread::spawn(move || {
                let _ = serve_one(conn, &token);
            });
        }
    });
    Ok(())
}

/// Answers one request.
fn serve_one(mut conn: UnixStream, token: &str) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let line = read_line(&mut conn)?;
    let request = match parse(&line, token) {
        Ok(r) => r,
        Err((kind, text)) => return answer_err(&mut conn, kind, &text),
    };
    match TcpStream::connect_timeout(&request.0, request.1) {
        Ok(stream) => {
            let _ = stream.set_nodelay(true);
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut ancillary = SendAncillaryBuffer::new(&mut space);
            let fds = [stream.as_fd()];
            ancillary.push(SendAncillaryMessage::ScmRights(&fds));
            sendmsg(
                &conn,
                &[IoSlice::new(b"ok\n")],
                &mut ancillary,
                SendFlags::NOSIGNAL,
            )?;
            // Our copy closes here; the daemon's stays open.
            Ok(())
        }
        Err(e) => {
            let kind = match e.kind() {
                io::ErrorKind::ConnectionRefused => "refused",
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timeout",
                _ => "other",
            };
            answer_err(&mut conn, kind, &e.to_string())
        }
    }
}

/// What a request asks: where, and how long a connect may take.
type Request = (SocketAddr, Duration);

/// Parses `<token> <ip:port> <timeout-ms>`; the error is (kind, text).
fn parse(line: &str, token: &str) -> Result<Request, (&'static str, String)> {
    let mut parts = line.split_whitespace();
    let (Some(given), Some(addr), Some(ms), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(("other", "expected <token> <ip:port> <timeout-ms>".into()));
    };
    if !crate::api::same_token(given, token) {
        return Err(("denied", "bad token".into()));
    }
    let addr = addr
        .parse::<SocketAddr>()
        .map_err(|e| ("other", format!("{addr}: {e}")))?;
    let ms = ms
        .parse::<u64>()
        .map_err(|e| ("other", format!("{ms}: {e}")))?;
    Ok((addr, Duration::from_millis(ms.max(1)).min(MAX_TIMEOUT)))
}

fn answer_err(conn: &mut UnixStream, kind: &str, text: &str) -> io::Result<()> {
    let text = text.replace('\n', " ");
    conn.write_all(format!("err {kind} {text}\n").as_bytes())
}

/// Reads up to the first newline (at most [`MAX_REQUEST`] bytes). The
/// client sends nothing after it, so buffering loses nothing.
fn read_line(conn: &mut UnixStream) -> io::Result<String> {
    let mut buf = Vec::new();
    io::BufReader::new(conn.take(MAX_REQUEST as u64)).read_until(b'\n', &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_and_the_token_checked() {
        assert_eq!(
            parse("tok 10.0.0.5:8080 1500", "tok"),
            Ok((
                "10.0.0.5:8080".parse().unwrap(),
                Duration::from_millis(1500)
            ))
        );
        assert_eq!(
            parse("bad 10.0.0.5:8080 1500", "tok").unwrap_err().0,
            "denied"
        );
        assert_eq!(parse("tok 10.0.0.5 1500", "tok").unwrap_err().0, "other");
        assert_eq!(parse("tok 10.0.0.5:1", "tok").unwrap_err().0, "other");
        assert_eq!(
            parse("tok 10.0.0.5:1 999999999", "tok").unwrap().1,
            MAX_TIMEOUT
        );
    }
}
