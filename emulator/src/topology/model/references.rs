//! Endpoint references in ECS container `environment` values:
//! `"${rds.main-db.address}"`, `"redis://${elasticache.cache.primary_endpoint_address}:6379"`.
//!
//! Why: in Terraform a task definition gets a data store's real endpoint
//! through an attribute reference (`aws_db_instance.main.address`), never a
//! hand-written host name. A topology does the same with `${TYPE.NAME.ATTRIBUTE}`
//! inside an environment value; `emul up` puts the resolved text into the
//! registered task definition, so DescribeTaskDefinition shows what a
//! Terraform-rendered one would.
//!
//! This file parses a value into literal text and references (syntax errors
//! are decoding errors, pointing at the offending `${`); whether the resource
//! and the attribute exist is checked with the rest of the topology
//! (`checks::references`). `$${` is a literal `${`, as in Terraform.

use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::{Node, NodeKind};

/// The resource types a reference may name, with their attributes (the
/// Terraform attribute names of `aws_db_instance` and
/// `aws_elasticache_replication_group`).
pub const RESOURCE_TYPES: &[(&str, &[&str])] = &[
    ("rds", RDS_ATTRIBUTES),
    ("elasticache", ELASTICACHE_ATTRIBUTES),
    ("ecr", ECR_ATTRIBUTES),
];

/// `aws_ecr_repository`: `repository_url` (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`),
/// used in container images: `image: "${ecr.app.repository_url}:v1"`.
pub const ECR_ATTRIBUTES: &[&str] = &["repository_url"];

/// `aws_db_instance`: `address` (host name), `port`, `endpoint` (`address:port`).
pub const RDS_ATTRIBUTES: &[&str] = &["address", "port", "endpoint"];

/// `aws_elasticache_replication_group`: the primary (writer) and reader
/// endpoint host names, and the port.
pub const ELASTICACHE_ATTRIBUTES: &[&str] = &[
    "primary_endpoint_address",
    "reader_endpoint_address",
    "port",
];

/// One `${TYPE.NAME.ATTRIBUTE}` reference; each part keeps its own position
/// so a check can point at the exact word that is wrong.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reference {
    /// `rds` or `elasticache` (checked later, with a hint listing both).
    pub resource_type: Spanned<String>,
    /// The resource's topology name (`main-db`).
    pub name: Spanned<String>,
    /// The attribute (`address`).
    pub attribute: Spanned<String>,
}

impl Reference {
    /// `rds.main-db.address`, as written between `${` and `}`.
    pub fn path(&self) -> String {
        format!("{}.{}.{}", *self.resource_type, *self.name, *self.attribute)
    }
}

/// A piece of an environment value.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text (with `$${` already turned into `${`).
    Text(String),
    /// A reference, replaced by the resource's attribute at `up`.
    Ref(Reference),
}

/// An environment variable's value: as written, and cut into parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvValue {
    /// The text as written in the file (references unresolved): what
    /// `validate` reports and what tests of the fixtures compare.
    pub raw: Spanned<String>,
    /// Literal text and references, in order; empty for an empty value.
    pub parts: Vec<Part>,
}

impl EnvValue {
    /// A value with no references (for values not read from a file).
    pub fn literal(text: &str) -> Self {
        EnvValue {
            raw: Spanned::new(text.to_string(), Span::default()),
            parts: vec![Part::Text(text.to_string())],
        }
    }

    /// The references, in order.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Text(_) => None,
        })
    }

    /// The value with every reference replaced through `lookup`; the first
    /// reference `lookup` cannot answer is the error.
    pub fn resolve(
        &self,
        lookup: impl Fn(&Reference) -> Option<String>,
    ) -> Result<String, Reference> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Ref(r) => out.push_str(&lookup(r).ok_or_else(|| r.clone())?),
            }
        }
        Ok(out)
    }
}

/// A syntax problem: (character offset in the value, message, hint).
type SyntaxError = (usize, String, String);

/// Characters of a resource type, name or attribute: AWS identifiers use
/// letters, digits and hyphens; attributes use underscores.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

const REFERENCE_HINT: &str = "write `${rds.<instance>.address}` or `${elasticache.<replication group>.primary_endpoint_address}`; `$${` is a literal `${`";

/// Cuts `text` into parts. Words of a reference carry their character
/// offsets in `text` (turned into spans by the caller).
pub fn parse(text: &str) -> Result<Vec<(Part, Vec<usize>)>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts: Vec<(Part, Vec<usize>)> = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let at = |j: usize, s: &str| {
            s.chars()
                .enumerate()
                .all(|(k, c)| chars.get(j + k) == Some(&c))
        };
        if at(i, "$${") {
            literal.push_str("${");
            i += 3;
            continue;
        }
        if !at(i, "${") {
            literal.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        let Some(close) = (i + 2..chars.len()).find(|&j| chars[j] == '}') else {
            return Err((
                start,
                "unclosed `${` in an environment value".into(),
                format!("close the reference with `}}`; {REFERENCE_HINT}"),
            ));
        };
        let inner: String = chars[i + 2..close].iter().collect();
        let lead = inner.len() - inner.trim_start().len();
        let words: Vec<&str> = inner.trim().split('.').collect();
        if words.len() != 3
            || words
                .iter()
                .any(|w| w.is_empty() || !w.chars().all(word_char))
        {
            return Err((
                start,
                format!("`${{{inner}}}` is not a reference of the form `${{TYPE.NAME.ATTRIBUTE}}`"),
                REFERENCE_HINT.into(),
            ));
        }
        let mut offsets = Vec::new();
        let mut o = i + 2 + lead;
        for w in &words {
            offsets.push(o);
            o += w.chars().count() + 1;
        }
        if !literal.is_empty() {
            parts.push((Part::Text(std::mem::take(&mut literal)), vec![]));
        }
        let word = |k: usize| Spanned::new(words[k].to_string(), Span::default());
        parts.push((
            Part::Ref(Reference {
                resource_type: word(0),
                name: word(1),
                attribute: word(2),
            }),
            offsets,
        ));
        i = close + 1;
    }
    if !literal.is_empty() {
        parts.push((Part::Text(literal), vec![]));
    }
    Ok(parts)
}

/// Where character `offset` of a scalar starting at `span` is in the file:
/// one line on, past the opening quote of a quoted scalar. A value written
/// over several lines (or with escapes before the offset) is pointed at its
/// start or close to the place, which is still on the right value.
fn span_at(span: Span, plain: bool, text: &str, offset: usize) -> Span {
    if text.contains('\n') {
        return span;
    }
    let quote = u32::from(!plain);
    Span::new(span.line, span.column + quote + offset as u32)
}

impl Decode for EnvValue {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let raw: Spanned<String> = Spanned::decode(node, cx);
        let plain = matches!(&node.kind, NodeKind::Scalar { plain: true, .. });
        match parse(&raw) {
            Ok(parts) => EnvValue {
                parts: parts
                    .into_iter()
                    .map(|(p, offsets)| match p {
                        Part::Ref(mut r) => {
                            for (w, o) in [&mut r.resource_type, &mut r.name, &mut r.attribute]
                                .into_iter()
                                .zip(offsets)
                            {
                                w.span = span_at(raw.span, plain, &raw, o);
                            }
                            Part::Ref(r)
                        }
                        text => text,
                    })
                    .collect(),
                raw,
            },
            Err((offset, message, hint)) => {
                cx.error(span_at(raw.span, plain, &raw, offset), message, hint);
                EnvValue { raw, parts: vec![] }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &str) -> Vec<String> {
        parse(v)
            .unwrap()
            .into_iter()
            .map(|(p, o)| match p {
                Part::Text(t) => format!("text {t:?}"),
                Part::Ref(r) => format!("ref {} at {o:?}", r.path()),
            })
            .collect()
    }

    #[test]
    fn references_and_text_are_cut_apart() {
        assert_eq!(texts("plain"), ["text \"plain\""]);
        assert_eq!(texts(""), Vec::<String>::new());
        assert_eq!(
            texts("${rds.main-db.address}"),
            ["ref rds.main-db.address at [2, 6, 14]"]
        );
        assert_eq!(
            texts("redis://${elasticache.c.primary_endpoint_address}:${elasticache.c.port}/0"),
            [
                "text \"redis://\"",
                "ref elasticache.c.primary_endpoint_address at [10, 22, 24]",
                "text \":\"",
                "ref elasticache.c.port at [52, 64, 66]",
                "text \"/0\"",
            ]
        );
        assert_eq!(texts("${ rds.x.port }"), ["ref rds.x.port at [3, 7, 9]"]);
    }

    #[test]
    fn dollar_dollar_is_a_literal_and_a_lone_dollar_is_text() {
        assert_eq!(texts("$${HOME}/x"), ["text \"${HOME}/x\""]);
        assert_eq!(texts("cost $5 {a}"), ["text \"cost $5 {a}\""]);
    }

    #[test]
    fn syntax_errors_point_at_the_reference() {
        let (at, msg, hint) = parse("x ${rds.db.address").unwrap_err();
        assert_eq!(at, 2);
        assert!(msg.contains("unclosed `${`"), "{msg}");
        assert!(hint.contains("`$${` is a literal"), "{hint}");
        for bad in [
            "${HOME}",
            "${rds.db}",
            "${rds..port}",
            "${rds.db.port.x}",
            "${rds.d b.port}",
        ] {
            let (at, msg, _) = parse(bad).unwrap_err();
            assert_eq!(at, 0, "{bad}");
            assert!(msg.contains("not a reference of the form"), "{bad}: {msg}");
        }
    }

    #[test]
    fn resolve_replaces_each_reference() {
        let parts = parse("${rds.db.address}:${rds.db.port}").unwrap();
        let v = EnvValue {
            raw: Spanned::default(),
            parts: parts.into_iter().map(|(p, _)| p).collect(),
        };
        let lookup = |r: &Reference| match r.attribute.as_str() {
            "address" => Some("db.example".to_string()),
            "port" => Some("5432".to_string()),
            _ => None,
        };
        assert_eq!(v.resolve(lookup).unwrap(), "db.example:5432");
        assert_eq!(v.references().count(), 2);
        let v = EnvValue {
            raw: Spanned::default(),
            parts: parse("${rds.db.endpoint}")
                .unwrap()
                .into_iter()
                .map(|(p, _)| p)
                .collect(),
        };
        assert_eq!(v.resolve(lookup).unwrap_err().path(), "rds.db.endpoint");
        assert_eq!(EnvValue::literal("a").resolve(lookup).unwrap(), "a");
    }
}
