//! The VPC services' DNAT table: AWS's addresses (the metadata endpoint at
//! 169.254.170.2:80, the VPC resolver at the VPC base + 2, port 53) sent
//! to where the daemon serves them, from inside this ENI's namespace.
//!
//! The daemon passes the rules in `EMUL_AGENT_VPC_NAT` as
//! `proto:ip:port=ip:port` joined by commas; the agent installs them as
//! `table ip emul_vpc` (a `nat` chain on the `output` hook: the namespace's
//! own connections) before it answers its control API, so a workload that
//! starts after the agent answered always finds them.

use std::net::SocketAddrV4;

/// The table the agent owns for the VPC services.
pub const TABLE: &str = "ip emul_vpc";

/// One DNAT rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NatRule {
    /// `tcp` or `udp`.
    pub udp: bool,
    /// The address the workload asks.
    pub from: SocketAddrV4,
    /// Where the connection goes instead.
    pub to: SocketAddrV4,
}

/// Parses the environment's spec; the error names the bad entry.
pub fn parse(spec: &str) -> Result<Vec<NatRule>, String> {
    spec.split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|entry| {
            let bad = || format!("{entry:?} is not proto:ip:port=ip:port");
            let (proto, rest) = entry.trim().split_once(':').ok_or_else(bad)?;
            let (from, to) = rest.split_once('=').ok_or_else(bad)?;
            let udp = match proto {
                "udp" => true,
                "tcp" => false,
                _ => return Err(bad()),
            };
            Ok(NatRule {
                udp,
                from: from.parse().map_err(|_| bad())?,
                to: to.parse().map_err(|_| bad())?,
            })
        })
        .collect()
}

/// The nft script that (re)installs the table with `rules`.
pub fn script(rules: &[NatRule]) -> String {
    let mut s = format!("add table {TABLE}\ndelete table {TABLE}\ntable {TABLE} {{\n");
    s.push_str("  chain output {\n    type nat hook output priority -100; policy accept;\n");
    for r in rules {
        let proto = if r.udp { "udp" } else { "tcp" };
        s.push_str(&format!(
            "    ip daddr {} {proto} dport {} dnat to {}\n",
            r.from.ip(),
            r.from.port(),
            r.to
        ));
    }
    s.push_str("  }\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_becomes_one_dnat_per_entry() {
        let rules =
            parse("tcp:169.254.170.2:80=10.0.0.1:5169,udp:10.0.0.2:53=10.0.0.1:5300").unwrap();
        assert_eq!(
            script(&rules),
            "add table ip emul_vpc\ndelete table ip emul_vpc\ntable ip emul_vpc {\n  chain output {\n    type nat hook output priority -100; policy accept;\n    ip daddr 169.254.170.2 tcp dport 80 dnat to 10.0.0.1:5169\n    ip daddr 10.0.0.2 udp dport 53 dnat to 10.0.0.1:5300\n  }\n}\n"
        );
        assert_eq!(parse("").unwrap(), []);
        assert!(
            parse("sctp:1.2.3.4:1=5.6.7.8:9")
                .unwrap_err()
                .contains("sctp")
        );
        assert!(parse("tcp:1.2.3.4=5.6.7.8:9").is_err());
    }
}
