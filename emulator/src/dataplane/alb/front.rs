//! The front door of a listener connection: every HTTP/1 request head is
//! read and judged here, before hyper parses it, so that what hyper would
//! refuse with its own bare status (a garbage request line, oversized
//! headers, an unknown transfer coding, a wrong HTTP version) or never
//! answer at all (a head that stalls past the idle timeout) gets AWS's page
//! instead (aws-reference.md §1.8).
//!
//! [`FrontIo`] sits between the client stream (TCP or TLS) and hyper. It
//! holds the bytes of a head until the head is complete and valid, then
//! releases them, and follows the body's framing (`Content-Length` or
//! chunked) to know where the next head starts. A head it refuses is
//! replaced, in the byte stream, by a *rejection request*: a tiny valid
//! request carrying the connection's secret [`Front::token`] and the
//! status. hyper parses it like any other, the listener's service sees the
//! token and answers AWS's page, and hyper writes that page in order after
//! the responses already under way (pipelining stays correct), then closes
//! the connection because the page says `Connection: close`.
//!
//! What a head may be, and the status for one that is refused, is decided
//! by [`super::request_limits`] (aws-reference.md §1.9); this file is the
//! IO around it. A head begun but not finished within the load balancer's
//! idle timeout → 408; a connection idle between requests (nothing in
//! flight, no byte of a next head) is closed silently at the idle timeout,
//! as ALB closes idle client connections.
//!
//! After an `Upgrade`/`CONNECT` head, an HTTP/2 preface, or a body whose
//! chunked framing it cannot follow, the door steps aside (raw mode) and
//! hyper sees the bytes as they come.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use http_body_util::BodyExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::request_limits::{
    BodyFraming, MAX_CHUNK_LINE, Verdict, chunk_size, judge_head, trim_cr,
};
use super::responses::AlbBody;

/// The header a rejection request carries: `<token> <status>`.
pub const REJECT_HEADER: &str = "x-emul-alb-reject";
/// The HTTP/2 connection preface (prior-knowledge h2c).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What a connection's door and its service share.
pub struct Front {
    /// Secret marking rejection requests (random per connection, never sent
    /// to the client, so a client cannot forge one).
    pub token: String,
    /// Requests handed to the service whose responses have not finished;
    /// an idle connection is closed only when this is zero.
    pub in_flight: AtomicUsize,
}

impl Front {
    /// A fresh token and nothing in flight.
    pub fn new() -> Arc<Front> {
        Arc::new(Front {
            token: uuid::Uuid::new_v4().simple().to_string(),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// The status a rejection request asks for, if `headers` carry this
    /// connection's token.
    pub fn rejection(&self, headers: &http::HeaderMap) -> Option<u16> {
        let v = headers.get(REJECT_HEADER)?.to_str().ok()?;
        let (token, status) = v.split_once(' ')?;
        (token == self.token).then(|| status.parse().ok())?
    }

    /// The bytes of a rejection request for `status`.
    fn rejection_request(&self, status: u16) -> Vec<u8> {
        format!(
            "GET / HTTP/1.1\r\nhost: alb\r\n{REJECT_HEADER}: {} {status}\r\n\r\n",
            self.token
        )
        .into_bytes()
    }
}

/// One request counted in [`Front::in_flight`] until its response body
/// ends (or is dropped).
pub struct OpenRequest {
    /// The connection it counts on.
    front: Arc<Front>,
}

impl OpenRequest {
    /// Counts a request that reached the service.
    pub fn start(front: &Arc<Front>) -> OpenRequest {
        front.in_flight.fetch_add(1, Ordering::AcqRel);
        OpenRequest {
            front: front.clone(),
        }
    }

    /// `body`, keeping the request counted while it streams.
    pub fn around(self, body: AlbBody) -> AlbBody {
        CountedBody {
            inner: body,
            _open: self,
        }
        .boxed()
    }
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.front.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted until it ends.
struct CountedBody {
    /// The body streamed to the client.
    inner: AlbBody,
    /// Released with the body.
    _open: OpenRequest,
}

impl hyper::body::Body for CountedBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, hyper::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Where the door is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Waiting for (the rest of) a request head.
    Head,
    /// Inside a `Content-Length` body: bytes left; `forward: false` drops
    /// them (the body of a refused head).
    Body { left: u64, forward: bool },
    /// Expecting a chunk-size line.
    ChunkSize { forward: bool },
    /// Inside chunk data plus its CRLF: bytes left.
    ChunkData { left: u64, forward: bool },
    /// Expecting trailer lines until an empty one.
    Trailers { forward: bool },
    /// Not following framing any more: everything goes to hyper.
    Raw,
    /// A rejection request was handed over; nothing more is read.
    Closing,
}

impl Scan {
    /// Where the door goes once a head with `body` framing is judged;
    /// `forward: false` drops that body (the head was refused).
    fn after_head(body: BodyFraming, forward: bool) -> Scan {
        match body {
            BodyFraming::None => Scan::Head,
            BodyFraming::Length(left) => Scan::Body { left, forward },
            BodyFraming::Chunked => Scan::ChunkSize { forward },
            BodyFraming::Opaque if forward => Scan::Raw,
            // An upgrade that was refused: nothing after it is HTTP.
            BodyFraming::Opaque => Scan::Closing,
        }
    }
}

/// The door: an `AsyncRead + AsyncWrite` over the client stream.
pub struct FrontIo<S> {
    /// The client stream (TCP, or TLS already terminated).
    inner: S,
    /// State shared with the connection's service.
    front: Arc<Front>,
    /// Bytes read from the client not yet handed to hyper.
    buf: BytesMut,
    /// Leading bytes of `buf` judged and ready for hyper.
    ready: usize,
    /// Leading bytes of `buf` already examined (`ready..scanned` is a
    /// partial head or chunk line).
    scanned: usize,
    /// Where the door is.
    scan: Scan,
    /// The client closed its side.
    eof: bool,
    /// Whether the first bytes were looked at for the HTTP/2 preface.
    preface_checked: bool,
    /// The load balancer's current idle timeout (it can change any time).
    idle_timeout: Arc<dyn Fn() -> Duration + Send + Sync>,
    /// When the client has been silent for the idle timeout.
    deadline: Pin<Box<Sleep>>,
}

impl<S> FrontIo<S> {
    /// A door over `inner`; `raw` for connections that are not HTTP/1
    /// (TLS with ALPN `h2`).
    pub fn new(
        inner: S,
        front: Arc<Front>,
        raw: bool,
        idle_timeout: Arc<dyn Fn() -> Duration + Send + Sync>,
    ) -> Self {
        let deadline = Box::pin(tokio::time::sleep(idle_timeout()));
        FrontIo {
            inner,
            front,
            buf: BytesMut::with_capacity(8 * 1024),
            ready: 0,
            scanned: 0,
            scan: if raw { Scan::Raw } else { Scan::Head },
            eof: false,
            preface_checked: raw,
            idle_timeout,
            deadline,
        }
    }

    fn rearm(&mut self) {
        let at = tokio::time::Instant::now() + (self.idle_timeout)();
        self.deadline.as_mut().reset(at);
    }

    /// Replaces the pending head (and everything after it) by a rejection
    /// request and stops reading.
    fn reject(&mut self, status: u16) {
        tracing::debug!(status, "alb: request refused at the door");
        self.buf.truncate(self.ready);
        self.buf
            .extend_from_slice(&self.front.rejection_request(status));
        self.ready = self.buf.len();
        self.scanned = self.ready;
        self.scan = Scan::Closing;
    }

    /// Advances `ready`/`scanned` over the bytes in `buf`.
    fn advance(&mut self) {
        if !self.preface_checked {
            let n = self.buf.len().min(H2_PREFACE.len());
            if self.buf[..n] != H2_PREFACE[..n] {
                self.preface_checked = true;
            } else if n == H2_PREFACE.len() {
                self.preface_checked = true;
                self.scan = Scan::Raw;
            } else {
                return; // could still become the preface
            }
        }
        loop {
            let pending = &self.buf[self.scanned..];
            match self.scan {
                Scan::Raw => {
                    self.ready = self.buf.len();
                    self.scanned = self.ready;
                    return;
                }
                Scan::Closing => return,
                Scan::Head => match judge_head(&self.buf[self.ready..]) {
                    Verdict::Partial => {
                        self.scanned = self.buf.len();
                        return;
                    }
                    Verdict::Refuse(status) => return self.reject(status),
                    Verdict::TooLongLine { head_len, body } => {
                        // The head is fine but for its URI: answer 414 in
                        // its place, drop its body, keep the connection.
                        let mut rest = self.buf.split_off(self.ready);
                        rest.advance(head_len);
                        self.buf
                            .extend_from_slice(&self.front.rejection_request(414));
                        self.ready = self.buf.len();
                        self.scanned = self.ready;
                        self.buf.extend_from_slice(&rest);
                        self.scan = Scan::after_head(body, false);
                    }
                    Verdict::Accept { head_len, body } => {
                        self.ready += head_len;
                        self.scanned = self.ready;
                        self.scan = Scan::after_head(body, true);
                    }
                },
                Scan::Body { left, forward } => {
                    if left == 0 {
                        self.scan = Scan::Head;
                        continue;
                    }
                    let take = (pending.len() as u64).min(left) as usize;
                    if take == 0 {
                        return;
                    }
                    self.consume(take, forward);
                    self.scan = Scan::Body {
                        left: left - take as u64,
                        forward,
                    };
                }
                Scan::ChunkData { left, forward } => {
                    if left == 0 {
                        self.scan = Scan::ChunkSize { forward };
                        continue;
                    }
                    let take = (pending.len() as u64).min(left) as usize;
                    if take == 0 {
                        return;
                    }
                    self.consume(take, forward);
                    self.scan = Scan::ChunkData {
                        left: left - take as u64,
                        forward,
                    };
                }
                Scan::ChunkSize { forward } | Scan::Trailers { forward } => {
                    let Some(nl) = pending.iter().position(|b| *b == b'\n') else {
                        if pending.len() > MAX_CHUNK_LINE {
                            self.go_raw(forward);
                        }
                        return;
                    };
                    let line = trim_cr(&pending[..nl]);
                    let next = if matches!(self.scan, Scan::Trailers { .. }) {
                        if line.is_empty() {
                            Some(Scan::Head)
                        } else {
                            Some(Scan::Trailers { forward })
                        }
                    } else {
                        chunk_size(line).map(|size| match size {
                            0 => Scan::Trailers { forward },
                            n => Scan::ChunkData {
                                left: n.saturating_add(2),
                                forward,
                            },
                        })
                    };
                    match next {
                        Some(s) => {
                            self.consume(nl + 1, forward);
                            self.scan = s;
                        }
                        None => return self.go_raw(forward),
                    }
                }
            }
        }
    }

    /// Marks `n` bytes at `scanned` as handed over (or drops them).
    fn consume(&mut self, n: usize, forward: bool) {
        if forward {
            debug_assert_eq!(self.ready, self.scanned);
            self.ready += n;
            self.scanned = self.ready;
        } else {
            let mut tail = self.buf.split_off(self.scanned);
            tail.advance(n);
            self.buf.extend_from_slice(&tail);
        }
    }

    /// Framing this door cannot follow: hyper decides from here on.
    fn go_raw(&mut self, forward: bool) {
        if forward {
            self.scan = Scan::Raw;
            self.ready = self.buf.len();
            self.scanned = self.ready;
        } else {
            // A dropped body we cannot follow: nothing after it is safe.
            self.buf.truncate(self.scanned);
            self.scan = Scan::Closing;
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FrontIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.ready > 0 {
                let n = this.ready.min(out.remaining());
                out.put_slice(&this.buf[..n]);
                this.buf.advance(n);
                this.ready -= n;
                this.scanned -= n;
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                // Client gone: a partial head is dropped, hyper sees EOF.
                return Poll::Ready(Ok(()));
            }
            if this.scan == Scan::Closing {
                // The rejection is with hyper: hold reads open so hyper
                // writes the page (an EOF now would make it drop it), but
                // notice the client leaving.
                let mut scratch = [0u8; 1024];
                let mut sink = ReadBuf::new(&mut scratch);
                ready!(Pin::new(&mut this.inner).poll_read(cx, &mut sink))?;
                if sink.filled().is_empty() {
                    this.eof = true;
                }
                continue;
            }
            let mut chunk = [0u8; 16 * 1024];
            let mut rb = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => {
                    if rb.filled().is_empty() {
                        this.eof = true;
                        continue;
                    }
                    this.buf.extend_from_slice(rb.filled());
                    this.rearm();
                    this.advance();
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if this.scan != Scan::Head || this.deadline.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if this.buf.len() > this.ready {
                        // A head begun and not finished in time.
                        this.reject(408);
                        continue;
                    }
                    if this.front.in_flight.load(Ordering::Acquire) == 0 {
                        // Idle between requests: close quietly.
                        this.eof = true;
                        continue;
                    }
                    // A response is still under way; keep waiting.
                    this.rearm();
                    let _ = this.deadline.as_mut().poll(cx);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FrontIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
