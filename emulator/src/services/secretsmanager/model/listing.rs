//! ListSecrets / BatchGetSecretValue filters, sort orders and pagination
//! tokens (aws-reference.md §3.5 ListSecrets).

use base64::Engine;

use super::super::errors::SmError;
use super::secret::Secret;

/// One `Filters[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `name`, `description`, `tag-key`, `tag-value`, `owning-service`,
    /// `primary-region` or `all`.
    pub key: String,
    /// Values, ORed; a leading `!` negates one.
    pub values: Vec<String>,
}

const FILTER_KEYS: [&str; 7] = [
    "description",
    "name",
    "tag-key",
    "tag-value",
    "primary-region",
    "owning-service",
    "all",
];

/// Checks filter keys and values against the model's constraints.
pub fn validate_filters(filters: &[Filter]) -> Result<(), SmError> {
    if filters.len() > 10 {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 10".into(),
        ));
    }
    for f in filters {
        if !FILTER_KEYS.contains(&f.key.as_str()) {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                f.key,
                FILTER_KEYS.join(", ")
            )));
        }
        if f.values.is_empty() || f.values.len() > 10 {
            return Err(SmError::InvalidParameter(format!(
                "Invalid filter values for key: {}",
                f.key
            )));
        }
        for v in &f.values {
            let ok = v.len() <= 512
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c));
            if !ok {
                return Err(SmError::Validation(format!(
                    "1 validation error detected: Value '[{v}]' at 'filters.1.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$"
                )));
            }
        }
    }
    Ok(())
}

/// `true` when `secret` passes every filter (filters AND, values OR).
pub fn matches(secret: &Secret, region: &str, filters: &[Filter]) -> bool {
    filters.iter().all(|f| {
        let (negated, plain): (Vec<&String>, Vec<&String>) =
            f.values.iter().partition(|v| v.starts_with('!'));
        let hit = |v: &str| matches_one(secret, region, &f.key, v);
        let any_plain = plain.is_empty() || plain.iter().any(|v| hit(v));
        let no_negated = negated.iter().all(|v| !hit(&v[1..]));
        any_plain && no_negated
    })
}

fn matches_one(secret: &Secret, region: &str, key: &str, value: &str) -> bool {
    let tags = secret.tags.as_deref().unwrap_or_default();
    match key {
        "name" => secret.name.starts_with(value),
        "description" => secret
            .description
            .as_deref()
            .is_some_and(|d| word_match(d, value)),
        "tag-key" => tags.iter().any(|t| t.key.starts_with(value)),
        "tag-value" => tags.iter().any(|t| t.value.starts_with(value)),
        "owning-service" => secret
            .owning_service
            .as_deref()
            .is_some_and(|o| o.starts_with(value)),
        // Only a replicated secret (a primary with replicas, or a replica)
        // has a primary region.
        "primary-region" => match (&secret.primary_region, secret.replicas.is_empty()) {
            (Some(primary), _) => primary.starts_with(value),
            (None, false) => region.starts_with(value),
            (None, true) => false,
        },
        "all" => {
            let words = split_words(value);
            let fields: Vec<&str> = std::iter::once(secret.name.as_str())
                .chain(secret.description.as_deref())
                .chain(tags.iter().flat_map(|t| [t.key.as_str(), t.value.as_str()]))
                .collect();
            words
                .iter()
                .all(|w| fields.iter().any(|f| word_match(f, w)))
        }
        _ => false,
    }
}

/// Case-insensitive: every word of `query` is a prefix of some word of `text`.
fn word_match(text: &str, query: &str) -> bool {
    let text_words = split_words(text);
    let query_words = split_words(query);
    !query_words.is_empty()
        && query_words
            .iter()
            .all(|q| text_words.iter().any(|t| t.starts_with(q.as_str())))
}

/// Splits into lower-case words on punctuation, spaces, case changes and
/// letter/digit boundaries (the `all` filter's rule).
pub fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let boundary =
                (p.is_lowercase() && c.is_uppercase()) || (p.is_alphabetic() != c.is_alphabetic());
            if boundary && !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
        }
        current.push(c);
        prev = Some(c);
    }
    if !current.is_empty() {
        words.push(current.to_lowercase());
    }
    words
}

/// ListSecrets `SortBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// created-date (the default).
    #[default]
    CreatedDate,
    /// last-accessed-date.
    LastAccessedDate,
    /// last-changed-date.
    LastChangedDate,
    /// name.
    Name,
}

impl SortBy {
    /// Parses the wire value.
    pub fn parse(s: &str) -> Result<Self, SmError> {
        Ok(match s {
            "created-date" => SortBy::CreatedDate,
            "last-accessed-date" => SortBy::LastAccessedDate,
            "last-changed-date" => SortBy::LastChangedDate,
            "name" => SortBy::Name,
            other => {
                return Err(SmError::Validation(format!(
                    "1 validation error detected: Value '{other}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]"
                )));
            }
        })
    }
}

/// Sorts in place; ties fall back to name so pages are stable.
pub fn sort(secrets: &mut [std::sync::Arc<Secret>], by: SortBy, descending: bool) {
    secrets.sort_by(|a, b| {
        let primary = match by {
            SortBy::CreatedDate => a.created.cmp(&b.created),
            SortBy::LastAccessedDate => a.last_accessed.get().cmp(&b.last_accessed.get()),
            SortBy::LastChangedDate => a.last_changed.cmp(&b.last_changed),
            SortBy::Name => a.name.cmp(&b.name),
        };
        let ord = primary.then_with(|| a.name.cmp(&b.name));
        if descending { ord.reverse() } else { ord }
    });
}

/// An opaque NextToken for "continue at item `offset`".
pub fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("emul:{offset}"))
}

/// Decodes a NextToken issued by [`encode_token`].
pub fn decode_token(token: &str) -> Result<usize, SmError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| SmError::InvalidNextToken)?;
    let text = String::from_utf8(bytes).map_err(|_| SmError::InvalidNextToken)?;
    text.strip_prefix("emul:")
        .and_then(|n| n.parse().ok())
        .ok_or(SmError::InvalidNextToken)
}

/// One page of `items` from `offset`: the page and the next token.
pub fn page<T: Clone>(items: &[T], offset: usize, max: usize) -> (Vec<T>, Option<String>) {
    let start = offset.min(items.len());
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    (items[start..end].to_vec(), next)
}

#[cfg(test)]
mod tests {
    use super::super::secret::Tag;
    use super::*;

    fn secret(name: &str, desc: Option<&str>, tags: &[(&str, &str)]) -> Secret {
        let mut s = Secret::new(format!("arn:{name}"), name.into(), 0);
        s.description = desc.map(str::to_string);
        if !tags.is_empty() {
            s.tags = Some(
                tags.iter()
                    .map(|(k, v)| Tag {
                        key: k.to_string(),
                        value: v.to_string(),
                    })
                    .collect(),
            );
        }
        s
    }

    fn f(key: &str, values: &[&str]) -> Filter {
        Filter {
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn filter_table() {
        let s = secret(
            "prod/db-password",
            Some("Description of my secret"),
            &[("Env", "Prod"), ("team", "core")],
        );
        let rows: Vec<(Vec<Filter>, bool)> = vec![
            (vec![f("name", &["prod/"])], true),
            (vec![f("name", &["Prod/"])], false),
            (vec![f("name", &["!prod/"])], false),
            (vec![f("name", &["!dev/"])], true),
            (vec![f("name", &["dev/", "prod/"])], true),
            (vec![f("description", &["My Description"])], true),
            (vec![f("description", &["secret"])], true),
            (vec![f("description", &["public"])], false),
            (vec![f("tag-key", &["En"])], true),
            (vec![f("tag-key", &["en"])], false),
            (vec![f("tag-value", &["Pro"])], true),
            (vec![f("owning-service", &["rds"])], false),
            (vec![f("primary-region", &["us-"])], false),
            (vec![f("all", &["password"])], true),
            (vec![f("all", &["PROD"])], true),
            (vec![f("all", &["core"])], true),
            (vec![f("all", &["nothere"])], false),
            (vec![f("name", &["prod/"]), f("tag-key", &["team"])], true),
            (vec![f("name", &["prod/"]), f("tag-key", &["nope"])], false),
        ];
        for (filters, want) in rows {
            assert_eq!(matches(&s, "us-east-1", &filters), want, "{filters:?}");
        }
        let mut replica = s.clone();
        replica.primary_region = Some("us-east-1".into());
        assert!(matches(
            &replica,
            "us-east-2",
            &[f("primary-region", &["us-east-1"])]
        ));
        assert!(!matches(
            &replica,
            "us-east-2",
            &[f("primary-region", &["us-east-2"])]
        ));
    }

    #[test]
    fn words() {
        assert_eq!(
            split_words("MyDBPassword2x-prod"),
            vec!["my", "dbpassword", "2", "x", "prod"]
        );
        assert_eq!(split_words("a b"), vec!["a", "b"]);
    }

    #[test]
    fn validation() {
        assert!(validate_filters(&[f("name", &["x"])]).is_ok());
        assert_eq!(
            validate_filters(&[f("colour", &["x"])]).unwrap_err().code(),
            "ValidationException"
        );
        assert_eq!(
            validate_filters(&[f("name", &["a*b"])]).unwrap_err().code(),
            "ValidationException"
        );
        assert_eq!(
            validate_filters(&[f("name", &[])]).unwrap_err().code(),
            "InvalidParameterException"
        );
    }

    #[test]
    fn tokens_and_pages() {
        let items: Vec<u32> = (0..5).collect();
        let (p, next) = page(&items, 0, 2);
        assert_eq!(p, vec![0, 1]);
        let off = decode_token(&next.unwrap()).unwrap();
        let (p, next) = page(&items, off, 2);
        assert_eq!(p, vec![2, 3]);
        let (p, next) = page(&items, decode_token(&next.unwrap()).unwrap(), 2);
        assert_eq!((p, next), (vec![4], None));
        assert_eq!(decode_token("garbage!"), Err(SmError::InvalidNextToken));
        assert_eq!(
            decode_token(&base64::engine::general_purpose::STANDARD.encode("x:1")),
            Err(SmError::InvalidNextToken)
        );
    }
}
