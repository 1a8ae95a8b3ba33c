//! The connector the ALB's pooled upstream client uses: TCP connections
//! created inside the ALB ENI's network namespace, so targets see the ALB's
//! own address as the peer (design point 1). `netns: None` is the
//! host mode for tests without Docker: connections leave from the host.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::runtime::netns::NetNs;

/// ALB connect timeout toward a target (a failed connect within 10 s → 504).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens upstream TCP connections from the ALB ENI's namespace (or the host).
#[derive(Debug, Clone)]
pub struct AlbConnector {
    /// The ALB ENI's namespace; `None` = host mode (tests without Docker).
    pub netns: Option<NetNs>,
    /// Give up connecting after this long.
    pub timeout: Duration,
}

impl AlbConnector {
    /// Connects to `addr`.
    pub async fn connect(&self, addr: SocketAddr) -> std::io::Result<TcpStream> {
        let stream = match &self.netns {
            Some(ns) => ns.connect(addr, self.timeout).await?,
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
}

impl tower_service::Service<Uri> for AlbConnector {
    type Response = TokioIo<TcpStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let host = uri.host().unwrap_or("");
            let port = uri.port_u16().unwrap_or(80);
            let ip: std::net::IpAddr = host.trim_matches(['[', ']']).parse().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("target '{host}' is not an IP address"),
                )
            })?;
            this.connect(SocketAddr::new(ip, port))
                .await
                .map(TokioIo::new)
        })
    }
}
