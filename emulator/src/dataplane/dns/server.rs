//! The resolver's sockets: UDP and TCP on one address, each query parsed
//! ([`message`]), looked up ([`Zone`]) and answered, or passed verbatim to
//! the host's resolvers and their answer relayed (so the query's id, EDNS
//! options and size limits are the client's own).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

use super::message::{self, Query, Rcode};
use super::zone::{Lookup, Zone};

/// The TTL of discovery answers. Cloud Map takes the TTL from the service's
/// DNS config; emul keeps answers short-lived so a task that stops or turns
/// unhealthy leaves clients' caches quickly.
pub const DISCOVERY_TTL: u32 = 10;
/// How long one upstream resolver has to answer a forwarded query.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest UDP message read (EDNS clients may send up to this).
const MAX_UDP: usize = 4096;
/// How long a TCP client may take to send a query.
const TCP_IDLE: Duration = Duration::from_secs(10);

/// Sockets bound, not yet serving: bind early (before the ECS model
/// exists) so a port that is taken is known up front.
pub struct BoundResolver {
    /// The UDP socket.
    udp: UdpSocket,
    /// The TCP listener on the same address and port.
    tcp: TcpListener,
}

impl BoundResolver {
    /// Binds UDP and TCP on `ip:port` (`port` 0: an ephemeral port, the same
    /// for both; the UDP port the kernel picks may be taken for TCP, so an
    /// ephemeral bind tries a few ports).
    pub async fn bind(ip: Ipv4Addr, port: u16) -> std::io::Result<BoundResolver> {
        let attempts = if port == 0 { 16 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            let udp = UdpSocket::bind((ip, port)).await?;
            let chosen = udp.local_addr()?.port();
            match TcpListener::bind((ip, chosen)).await {
                Ok(tcp) => return Ok(BoundResolver { udp, tcp }),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no port")))
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.udp.local_addr().expect("bound socket has an address")
    }

    /// Starts answering: `zone` for discovery names, `upstreams` for the rest.
    pub fn serve(self, zone: Zone, upstreams: Vec<SocketAddr>) -> VpcResolver {
        let addr = self.local_addr();
        let answerer = Arc::new(Answerer { zone, upstreams });
        let udp = Arc::new(self.udp);
        let udp_loop = tokio::spawn(serve_udp(udp, answerer.clone()));
        let tcp_loop = tokio::spawn(serve_tcp(self.tcp, answerer));
        VpcResolver {
            addr,
            tasks: vec![udp_loop, tcp_loop],
        }
    }
}

/// A running resolver; dropping it stops it.
pub struct VpcResolver {
    /// Where it listens.
    addr: SocketAddr,
    /// The UDP and TCP loops.
    tasks: Vec<JoinHandle<()>>,
}

impl VpcResolver {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for VpcResolver {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The host's resolvers, from `resolv.conf` text (`nameserver` lines, port 53).
pub fn upstreams_from_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            // A scoped IPv6 address (`fe80::1%eth0`) cannot be used as is.
            let ip: IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(ip, 53))
        })
        .collect()
}

/// The host's resolvers from `/etc/resolv.conf` (none when unreadable).
pub fn host_upstreams() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| upstreams_from_resolv_conf(&t))
        .unwrap_or_default()
}

/// Decides every answer (shared by the UDP and TCP loops).
struct Answerer {
    /// The discovery names.
    zone: Zone,
    /// Where other names go.
    upstreams: Vec<SocketAddr>,
}

impl Answerer {
    /// The answer to `msg`, or `None` to drop it.
    async fn answer(&self, msg: &[u8], over_tcp: bool) -> Option<Vec<u8>> {
        let query = match Query::parse(msg) {
            Ok(q) => q,
            Err(Some(id)) => return Some(message::format_error(id)),
            Err(None) => return None,
        };
        if !query.is_standard() {
            return Some(query.error(Rcode::NotImp, false));
        }
        match self.zone.lookup(&query.name) {
            Lookup::Records(ips) => {
                tracing::debug!(name = %query.name, answers = ips.len(), "dns: discovery answer");
                Some(query.answer(&ips, DISCOVERY_TTL))
            }
            Lookup::NoSuchName => Some(query.error(Rcode::NxDomain, true)),
            Lookup::Forward => match self.forward(msg, over_tcp).await {
                Some(reply) => Some(reply),
                None => Some(query.error(Rcode::ServFail, false)),
            },
        }
    }

    /// Asks each upstream in turn; the first answer wins. A truncated UDP
    /// answer is asked again over TCP when the client itself came over TCP.
    async fn forward(&self, msg: &[u8], over_tcp: bool) -> Option<Vec<u8>> {
        for upstream in &self.upstreams {
            let reply = tokio::time::timeout(UPSTREAM_TIMEOUT, forward_udp(*upstream, msg)).await;
            let Ok(Ok(reply)) = reply else { continue };
            if over_tcp && message::is_truncated(&reply) {
                let full =
                    tokio::time::timeout(UPSTREAM_TIMEOUT, forward_tcp(*upstream, msg)).await;
                if let Ok(Ok(full)) = full {
                    return Some(full);
                }
            }
            return Some(reply);
        }
        None
    }
}

async fn forward_udp(upstream: SocketAddr, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = if upstream.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    // A fresh socket per query: a random source port, and only the
    // upstream's replies are read (connect filters the rest).
    let socket = UdpSocket::bind(local).await?;
    socket.connect(upstream).await?;
    socket.send(msg).await?;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = socket.recv(&mut buf).await?;
        // Only the reply to this query (same id) counts.
        if n >= 2 && buf[..2] == msg[..2] {
            buf.truncate(n);
            return Ok(buf);
        }
    }
}

async fn forward_tcp(upstream: SocketAddr, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).await?;
    write_framed(&mut stream, msg).await?;
    read_framed(&mut stream).await
}

async fn serve_udp(socket: Arc<UdpSocket>, answerer: Arc<Answerer>) {
    let mut buf = vec![0u8; MAX_UDP];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                tracing::debug!(error = %e, "dns: udp receive failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let msg = buf[..n].to_vec();
        let socket = socket.clone();
        let answerer = answerer.clone();
        tokio::spawn(async move {
            if let Some(reply) = answerer.answer(&msg, false).await {
                let _ = socket.send_to(&reply, peer).await;
            }
        });
    }
}

async fn serve_tcp(listener: TcpListener, answerer: Arc<Answerer>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let answerer = answerer.clone();
        tokio::spawn(async move {
            // One connection may carry several queries (RFC 7766), in turn.
            while let Ok(Ok(msg)) = tokio::time::timeout(TCP_IDLE, read_framed(&mut stream)).await {
                let Some(reply) = answerer.answer(&msg, true).await else {
                    return;
                };
                if write_framed(&mut stream, &reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Reads one length-prefixed DNS message (RFC 1035 §4.2.2).
async fn read_framed(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let len = stream.read_u16().await? as usize;
    let mut msg = vec![0u8; len];
    stream.read_exact(&mut msg).await?;
    Ok(msg)
}

/// Writes one length-prefixed DNS message.
async fn write_framed(stream: &mut TcpStream, msg: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(msg.len()).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(2 + msg.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg);
    stream.write_all(&out).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf_nameservers_become_upstreams() {
        let text = "# generated\nsearch example.internal\nnameserver 127.0.0.53\n\
                    nameserver  2001:db8::1 \nnameserver fe80::1%eth0\noptions edns0\n";
        assert_eq!(
            upstreams_from_resolv_conf(text),
            vec![
                "127.0.0.53:53".parse().unwrap(),
                "[2001:db8::1]:53".parse().unwrap()
            ]
        );
    }
}
