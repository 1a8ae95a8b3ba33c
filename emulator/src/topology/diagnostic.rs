//! Problems found in a topology file and how they are printed.
//!
//! Each problem is printed as one greppable line,
//! `FILE:LINE:COLUMN: error: <what is wrong>`, then `  hint: <how to fix>`,
//! then the source line with a caret under the column.

use super::span::Span;
use std::fmt::Write as _;

/// One problem in the topology file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is (the offending key or value).
    pub span: Span,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Diagnostic {
    /// A problem at `span`.
    pub fn new(span: Span, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Sorts problems by position and drops exact duplicates (the same problem
/// can be found through two paths, e.g. an alias used twice).
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| (a.span, &a.message).cmp(&(b.span, &b.message)));
    diags.dedup();
}

/// Renders every problem for the terminal: the `FILE:LINE:COLUMN: error:`
/// line, the hint, and the source line with a caret.
pub fn render(file: &str, source: &str, diags: &[Diagnostic]) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(
            out,
            "{file}:{}:{}: error: {}",
            d.span.line, d.span.column, d.message
        );
        let _ = writeln!(out, "  hint: {}", d.hint);
        if d.span.line >= 1
            && let Some(text) = lines.get(d.span.line as usize - 1)
        {
            let number = d.span.line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs are shown as one space so the caret lines up.
            let shown: String = text
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let _ = writeln!(out, "  {pad} |");
            let _ = writeln!(out, "  {number} | {shown}");
            let caret = " ".repeat(d.span.column.saturating_sub(1) as usize);
            let _ = writeln!(out, "  {pad} | {caret}^");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_greppable_first_line_hint_and_caret() {
        let src = "name: x\nvpc:\n  cidr: 10.0.0.0/16\n";
        let d = Diagnostic::new(Span::new(3, 3), "unknown key `cidr`", "use `cidr_block`");
        let text = render("t.yaml", src, &[d]);
        assert_eq!(
            text,
            "t.yaml:3:3: error: unknown key `cidr`\n  hint: use `cidr_block`\n    |\n  3 |   cidr: 10.0.0.0/16\n    |   ^\n"
        );
    }

    #[test]
    fn sorts_by_position_and_dedups() {
        let a = Diagnostic::new(Span::new(5, 1), "b", "h");
        let b = Diagnostic::new(Span::new(2, 9), "a", "h");
        let mut v = vec![a.clone(), b.clone(), a.clone()];
        sort_and_dedup(&mut v);
        assert_eq!(v, vec![b, a]);
    }
}
