//! The VPC and its subnets (`aws_vpc`, `aws_subnet`).

use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;
use ipnet::Ipv4Net;

/// The one VPC of a topology.
#[derive(Debug, Clone, Default)]
pub struct Vpc {
    /// The VPC's address range; becomes the Docker network's subnet.
    pub cidr_block: Spanned<Ipv4Net>,
    /// The subnets, each inside `cidr_block`.
    pub subnets: Vec<Subnet>,
    /// Where the `vpc:` mapping starts.
    pub span: Span,
}

/// One subnet of the VPC.
#[derive(Debug, Clone, Default)]
pub struct Subnet {
    /// How resources refer to the subnet.
    pub name: Spanned<String>,
    /// The subnet's range; ENIs get fixed addresses from it.
    pub cidr_block: Spanned<Ipv4Net>,
    /// The AZ (`us-east-1a`); ALBs and DB subnet groups must span two.
    pub availability_zone: Spanned<String>,
    /// Routed to an internet gateway ("public subnet").
    pub public: bool,
    /// Where the subnet's mapping starts.
    pub span: Span,
}

impl Decode for Vpc {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "the VPC");
        let v = Vpc {
            cidr_block: m.req(cx, "cidr_block"),
            subnets: m.req(cx, "subnets"),
            span: node.span,
        };
        m.finish(cx);
        v
    }
}

impl Decode for Subnet {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a subnet");
        let s = Subnet {
            name: m.req(cx, "name"),
            cidr_block: m.req(cx, "cidr_block"),
            availability_zone: m.req(cx, "availability_zone"),
            public: m.or(cx, "public", false),
            span: node.span,
        };
        m.finish(cx);
        s
    }
}
