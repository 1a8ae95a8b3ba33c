//! EC2's `Filter.N.Name` / `Filter.N.Value.M` (pure).
//!
//! A resource passes when every filter matches (AND across filters) and,
//! within one filter, any value matches (OR). Values may hold `*` (any run
//! of characters) and `?` (one character); `\` escapes either. `tag:<key>`
//! matches the tag's value, `tag-key` the key. Each operation names the
//! filters it knows; any other is refused as AWS does
//! (`InvalidParameterValue: The filter 'x' is invalid`).

use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;

/// One filter of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `vpc-id`, `tag:Name`, ...
    pub name: String,
    /// The accepted values (any may match).
    pub values: Vec<String>,
}

/// The request's filters, checked against the operation's `known` names
/// (`tag:*` and `tag-key` are always known).
pub fn parse(params: &QueryParams, known: &[&str]) -> Result<Vec<Filter>, AwsError> {
    let mut out = Vec::new();
    for f in params.ec2_list("Filter")? {
        let name = f.get("Name").unwrap_or_default().to_string();
        if !(known.contains(&name.as_str()) || name.starts_with("tag:") || name == "tag-key") {
            return Err(AwsError::client(
                "InvalidParameterValue",
                format!("The filter '{name}' is invalid"),
            ));
        }
        out.push(Filter {
            name,
            values: f.ec2_strings("Value")?,
        });
    }
    Ok(out)
}

/// What a resource offers to filters: every filter name it answers, with
/// its values (a filter matches when any of them matches any filter value).
pub trait Filterable {
    /// The resource's values for filter `name` (empty: never matches).
    fn values(&self, name: &str) -> Vec<String>;
    /// The resource's tags.
    fn tags(&self) -> &[(String, String)];
}

/// Whether `item` passes every filter.
pub fn passes(filters: &[Filter], item: &dyn Filterable) -> bool {
    filters.iter().all(|f| {
        let have: Vec<String> = if let Some(key) = f.name.strip_prefix("tag:") {
            item.tags()
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .collect()
        } else if f.name == "tag-key" {
            item.tags().iter().map(|(k, _)| k.clone()).collect()
        } else {
            item.values(&f.name)
        };
        f.values
            .iter()
            .any(|pattern| have.iter().any(|v| wildcard(pattern, v)))
    })
}

/// EC2's filter wildcards: `*` any run, `?` one character, `\` escapes.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum T {
        Lit(char),
        One,
        Many,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '\\' => T::Lit(chars.next().unwrap_or('\\')),
            '*' => T::Many,
            '?' => T::One,
            c => T::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        match toks.get(p) {
            Some(T::Lit(c)) if *c == text[t] => (p, t) = (p + 1, t + 1),
            Some(T::One) => (p, t) = (p + 1, t + 1),
            Some(T::Many) => {
                star = Some(p);
                mark = t;
                p += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    mark += 1;
                    t = mark;
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == T::Many)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(Vec<(String, String)>);
    impl Filterable for Item {
        fn values(&self, name: &str) -> Vec<String> {
            match name {
                "vpc-id" => vec!["vpc-0123".into()],
                _ => vec![],
            }
        }
        fn tags(&self) -> &[(String, String)] {
            &self.0
        }
    }

    #[test]
    fn wildcards_escapes_and_anchoring() {
        assert!(wildcard("private-*", "private-1a"));
        assert!(wildcard("*-1?", "private-1a"));
        assert!(!wildcard("private", "private-1a"));
        assert!(wildcard(r"a\*b", "a*b"));
        assert!(!wildcard(r"a\*b", "axb"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn filters_and_across_or_within_and_tags() {
        let params = QueryParams::from_pairs([
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", "vpc-9"),
            ("Filter.1.Value.2", "vpc-0123"),
            ("Filter.2.Name", "tag:Name"),
            ("Filter.2.Value.1", "priv*"),
        ]);
        let f = parse(&params, &["vpc-id"]).unwrap();
        let item = Item(vec![("Name".into(), "private-1a".into())]);
        assert!(passes(&f, &item));
        let other = Item(vec![("Name".into(), "public-1a".into())]);
        assert!(!passes(&f, &other));
        let bad = QueryParams::from_pairs([("Filter.1.Name", "nope"), ("Filter.1.Value.1", "x")]);
        let err = parse(&bad, &["vpc-id"]).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("InvalidParameterValue", "The filter 'nope' is invalid")
        );
    }
}
