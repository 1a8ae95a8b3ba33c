//! The NFLOG reader: the parser on bytes the kernel sent, the ring's bound,
//! and (as root) the whole path in a throwaway network namespace: an nft
//! rule logs a dropped packet to group 7 and [`open`] + [`parse_messages`]
//! read it back.

use super::*;

#[test]
fn the_ring_keeps_the_last_thousand_and_filters_by_time() {
    let ring = Ring::default();
    for i in 0..1500u64 {
        ring.push(Entry {
            unix_ms: i + 1,
            inbound: true,
            proto: "tcp".into(),
            src: "10.0.1.17:43122".parse().unwrap(),
            dst: "10.0.10.13:5432".parse().unwrap(),
        });
    }
    assert_eq!(ring.since(0).len(), RING_CAPACITY);
    assert_eq!(ring.since(0)[0].unix_ms, 501);
    assert_eq!(ring.since(1498).len(), 2);
    assert_eq!(
        ring.since(1499)[0].line(),
        "1500 in tcp 10.0.1.17:43122 10.0.10.13:5432"
    );
}

#[test]
fn bind_messages_are_well_formed_netlink() {
    for m in bind_messages() {
        let len = u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize;
        assert_eq!(len, m.len());
        assert_eq!(len % 4, 0);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), (4 << 8) | 1);
    }
    // The group is big-endian in the nfgenmsg.
    assert_eq!(&bind_messages()[2][18..20], &[0, 7]);
}

/// Runs `f` on a thread of its own in a fresh network namespace with `lo`
/// up; `None` when not root (or no `ip`/`nft`).
fn in_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    std::thread::spawn(move || {
        // This thread only: commands it spawns inherit its namespace.
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).ok()?;
        let up = std::process::Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
            .ok()?;
        up.success().then(f)
    })
    .join()
    .expect("the namespace thread panicked")
}

#[test]
fn a_packet_dropped_by_a_logging_rule_is_read_back_from_nflog_group_7() {
    let got = in_netns(|| {
        let script = "table inet t {\n chain output {\n type filter hook output priority filter; policy accept;\n udp dport 5432 log prefix \"emul-deny out\" group 7 drop\n }\n}\n";
        let mut nft = std::process::Command::new("nft")
            .args(["-f", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("nft");
        use std::io::Write;
        nft.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        assert!(nft.wait().unwrap().success());
        let sock = open().expect("NFLOG bind");
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let _ = udp.send_to(b"hello", "127.0.0.1:5432");
        let mut buf = vec![0u8; 65536];
        let n = std::io::Read::read(&mut &sock, &mut buf).unwrap();
        let raw = buf[..n].to_vec();
        (udp.local_addr().unwrap().port(), raw)
    });
    let Some((port, raw)) = got else {
        eprintln!("skipped: needs root, ip and nft");
        return;
    };
    eprintln!(
        "captured: {}",
        raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let e = parse_messages(&raw, 42);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(!e[0].inbound);
    assert_eq!(e[0].proto, "udp");
    assert_eq!(e[0].src, SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(e[0].dst, "127.0.0.1:5432".parse().unwrap());
}

/// One NFLOG message as a 6.x kernel sent it (captured by the test above):
/// `emul-deny out`, a UDP datagram 127.0.0.1:42156 → 127.0.0.1:5432, no
/// timestamp (locally generated), then a second netlink message that is
/// not a packet (an ack) which must be skipped.
const CAPTURED: &str = "7000000000040000000000000000000002000007080001000800030012000a00656d756c2d64656e79206f7574000000080005000000000108000b000000000008000e00000000002500090045000021164d40004011267d7f0000017f000001a4ac1538000dfe2068656c6c6f000000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_parser_reads_a_captured_nflog_message() {
    let mut raw = hex(CAPTURED);
    // An NLMSG_ERROR ack (type 2) after it: skipped.
    raw.extend_from_slice(&[20, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let e = parse_messages(&raw, 1_733_460_062_345);
    assert_eq!(
        e.iter().map(Entry::line).collect::<Vec<_>>(),
        ["1733460062345 out udp 127.0.0.1:42156 127.0.0.1:5432"]
    );
    // The same message with another prefix is not ours.
    let mut foreign = hex(CAPTURED);
    let at = foreign.windows(9).position(|w| w == b"emul-deny").unwrap();
    foreign[at..at + 4].copy_from_slice(b"xxxx");
    assert!(parse_messages(&foreign, 1).is_empty());
    // Truncated: nothing, and no panic.
    assert!(parse_messages(&hex(CAPTURED)[..60], 1).is_empty());
}
