//! ALB wildcard matching: `*` is zero or more characters (it crosses `/`),
//! `?` exactly one; everything else is literal and the match is anchored at
//! both ends (aws-reference.md §1.4). Query-string values may escape a
//! literal `*`/`?` as `\*`/`\?`.

/// One token of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: zero or more characters.
    Many,
}

/// How a pattern compares characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobMode {
    /// Host headers, header values and query strings compare without case.
    pub case_insensitive: bool,
    /// Query-string patterns accept `\*` and `\?` as literals.
    pub escapes: bool,
}

/// Path patterns: case-sensitive, no escapes.
pub const PATH: GlobMode = GlobMode {
    case_insensitive: false,
    escapes: false,
};
/// Host and header values: case-insensitive, no escapes.
pub const NOCASE: GlobMode = GlobMode {
    case_insensitive: true,
    escapes: false,
};
/// Query-string keys and values: case-insensitive with `\*`/`\?` escapes.
pub const QUERY: GlobMode = GlobMode {
    case_insensitive: true,
    escapes: true,
};

fn compile(pattern: &str, mode: GlobMode) -> Vec<Tok> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if mode.escapes && matches!(chars.peek(), Some('*' | '?')) => {
                out.push(Tok::Lit(chars.next().unwrap_or('\\')));
            }
            '*' => {
                // Consecutive stars mean the same as one.
                if out.last() != Some(&Tok::Many) {
                    out.push(Tok::Many);
                }
            }
            '?' => out.push(Tok::One),
            c => out.push(Tok::Lit(c)),
        }
    }
    out
}

fn eq(a: char, b: char, nocase: bool) -> bool {
    a == b || (nocase && a.to_lowercase().eq(b.to_lowercase()))
}

/// `true` when `text` matches `pattern` in full.
pub fn matches(pattern: &str, text: &str, mode: GlobMode) -> bool {
    let toks = compile(pattern, mode);
    let text: Vec<char> = text.chars().collect();
    // Classic linear-backtracking wildcard match: remember the last `*` and
    // retry from one character further on mismatch.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Lit(c)) if eq(*c, text[t], mode.case_insensitive) => {
                p += 1;
                t += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Many) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Many)
}

/// How many wildcard characters a pattern uses (AWS allows 5 per rule).
pub fn wildcard_count(pattern: &str) -> usize {
    pattern.chars().filter(|c| matches!(c, '*' | '?')).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_crosses_slashes_and_matches_empty() {
        assert!(matches("/api/*", "/api/", PATH));
        assert!(matches("/api/*", "/api/v1/users", PATH));
        assert!(!matches("/api/*", "/api", PATH));
        assert!(matches("*", "", PATH));
        assert!(matches("/a*b*c", "/aXXbYYc", PATH));
        assert!(!matches("/a*b*c", "/aXXbYYd", PATH));
    }

    #[test]
    fn question_mark_is_exactly_one_char() {
        assert!(matches("/v?/x", "/v1/x", PATH));
        assert!(!matches("/v?/x", "/v10/x", PATH));
        assert!(!matches("/v?/x", "/v/x", PATH));
    }

    #[test]
    fn path_is_case_sensitive_and_host_is_not() {
        assert!(!matches("/API/*", "/api/x", PATH));
        assert!(matches("*.Example.COM", "shop.example.com", NOCASE));
        assert!(!matches("*.example.com", "example.com", NOCASE));
    }

    #[test]
    fn query_escapes_are_literals() {
        assert!(matches(r"a\*b", "a*b", QUERY));
        assert!(!matches(r"a\*b", "axb", QUERY));
        assert!(matches(r"\?", "?", QUERY));
        assert!(matches("*EXAMPLE*", "my-example-value", QUERY));
    }

    #[test]
    fn anchored_both_ends() {
        assert!(!matches("/img", "/img/x", PATH));
        assert!(!matches("img/*", "/img/x", PATH));
        assert_eq!(wildcard_count("/a/*/b?"), 2);
    }
}
