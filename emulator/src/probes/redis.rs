//! Redis readiness (`AUTH` when a password is set, then `PING` → `PONG`) and
//! a minimal RESP2 client for one command at a time (tests use it to write
//! on a primary and read on a replica).

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{Origin, ProbeError, within};

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Simple(String),
    /// `:1`
    Integer(i64),
    /// `$3\r\nfoo` (None for `$-1`, the nil bulk string)
    Bulk(Option<Vec<u8>>),
    /// `*2 ...` (None for `*-1`)
    Array(Option<Vec<Reply>>),
}

/// Connects from the host, authenticates when `password` is set, and checks
/// `PING` → `PONG`.
pub async fn ping(addr: &str, password: Option<&str>, timeout: Duration) -> Result<(), ProbeError> {
    ping_from(&Origin::Host, addr, password, timeout).await
}

/// [`ping`] with the connection opened from `origin`.
pub async fn ping_from(
    origin: &Origin,
    addr: &str,
    password: Option<&str>,
    timeout: Duration,
) -> Result<(), ProbeError> {
    match command_from(origin, addr, password, &["PING"], timeout).await? {
        Reply::Simple(s) if s == "PONG" => Ok(()),
        other => Err(ProbeError::Protocol(format!("PING answered {other:?}"))),
    }
}

/// Runs one command on a fresh connection from the host (after `AUTH` when
/// `password` is set).
pub async fn command(
    addr: &str,
    password: Option<&str>,
    args: &[&str],
    timeout: Duration,
) -> Result<Reply, ProbeError> {
    command_from(&Origin::Host, addr, password, args, timeout).await
}

/// [`command`] with the connection opened from `origin`.
pub async fn command_from(
    origin: &Origin,
    addr: &str,
    password: Option<&str>,
    args: &[&str],
    timeout: Duration,
) -> Result<Reply, ProbeError> {
    within(addr, timeout, async {
        let s = origin
            .connect(addr)
            .await
            .map_err(|source| ProbeError::Io {
                addr: addr.to_string(),
                source,
            })?;
        let mut s = BufReader::new(s);
        if let Some(pw) = password {
            send(&mut s, addr, &["AUTH", pw]).await?;
            match read_reply(&mut s, addr).await {
                Ok(Reply::Simple(ok)) if ok == "OK" => {}
                Ok(other) => return Err(ProbeError::Protocol(format!("AUTH answered {other:?}"))),
                Err(ProbeError::Server(e)) => return Err(ProbeError::Auth(e)),
                Err(e) => return Err(e),
            }
        }
        send(&mut s, addr, args).await?;
        let reply = read_reply(&mut s, addr).await;
        match reply {
            Err(ProbeError::Server(e)) if e.starts_with("NOAUTH") || e.starts_with("WRONGPASS") => {
                Err(ProbeError::Auth(e))
            }
            other => other,
        }
    })
    .await
}

async fn send(
    s: &mut BufReader<impl super::ProbeIo>,
    addr: &str,
    args: &[&str],
) -> Result<(), ProbeError> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    s.get_mut()
        .write_all(&out)
        .await
        .map_err(|source| ProbeError::Io {
            addr: addr.to_string(),
            source,
        })
}

async fn read_line(
    s: &mut BufReader<impl super::ProbeIo>,
    addr: &str,
) -> Result<String, ProbeError> {
    let mut line = String::new();
    let n = s
        .read_line(&mut line)
        .await
        .map_err(|source| ProbeError::Io {
            addr: addr.to_string(),
            source,
        })?;
    if n == 0 {
        return Err(ProbeError::Io {
            addr: addr.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"),
        });
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_reply<'a, S: super::ProbeIo>(
    s: &'a mut BufReader<S>,
    addr: &'a str,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Reply, ProbeError>> + Send + 'a>> {
    Box::pin(async move {
        let line = read_line(s, addr).await?;
        let (kind, rest) = line.split_at_checked(1).unwrap_or(("", ""));
        let int = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| ProbeError::Protocol(format!("bad RESP length/integer {v:?}")))
        };
        match kind {
            "+" => Ok(Reply::Simple(rest.to_string())),
            "-" => Err(ProbeError::Server(rest.to_string())),
            ":" => Ok(Reply::Integer(int(rest)?)),
            "$" => {
                let n = int(rest)?;
                if n < 0 {
                    return Ok(Reply::Bulk(None));
                }
                let mut buf = vec![0; n as usize + 2];
                s.read_exact(&mut buf)
                    .await
                    .map_err(|source| ProbeError::Io {
                        addr: addr.to_string(),
                        source,
                    })?;
                buf.truncate(n as usize);
                Ok(Reply::Bulk(Some(buf)))
            }
            "*" => {
                let n = int(rest)?;
                if n < 0 {
                    return Ok(Reply::Array(None));
                }
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    items.push(read_reply(s, addr).await?);
                }
                Ok(Reply::Array(Some(items)))
            }
            _ => Err(ProbeError::Protocol(format!(
                "unexpected RESP line {line:?}"
            ))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A fake Redis: requirepass semantics for AUTH, PING, GET of one key,
    /// `-LOADING` when told to.
    async fn fake(password: Option<&'static str>, loading: bool) -> String {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut s = BufReader::new(s);
                    let mut authed = password.is_none();
                    loop {
                        let Ok(Reply::Array(Some(parts))) = read_reply(&mut s, "c").await else {
                            return;
                        };
                        let args: Vec<String> = parts
                            .into_iter()
                            .map(|p| match p {
                                Reply::Bulk(Some(b)) => String::from_utf8(b).unwrap(),
                                _ => panic!("commands are bulk strings"),
                            })
                            .collect();
                        let out: &[u8] = match (args[0].as_str(), authed) {
                            ("AUTH", _) if Some(args[1].as_str()) == password => {
                                authed = true;
                                b"+OK\r\n"
                            }
                            ("AUTH", _) => b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
                            (_, false) => b"-NOAUTH Authentication required.\r\n",
                            _ if loading => b"-LOADING Redis is loading the dataset in memory\r\n",
                            ("PING", _) => b"+PONG\r\n",
                            ("GET", _) => b"$5\r\nhello\r\n",
                            _ => b"-ERR unknown command\r\n",
                        };
                        s.get_mut().write_all(out).await.unwrap();
                    }
                });
            }
        });
        addr
    }

    const T: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn ping_with_and_without_auth() {
        ping(&fake(None, false).await, None, T).await.unwrap();
        ping(&fake(Some("tok"), false).await, Some("tok"), T)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn missing_or_wrong_auth_is_an_auth_error() {
        let addr = fake(Some("tok"), false).await;
        let err = ping(&addr, None, T).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Auth(m) if m.starts_with("NOAUTH")),
            "{err}"
        );
        let err = ping(&addr, Some("bad"), T).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Auth(m) if m.starts_with("WRONGPASS")),
            "{err}"
        );
        assert!(!err.is_transient());
    }

    #[tokio::test]
    async fn loading_is_transient_and_bulk_replies_parse() {
        let err = ping(&fake(None, true).await, None, T).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Server(m) if m.starts_with("LOADING")) && err.is_transient()
        );
        let r = command(&fake(None, false).await, None, &["GET", "k"], T)
            .await
            .unwrap();
        assert_eq!(r, Reply::Bulk(Some(b"hello".to_vec())));
    }
}
