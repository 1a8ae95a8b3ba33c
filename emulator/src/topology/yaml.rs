//! The YAML layer: turns the file's text into a tree of [`Node`]s that keep
//! their source positions, using the pure-Rust `granit-parser` event parser.
//!
//! Typed decoding (see [`super::decode`]) walks this tree instead of using
//! serde directly, so that it can report *every* unknown key, wrong type and
//! missing key in one run rather than stopping at the first.

use super::diagnostic::Diagnostic;
use super::span::Span;
use granit_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// One YAML value with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts (for a mapping: its first key).
    pub span: Span,
    /// What the value is.
    pub kind: NodeKind,
}

/// The shape of a YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar: its text after escape processing, and whether it was quoted
    /// or written as a block (`|`, `>`), which makes it a string for sure.
    Scalar {
        /// The scalar's text.
        text: String,
        /// `true` for plain (unquoted) scalars, which may be numbers, booleans
        /// or null under the YAML 1.2 core schema.
        plain: bool,
    },
    /// A sequence `[a, b]` or `- a`.
    Seq(Vec<Node>),
    /// A mapping, in file order: (key, value).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// True for `null`, `~` and the empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A short description of what kind of value this is, for messages like
    /// "expected a list, found a mapping".
    pub fn describe(&self) -> String {
        match &self.kind {
            _ if self.is_null() => "null".to_string(),
            NodeKind::Scalar { text, .. } => format!("`{}`", shorten(text)),
            NodeKind::Seq(_) => "a list".to_string(),
            NodeKind::Map(_) => "a mapping".to_string(),
        }
    }
}

/// Cuts long scalars in messages.
fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// Converts a parser position (1-based line, 0-based column) to a [`Span`].
fn span_of(m: &granit_parser::Marker) -> Span {
    Span::new(m.line() as u32, m.col() as u32 + 1)
}

/// Parses `source` into a tree. Only one document is allowed. Syntax errors
/// (bad indentation, tabs, unclosed quotes...) and duplicate keys come back
/// as diagnostics with their position.
pub fn parse(source: &str) -> Result<Node, Vec<Diagnostic>> {
    let mut builder = Builder::default();
    for item in Parser::new_from_str(source) {
        match item {
            Ok((event, span)) => {
                if let Err(d) = builder.event(event, span_of(&span.start)) {
                    return Err(vec![d]);
                }
            }
            Err(e) => {
                let mut info = e.info();
                if info.is_empty() {
                    info = e.to_string();
                }
                let tab = info.to_lowercase().contains("tab");
                let hint = if tab {
                    "YAML does not allow tabs for indentation; indent with spaces"
                } else {
                    "fix the YAML syntax at this position (check indentation, quotes and brackets)"
                };
                let mut at = span_of(e.marker());
                if tab {
                    // Point at the tab itself: the scanner may report the
                    // scalar it was reading when it met the tab, lines above.
                    let from = at.line.max(1) as usize - 1;
                    if let Some((i, col)) = source
                        .lines()
                        .enumerate()
                        .skip(from)
                        .find_map(|(i, l)| l.chars().position(|c| c == '\t').map(|c| (i, c)))
                    {
                        at = Span::new(i as u32 + 1, col as u32 + 1);
                    }
                }
                let hint = if !tab && info.contains("quoted scalar") {
                    "a quote opened earlier may be unclosed: check the quotes before this position"
                } else {
                    hint
                };
                return Err(vec![Diagnostic::new(
                    at,
                    format!("invalid YAML: {info}"),
                    hint,
                )]);
            }
        }
    }
    let mut diags = builder.diags;
    match builder.documents.len() {
        0 => {
            diags.push(Diagnostic::new(
                Span::new(1, 1),
                "the topology file is empty",
                "start with `name:`, `vpc:` and the resources; see docs/topology.md",
            ));
            Err(diags)
        }
        1 if diags.is_empty() => Ok(builder.documents.remove(0)),
        1 => Err(diags),
        _ => {
            diags.push(Diagnostic::new(
                builder.documents[1].span,
                "the topology file contains more than one YAML document",
                "keep one document: remove the second `---` and what follows, or merge it",
            ));
            Err(diags)
        }
    }
}

/// Builds nodes from the event stream.
#[derive(Default)]
struct Builder {
    /// Open collections, innermost last.
    stack: Vec<Open>,
    /// Anchored nodes by anchor id, for aliases.
    anchors: HashMap<usize, Node>,
    /// Finished top-level documents.
    documents: Vec<Node>,
    /// Duplicate keys and other tree-level problems.
    diags: Vec<Diagnostic>,
}

/// A collection being built.
struct Open {
    /// Where the collection starts.
    span: Span,
    /// Its anchor id (0 = none), so aliases can copy it once finished.
    anchor: usize,
    /// `Some` for mappings: the entries so far and the pending key.
    map: Option<MapInProgress>,
    /// The items so far, for sequences.
    seq: Vec<Node>,
}

/// A mapping being built: finished (key, value) entries and the key read
/// last, still waiting for its value.
type MapInProgress = (Vec<(Node, Node)>, Option<Node>);

impl Builder {
    fn event(&mut self, event: Event<'_>, at: Span) -> Result<(), Diagnostic> {
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node {
                    span: at,
                    kind: NodeKind::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node);
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(Diagnostic::new(
                        at,
                        "alias refers to an unknown anchor",
                        "define the anchor (`&name`) before using the alias (`*name`)",
                    ));
                };
                self.push(Node { span: at, ..node });
            }
            Event::SequenceStart(_, anchor, _) => self.stack.push(Open {
                span: at,
                anchor,
                map: None,
                seq: Vec::new(),
            }),
            Event::MappingStart(_, anchor, _) => self.stack.push(Open {
                span: at,
                anchor,
                map: Some((Vec::new(), None)),
                seq: Vec::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let open = self.stack.pop().expect("parser balances collections");
                let kind = match open.map {
                    Some((entries, _)) => NodeKind::Map(entries),
                    None => NodeKind::Seq(open.seq),
                };
                let span = match &kind {
                    NodeKind::Map(entries) => entries.first().map_or(open.span, |(k, _)| k.span),
                    _ => open.span,
                };
                let node = Node { span, kind };
                if open.anchor != 0 {
                    self.anchors.insert(open.anchor, node.clone());
                }
                self.push(node);
            }
            _ => {}
        }
        Ok(())
    }

    /// Adds a finished node to the innermost open collection (or as a document).
    fn push(&mut self, node: Node) {
        let Some(top) = self.stack.last_mut() else {
            self.documents.push(node);
            return;
        };
        match &mut top.map {
            None => top.seq.push(node),
            Some((entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let NodeKind::Scalar { text, .. } = &key.kind
                        && let Some((first, _)) = entries.iter().find(|(k, _)| {
                            matches!(&k.kind, NodeKind::Scalar { text: t, .. } if t == text)
                        }) {
                            self.diags.push(Diagnostic::new(
                                key.span,
                                format!("duplicate key `{text}`"),
                                format!(
                                    "`{text}` is already set at line {}; keep only one",
                                    first.span.line
                                ),
                            ));
                            return;
                        }
                    entries.push((key, node));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> NodeKind {
        NodeKind::Scalar {
            text: text.into(),
            plain: true,
        }
    }

    #[test]
    fn builds_a_spanned_tree() {
        let n = parse("a: 1\nb:\n  - x\n  - 'y'\n").unwrap();
        let NodeKind::Map(entries) = n.kind else {
            panic!()
        };
        assert_eq!(entries[0].0.kind, scalar("a"));
        assert_eq!(entries[0].1.span, Span::new(1, 4));
        let NodeKind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        assert_eq!(items[0].span, Span::new(3, 5));
        assert_eq!(
            items[1].kind,
            NodeKind::Scalar {
                text: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let n = parse("a: &x {k: v}\nb: *x\n").unwrap();
        let NodeKind::Map(entries) = n.kind else {
            panic!()
        };
        assert_eq!(entries[0].1.kind, entries[1].1.kind);
        assert_eq!(entries[1].1.span, Span::new(2, 4));
    }

    #[test]
    fn table_of_syntax_errors() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("a: 1\na: 2\n", 2, 1, "duplicate key `a`"),
            ("a:\n\t- b\n", 2, 1, "invalid YAML"),
            ("a: [1, 2\n", 1, 4, "unclosed bracket"),
            ("", 1, 1, "the topology file is empty"),
            ("a: 1\n---\nb: 2\n", 3, 1, "more than one YAML document"),
        ];
        for (src, line, col, msg) in cases {
            let errs = parse(src).expect_err(src);
            assert!(errs[0].message.contains(msg), "{src:?}: {:?}", errs[0]);
            assert_eq!(
                errs[0].span,
                Span::new(*line, *col),
                "{src:?}: {:?}",
                errs[0]
            );
        }
    }
}
