//! The connector the ALB's pooled upstream client uses: TCP connections
//! opened inside the ALB ENI's network namespace by its agent and handed to
//! emul as its own sockets (`runtime::agent::BrokerClient`), so targets see
//! the ALB's own address as the peer (design point 1) and emul enters no
//! namespace; wrapped in TLS when the target group's protocol is HTTPS (the
//! request URI's scheme says which). `broker: None` is the host mode for
//! tests without Docker: connections leave from the host.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::runtime::agent::BrokerClient;

/// ALB connect timeout toward a target (a failed connect within 10 s → 504).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// ALB's TLS handshake timeout toward a target (a failure → 502).
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens upstream connections from the ALB ENI's namespace (or the host).
#[derive(Debug, Clone)]
pub struct AlbConnector {
    /// The ALB ENI agent's socket broker; `None` = host mode (tests
    /// without Docker).
    pub broker: Option<BrokerClient>,
    /// Give up connecting after this long.
    pub timeout: Duration,
}

/// An upstream connection: plain TCP, or TLS toward an HTTPS target group.
pub enum Upstream {
    /// HTTP target group.
    Plain(TcpStream),
    /// HTTPS target group.
    Tls(Box<TlsStream<TcpStream>>),
}

/// The one client config toward HTTPS targets (built on first use).
fn target_tls() -> tokio_rustls::TlsConnector {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    tokio_rustls::TlsConnector::from(CONFIG.get_or_init(super::tls::target_client_config).clone())
}

impl AlbConnector {
    /// Connects to `addr` over TCP.
    pub async fn connect(&self, addr: SocketAddr) -> std::io::Result<TcpStream> {
        let stream = match &self.broker {
            Some(broker) => broker.connect(addr, self.timeout).await?,
            None => match tokio::time::timeout(self.timeout, TcpStream::connect(addr)).await {
                Ok(r) => r?,
                Err(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("connect to {addr} timed out"),
                    ));
                }
            },
        };
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    /// Connects to `addr`, over TLS when `tls` (the target's certificate is
    /// not checked). A failed or slow handshake is an error of kind `Other`
    /// (the proxy answers 502), not `TimedOut` (504).
    pub async fn open(&self, addr: SocketAddr, tls: bool) -> std::io::Result<Upstream> {
        let tcp = self.connect(addr).await?;
        if !tls {
            return Ok(Upstream::Plain(tcp));
        }
        let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, target_tls().connect(name, tcp)).await {
            Ok(Ok(s)) => Ok(Upstream::Tls(Box::new(s))),
            Ok(Err(e)) => Err(std::io::Error::other(format!(
                "TLS handshake with {addr}: {e}"
            ))),
            Err(_) => Err(std::io::Error::other(format!(
                "TLS handshake with {addr} timed out"
            ))),
        }
    }
}

impl tower_service::Service<Uri> for AlbConnector {
    type Response = TokioIo<Upstream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tls = uri.scheme_str() == Some("https");
            let host = uri.host().unwrap_or("");
            let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
            let ip: std::net::IpAddr = host.trim_matches(['[', ']']).parse().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("target '{host}' is not an IP address"),
                )
            })?;
            this.open(SocketAddr::new(ip, port), tls)
                .await
                .map(TokioIo::new)
        })
    }
}

impl Connection for Upstream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Upstream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Upstream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Upstream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Upstream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Upstream::Plain(s) => Pin::new(s).poll_write(cx, data),
            Upstream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Upstream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Upstream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Upstream::Plain(s) => s.is_write_vectored(),
            Upstream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Upstream::Plain(s) => Pin::new(s).poll_flush(cx),
            Upstream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Upstream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Upstream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
