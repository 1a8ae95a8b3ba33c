//! Source positions. Every value the loader reads from the file keeps the
//! place it came from, so that later stages (validation, the runtime, ECS,
//! the ALB, security groups) can point the user back into their file.

use std::fmt;
use std::ops::Deref;

/// A position in the topology file: 1-based line and column (in characters),
/// as printed in `FILE:LINE:COLUMN` diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// 1-based line number; 0 only for values that did not come from the file.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Span {
    /// A span at `line:column` (both 1-based).
    pub fn new(line: u32, column: u32) -> Self {
        Span { line, column }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value together with where it was written. Dereferences to the value, so
/// `subnet.name.as_str()` and `*port` work as if the span were not there.
#[derive(Debug, Clone, Default)]
pub struct Spanned<T> {
    /// The value itself.
    pub value: T,
    /// Where the value starts in the file.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// True for a placeholder: a value that was missing or failed to decode
    /// (its span is line 0). Only seen by the checks of an invalid file;
    /// they skip comparisons against placeholders so as not to report
    /// problems that are mere echoes of the decoding error.
    pub fn is_placeholder(&self) -> bool {
        self.span.line == 0
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    /// Two spanned values are equal when their values are: where they were
    /// written does not change what they mean.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}
