//! Security-group checks: protocols and port ranges, peers, references to
//! other groups, duplicate names.

use super::{dangling, duplicates};
use crate::topology::model::security_groups::{IpProtocol, SgRule};
use crate::topology::{Diagnostic, Topology};

/// What is wrong with a rule's ports, if anything: (message, hint).
/// `port`, `from`, `to` are as written (None = omitted).
pub fn port_problem(
    protocol: IpProtocol,
    port: Option<i32>,
    from: Option<i32>,
    to: Option<i32>,
) -> Option<(String, String)> {
    if port.is_some() && (from.is_some() || to.is_some()) {
        return Some((
            "`port` cannot be combined with `from_port`/`to_port`".into(),
            "use `port: N` for one port or `from_port`/`to_port` for a range".into(),
        ));
    }
    let (from, to) = match (port, from, to) {
        (Some(p), _, _) => (Some(p), Some(p)),
        (None, f, t) => (f, t),
    };
    match protocol {
        IpProtocol::All => {
            if from.unwrap_or(0) != 0 || to.unwrap_or(0) != 0 {
                return Some((
                    "protocol `-1` (all) covers every port; ports must be omitted or 0".into(),
                    "remove the ports, or use protocol `tcp`/`udp` to allow only some ports".into(),
                ));
            }
            None
        }
        IpProtocol::Icmp => {
            for v in [from, to].into_iter().flatten() {
                if !(-1..=255).contains(&v) {
                    return Some((
                        format!("ICMP type/code {v} is out of range (-1..255)"),
                        "use an ICMP type in `from_port` and a code in `to_port`, -1 for all"
                            .into(),
                    ));
                }
            }
            None
        }
        IpProtocol::Tcp | IpProtocol::Udp => {
            let (Some(f), Some(t)) = (from, to) else {
                return Some((
                    format!("a {} rule needs ports", protocol.as_str()),
                    "add `port: N`, or `from_port` and `to_port`".into(),
                ));
            };
            for v in [f, t] {
                if !(0..=65535).contains(&v) {
                    return Some((
                        format!("port {v} is out of range (0..65535)"),
                        "use ports from 0 to 65535".into(),
                    ));
                }
            }
            if f > t {
                return Some((
                    format!("from_port {f} is greater than to_port {t}"),
                    "swap them: the range runs from `from_port` up to `to_port`".into(),
                ));
            }
            None
        }
    }
}

fn check_rule(direction: &str, rule: &SgRule, groups: &[&str], out: &mut Vec<Diagnostic>) {
    let span = rule
        .port
        .as_ref()
        .or(rule.from_port.as_ref())
        .or(rule.to_port.as_ref())
        .map_or(rule.span, |p| p.span);
    if let Some((msg, hint)) = port_problem(
        *rule.protocol,
        rule.port.as_ref().map(|p| p.value),
        rule.from_port.as_ref().map(|p| p.value),
        rule.to_port.as_ref().map(|p| p.value),
    ) {
        out.push(Diagnostic::new(span, msg, hint));
    }
    if rule.cidr_blocks.is_empty()
        && rule.ipv6_cidr_blocks.is_empty()
        && rule.security_groups.is_empty()
        && !rule.self_
    {
        let peer = if direction == "ingress" {
            "source"
        } else {
            "destination"
        };
        out.push(Diagnostic::new(
            rule.span,
            format!("{direction} rule has no {peer}"),
            "add `cidr_blocks`, `ipv6_cidr_blocks`, `security_groups` or `self: true`",
        ));
    }
    for c in &rule.cidr_blocks {
        if c.addr() != c.network() {
            out.push(Diagnostic::new(
                c.span,
                format!("CIDR block {} has host bits set", c.value),
                format!("use the network address: {}", c.trunc()),
            ));
        }
    }
    // AWS refuses `2001:db8::1/32` (InvalidParameterValue) as it does for IPv4.
    for c in &rule.ipv6_cidr_blocks {
        if c.addr() != c.network() {
            out.push(Diagnostic::new(
                c.span,
                format!("IPv6 CIDR block {} has host bits set", c.value),
                format!("use the network address: {}", c.trunc()),
            ));
        }
    }
    for g in &rule.security_groups {
        dangling("security group", g, groups, out);
    }
}

/// Runs the security-group checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates(
        "security group",
        t.security_groups.iter().map(|g| &g.name),
        out,
    );
    let groups: Vec<&str> = t.security_groups.iter().map(|g| g.name.as_str()).collect();
    for g in &t.security_groups {
        if g.name.is_empty() || g.name.len() > 255 || g.name.starts_with("sg-") {
            out.push(Diagnostic::new(
                g.name.span,
                format!("invalid security group name `{}`", *g.name),
                "use 1 to 255 characters, not starting with `sg-`",
            ));
        }
        for r in &g.ingress {
            check_rule("ingress", r, &groups, out);
        }
        for r in g.egress.iter().flatten() {
            check_rule("egress", r, &groups, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;
    use IpProtocol::*;

    #[test]
    #[allow(clippy::type_complexity)]
    fn port_problem_table() {
        let cases: &[(
            IpProtocol,
            Option<i32>,
            Option<i32>,
            Option<i32>,
            Option<&str>,
        )] = &[
            (Tcp, Some(80), None, None, None),
            (Tcp, None, Some(8000), Some(8100), None),
            (Tcp, None, Some(0), Some(65535), None),
            (Udp, Some(53), None, None, None),
            (Tcp, None, Some(90), Some(80), Some("greater than to_port")),
            (Tcp, Some(70000), None, None, Some("out of range")),
            (Tcp, None, Some(-1), Some(80), Some("out of range")),
            (Tcp, None, None, None, Some("needs ports")),
            (Tcp, None, Some(80), None, Some("needs ports")),
            (Tcp, Some(80), Some(80), None, Some("cannot be combined")),
            (All, None, None, None, None),
            (All, None, Some(0), Some(0), None),
            (All, Some(443), None, None, Some("covers every port")),
            (All, None, Some(0), Some(65535), Some("covers every port")),
            (Icmp, None, Some(-1), Some(-1), None),
            (Icmp, None, Some(8), Some(0), None),
            (Icmp, None, Some(300), Some(0), Some("ICMP type/code")),
        ];
        for (proto, port, from, to, want) in cases {
            let got = port_problem(*proto, *port, *from, *to).map(|(m, _)| m);
            match want {
                None => assert!(got.is_none(), "{proto:?} {port:?} {from:?} {to:?}: {got:?}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{proto:?} {port:?} {from:?} {to:?}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn topology_level_table() {
        let cases = [
            (
                "  - name: x\n    ingress:\n      - { port: 80, security_groups: [sg] }\n",
                "",
            ),
            (
                "  - name: x\n    ingress:\n      - { port: 80, security_groups: [sgg] }\n",
                "11:39 unknown security group `sgg`",
            ),
            (
                "  - name: x\n    ingress:\n      - { port: 80 }\n",
                "has no source",
            ),
            (
                "  - name: x\n    egress:\n      - { protocol: tpc, port: 80, self: true }\n",
                "did you mean `tcp`",
            ),
            (
                "  - name: x\n    egress:\n      - { from_port: 90, to_port: 80, self: true }\n",
                "11:22 from_port 90 is greater",
            ),
            ("  - name: sg\n", "duplicate security group name `sg`"),
            (
                "  - name: x\n    ingress:\n      - { port: 80, cidr_blocks: [10.0.0.1/8] }\n",
                "host bits",
            ),
            ("  - name: x\n    egress: []\n", ""),
            // Terraform's allow-all egress, and an IPv6-only peer.
            (
                "  - name: x\n    egress:\n      - { protocol: '-1', cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0'] }\n",
                "",
            ),
            (
                "  - name: x\n    ingress:\n      - { port: 443, ipv6_cidr_blocks: ['2001:db8::/32'] }\n",
                "",
            ),
            (
                "  - name: x\n    ingress:\n      - { port: 443, ipv6_cidr_blocks: ['2001:db8::1/32'] }\n",
                "IPv6 CIDR block 2001:db8::1/32 has host bits set",
            ),
            (
                "  - name: x\n    ingress:\n      - { port: 443, ipv6_cidr_blocks: [10.0.0.0/8] }\n",
                "11:41 invalid IPv6 CIDR block `10.0.0.0/8`",
            ),
        ];
        for (extra, want) in cases {
            expect(extra, want);
        }
    }

    #[test]
    fn omitted_egress_is_allow_all_and_empty_is_none() {
        let t = crate::topology::parse_str(&format!(
            "{}  - name: closed\n    egress: []\n",
            crate::topology::checks::testing::BASE
        ))
        .unwrap();
        let open = t.security_group("sg").unwrap();
        assert!(open.egress.is_none());
        let eff = open.effective_egress();
        assert_eq!(eff.len(), 1);
        assert_eq!(*eff[0].protocol, All);
        assert_eq!(eff[0].cidr_blocks[0].to_string(), "0.0.0.0/0");
        assert!(
            t.security_group("closed")
                .unwrap()
                .effective_egress()
                .is_empty()
        );
    }
}
