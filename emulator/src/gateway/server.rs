//! The HTTP listener: accepts connections, reads bodies within the limit,
//! hands requests to [`Gateway::handle`](super::Gateway::handle), and shuts
//! down gracefully (stop accepting, finish in-flight requests).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use bytes::BytesMut;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::errors::AwsError;
use super::{Gateway, WireRequest, WireResponse};

/// How long in-flight requests get to finish after shutdown is requested.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Bodies over the limit are read and discarded up to this size, so the
/// client receives the 413 instead of a reset connection; beyond it the
/// connection is closed. Nothing over the limit is ever kept in memory.
pub const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
/// How long a client may take to send its whole body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a client may take to send a request head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `gateway` on `listener` until `shutdown` resolves, then stops
/// accepting and waits (up to [`SHUTDOWN_GRACE`]) for open connections.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A client that never finishes its request head must not hold a
    // connection (and a graceful shutdown) forever.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let gw = Arc::clone(&gateway);
                let svc = service_fn(move |req| {
                    let gw = Arc::clone(&gw);
                    async move { Ok::<_, Infallible>(handle(gw, req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}");
    }
}

/// Reads the body within the limit (never buffering more), then dispatches.
async fn handle(gateway: Arc<Gateway>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let limit = gateway.config.max_body_bytes;
    let (parts, mut body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        // Too big even to discard: answer and close the connection.
        return into_hyper(
            gateway.reject(&parts.headers, &AwsError::body_too_large(limit)),
            true,
        );
    }
    let mut buf = BytesMut::new();
    let mut too_large = declared.is_some_and(|n| n > limit as u64);
    let mut seen: u64 = 0;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| e.to_string())?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            seen += data.len() as u64;
            if seen > DRAIN_LIMIT {
                return Err("drain limit".to_string());
            }
            if !too_large && buf.len() + data.len() > limit {
                // Stop keeping bytes; keep reading so the client gets the
                // error instead of a reset connection.
                too_large = true;
                buf = BytesMut::new();
            }
            if !too_large {
                buf.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    let outcome = tokio::time::timeout(BODY_READ_TIMEOUT, read).await;
    let err = match outcome {
        Ok(Ok(())) if !too_large => None,
        Ok(Ok(())) => Some((AwsError::body_too_large(limit), false)),
        Ok(Err(e)) if e == "drain limit" => Some((AwsError::body_too_large(limit), true)),
        Ok(Err(e)) => Some((
            AwsError::client(
                "IncompleteBody",
                format!("The request body could not be read: {e}"),
            ),
            true,
        )),
        Err(_) => Some((
            AwsError::client(
                "RequestTimeoutException",
                format!(
                    "The request body was not received within {} seconds.",
                    BODY_READ_TIMEOUT.as_secs()
                ),
            )
            .with_status(408),
            true,
        )),
    };
    if let Some((err, close)) = err {
        return into_hyper(gateway.reject(&parts.headers, &err), close);
    }
    let wire = WireRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body: buf.freeze(),
    };
    into_hyper(gateway.handle(wire).await, false)
}

/// Converts to a hyper response. `close` asks the client to drop the
/// connection (used when an unread body is left on it).
fn into_hyper(resp: WireResponse, close: bool) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(resp.body));
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    if close {
        out.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
    }
    out
}
