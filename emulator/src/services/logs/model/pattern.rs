//! CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`): the
//! parser and the matcher, pure.
//!
//! Two families, as AWS documents them ("Filter pattern syntax for metric
//! filters, subscription filters, filter log events, and Live Tail"):
//!
//! - **Terms** (unstructured events): `ERROR` (every term must appear,
//!   case-sensitive, anywhere in the message), `"quoted phrase"`, `?ERROR
//!   ?WARN` (at least one of the `?` terms), `-DEBUG` (none of the `-` terms).
//!   An unquoted term may hold letters, digits and `_` only; anything else
//!   must be quoted, as AWS requires.
//! - **JSON** (`{ … }`, events that are JSON objects): `$.a.b[0]` selectors
//!   compared with `=`, `!=` (strings, `*` wildcards allowed; or numbers),
//!   `<`, `<=`, `>`, `>=` (numbers), `IS NULL`, `IS TRUE`, `IS FALSE`,
//!   `NOT EXISTS`, combined with `&&`, `||` and parentheses. An event that
//!   is not JSON never matches a JSON pattern; a comparison on a missing
//!   property is false.
//!
//! The empty pattern (or only blanks) matches every event. Space-delimited
//! (`[ip, user, …]`) and regular-expression (`%…%`) patterns are refused
//! with `InvalidParameterException` rather than silently matching wrongly.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Matches everything (empty pattern).
    All,
    /// A term pattern.
    Terms(Terms),
    /// A JSON pattern.
    Json(Expr),
}

/// The three kinds of terms of a term pattern.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terms {
    /// Plain terms: every one must appear.
    pub required: Vec<String>,
    /// `?` terms: when any is given, at least one must appear.
    pub any: Vec<String>,
    /// `-` terms: none may appear.
    pub excluded: Vec<String>,
}

/// A JSON pattern expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both sides match.
    And(Box<Expr>, Box<Expr>),
    /// Either side matches.
    Or(Box<Expr>, Box<Expr>),
    /// One selector test.
    Cond(Selector, Test),
}

/// One step of a `$.a.b[0]` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name`: an object member.
    Member(String),
    /// `[n]`: an array element.
    Index(usize),
}

/// A property path.
pub type Selector = Vec<Step>;

/// What a condition checks of the selected value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `= value` (`negated`: `!= value`).
    Equals {
        /// The literal compared with.
        value: Literal,
        /// `!=`.
        negated: bool,
    },
    /// `<`, `<=`, `>`, `>=` a number.
    Compare(Ordering, f64),
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// `NOT EXISTS`.
    NotExists,
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
}

/// The right-hand side of `=` / `!=`.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string (quoted or not); `*` is a wildcard.
    Text(String),
    /// A number literal (also compared with string fields by its text).
    Number(f64, String),
}

impl Pattern {
    /// Parses `text`; the error is the InvalidParameterException message.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Pattern::All);
        }
        if trimmed.starts_with('{') {
            return parse_json(trimmed).map(Pattern::Json);
        }
        if trimmed.starts_with('[') {
            return Err(format!(
                "Invalid filter pattern '{text}': space-delimited patterns are not supported by emul"
            ));
        }
        if trimmed.starts_with('%') {
            return Err(format!(
                "Invalid filter pattern '{text}': regular-expression patterns are not supported by emul"
            ));
        }
        parse_terms(trimmed).map(Pattern::Terms)
    }

    /// Whether the event `message` matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms(t) => {
                t.required
                    .iter()
                    .all(|term| message.contains(term.as_str()))
                    && (t.any.is_empty()
                        || t.any.iter().any(|term| message.contains(term.as_str())))
                    && !t
                        .excluded
                        .iter()
                        .any(|term| message.contains(term.as_str()))
            }
            Pattern::Json(expr) => match serde_json::from_str::<Value>(message.trim()) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => eval(expr, &v),
                _ => false,
            },
        }
    }
}

fn parse_terms(text: &str) -> Result<Terms, String> {
    let mut terms = Terms::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let kind = match chars[i] {
            '?' => {
                i += 1;
                1
            }
            '-' => {
                i += 1;
                2
            }
            _ => 0,
        };
        let term = if chars.get(i) == Some(&'"') {
            let (s, next) = quoted(&chars, i)
                .ok_or_else(|| format!("Invalid filter pattern '{text}': unterminated quote"))?;
            i = next;
            s
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            if s.is_empty() || !s.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(format!("Invalid character(s) in term '{s}'"));
            }
            s
        };
        if chars.get(i).is_some_and(|c| !c.is_whitespace()) {
            return Err(format!(
                "Invalid filter pattern '{text}': expected a space after a quoted term"
            ));
        }
        match kind {
            1 => terms.any.push(term),
            2 => terms.excluded.push(term),
            _ => terms.required.push(term),
        }
    }
    Ok(terms)
}

/// A `"…"` string starting at `chars[at]` (`\"` and `\\` escapes); returns
/// it and the index after the closing quote.
fn quoted(chars: &[char], at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Some((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// The JSON pattern parser: a small recursive descent over characters.
struct Parser<'a> {
    /// The pattern's characters.
    chars: Vec<char>,
    /// The next character to read.
    pos: usize,
    /// The whole pattern (for messages).
    text: &'a str,
}

fn parse_json(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        text,
    };
    p.expect('{')?;
    let expr = p.or()?;
    p.expect('}')?;
    p.blanks();
    if p.pos != p.chars.len() {
        return Err(p.error("text after the closing '}'"));
    }
    Ok(expr)
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!(
            "Invalid filter pattern '{}': {what} at character {}",
            self.text,
            self.pos + 1
        )
    }

    fn blanks(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.blanks();
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, s: &str) -> bool {
        self.blanks();
        let n = s.chars().count();
        if self.pos + n <= self.chars.len()
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars())
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some('(') {
            self.pos += 1;
            let e = self.or()?;
            self.expect(')')?;
            return Ok(e);
        }
        let selector = self.selector()?;
        let test = self.test()?;
        Ok(Expr::Cond(selector, test))
    }

    fn selector(&mut self) -> Result<Selector, String> {
        if self.peek() != Some('$') {
            return Err(self.error("expected a '$' selector"));
        }
        self.pos += 1;
        let mut steps = Vec::new();
        loop {
            match self.chars.get(self.pos) {
                Some('.') => {
                    self.pos += 1;
                    let start = self.pos;
                    while self
                        .chars
                        .get(self.pos)
                        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | ':'))
                    {
                        self.pos += 1;
                    }
                    if start == self.pos {
                        return Err(self.error("expected a property name after '.'"));
                    }
                    steps.push(Step::Member(self.chars[start..self.pos].iter().collect()));
                }
                Some('[') => {
                    self.pos += 1;
                    let start = self.pos;
                    while self.chars.get(self.pos).is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    let digits: String = self.chars[start..self.pos].iter().collect();
                    let index = digits
                        .parse()
                        .map_err(|_| self.error("expected an array index"))?;
                    if self.chars.get(self.pos) != Some(&']') {
                        return Err(self.error("expected ']'"));
                    }
                    self.pos += 1;
                    steps.push(Step::Index(index));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return Err(self.error("expected a property after '$'"));
        }
        Ok(steps)
    }

    fn test(&mut self) -> Result<Test, String> {
        if self.eat("IS") {
            return if self.eat("NULL") {
                Ok(Test::IsNull)
            } else if self.eat("TRUE") {
                Ok(Test::IsTrue)
            } else if self.eat("FALSE") {
                Ok(Test::IsFalse)
            } else {
                Err(self.error("expected NULL, TRUE or FALSE after IS"))
            };
        }
        if self.eat("NOT") {
            return if self.eat("EXISTS") {
                Ok(Test::NotExists)
            } else {
                Err(self.error("expected EXISTS after NOT"))
            };
        }
        let op = if self.eat("!=") {
            "!="
        } else if self.eat("<=") {
            "<="
        } else if self.eat(">=") {
            ">="
        } else if self.eat("=") {
            "="
        } else if self.eat("<") {
            "<"
        } else if self.eat(">") {
            ">"
        } else {
            return Err(self.error("expected an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS)"));
        };
        let literal = self.literal()?;
        match op {
            "=" | "!=" => Ok(Test::Equals {
                value: literal,
                negated: op == "!=",
            }),
            _ => {
                let Literal::Number(n, _) = literal else {
                    return Err(self.error(&format!("'{op}' needs a number")));
                };
                let ord = match op {
                    "<" => Ordering::Less,
                    "<=" => Ordering::LessOrEqual,
                    ">" => Ordering::Greater,
                    _ => Ordering::GreaterOrEqual,
                };
                Ok(Test::Compare(ord, n))
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.peek() {
            Some('"') => {
                let (s, next) = quoted(&self.chars, self.pos)
                    .ok_or_else(|| self.error("unterminated quote"))?;
                self.pos = next;
                Ok(Literal::Text(s))
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .chars
                    .get(self.pos)
                    .is_some_and(|c| !c.is_whitespace() && !matches!(c, ')' | '}' | '&' | '|'))
                {
                    self.pos += 1;
                }
                let s: String = self.chars[start..self.pos].iter().collect();
                if s.is_empty() {
                    return Err(self.error("expected a value"));
                }
                Ok(match s.parse::<f64>() {
                    Ok(n) if n.is_finite() => Literal::Number(n, s),
                    _ => Literal::Text(s),
                })
            }
            None => Err(self.error("expected a value")),
        }
    }
}

/// The value at `selector` in `root`, if present.
fn select<'v>(root: &'v Value, selector: &Selector) -> Option<&'v Value> {
    selector.iter().try_fold(root, |v, step| match step {
        Step::Member(m) => v.get(m.as_str()),
        Step::Index(i) => v.get(*i),
    })
}

fn eval(expr: &Expr, root: &Value) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, root) && eval(b, root),
        Expr::Or(a, b) => eval(a, root) || eval(b, root),
        Expr::Cond(selector, test) => {
            let found = select(root, selector);
            match (test, found) {
                (Test::NotExists, found) => found.is_none(),
                (_, None) => false,
                (Test::IsNull, Some(v)) => v.is_null(),
                (Test::IsTrue, Some(v)) => v == &Value::Bool(true),
                (Test::IsFalse, Some(v)) => v == &Value::Bool(false),
                (Test::Compare(ord, n), Some(v)) => v.as_f64().is_some_and(|x| match ord {
                    Ordering::Less => x < *n,
                    Ordering::LessOrEqual => x <= *n,
                    Ordering::Greater => x > *n,
                    Ordering::GreaterOrEqual => x >= *n,
                }),
                (Test::Equals { value, negated }, Some(v)) => {
                    let equal = match (value, v) {
                        (Literal::Number(n, _), Value::Number(x)) => x.as_f64() == Some(*n),
                        (Literal::Number(_, text) | Literal::Text(text), Value::String(s)) => {
                            glob(text, s)
                        }
                        (Literal::Text(text), Value::Bool(b)) => text == &b.to_string(),
                        (Literal::Text(text), Value::Number(x)) => text == &x.to_string(),
                        _ => false,
                    };
                    // `!=` on an object, array or null is not a match either.
                    if *negated {
                        !equal && !matches!(v, Value::Object(_) | Value::Array(_) | Value::Null)
                    } else {
                        equal
                    }
                }
            }
        }
    }
}

/// `*` matches any run of characters (including none); everything else
/// matches itself, case-sensitively.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (pattern, message, expected) for every form the module doc lists.
    #[test]
    fn matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("", "anything", true),
            ("   ", "anything", true),
            ("ERROR", "2024 ERROR disk full", true),
            ("ERROR", "2024 error disk full", false),
            ("ERROR", "[ERROR]", true),
            ("ERROR disk", "ERROR disk full", true),
            ("ERROR disk", "ERROR net down", false),
            ("\"disk full\"", "ERROR disk full now", true),
            ("\"disk full\"", "disk is full", false),
            ("\"a: b\" x", "x a: b", true),
            ("?ERROR ?WARN", "WARN low", true),
            ("?ERROR ?WARN", "ERROR x", true),
            ("?ERROR ?WARN", "INFO x", false),
            ("ERROR -disk", "ERROR net", true),
            ("ERROR -disk", "ERROR disk", false),
            ("-DEBUG", "INFO", true),
            ("-DEBUG", "DEBUG x", false),
            ("-\"not found\"", "found", true),
            ("-\"not found\"", "page not found", false),
            ("req ?GET ?PUT -health", "req PUT /x", true),
            ("req ?GET ?PUT -health", "req GET /health", false),
            ("req ?GET ?PUT -health", "req POST /x", false),
            ("{ $.level = \"error\" }", r#"{"level":"error"}"#, true),
            ("{ $.level = \"error\" }", r#"{"level":"ERROR"}"#, false),
            ("{ $.level = \"error\" }", "level=error", false),
            ("{ $.level = error }", r#"{"level":"error"}"#, true),
            ("{$.level=\"error\"}", r#"{"level":"error"}"#, true),
            ("{ $.level != \"error\" }", r#"{"level":"info"}"#, true),
            ("{ $.level != \"error\" }", r#"{"level":"error"}"#, false),
            ("{ $.level != \"error\" }", r#"{"other":1}"#, false),
            ("{ $.latency > 100 }", r#"{"latency":150}"#, true),
            ("{ $.latency > 100 }", r#"{"latency":100}"#, false),
            ("{ $.latency >= 100 }", r#"{"latency":100}"#, true),
            ("{ $.latency < 100 }", r#"{"latency":99.5}"#, true),
            ("{ $.latency <= 100 }", r#"{"latency":101}"#, false),
            ("{ $.latency > 100 }", r#"{"latency":"150"}"#, false),
            ("{ $.latency > 100 }", r#"{}"#, false),
            ("{ $.code = 200 }", r#"{"code":200}"#, true),
            ("{ $.code = 200 }", r#"{"code":200.0}"#, true),
            ("{ $.code = 200 }", r#"{"code":"200"}"#, true),
            ("{ $.code != 200 }", r#"{"code":404}"#, true),
            (
                "{ $.user.name = \"ann\" }",
                r#"{"user":{"name":"ann"}}"#,
                true,
            ),
            ("{ $.user.name = \"ann\" }", r#"{"user":"ann"}"#, false),
            ("{ $.items[1] = \"b\" }", r#"{"items":["a","b"]}"#, true),
            ("{ $.items[2] = \"b\" }", r#"{"items":["a","b"]}"#, false),
            ("{ $.path = \"/api/*\" }", r#"{"path":"/api/users"}"#, true),
            ("{ $.path = \"/api/*\" }", r#"{"path":"/web/api/x"}"#, false),
            ("{ $.ip = 10.0.* }", r#"{"ip":"10.0.3.4"}"#, true),
            ("{ $.ip != 10.0.* }", r#"{"ip":"10.1.3.4"}"#, true),
            (
                "{ $.path = \"*users*\" }",
                r#"{"path":"/api/users/1"}"#,
                true,
            ),
            ("{ $.path = \"*x\" }", r#"{"path":"ab"}"#, false),
            ("{ $.a = 1 && $.b = 2 }", r#"{"a":1,"b":2}"#, true),
            ("{ $.a = 1 && $.b = 2 }", r#"{"a":1,"b":3}"#, false),
            ("{ $.a = 1 || $.b = 2 }", r#"{"a":0,"b":2}"#, true),
            ("{ $.a = 1 || $.b = 2 }", r#"{"a":0,"b":0}"#, false),
            (
                "{ ($.a = 1 || $.a = 2) && $.b = 3 }",
                r#"{"a":2,"b":3}"#,
                true,
            ),
            (
                "{ ($.a = 1 || $.a = 2) && $.b = 3 }",
                r#"{"a":2,"b":4}"#,
                false,
            ),
            (
                "{ $.a = 1 || $.a = 2 && $.b = 3 }",
                r#"{"a":1,"b":4}"#,
                true,
            ),
            ("{ $.x IS NULL }", r#"{"x":null}"#, true),
            ("{ $.x IS NULL }", r#"{"x":0}"#, false),
            ("{ $.x IS NULL }", r#"{}"#, false),
            ("{ $.x NOT EXISTS }", r#"{}"#, true),
            ("{ $.x NOT EXISTS }", r#"{"x":null}"#, false),
            ("{ $.ok IS TRUE }", r#"{"ok":true}"#, true),
            ("{ $.ok IS FALSE }", r#"{"ok":true}"#, false),
            ("{ $.ok = true }", r#"{"ok":true}"#, true),
            ("{ $.a = \"x\" }", r#"[1]"#, false),
            ("{ $.a = \"x\" }", "  {\"a\":\"x\"}  ", true),
        ];
        for (pattern, message, expected) in cases {
            let p = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(p.matches(message), *expected, "{pattern} on {message}");
        }
    }

    #[test]
    fn invalid_patterns_are_refused_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("foo.bar", "Invalid character(s) in term 'foo.bar'"),
            ("ERROR:", "Invalid character(s) in term 'ERROR:'"),
            ("\"open", "unterminated quote"),
            ("{ $.a = 1", "expected '}'"),
            ("{ a = 1 }", "expected a '$' selector"),
            ("{ $. = 1 }", "expected a property name"),
            ("{ $.a ~ 1 }", "expected an operator"),
            ("{ $.a > x }", "'>' needs a number"),
            ("{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE"),
            ("{ $.a NOT THERE }", "expected EXISTS"),
            ("{ $.a = }", "expected a value"),
            ("{ $.a = 1 } x", "text after the closing"),
            ("{ $.a[x] = 1 }", "expected an array index"),
            ("[ip, user]", "space-delimited"),
            ("%ERR.*%", "regular-expression"),
        ];
        for (pattern, want) in cases {
            let err = Pattern::parse(pattern).expect_err(pattern);
            assert!(err.contains(want), "{pattern}: {err}");
        }
    }

    #[test]
    fn parsed_shapes() {
        assert_eq!(
            Pattern::parse("a ?b -\"c d\"").unwrap(),
            Pattern::Terms(Terms {
                required: vec!["a".into()],
                any: vec!["b".into()],
                excluded: vec!["c d".into()],
            })
        );
        assert_eq!(
            Pattern::parse("{ $.a[0].b >= 2 }").unwrap(),
            Pattern::Json(Expr::Cond(
                vec![
                    Step::Member("a".into()),
                    Step::Index(0),
                    Step::Member("b".into())
                ],
                Test::Compare(Ordering::GreaterOrEqual, 2.0)
            ))
        );
    }

    #[test]
    fn glob_table() {
        for (p, t, want) in [
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("a*", "a", true),
            ("*c", "abc", true),
            ("a*c", "ac", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxcyyb", false),
            ("*", "", true),
            ("ab*ba", "aba", false),
        ] {
            assert_eq!(glob(p, t), want, "{p} vs {t}");
        }
    }
}
