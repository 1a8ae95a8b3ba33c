//! ECR repositories (`aws_ecr_repository`): created at `up` so images can be
//! pushed to them, and referenced by name in container images as
//! `${ecr.NAME.repository_url}:TAG` (Terraform's `repository_url`).

use crate::string_enum;
use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;

string_enum! {
    /// `image_tag_mutability`.
    pub enum TagMutability: "image tag mutability" {
        /// Tags may move to another image (the default).
        Mutable = ["MUTABLE"],
        /// A pushed tag can never point at another image.
        Immutable = ["IMMUTABLE"],
    }
}

/// One ECR repository.
#[derive(Debug, Clone, Default)]
pub struct EcrRepository {
    /// `name`: the repository name (ECR's naming rules).
    pub name: Spanned<String>,
    /// `image_tag_mutability`: enforced on push.
    pub image_tag_mutability: TagMutability,
    /// `scan_on_push`: stored and shown by DescribeRepositories; nothing is scanned.
    pub scan_on_push: bool,
    /// Where the repository's mapping starts.
    pub span: Span,
}

impl Decode for EcrRepository {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "an ECR repository");
        let r = EcrRepository {
            name: m.req(cx, "name"),
            image_tag_mutability: m.or(cx, "image_tag_mutability", TagMutability::Mutable),
            scan_on_push: m.or(cx, "scan_on_push", false),
            span: node.span,
        };
        m.finish(cx);
        r
    }
}
