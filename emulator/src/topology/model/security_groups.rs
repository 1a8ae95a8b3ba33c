//! Security groups and their rules (`aws_security_group` with inline
//! `ingress`/`egress` blocks).

use crate::string_enum;
use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;
use ipnet::{Ipv4Net, Ipv6Net};

string_enum! {
    /// The IP protocol of a rule. `-1`/`all` means every protocol and port.
    pub enum IpProtocol: "protocol" {
        /// TCP (`6`).
        Tcp = ["tcp", "6"],
        /// UDP (`17`).
        Udp = ["udp", "17"],
        /// ICMP (`1`); ports are the ICMP type and code.
        Icmp = ["icmp", "1"],
        /// Every protocol, every port.
        All = ["-1", "all"],
    }
}

/// One security group.
#[derive(Debug, Clone, Default)]
pub struct SecurityGroup {
    /// Unique name; rules and resources refer to it.
    pub name: Spanned<String>,
    /// Free text (`GroupDescription`).
    pub description: String,
    /// Inbound rules; empty means nothing may connect in.
    pub ingress: Vec<SgRule>,
    /// Outbound rules as written. `None` (key omitted) means AWS's default
    /// allow-all rule; `Some(vec![])` means no outbound traffic at all. Use
    /// [`SecurityGroup::effective_egress`] for what is enforced.
    pub egress: Option<Vec<SgRule>>,
    /// Where the group's mapping starts.
    pub span: Span,
}

impl SecurityGroup {
    /// The outbound rules in force: the written ones, or AWS's default
    /// "all traffic to 0.0.0.0/0" when `egress` was omitted.
    pub fn effective_egress(&self) -> Vec<SgRule> {
        match &self.egress {
            Some(rules) => rules.clone(),
            None => vec![SgRule {
                protocol: Spanned::new(IpProtocol::All, self.span),
                cidr_blocks: vec![Spanned::new(Ipv4Net::default(), self.span)],
                description: Some("AWS default egress: all traffic".into()),
                span: self.span,
                ..SgRule::default()
            }],
        }
    }
}

/// The ports a rule covers, after `port` / `from_port` / `to_port` and the
/// protocol are taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRange {
    /// Every port (protocol `-1`, or ICMP type/code `-1`).
    All,
    /// `from..=to`.
    Range(u16, u16),
}

/// One ingress or egress rule.
#[derive(Debug, Clone, Default)]
pub struct SgRule {
    /// Protocol; default `tcp`.
    pub protocol: Spanned<IpProtocol>,
    /// Shorthand for `from_port = to_port = port`.
    pub port: Option<Spanned<i32>>,
    /// First port (ICMP type).
    pub from_port: Option<Spanned<i32>>,
    /// Last port (ICMP code).
    pub to_port: Option<Spanned<i32>>,
    /// Peers by IPv4 address.
    pub cidr_blocks: Vec<Spanned<Ipv4Net>>,
    /// Peers by IPv6 address (`ipv6_cidr_blocks`): Terraform's usual
    /// allow-all egress carries `["::/0"]`. Enforced as `ip6` matches even
    /// though emul's VPC network is IPv4-only, so the rules are what AWS has.
    pub ipv6_cidr_blocks: Vec<Spanned<Ipv6Net>>,
    /// Peers by group membership (group names).
    pub security_groups: Vec<Spanned<String>>,
    /// The group itself is a peer.
    pub self_: bool,
    /// Free text.
    pub description: Option<String>,
    /// Where the rule's mapping starts.
    pub span: Span,
}

impl SgRule {
    /// The covered ports. Valid only on a validated topology.
    pub fn port_range(&self) -> PortRange {
        if *self.protocol == IpProtocol::All {
            return PortRange::All;
        }
        let (from, to) = match (&self.port, &self.from_port, &self.to_port) {
            (Some(p), _, _) => (p.value, p.value),
            (None, Some(f), Some(t)) => (f.value, t.value),
            _ => (-1, -1),
        };
        if from < 0 || to < 0 {
            PortRange::All
        } else {
            PortRange::Range(from as u16, to as u16)
        }
    }
}

impl Decode for SecurityGroup {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a security group");
        let g = SecurityGroup {
            name: m.req(cx, "name"),
            description: m.or(cx, "description", "Managed by emul".to_string()),
            ingress: m.or(cx, "ingress", Vec::new()),
            // `egress: []` must stay distinct from an omitted `egress`, and
            // `egress:` with nothing after it reads as null: treat it as [].
            egress: if m.has("egress") {
                Some(m.or(cx, "egress", Vec::new()))
            } else {
                m.node("egress");
                None
            },
            span: node.span,
        };
        m.finish(cx);
        g
    }
}

impl Decode for SgRule {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a security group rule");
        let protocol = match m.node("protocol") {
            Some(n) => Spanned::decode(n, cx),
            None => Spanned::new(IpProtocol::Tcp, node.span),
        };
        let r = SgRule {
            protocol,
            port: m.opt(cx, "port"),
            from_port: m.opt(cx, "from_port"),
            to_port: m.opt(cx, "to_port"),
            cidr_blocks: m.or(cx, "cidr_blocks", Vec::new()),
            ipv6_cidr_blocks: m.or(cx, "ipv6_cidr_blocks", Vec::new()),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            self_: m.or(cx, "self", false),
            description: m.opt(cx, "description"),
            span: node.span,
        };
        m.finish(cx);
        r
    }
}
