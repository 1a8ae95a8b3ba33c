//! Postgres readiness: startup, authentication as the server asks
//! (SCRAM-SHA-256, md5 or cleartext), `SELECT 1`, terminate.
//!
//! Hand-written on the v3 wire protocol (a handful of messages), so the probe
//! has no client library and its failures say exactly which step failed.

use std::time::Duration;

use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::scram::ScramClient;
use super::{Origin, ProbeError, within};

/// Protocol version 3.0 in the startup message.
const PROTOCOL_V3: i32 = 196_608;

/// Connects to `addr` (`ip:port`) from the host, authenticates and runs
/// `SELECT 1`.
pub async fn select_one(
    addr: &str,
    user: &str,
    password: &str,
    database: &str,
    timeout: Duration,
) -> Result<(), ProbeError> {
    select_one_from(&Origin::Host, addr, user, password, database, timeout).await
}

/// [`select_one`] with the connection opened from `origin`.
pub async fn select_one_from(
    origin: &Origin,
    addr: &str,
    user: &str,
    password: &str,
    database: &str,
    timeout: Duration,
) -> Result<(), ProbeError> {
    match query_first_from(origin, addr, user, password, database, "SELECT 1", timeout).await? {
        Some(v) if v == "1" => Ok(()),
        other => Err(ProbeError::Protocol(format!("SELECT 1 returned {other:?}"))),
    }
}

/// Connects from the host, authenticates, runs `sql` as a simple query and
/// returns the first column of the last row received (text format), if any.
pub async fn query_first(
    addr: &str,
    user: &str,
    password: &str,
    database: &str,
    sql: &str,
    timeout: Duration,
) -> Result<Option<String>, ProbeError> {
    query_first_from(&Origin::Host, addr, user, password, database, sql, timeout).await
}

/// [`query_first`] with the connection opened from `origin`.
pub async fn query_first_from(
    origin: &Origin,
    addr: &str,
    user: &str,
    password: &str,
    database: &str,
    sql: &str,
    timeout: Duration,
) -> Result<Option<String>, ProbeError> {
    within(addr, timeout, async {
        let mut s = origin
            .connect(addr)
            .await
            .map_err(|source| ProbeError::Io {
                addr: addr.to_string(),
                source,
            })?;
        let io = |source| ProbeError::Io {
            addr: addr.to_string(),
            source,
        };
        s.write_all(&startup_message(user, database))
            .await
            .map_err(io)?;
        authenticate(&mut s, addr, user, password).await?;
        wait_ready(&mut s, addr).await?;
        let mut q = sql.as_bytes().to_vec();
        q.push(0);
        s.write_all(&frame(b'Q', &q)).await.map_err(io)?;
        let mut value = None;
        let mut error = None;
        loop {
            let (tag, body) = read_message(&mut s, addr).await?;
            match tag {
                b'D' => value = data_row_first(&body),
                b'E' => error = Some(error_text(&body)),
                b'Z' => break,
                _ => {}
            }
        }
        let _ = s.write_all(&frame(b'X', b"")).await;
        match error {
            Some(e) => Err(ProbeError::Server(e)),
            None => Ok(value),
        }
    })
    .await
}

fn startup_message(user: &str, database: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&PROTOCOL_V3.to_be_bytes());
    for (k, v) in [
        ("user", user),
        ("database", database),
        ("application_name", "emul-probe"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut out = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// A tagged message: tag, length (including itself), body.
fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

async fn read_message(
    s: &mut (impl AsyncRead + Unpin),
    addr: &str,
) -> Result<(u8, Vec<u8>), ProbeError> {
    let io = |source| ProbeError::Io {
        addr: addr.to_string(),
        source,
    };
    let tag = s.read_u8().await.map_err(io)?;
    let len = s.read_i32().await.map_err(io)?;
    if !(4..=1 << 24).contains(&len) {
        return Err(ProbeError::Protocol(format!(
            "message {} with length {len}",
            tag as char
        )));
    }
    let mut body = vec![0; len as usize - 4];
    s.read_exact(&mut body).await.map_err(io)?;
    Ok((tag, body))
}

/// The human part of an ErrorResponse: `FATAL 28P01: password authentication failed ...`.
fn error_text(body: &[u8]) -> String {
    let mut severity = "";
    let mut code = "";
    let mut message = "";
    for field in body.split(|b| *b == 0) {
        let Some((&t, v)) = field.split_first() else {
            continue;
        };
        let v = std::str::from_utf8(v).unwrap_or("");
        match t {
            b'S' => severity = v,
            b'C' => code = v,
            b'M' => message = v,
            _ => {}
        }
    }
    format!("{severity} {code}: {message}")
}

fn data_row_first(body: &[u8]) -> Option<String> {
    let n = i16::from_be_bytes(body.get(0..2)?.try_into().ok()?);
    if n < 1 {
        return None;
    }
    let len = i32::from_be_bytes(body.get(2..6)?.try_into().ok()?);
    if len < 0 {
        return None;
    }
    Some(String::from_utf8_lossy(body.get(6..6 + len as usize)?).into_owned())
}

fn auth_error(body: &[u8]) -> ProbeError {
    let text = error_text(body);
    // 28P01 invalid_password, 28000 invalid_authorization_specification.
    if text.contains(" 28") {
        ProbeError::Auth(text)
    } else {
        ProbeError::Server(text)
    }
}

fn md5_password(user: &str, password: &str, salt: &[u8]) -> String {
    let inner = hex::encode(Md5::digest(format!("{password}{user}").as_bytes()));
    let mut h = Md5::new();
    h.update(inner.as_bytes());
    h.update(salt);
    format!("md5{}", hex::encode(h.finalize()))
}

async fn authenticate(
    s: &mut (impl AsyncRead + AsyncWrite + Unpin),
    addr: &str,
    user: &str,
    password: &str,
) -> Result<(), ProbeError> {
    let io = |source| ProbeError::Io {
        addr: addr.to_string(),
        source,
    };
    let mut scram: Option<ScramClient> = None;
    loop {
        let (tag, body) = read_message(s, addr).await?;
        match tag {
            b'E' => return Err(auth_error(&body)),
            b'R' => {}
            other => {
                return Err(ProbeError::Protocol(format!(
                    "expected an authentication request, got message {}",
                    other as char
                )));
            }
        }
        let code = i32::from_be_bytes(
            body.get(0..4)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| ProbeError::Protocol("short authentication message".into()))?,
        );
        let rest = &body[4..];
        match code {
            0 => return Ok(()),
            3 => {
                let mut p = password.as_bytes().to_vec();
                p.push(0);
                s.write_all(&frame(b'p', &p)).await.map_err(io)?;
            }
            5 => {
                let mut p = md5_password(user, password, rest).into_bytes();
                p.push(0);
                s.write_all(&frame(b'p', &p)).await.map_err(io)?;
            }
            10 => {
                let mechanisms: Vec<&[u8]> =
                    rest.split(|b| *b == 0).filter(|m| !m.is_empty()).collect();
                if !mechanisms.contains(&&b"SCRAM-SHA-256"[..]) {
                    return Err(ProbeError::Protocol(format!(
                        "server offers no SCRAM-SHA-256 (offers {:?})",
                        mechanisms
                            .iter()
                            .map(|m| String::from_utf8_lossy(m))
                            .collect::<Vec<_>>()
                    )));
                }
                let c = ScramClient::with_random_nonce("", password);
                let first = c.client_first();
                let mut p = b"SCRAM-SHA-256\0".to_vec();
                p.extend_from_slice(&(first.len() as i32).to_be_bytes());
                p.extend_from_slice(first.as_bytes());
                s.write_all(&frame(b'p', &p)).await.map_err(io)?;
                scram = Some(c);
            }
            11 => {
                let c = scram.as_mut().ok_or_else(|| {
                    ProbeError::Protocol("SASL continue before SASL start".into())
                })?;
                let server_first = String::from_utf8_lossy(rest);
                let fin = c
                    .client_final(&server_first)
                    .map_err(ProbeError::Protocol)?;
                s.write_all(&frame(b'p', fin.as_bytes()))
                    .await
                    .map_err(io)?;
            }
            12 => {
                let c = scram
                    .as_ref()
                    .ok_or_else(|| ProbeError::Protocol("SASL final before SASL start".into()))?;
                c.verify_server_final(&String::from_utf8_lossy(rest))
                    .map_err(ProbeError::Auth)?;
            }
            other => {
                return Err(ProbeError::Protocol(format!(
                    "unsupported authentication method {other} (supported: cleartext, md5, SCRAM-SHA-256)"
                )));
            }
        }
    }
}

/// After AuthenticationOk: ParameterStatus / BackendKeyData until ReadyForQuery.
async fn wait_ready(s: &mut (impl AsyncRead + Unpin), addr: &str) -> Result<(), ProbeError> {
    loop {
        let (tag, body) = read_message(s, addr).await?;
        match tag {
            b'Z' => return Ok(()),
            b'E' => return Err(ProbeError::Server(error_text(&body))),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use tokio::net::TcpListener;

    #[derive(Clone, Copy)]
    enum Method {
        Cleartext,
        Md5,
        Scram,
    }

    fn hmac(k: &[u8], d: &[u8]) -> Vec<u8> {
        let mut m = Hmac::<Sha256>::new_from_slice(k).unwrap();
        m.update(d);
        m.finalize().into_bytes().to_vec()
    }

    async fn read_startup(s: &mut tokio::net::TcpStream) -> Vec<u8> {
        let len = s.read_i32().await.unwrap();
        let mut b = vec![0; len as usize - 4];
        s.read_exact(&mut b).await.unwrap();
        b
    }

    async fn read_p(s: &mut tokio::net::TcpStream) -> Vec<u8> {
        let (tag, body) = read_message(s, "client").await.unwrap();
        assert_eq!(tag, b'p');
        body
    }

    fn auth(code: i32, extra: &[u8]) -> Vec<u8> {
        let mut b = code.to_be_bytes().to_vec();
        b.extend_from_slice(extra);
        frame(b'R', &b)
    }

    fn fatal(code: &str, msg: &str) -> Vec<u8> {
        frame(b'E', format!("SFATAL\0C{code}\0M{msg}\0\0").as_bytes())
    }

    /// A fake Postgres that checks the password its own way (the server side
    /// of each method, written independently of the client code).
    async fn fake_server(method: Method, password: &'static str) -> String {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let startup = read_startup(&mut s).await;
            assert_eq!(&startup[0..4], &PROTOCOL_V3.to_be_bytes());
            let ok = match method {
                Method::Cleartext => {
                    s.write_all(&auth(3, b"")).await.unwrap();
                    read_p(&mut s).await == format!("{password}\0").into_bytes()
                }
                Method::Md5 => {
                    let salt = [1u8, 2, 3, 4];
                    s.write_all(&auth(5, &salt)).await.unwrap();
                    read_p(&mut s).await
                        == format!("{}\0", md5_password("app", password, &salt)).into_bytes()
                }
                Method::Scram => {
                    s.write_all(&auth(10, b"SCRAM-SHA-256\0\0")).await.unwrap();
                    let p = read_p(&mut s).await;
                    assert!(p.starts_with(b"SCRAM-SHA-256\0"));
                    let first = String::from_utf8(p[14 + 4..].to_vec()).unwrap();
                    let bare = first.strip_prefix("n,,").unwrap().to_string();
                    let cnonce = bare.split("r=").nth(1).unwrap().to_string();
                    let salt = b"saltsalt";
                    let server_first = format!("r={cnonce}SRV,s={},i=64", B64.encode(salt));
                    s.write_all(&auth(11, server_first.as_bytes()))
                        .await
                        .unwrap();
                    let fin = String::from_utf8(read_p(&mut s).await).unwrap();
                    let (without, proof) = fin.split_once(",p=").unwrap();
                    let proof = B64.decode(proof).unwrap();
                    let salted =
                        super::super::scram::tests_support::hi(password.as_bytes(), salt, 64);
                    let stored = sha2::Digest::finalize(<Sha256 as sha2::Digest>::new_with_prefix(
                        hmac(&salted, b"Client Key"),
                    ));
                    let auth_msg = format!("{bare},{server_first},{without}");
                    let sig = hmac(&stored, auth_msg.as_bytes());
                    let client_key: Vec<u8> = proof.iter().zip(&sig).map(|(a, b)| a ^ b).collect();
                    let ok =
                        <Sha256 as sha2::Digest>::digest(&client_key).to_vec() == stored.to_vec();
                    if ok {
                        let server_sig = hmac(&hmac(&salted, b"Server Key"), auth_msg.as_bytes());
                        let v = format!("v={}", B64.encode(server_sig));
                        s.write_all(&auth(12, v.as_bytes())).await.unwrap();
                    }
                    ok
                }
            };
            if !ok {
                s.write_all(&fatal(
                    "28P01",
                    "password authentication failed for user \"app\"",
                ))
                .await
                .unwrap();
                return;
            }
            s.write_all(&auth(0, b"")).await.unwrap();
            s.write_all(&frame(b'S', b"server_version\x0015.18\0"))
                .await
                .unwrap();
            s.write_all(&frame(b'Z', b"I")).await.unwrap();
            let (tag, body) = read_message(&mut s, "client").await.unwrap();
            assert_eq!((tag, body.as_slice()), (b'Q', &b"SELECT 1\0"[..]));
            s.write_all(&frame(
                b'T',
                b"\0\x01?column?\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0",
            ))
            .await
            .unwrap();
            s.write_all(&frame(b'D', b"\0\x01\0\0\0\x011"))
                .await
                .unwrap();
            s.write_all(&frame(b'C', b"SELECT 1\0")).await.unwrap();
            s.write_all(&frame(b'Z', b"I")).await.unwrap();
        });
        addr
    }

    const T: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn every_auth_method_succeeds_with_the_right_password() {
        for m in [Method::Cleartext, Method::Md5, Method::Scram] {
            let addr = fake_server(m, "s3cret").await;
            select_one(&addr, "app", "s3cret", "app", T).await.unwrap();
        }
    }

    #[tokio::test]
    async fn wrong_password_is_an_auth_error() {
        for m in [Method::Cleartext, Method::Md5, Method::Scram] {
            let addr = fake_server(m, "s3cret").await;
            let err = select_one(&addr, "app", "wrong", "app", T)
                .await
                .unwrap_err();
            assert!(matches!(err, ProbeError::Auth(_)), "{err}");
            assert!(!err.is_transient());
            assert!(err.to_string().contains("28P01"), "{err}");
        }
    }

    #[tokio::test]
    async fn refused_and_silent_servers_are_transient() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        drop(l);
        let err = select_one(&addr, "a", "b", "c", T).await.unwrap_err();
        assert!(
            matches!(err, ProbeError::Io { .. }) && err.is_transient(),
            "{err}"
        );
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let err = select_one(&addr, "a", "b", "c", Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ProbeError::Timeout { .. }) && err.is_transient(),
            "{err}"
        );
        drop(l);
    }

    #[test]
    fn md5_matches_postgres_formula() {
        // md5(md5("pw" + "u") + salt), as documented for AuthenticationMD5Password.
        let inner = hex::encode(Md5::digest(b"pwu"));
        let mut h = Md5::new();
        h.update(inner.as_bytes());
        h.update([9u8, 9, 9, 9]);
        assert_eq!(
            md5_password("u", "pw", &[9, 9, 9, 9]),
            format!("md5{}", hex::encode(h.finalize()))
        );
    }
}
