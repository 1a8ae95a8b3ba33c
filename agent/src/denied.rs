//! The connection attempts this ENI's security groups refused, as the
//! kernel reports them (docs/decisions/0011-eni-agent-portability.md,
//! "Denies explained").
//!
//! The ruleset the daemon sends ends each chain with `limit rate 20/second
//! log prefix "emul-deny in|out" group 7` right before the policy drop. The
//! kernel hands such packets to NFLOG group 7 of this namespace; [`spawn`]
//! reads it through a `NETLINK_NETFILTER` socket (nfnetlink_log: bind the
//! group with `NFULNL_CFG_CMD_BIND`, copy mode packet, first 128 bytes,
//! one packet per message), [`parse_messages`] turns each message into an
//! [`Entry`] from the IPv4/IPv6 and TCP/UDP headers, and a [`Ring`] keeps
//! the last [`RING_CAPACITY`], served at `GET /denied?since=<ms>`.
//!
//! Written on a raw socket (`socket2`, constants from `libc`; no GPL library): the wire format is a
//! `nlmsghdr`, a `nfgenmsg`, then `nlattr`s, all 4-byte aligned, numbers in
//! host order except where the header says big-endian.

use std::collections::VecDeque;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use socket2::{Domain, Protocol, Socket, Type};

/// The NFLOG group the ruleset logs to (the emulator's
/// `netpolicy::compile::DENY_LOG_GROUP`).
pub const NFLOG_GROUP: u16 = 7;
/// The prefix of a logged deny, followed by `in` or `out`.
pub const PREFIX: &str = "emul-deny ";
/// Denies kept; older ones are dropped first.
pub const RING_CAPACITY: usize = 1000;

/// One refused attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When (unix ms): the kernel's timestamp when it gives one, else when
    /// the agent read it.
    pub unix_ms: u64,
    /// True for the input chain (ingress), false for output (egress).
    pub inbound: bool,
    /// `tcp`, `udp`, `icmp`, or the IP protocol number.
    pub proto: String,
    /// Source address and port (port 0 without TCP/UDP).
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
}

impl Entry {
    /// `<unix ms> <in|out> <proto> <src> <dst>`: one line of `GET /denied`.
    pub fn line(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.unix_ms,
            if self.inbound { "in" } else { "out" },
            self.proto,
            self.src,
            self.dst
        )
    }
}

/// The bounded, shared list of recent denies.
#[derive(Debug, Default)]
pub struct Ring {
    /// Oldest first; never longer than [`RING_CAPACITY`].
    entries: Mutex<VecDeque<Entry>>,
}

impl Ring {
    /// Records `e`, dropping the oldest entry when full.
    pub fn push(&self, e: Entry) {
        let mut q = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == RING_CAPACITY {
            q.pop_front();
        }
        q.push_back(e);
    }

    /// The entries logged strictly after `since_ms`, oldest first.
    pub fn since(&self, since_ms: u64) -> Vec<Entry> {
        let q = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        q.iter().filter(|e| e.unix_ms > since_ms).cloned().collect()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

// nfnetlink_log constants (linux/netfilter/nfnetlink_log.h).
const NFNL_SUBSYS_ULOG: u16 = 4;
const NFULNL_MSG_PACKET: u16 = 0;
const NFULNL_MSG_CONFIG: u16 = 1;
const NFULA_TIMESTAMP: u16 = 3;
const NFULA_PAYLOAD: u16 = 9;
const NFULA_PREFIX: u16 = 10;
const NFULA_CFG_CMD: u16 = 1;
const NFULA_CFG_MODE: u16 = 2;
const NFULA_CFG_QTHRESH: u16 = 4;
const NFULNL_CFG_CMD_BIND: u8 = 1;
const NFULNL_CFG_CMD_PF_BIND: u8 = 3;
const NFULNL_COPY_PACKET: u8 = 2;
/// Enough for an IPv6 header and the ports.
const COPY_RANGE: u32 = 128;
const NLMSG_HDRLEN: usize = 16;
const NLA_TYPE_MASK: u16 = 0x3fff;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One nfnetlink config message: `nlmsghdr` + `nfgenmsg` + attributes.
fn config_message(seq: u32, family: u8, group: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = vec![family, 0];
    body.extend_from_slice(&group.to_be_bytes());
    for (ty, val) in attrs {
        let len = 4 + val.len();
        body.extend_from_slice(&(len as u16).to_ne_bytes());
        body.extend_from_slice(&ty.to_ne_bytes());
        body.extend_from_slice(val);
        body.resize(align4(body.len()), 0);
    }
    let mut msg = Vec::with_capacity(NLMSG_HDRLEN + body.len());
    msg.extend_from_slice(&((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
    msg.extend_from_slice(&((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG).to_ne_bytes());
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(&body);
    msg
}

/// The messages that bind group [`NFLOG_GROUP`] to the socket with copy
/// mode packet and one packet per netlink message (no batching delay).
pub fn bind_messages() -> Vec<Vec<u8>> {
    let mut mode = COPY_RANGE.to_be_bytes().to_vec();
    mode.extend_from_slice(&[NFULNL_COPY_PACKET, 0]);
    vec![
        // Kernels before 3.17 want the families bound first; later ones
        // ignore it.
        config_message(
            1,
            libc::AF_INET as u8,
            0,
            &[(NFULA_CFG_CMD, &[NFULNL_CFG_CMD_PF_BIND])],
        ),
        config_message(
            2,
            libc::AF_INET6 as u8,
            0,
            &[(NFULA_CFG_CMD, &[NFULNL_CFG_CMD_PF_BIND])],
        ),
        config_message(
            3,
            libc::AF_UNSPEC as u8,
            NFLOG_GROUP,
            &[(NFULA_CFG_CMD, &[NFULNL_CFG_CMD_BIND])],
        ),
        config_message(
            4,
            libc::AF_UNSPEC as u8,
            NFLOG_GROUP,
            &[
                (NFULA_CFG_MODE, &mode),
                (NFULA_CFG_QTHRESH, &1u32.to_be_bytes()),
            ],
        ),
    ]
}

/// Addresses and ports of an IPv4 or IPv6 packet (TCP/UDP ports; 0 else).
fn parse_packet(p: &[u8]) -> Option<(String, SocketAddr, SocketAddr)> {
    let (proto, src, dst, l4): (u8, IpAddr, IpAddr, &[u8]) = match p.first()? >> 4 {
        4 if p.len() >= 20 => {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            let s: [u8; 4] = p[12..16].try_into().ok()?;
            let d: [u8; 4] = p[16..20].try_into().ok()?;
            (
                p[9],
                Ipv4Addr::from(s).into(),
                Ipv4Addr::from(d).into(),
                p.get(ihl..).unwrap_or(&[]),
            )
        }
        6 if p.len() >= 40 => {
            let s: [u8; 16] = p[8..24].try_into().ok()?;
            let d: [u8; 16] = p[24..40].try_into().ok()?;
            (
                p[6],
                Ipv6Addr::from(s).into(),
                Ipv6Addr::from(d).into(),
                &p[40..],
            )
        }
        _ => return None,
    };
    let (name, ports) = match proto {
        6 => ("tcp".to_string(), true),
        17 => ("udp".to_string(), true),
        1 | 58 => ("icmp".to_string(), false),
        n => (n.to_string(), false),
    };
    let (sp, dp) = if ports && l4.len() >= 4 {
        (
            u16::from_be_bytes([l4[0], l4[1]]),
            u16::from_be_bytes([l4[2], l4[3]]),
        )
    } else {
        (0, 0)
    };
    Some((name, SocketAddr::new(src, sp), SocketAddr::new(dst, dp)))
}

/// The denies in one `recv` buffer (several netlink messages); messages
/// that are not NFLOG packets with an `emul-deny` prefix are skipped.
/// `now_ms` stamps packets the kernel gave no timestamp.
pub fn parse_messages(buf: &[u8], now_ms: u64) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + NLMSG_HDRLEN <= buf.len() {
        let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap_or_default()) as usize;
        let ty = u16::from_ne_bytes([buf[off + 4], buf[off + 5]]);
        if len < NLMSG_HDRLEN || off + len > buf.len() {
            break;
        }
        if ty == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)
            && let Some(e) = parse_packet_message(&buf[off + NLMSG_HDRLEN..off + len], now_ms)
        {
            out.push(e);
        }
        off += align4(len);
    }
    out
}

/// One NFULNL_MSG_PACKET body: `nfgenmsg` then attributes.
fn parse_packet_message(body: &[u8], now_ms: u64) -> Option<Entry> {
    let mut off = 4; // nfgenmsg
    let (mut prefix, mut payload, mut stamp) = (None, None, None);
    while off + 4 <= body.len() {
        let len = usize::from(u16::from_ne_bytes([body[off], body[off + 1]]));
        let ty = u16::from_ne_bytes([body[off + 2], body[off + 3]]) & NLA_TYPE_MASK;
        if len < 4 || off + len > body.len() {
            break;
        }
        let val = &body[off + 4..off + len];
        match ty {
            NFULA_PREFIX => prefix = Some(val),
            NFULA_PAYLOAD => payload = Some(val),
            NFULA_TIMESTAMP if val.len() >= 16 => {
                let sec = u64::from_be_bytes(val[0..8].try_into().ok()?);
                let usec = u64::from_be_bytes(val[8..16].try_into().ok()?);
                stamp = Some(sec * 1000 + usec / 1000);
            }
            _ => {}
        }
        off += align4(len);
    }
    let prefix = String::from_utf8_lossy(prefix?);
    let dir = prefix.trim_end_matches('\0').strip_prefix(PREFIX)?.trim();
    let inbound = match dir {
        "in" => true,
        "out" => false,
        _ => return None,
    };
    let (proto, src, dst) = parse_packet(payload?)?;
    Some(Entry {
        unix_ms: stamp.unwrap_or(now_ms),
        inbound,
        proto,
        src,
        dst,
    })
}

/// Opens the NFLOG socket of this namespace and binds the group; the error
/// says which step failed (no `NET_ADMIN`: EPERM). The socket is bound to
/// a port id by the kernel on the first send (netlink autobind).
fn open() -> std::io::Result<Socket> {
    let sock = Socket::new(
        Domain::from(libc::AF_NETLINK),
        Type::RAW,
        Some(Protocol::from(libc::NETLINK_NETFILTER)),
    )?;
    let mut ack = [0u8; 4096];
    for (i, msg) in bind_messages().iter().enumerate() {
        sock.send(msg)?;
        // The ack: an NLMSG_ERROR whose error is 0 on success (the
        // family binds may fail on kernels that no longer need them).
        let n = (&sock).read(&mut ack)?;
        if n >= 20 && i >= 2 {
            let errno = i32::from_ne_bytes(ack[16..20].try_into().unwrap_or_default());
            if errno != 0 {
                return Err(std::io::Error::from_raw_os_error(-errno));
            }
        }
    }
    Ok(sock)
}

/// Starts the reader thread feeding `ring`. Without the privilege to read
/// NFLOG (an agent run outside its container) it says so and records
/// nothing: enforcement does not depend on it.
pub fn spawn(ring: Arc<Ring>) {
    let sock = match open() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("emul-agent: not recording denies (NFLOG group {NFLOG_GROUP}): {e}");
            return;
        }
    };
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        loop {
            let n = match (&sock).read(&mut buf) {
                Ok(n) => n,
                // ENOBUFS: the kernel dropped some under a flood; go on.
                Err(e)
                    if e.raw_os_error() == Some(libc::ENOBUFS)
                        || e.kind() == std::io::ErrorKind::Interrupted =>
                {
                    continue;
                }
                Err(e) => {
                    eprintln!("emul-agent: NFLOG read failed, no more denies recorded: {e}");
                    return;
                }
            };
            for e in parse_messages(&buf[..n], now_ms()) {
                ring.push(e);
            }
        }
    });
}

#[cfg(test)]
#[path = "denied_tests.rs"]
mod tests;
