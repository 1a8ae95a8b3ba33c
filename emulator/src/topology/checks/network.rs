//! Network checks: the VPC and subnet CIDRs (syntax is checked while
//! decoding), AWS's size limits, containment, overlaps, AZ names, duplicate
//! subnet names.

use super::duplicates;
use crate::topology::span::Spanned;
use crate::topology::{Diagnostic, Topology};
use ipnet::Ipv4Net;

/// AWS allows VPC and subnet prefixes from /16 to /28.
pub fn size_ok(net: &Ipv4Net) -> bool {
    (16..=28).contains(&net.prefix_len())
}

/// True when the address has bits set beyond the prefix (`10.0.1.5/24`).
pub fn has_host_bits(net: &Ipv4Net) -> bool {
    net.addr() != net.network()
}

/// True when the two ranges share an address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// True when `az` is `region` followed by one lowercase letter.
pub fn az_in_region(az: &str, region: &str) -> bool {
    az.strip_prefix(region)
        .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()))
}

/// Checks one CIDR's prefix size and host bits.
fn cidr_shape(what: &str, net: &Spanned<Ipv4Net>, out: &mut Vec<Diagnostic>) {
    if has_host_bits(net) {
        out.push(Diagnostic::new(
            net.span,
            format!("{what} CIDR block {} has host bits set", net.value),
            format!("use the network address: {}", net.trunc()),
        ));
    }
    if !size_ok(net) {
        out.push(Diagnostic::new(
            net.span,
            format!(
                "{what} CIDR block {} is /{}; AWS allows /16 to /28",
                net.value,
                net.prefix_len()
            ),
            "use a prefix length from 16 to 28",
        ));
    }
}

/// Runs the network checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    let vpc = &t.vpc;
    cidr_shape("VPC", &vpc.cidr_block, out);
    if vpc.subnets.is_empty() {
        out.push(Diagnostic::new(
            vpc.span,
            "the VPC has no subnets",
            "add at least one subnet under `vpc.subnets`",
        ));
    }
    duplicates("subnet", vpc.subnets.iter().map(|s| &s.name), out);
    for (i, s) in vpc.subnets.iter().enumerate() {
        cidr_shape("subnet", &s.cidr_block, out);
        if s.cidr_block.is_placeholder() {
            continue;
        }
        let net = s.cidr_block.trunc();
        if !vpc.cidr_block.is_placeholder() && !vpc.cidr_block.trunc().contains(&net) {
            out.push(Diagnostic::new(
                s.cidr_block.span,
                format!(
                    "subnet `{}` ({}) is outside the VPC CIDR block {}",
                    *s.name, net, vpc.cidr_block.value
                ),
                format!("choose a range inside {}", vpc.cidr_block.trunc()),
            ));
        }
        if let Some(other) = vpc.subnets[..i]
            .iter()
            .find(|o| !o.cidr_block.is_placeholder() && overlaps(&o.cidr_block.trunc(), &net))
        {
            out.push(Diagnostic::new(
                s.cidr_block.span,
                format!(
                    "subnet `{}` ({}) overlaps subnet `{}` ({})",
                    *s.name, net, *other.name, other.cidr_block.value
                ),
                "subnets of a VPC must not share addresses; pick a free range",
            ));
        }
        // An invalid region is reported once, not once per subnet.
        if !t.region.is_placeholder()
            && super::project::region_ok(&t.region)
            && !s.availability_zone.is_placeholder()
            && !az_in_region(&s.availability_zone, &t.region)
        {
            out.push(Diagnostic::new(
                s.availability_zone.span,
                format!(
                    "availability zone `{}` is not in region {}",
                    *s.availability_zone, *t.region
                ),
                format!("use {}a, {}b, ...", *t.region, *t.region),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn pure_predicates_table() {
        for (cidr, size, host) in [
            ("10.0.0.0/16", true, false),
            ("10.0.0.0/15", false, false),
            ("10.0.0.16/28", true, false),
            ("10.0.0.0/29", false, false),
            ("10.0.1.5/24", true, true),
        ] {
            assert_eq!(size_ok(&net(cidr)), size, "{cidr}");
            assert_eq!(has_host_bits(&net(cidr)), host, "{cidr}");
        }
        for (a, b, o) in [
            ("10.0.1.0/24", "10.0.2.0/24", false),
            ("10.0.0.0/23", "10.0.1.0/24", true),
            ("10.0.1.0/24", "10.0.0.0/16", true),
            ("10.0.1.0/25", "10.0.1.128/25", false),
        ] {
            assert_eq!(overlaps(&net(a), &net(b)), o, "{a} {b}");
        }
        for (az, ok) in [
            ("us-east-1a", true),
            ("us-east-1", false),
            ("us-west-2a", false),
            ("us-east-1ab", false),
            ("us-east-1A", false),
        ] {
            assert_eq!(az_in_region(az, "us-east-1"), ok, "{az}");
        }
    }

    #[test]
    fn topology_level_table() {
        let cases = [
            (
                "    - { name: c, cidr_block: 10.0.3.0/24, availability_zone: us-east-1a }\n",
                "",
            ),
            (
                "    - { name: c, cidr_block: 10.1.0.0/24, availability_zone: us-east-1a }\n",
                "outside the VPC",
            ),
            (
                "    - { name: c, cidr_block: 10.0.1.128/25, availability_zone: us-east-1a }\n",
                "overlaps subnet `a`",
            ),
            (
                "    - { name: c, cidr_block: 10.0.3.0/29, availability_zone: us-east-1a }\n",
                "AWS allows /16 to /28",
            ),
            (
                "    - { name: c, cidr_block: 10.0.3.1/24, availability_zone: us-east-1a }\n",
                "has host bits set",
            ),
            (
                "    - { name: a, cidr_block: 10.0.3.0/24, availability_zone: us-east-1a }\n",
                "duplicate subnet name `a`",
            ),
            (
                "    - { name: c, cidr_block: 10.0.3.0/24, availability_zone: eu-west-1a }\n",
                "not in region us-east-1",
            ),
            (
                "    - { name: c, cidr_block: 10.0.3.0/33, availability_zone: us-east-1a }\n",
                "invalid CIDR block `10.0.3.0/33`",
            ),
            (
                "    - { name: c, cidr_block: 10.0.3/24, availability_zone: us-east-1a }\n",
                "invalid CIDR block",
            ),
        ];
        for (extra, want) in cases {
            // Insert the subnet into the base VPC's list.
            let src = crate::topology::checks::testing::BASE
                .replace("security_groups:\n", &format!("{extra}security_groups:\n"));
            let got = match crate::topology::parse_str(&src) {
                Ok(_) => vec![],
                Err(d) => d.into_iter().map(|d| d.message).collect::<Vec<_>>(),
            };
            if want.is_empty() {
                assert!(got.is_empty(), "{extra}: {got:?}");
            } else {
                assert!(got.len() == 1 && got[0].contains(want), "{extra}: {got:?}");
            }
        }
        expect("", "");
    }
}
