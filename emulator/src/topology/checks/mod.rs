//! Semantic checks on a decoded topology, one file per family of resources.
//! Each check is pure: it reads the model and appends diagnostics.

pub mod ecr;
pub mod ecs;
pub mod elasticache;
pub mod elbv2;
pub mod network;
pub mod project;
pub mod rds;
pub mod references;
pub mod secrets;
pub mod security_groups;

use super::Topology;
use super::diagnostic::Diagnostic;
use super::span::Spanned;
use std::collections::HashMap;

/// Runs every check.
pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    project::check(t, out);
    network::check(t, out);
    security_groups::check(t, out);
    secrets::check(t, out);
    rds::check(t, out);
    elasticache::check(t, out);
    ecs::check(t, out);
    ecr::check(t, out);
    references::check(t, out);
    elbv2::check(t, out);
}

/// Reports names used twice within one kind (`kind` reads "subnet").
pub fn duplicates<'a>(
    kind: &str,
    names: impl IntoIterator<Item = &'a Spanned<String>>,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for n in names.into_iter().filter(|n| !n.is_empty()) {
        if let Some(first) = seen.get(n.as_str()) {
            out.push(Diagnostic::new(
                n.span,
                format!("duplicate {kind} name `{}`", n.value),
                format!(
                    "{kind} names must be unique; `{}` is already defined at line {}",
                    n.value, first.span.line
                ),
            ));
        } else {
            seen.insert(n.as_str(), n);
        }
    }
}

/// Reports a reference to something that does not exist, suggesting the
/// nearest existing name.
pub fn dangling(
    kind: &str,
    reference: &Spanned<String>,
    existing: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    // An empty reference is a placeholder for a value that failed to decode.
    if reference.is_empty() || existing.contains(&reference.as_str()) {
        return;
    }
    let hint = match super::decode::suggest(reference, existing) {
        Some(s) => format!(
            "did you mean `{s}`? defined {}: {}",
            plural(kind),
            list(existing)
        ),
        None if existing.is_empty() => format!("no {kind} is defined; add one or fix the name"),
        None => format!("defined {}: {}", plural(kind), list(existing)),
    };
    out.push(Diagnostic::new(
        reference.span,
        format!("unknown {kind} `{}`", reference.value),
        hint,
    ));
}

/// `a, b, c` (shortened when long).
/// `kind` in the plural (`subnets`, `ECR repositories`).
fn plural(kind: &str) -> String {
    match kind.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{kind}s"),
    }
}

fn list(names: &[&str]) -> String {
    let mut s = names
        .iter()
        .take(12)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 12 {
        s.push_str(", ...");
    }
    s
}

/// Checks a name against a length limit and allowed characters.
pub fn name_syntax(
    kind: &str,
    name: &Spanned<String>,
    max: usize,
    allowed: impl Fn(char) -> bool,
    allowed_text: &str,
    out: &mut Vec<Diagnostic>,
) {
    let n = name.as_str();
    if n.is_empty() || n.chars().count() > max || !n.chars().all(allowed) {
        out.push(Diagnostic::new(
            name.span,
            format!("invalid {kind} name `{n}`"),
            format!("use 1 to {max} {allowed_text}"),
        ));
    }
}

/// Checks `value` is within `min..=max`.
pub fn range(
    what: &str,
    value: &Spanned<i64>,
    min: i64,
    max: i64,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if (min..=max).contains(&value.value) {
        return true;
    }
    out.push(Diagnostic::new(
        value.span,
        format!("{what} {} is out of range ({min}..{max})", value.value),
        format!("set {what} to a value from {min} to {max}"),
    ));
    false
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the checks' table-driven tests: a small valid topology to
    //! append resources to, and a runner returning the messages.

    /// A minimal valid topology to extend in tests.
    pub const BASE: &str = "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
    - { name: b, cidr_block: 10.0.2.0/24, availability_zone: us-east-1b }
security_groups:
  - name: sg
";

    /// Parses a whole topology and returns every diagnostic as
    /// `LINE:COL message`.
    pub fn problems_in(src: &str) -> Vec<String> {
        match crate::topology::parse_str(src) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .map(|d| format!("{}:{} {}", d.span.line, d.span.column, d.message))
                .collect(),
        }
    }

    /// Asserts that `extra` yields exactly one problem containing `want`
    /// (or none when `want` is empty).
    pub fn expect(extra: &str, want: &str) {
        expect_in(&format!("{BASE}{extra}"), want);
    }

    /// Like [`expect`] for a whole topology.
    pub fn expect_in(src: &str, want: &str) {
        let extra = src;
        let got = problems_in(src);
        if want.is_empty() {
            assert!(
                got.is_empty(),
                "expected no problem for:\n{extra}\ngot: {got:#?}"
            );
        } else {
            assert!(
                got.len() == 1 && got[0].contains(want),
                "expected one problem containing {want:?} for:\n{extra}\ngot: {got:#?}"
            );
        }
    }
}
