//! One listener's accept loop: TLS termination for HTTPS, the
//! [`front`](super::front) door before hyper, and hyper's HTTP/1 + HTTP/2
//! server configured so that only the door ever refuses a request head.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use super::front::{Front, FrontIo};
use super::proxy::Proxy;
use super::request_limits::MAX_HEADERS;

/// How long a client has to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until aborted. `admitted: false` closes each one at
/// once (the security groups refuse the internet), as a refusal would.
pub async fn accept_loop(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    admitted: bool,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The door enforces AWS's header limits; hyper must never be stricter.
    builder.http1().max_headers(MAX_HEADERS);
    let builder = Arc::new(builder);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // The listener was shut down (deleted or re-bound): stop.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return,
            // Out of file descriptors and the like: back off, then retry.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        if !admitted {
            let _ = stream.set_zero_linger();
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let proxy = proxy.clone();
        let builder = builder.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(&builder, stream, false, proxy, peer).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                    if let Ok(Ok(tls_stream)) = handshake.await {
                        let h2 = tls_stream.get_ref().1.alpn_protocol() == Some(b"h2");
                        serve(&builder, tls_stream, h2, proxy, peer).await;
                    }
                }
            }
        });
    }
}

/// Serves one connection (`h2`: ALPN chose HTTP/2, the door stands aside).
async fn serve<S>(
    builder: &auto::Builder<TokioExecutor>,
    stream: S,
    h2: bool,
    proxy: Arc<Proxy>,
    peer: SocketAddr,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let front = Front::new();
    let idle = {
        let proxy = proxy.clone();
        Arc::new(move || proxy.idle_timeout(&proxy.elbv2.snapshot()))
    };
    let io = FrontIo::new(stream, front.clone(), h2, idle);
    let svc = service_fn(move |req| {
        let proxy = proxy.clone();
        let front = front.clone();
        async move { Ok::<_, std::convert::Infallible>(proxy.handle(req, peer, &front).await) }
    });
    let _ = builder
        .serve_connection_with_upgrades(TokioIo::new(io), svc)
        .await;
}
