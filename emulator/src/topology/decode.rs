//! Typed decoding of the spanned YAML tree into the model.
//!
//! Decoding never stops at the first problem: every `decode` returns a value
//! (a default one where the input was wrong) and records what was wrong in
//! [`Cx`]. The model is handed out only when no problem was recorded.
//!
//! A struct decoder reads its keys through a [`MapReader`]; the keys it asks
//! for *are* the schema, so unknown keys are found (and the nearest known key
//! suggested) without a second description of the format.

use super::diagnostic::Diagnostic;
use super::span::{Span, Spanned};
use super::yaml::{Node, NodeKind};
use std::collections::BTreeMap;

/// Collects the problems found while decoding.
#[derive(Debug, Default)]
pub struct Cx {
    /// Every problem so far, in the order found.
    pub diags: Vec<Diagnostic>,
    /// Mappings in which a problem was found. The semantic checks still run
    /// on a model with problems (so that one run reports everything), but
    /// what they say about these mappings may stem from a placeholder value,
    /// so it is dropped.
    pub tainted: Vec<Span>,
}

impl Cx {
    /// Records a problem.
    pub fn error(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diags.push(Diagnostic::new(span, message, hint));
    }

    /// Starts reading `node` as a mapping describing `what` (e.g. "subnet").
    /// A non-mapping is reported and read as an empty mapping.
    pub fn map<'n>(&mut self, node: &'n Node, what: &'static str) -> MapReader<'n> {
        let entries = match &node.kind {
            NodeKind::Map(entries) => merged_entries(entries),
            _ => {
                self.error(
                    node.span,
                    format!("expected a mapping for {what}, found {}", node.describe()),
                    format!("write {what} as `key: value` lines"),
                );
                Vec::new()
            }
        };
        MapReader {
            span: node.span,
            diags_before: self.diags.len(),
            entries,
            known: Vec::new(),
            missing: Vec::new(),
            what,
        }
    }
}

/// A mapping's entries with YAML merge keys (`<<: *defaults`, or a list of
/// aliases) expanded: merged keys come after the mapping's own and never
/// override them, as in YAML 1.1's merge type.
fn merged_entries(entries: &[(Node, Node)]) -> Vec<(&Node, &Node)> {
    let is_merge =
        |k: &Node| matches!(&k.kind, NodeKind::Scalar { text, plain: true } if text == "<<");
    let mut out: Vec<(&Node, &Node)> = Vec::new();
    let mut merged: Vec<(&Node, &Node)> = Vec::new();
    for (k, v) in entries {
        if !is_merge(k) {
            out.push((k, v));
            continue;
        }
        let sources: Vec<&Node> = match &v.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        if sources.iter().all(|s| matches!(s.kind, NodeKind::Map(_))) {
            for source in sources {
                if let NodeKind::Map(inner) = &source.kind {
                    merged.extend(merged_entries(inner));
                }
            }
        } else {
            // Not mappings: keep the `<<` key so that it is reported.
            out.push((k, v));
        }
    }
    for (k, v) in merged {
        let text = key_text(k);
        if !out.iter().any(|(o, _)| key_text(o) == text) {
            out.push((k, v));
        }
    }
    out
}

/// Reads the keys of one mapping and remembers which keys exist.
pub struct MapReader<'n> {
    /// Where the mapping starts (missing keys are reported here).
    pub span: Span,
    /// How many problems were known when the mapping was opened.
    diags_before: usize,
    entries: Vec<(&'n Node, &'n Node)>,
    known: Vec<&'static str>,
    missing: Vec<String>,
    what: &'static str,
}

impl<'n> MapReader<'n> {
    /// The raw node under `key`, if present (null counts as absent).
    pub fn node(&mut self, key: &'static str) -> Option<&'n Node> {
        self.known.push(key);
        self.entries
            .iter()
            .find(|(k, _)| key_text(k) == Some(key))
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// True when `key` is written (even as null), without marking it known.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| key_text(k) == Some(key))
    }

    /// The span of the key `key` itself, if written.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| key_text(k) == Some(key))
            .map(|(k, _)| k.span)
    }

    /// An optional key.
    pub fn opt<T: Decode>(&mut self, cx: &mut Cx, key: &'static str) -> Option<T> {
        self.node(key).map(|n| T::decode(n, cx))
    }

    /// An optional key with a default.
    pub fn or<T: Decode>(&mut self, cx: &mut Cx, key: &'static str, default: T) -> T {
        self.opt(cx, key).unwrap_or(default)
    }

    /// A required key: reports it when missing and returns a default.
    pub fn req<T: Decode + Default>(&mut self, cx: &mut Cx, key: &'static str) -> T {
        match self.node(key) {
            Some(n) => T::decode(n, cx),
            None => {
                self.missing(key);
                T::default()
            }
        }
    }

    /// True when a key no decoder asked for looks like a misspelling of one
    /// of `keys` (so a "missing" report would only repeat the typo report).
    pub fn typo_of_any(&self, keys: &[&str]) -> bool {
        self.entries.iter().any(|(k, _)| {
            key_text(k).is_some_and(|text| {
                !self.known.contains(&text)
                    && suggest(text, &self.known).is_some_and(|s| keys.contains(&s))
            })
        })
    }

    /// Notes a missing required key; reported by [`MapReader::finish`]
    /// unless a misspelt key already explains it (`cidr` for `cidr_block`).
    pub fn missing(&mut self, key: &str) {
        self.missing.push(key.to_string());
    }

    /// Reports missing required keys and every key that no decoder asked
    /// for, suggesting the nearest known key.
    pub fn finish(self, cx: &mut Cx) {
        self.report(cx);
        if cx.diags.len() > self.diags_before {
            cx.tainted.push(self.span);
        }
    }

    fn report(&self, cx: &mut Cx) {
        let mut explained = Vec::new();
        for (k, _) in &self.entries {
            if let Some(text) = key_text(k)
                && !self.known.contains(&text)
            {
                explained.extend(suggest(text, &self.known));
            }
        }
        for key in &self.missing {
            if !explained.contains(&key.as_str()) {
                cx.error(
                    self.span,
                    format!("missing required key `{key}` in {}", self.what),
                    format!("add `{key}: ...` here"),
                );
            }
        }
        for (k, _) in &self.entries {
            let Some(text) = key_text(k) else {
                cx.error(
                    k.span,
                    format!("keys must be strings, found {}", k.describe()),
                    "write the key as a plain word",
                );
                continue;
            };
            if self.known.contains(&text) {
                continue;
            }
            let listed = self.known.join(", ");
            match suggest(text, &self.known) {
                Some(best) => cx.error(
                    k.span,
                    format!("unknown key `{text}`; did you mean `{best}`?"),
                    format!("keys allowed in {}: {listed}", self.what),
                ),
                None => cx.error(
                    k.span,
                    format!("unknown key `{text}` in {}", self.what),
                    format!("keys allowed in {}: {listed}", self.what),
                ),
            }
        }
    }
}

fn key_text(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// The candidate closest to `word`, if any is close enough to be a likely
/// typo or a near-synonym (`cidr` → `cidr_block`).
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase().replace('-', "_");
    let mut best: Option<(f64, &'a str)> = None;
    for &c in candidates {
        let mut score = strsim::jaro_winkler(&lower, c);
        // One or two edits (swapped letters count as one) is a typo too.
        let edits = strsim::damerau_levenshtein(&lower, c);
        if edits <= (c.len() / 4).max(1) {
            score = score.max(0.85);
        }
        if lower.len() >= 3 && (c.starts_with(&lower) || lower.starts_with(c)) {
            score = score.max(0.9);
        }
        // A longer spelling around a known key (`source_security_group` for
        // `security_groups`) is most likely that key.
        let stem = c.trim_end_matches('s');
        if stem.len() >= 5 && lower.contains(stem) {
            score = score.max(0.82);
        }
        if lower == c {
            score = 1.0;
        }
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A value that can be read from a YAML node.
pub trait Decode: Sized {
    /// Reads `node`, recording problems in `cx`. Returns a placeholder value
    /// when the node is wrong; the caller never sees it because the model is
    /// discarded when `cx` holds problems.
    fn decode(node: &Node, cx: &mut Cx) -> Self;
}

/// The text of a scalar, or a reported type error.
fn scalar<'n>(node: &'n Node, cx: &mut Cx, expected: &str) -> Option<(&'n str, bool)> {
    match &node.kind {
        NodeKind::Scalar { text, plain } if !node.is_null() => Some((text, *plain)),
        _ => {
            cx.error(
                node.span,
                format!("expected {expected}, found {}", node.describe()),
                format!("write {expected} here"),
            );
            None
        }
    }
}

impl Decode for String {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        // Plain numbers and booleans are accepted as their text: `value: 8080`
        // in an environment variable means the string "8080".
        scalar(node, cx, "a string")
            .map(|(t, _)| t.to_string())
            .unwrap_or_default()
    }
}

impl Decode for bool {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        match scalar(node, cx, "`true` or `false`") {
            Some((t, true)) => match t {
                "true" | "True" | "TRUE" => true,
                "false" | "False" | "FALSE" => false,
                _ => {
                    cx.error(
                        node.span,
                        format!("expected `true` or `false`, found `{t}`"),
                        "write `true` or `false`",
                    );
                    false
                }
            },
            Some((t, false)) => {
                cx.error(
                    node.span,
                    format!("expected `true` or `false`, found the string \"{t}\""),
                    "remove the quotes",
                );
                false
            }
            None => false,
        }
    }
}

/// Parses a YAML 1.2 core-schema integer (decimal, `0x`, `0o`).
pub fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// Reads an integer and checks it is within `min..=max`.
pub fn int_in(node: &Node, cx: &mut Cx, min: i64, max: i64) -> i64 {
    let expected = "an integer";
    match scalar(node, cx, expected) {
        Some((t, true)) => match parse_int(t) {
            Some(v) if (min..=max).contains(&v) => v,
            Some(v) => {
                cx.error(
                    node.span,
                    format!("{v} is out of range: expected an integer from {min} to {max}"),
                    format!("use a value from {min} to {max}"),
                );
                v.clamp(min, max)
            }
            None => {
                cx.error(
                    node.span,
                    format!("expected an integer, found `{t}`"),
                    "write a whole number without quotes or units",
                );
                min
            }
        },
        Some((t, false)) => {
            cx.error(
                node.span,
                format!("expected an integer, found the string \"{t}\""),
                "remove the quotes",
            );
            min
        }
        None => min,
    }
}

macro_rules! int_decode {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn decode(node: &Node, cx: &mut Cx) -> Self {
                int_in(node, cx, <$t>::MIN as i64, <$t>::MAX as i64) as $t
            }
        }
    )*};
}
int_decode!(u8, u16, u32, i32);

impl Decode for i64 {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        int_in(node, cx, i64::MIN, i64::MAX)
    }
}

impl Decode for u64 {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        int_in(node, cx, 0, i64::MAX) as u64
    }
}

impl<T: Decode> Decode for Spanned<T> {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        // A value that failed to decode gets the placeholder span (line 0).
        let before = cx.diags.len();
        let value = T::decode(node, cx);
        let span = if cx.diags.len() > before {
            Span::default()
        } else {
            node.span
        };
        Spanned::new(value, span)
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().map(|n| T::decode(n, cx)).collect(),
            _ => {
                cx.error(
                    node.span,
                    format!("expected a list, found {}", node.describe()),
                    "write a list: `[a, b]` or one `- item` per line",
                );
                Vec::new()
            }
        }
    }
}

impl Decode for ipnet::Ipv4Net {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let Some((t, _)) = scalar(node, cx, "an IPv4 CIDR block") else {
            return Self::default();
        };
        match t.parse::<ipnet::Ipv4Net>() {
            Ok(net) => net,
            Err(_) => {
                cx.error(
                    node.span,
                    format!("invalid CIDR block `{t}`"),
                    "write an IPv4 network as ADDRESS/PREFIX, e.g. 10.0.1.0/24 (prefix 0..32)",
                );
                Self::default()
            }
        }
    }
}

impl Decode for ipnet::Ipv6Net {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let Some((t, _)) = scalar(node, cx, "an IPv6 CIDR block") else {
            return Self::default();
        };
        match t.parse::<ipnet::Ipv6Net>() {
            Ok(net) => net,
            Err(_) => {
                cx.error(
                    node.span,
                    format!("invalid IPv6 CIDR block `{t}`"),
                    "write an IPv6 network as ADDRESS/PREFIX, e.g. ::/0 or 2001:db8::/32 (prefix 0..128)",
                );
                Self::default()
            }
        }
    }
}

/// An IPv4 or an IPv6 CIDR block (ALB `source-ip` takes both).
impl Decode for ipnet::IpNet {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let Some((t, _)) = scalar(node, cx, "a CIDR block") else {
            return ipnet::IpNet::V4(ipnet::Ipv4Net::default());
        };
        match t.parse::<ipnet::IpNet>() {
            Ok(net) => net,
            Err(_) => {
                cx.error(
                    node.span,
                    format!("invalid CIDR block `{t}`"),
                    "write ADDRESS/PREFIX: IPv4 (203.0.113.0/24) or IPv6 (2001:db8::/32)",
                );
                ipnet::IpNet::V4(ipnet::Ipv4Net::default())
            }
        }
    }
}

/// A scalar value of a parameter group or a JSON secret: kept as text with
/// its YAML type, so it can be rendered as JSON faithfully.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Scalar {
    /// A string (quoted, or plain text that is not a number/bool/null).
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or a float, kept as written.
    Number(String),
    /// Any other text.
    String(String),
}

impl Scalar {
    /// The value as text (what `postgres -c k=v` or `redis-server --k v` takes).
    pub fn as_text(&self) -> String {
        match self {
            Scalar::Null => String::new(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) | Scalar::String(n) => n.clone(),
        }
    }

    /// Types a scalar the way the YAML 1.2 core schema does.
    pub fn from_yaml(text: &str, plain: bool) -> Scalar {
        if !plain {
            return Scalar::String(text.to_string());
        }
        match text {
            "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
            "true" | "True" | "TRUE" => Scalar::Bool(true),
            "false" | "False" | "FALSE" => Scalar::Bool(false),
            t if parse_int(t).is_some() || t.parse::<f64>().is_ok_and(f64::is_finite) => {
                Scalar::Number(t.to_string())
            }
            t => Scalar::String(t.to_string()),
        }
    }
}

impl Decode for Scalar {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        match &node.kind {
            NodeKind::Scalar { text, plain } => Scalar::from_yaml(text, *plain),
            _ => {
                cx.error(
                    node.span,
                    format!("expected a single value, found {}", node.describe()),
                    "write a string, number or boolean",
                );
                Scalar::Null
            }
        }
    }
}

/// A mapping with free-form keys (parameter groups, environment maps), in
/// file order, each key and value with its span.
pub type FreeMap<V> = Vec<(Spanned<String>, Spanned<V>)>;

/// Reads a free-form mapping.
pub fn free_map<V: Decode>(node: &Node, cx: &mut Cx, what: &str) -> FreeMap<V> {
    match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (Spanned::decode(k, cx), Spanned::decode(v, cx)))
            .collect(),
        _ => {
            cx.error(
                node.span,
                format!("expected a mapping for {what}, found {}", node.describe()),
                format!("write {what} as `name: value` lines"),
            );
            Vec::new()
        }
    }
}

/// A JSON value written in YAML (literal JSON secrets, templates).
pub fn json_value(node: &Node, cx: &mut Cx) -> serde_json::Value {
    use serde_json::Value;
    match &node.kind {
        NodeKind::Scalar { text, plain } => match Scalar::from_yaml(text, *plain) {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Number(n) => serde_json::from_str(&n)
                .or_else(|_| parse_int(&n).map(Value::from).ok_or(()))
                .unwrap_or(Value::String(n)),
            Scalar::String(s) => Value::String(s),
        },
        NodeKind::Seq(items) => Value::Array(items.iter().map(|n| json_value(n, cx)).collect()),
        NodeKind::Map(entries) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in entries {
                let key = String::decode(k, cx);
                obj.insert(key, json_value(v, cx));
            }
            Value::Object(obj)
        }
    }
}

/// A JSON object written in YAML, with the spans of its top-level keys.
pub fn json_object(node: &Node, cx: &mut Cx, what: &str) -> BTreeMap<String, serde_json::Value> {
    match json_value(node, cx) {
        serde_json::Value::Object(m) => m.into_iter().collect(),
        _ => {
            cx.error(
                node.span,
                format!("expected a mapping for {what}, found {}", node.describe()),
                "write the JSON object as `key: value` lines",
            );
            BTreeMap::new()
        }
    }
}

/// Declares a string enum decoded from a fixed set of spellings, with the
/// nearest spelling suggested on a typo.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident : $what:literal {
        $($(#[$vmeta:meta])* $variant:ident = [$($text:literal),+]),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every accepted spelling (the first of each variant is canonical).
            pub const SPELLINGS: &'static [&'static str] = &[$($($text),+),+];

            /// The canonical spelling, as AWS writes it.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => [$($text),+][0]),+ }
            }

            /// Parses one of the accepted spellings.
            pub fn parse(text: &str) -> Option<Self> {
                $(if [$($text),+].contains(&text) { return Some($name::$variant); })+
                None
            }
        }

        impl Default for $name {
            fn default() -> Self {
                [$($name::$variant),+][0]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::topology::decode::Decode for $name {
            fn decode(node: &$crate::topology::yaml::Node, cx: &mut $crate::topology::decode::Cx) -> Self {
                let text = <String as $crate::topology::decode::Decode>::decode(node, cx);
                match Self::parse(&text) {
                    Some(v) => v,
                    None => {
                        let all = Self::SPELLINGS.join(", ");
                        let msg = match $crate::topology::decode::suggest(&text, Self::SPELLINGS) {
                            Some(s) => format!("unknown {} `{}`; did you mean `{}`?", $what, text, s),
                            None => format!("unknown {} `{}`", $what, text),
                        };
                        cx.error(node.span, msg, format!("use one of: {all}"));
                        [$($name::$variant),+][0]
                    }
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::yaml;

    fn node(src: &str) -> Node {
        yaml::parse(src).unwrap()
    }

    #[test]
    fn suggestions_table() {
        let keys = ["name", "cidr_block", "availability_zone", "public"];
        let cases = [
            ("cidr", Some("cidr_block")),
            ("cidr_blok", Some("cidr_block")),
            ("nmae", Some("name")),
            ("availability-zone", Some("availability_zone")),
            ("az", None),
            ("source_security_group", None),
            ("zzzz", None),
        ];
        for (word, want) in cases {
            assert_eq!(suggest(word, &keys), want, "{word}");
        }
    }

    #[test]
    fn ints_table() {
        let cases: &[(&str, i64, i64, Result<i64, &str>)] = &[
            ("p: 80", 0, 65535, Ok(80)),
            ("p: 0x10", 0, 65535, Ok(16)),
            ("p: -1", -1, 5, Ok(-1)),
            ("p: 70000", 0, 65535, Err("70000 is out of range")),
            ("p: \"80\"", 0, 65535, Err("found the string")),
            ("p: eighty", 0, 65535, Err("expected an integer")),
            ("p: [1]", 0, 65535, Err("found a list")),
        ];
        for (src, min, max, want) in cases {
            let n = node(src);
            let NodeKind::Map(e) = &n.kind else { panic!() };
            let mut cx = Cx::default();
            let v = int_in(&e[0].1, &mut cx, *min, *max);
            match want {
                Ok(w) => {
                    assert_eq!(v, *w, "{src}");
                    assert!(cx.diags.is_empty(), "{src}");
                }
                Err(m) => assert!(cx.diags[0].message.contains(m), "{src}: {:?}", cx.diags),
            }
        }
    }

    #[test]
    fn map_reader_reports_missing_and_unknown_keys() {
        let n = node("name: a\ncidr: 10.0.0.0/16\n");
        let mut cx = Cx::default();
        let mut m = cx.map(&n, "subnet");
        let _: String = m.req(&mut cx, "name");
        let _: Option<ipnet::Ipv4Net> = m.opt(&mut cx, "cidr_block");
        let _: String = m.req(&mut cx, "availability_zone");
        m.finish(&mut cx);
        let msgs: Vec<_> = cx.diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "missing required key `availability_zone` in subnet",
                "unknown key `cidr`; did you mean `cidr_block`?"
            ]
        );
        assert_eq!(cx.diags[1].span, Span::new(2, 1));
    }

    #[test]
    fn merge_keys_fill_in_without_overriding() {
        let n = node("base: &b { a: 1, b: 2 }\nuse: { <<: *b, b: 3 }\n");
        let NodeKind::Map(e) = &n.kind else { panic!() };
        let mut cx = Cx::default();
        let mut m = cx.map(&e[1].1, "x");
        let a: i64 = m.req(&mut cx, "a");
        let b: i64 = m.req(&mut cx, "b");
        m.finish(&mut cx);
        assert_eq!((a, b), (1, 3));
        assert!(cx.diags.is_empty(), "{:?}", cx.diags);
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        assert_eq!(Scalar::from_yaml("100", true), Scalar::Number("100".into()));
        assert_eq!(
            Scalar::from_yaml("100", false),
            Scalar::String("100".into())
        );
        assert_eq!(Scalar::from_yaml("true", true), Scalar::Bool(true));
        assert_eq!(Scalar::from_yaml("1.5", true), Scalar::Number("1.5".into()));
        assert_eq!(Scalar::from_yaml("ddl", true), Scalar::String("ddl".into()));
        assert_eq!(Scalar::from_yaml("~", true), Scalar::Null);
    }
}
