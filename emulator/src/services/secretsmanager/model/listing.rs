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
    /// Values, ORed; a leading `!` makes a value match the secrets the rest
    /// of it does not match.
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

/// Builds and checks the `Filters` of a request, one filter at a time in
/// request order, as AWS reports the first problem it meets. A filter
/// without `Key` is refused before the enum check (there is no value to
/// name in a "1 validation error" message); the member index in the
/// validation messages is the filter's 1-based position.
pub fn parse_filters(
    raw: Vec<(Option<String>, Option<Vec<String>>)>,
) -> Result<Vec<Filter>, SmError> {
    if raw.len() > 10 {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 10".into(),
        ));
    }
    let mut filters = Vec::with_capacity(raw.len());
    for (index, (key, values)) in raw.into_iter().enumerate() {
        let n = index + 1;
        let key = key.ok_or(SmError::InvalidFilterKey)?;
        if !FILTER_KEYS.contains(&key.as_str()) {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{key}' at 'filters.{n}.member.key' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                FILTER_KEYS.join(", ")
            )));
        }
        let values = values.unwrap_or_default();
        if values.is_empty() || values.len() > 10 {
            return Err(SmError::InvalidParameter(format!(
                "Invalid filter values for key: {key}"
            )));
        }
        for v in &values {
            let ok = v.len() <= 512
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c));
            if !ok {
                return Err(SmError::Validation(format!(
                    "1 validation error detected: Value '[{v}]' at 'filters.{n}.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$"
                )));
            }
        }
        filters.push(Filter { key, values });
    }
    Ok(filters)
}

/// `true` when `secret` passes every filter: filters AND, the values of one
/// filter OR. A value `!x` is one of those ORed values and holds when `x`
/// does not match, so `["one", "!two"]` keeps a secret described "one two"
/// (it matches `one`).
pub fn matches(secret: &Secret, region: &str, filters: &[Filter]) -> bool {
    filters.iter().all(|f| {
        f.values.iter().any(|v| match v.strip_prefix('!') {
            Some(negated) => !matches_one(secret, region, &f.key, negated),
            None => matches_one(secret, region, &f.key, v),
        })
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
        // Every word of the value in one field: "searching 'secrets for'
        // returns any secret with secret name, tag key, tag value, or
        // description that includes both 'secrets' and 'for' in the same
        // field" (AWS's announcement of the search, quoted in moto #3173).
        "all" => std::iter::once(secret.name.as_str())
            .chain(secret.description.as_deref())
            .chain(tags.iter().flat_map(|t| [t.key.as_str(), t.value.as_str()]))
            .any(|field| word_match(field, value)),
        _ => false,
    }
}

/// Case-insensitive: every word of `query` is a prefix of some word of
/// `text`. A query without words (`+`, `/`) matches nothing.
fn word_match(text: &str, query: &str) -> bool {
    let text_words = split_words(text);
    let query_words = split_words(query);
    !query_words.is_empty()
        && query_words
            .iter()
            .all(|q| text_words.iter().any(|t| t.starts_with(q.as_str())))
}

/// Splits into lower-case words the way the `all` filter reads names,
/// descriptions, tags and the search value. AWS's user guide (Find
/// secrets) says special characters are ignored and words break "from
/// upper case to lower case, from letter to number, or from number/letter
/// to punctuation", e.g. `credsDatabase#892` → creds, Database, 892.
/// moto's AWS-verified test pins the case rule: `AppBeta` is App + Beta,
/// and `COMPANYthings` is COMPAN + Ythings (a word starts at the capital
/// that precedes lower case), so `things` and `N` find nothing. A digit
/// followed by a letter does not break a word (the guide names only letter
/// to number), so `One3dab` is one + 3dab.
pub fn split_words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
            continue;
        }
        if let Some(p) = current.chars().last() {
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (p.is_alphabetic() && c.is_numeric())
                || (p.is_lowercase() && c.is_uppercase())
                || (c.is_uppercase() && next_is_lower);
            if boundary {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
        }
        current.push(c);
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
        let rows: Vec<(&str, Vec<&str>)> = vec![
            // The user guide's example, and special characters dropped.
            ("credsDatabase#892", vec!["creds", "database", "892"]),
            (
                "MyDBPassword2x-prod",
                vec!["my", "db", "password", "2x", "prod"],
            ),
            ("a b", vec!["a", "b"]),
            (
                "prod/AppBeta/3f2a1c",
                vec!["prod", "app", "beta", "3f", "2a", "1c"],
            ),
            // A word starts at the capital before lower case.
            ("uat/COMPANY/x", vec!["uat", "company", "x"]),
            ("uat/COMPANYthings", vec!["uat", "compan", "ythings"]),
            ("SecretFTag864693", vec!["secret", "f", "tag", "864693"]),
            // Letter to digit breaks; digit to letter does not.
            ("SecretOne3dab12", vec!["secret", "one", "3dab", "12"]),
            ("+", vec![]),
        ];
        for (text, want) in rows {
            assert_eq!(split_words(text), want, "{text}");
        }
    }

    /// moto's AWS-verified `test_with_all_filter_special_characters`: the
    /// `all` filter over names made of the same words joined by different
    /// special characters.
    #[test]
    fn all_filter_words_and_special_characters() {
        let names = [
            "prod/AppBeta/3f2a1c",
            "prod_AppBeta_3f2a1c",
            "prod+AppBeta+3f2a1c",
            "prod=AppBeta=3f2a1c",
            "prod.AppBeta.3f2a1c",
            "prod@AppBeta@3f2a1c",
            "prod-AppBeta-3f2a1c",
            "uat/COMPANY/3f2a1c",
            "uat/COMPANYthings/3f2a1c",
        ];
        let found = |value: &str| -> Vec<&str> {
            names
                .iter()
                .copied()
                .filter(|n| matches(&secret(n, None, &[]), "us-east-1", &[f("all", &[value])]))
                .collect()
        };
        assert_eq!(found("AppBeta"), names[..7].to_vec());
        assert_eq!(found("Beta"), names[..7].to_vec());
        assert_eq!(found("+"), Vec::<&str>::new(), "no words, no match");
        assert_eq!(found("3f2a1c"), names.to_vec());
        assert_eq!(found("company"), vec![names[7]]);
        assert_eq!(found("things"), Vec::<&str>::new());
        assert_eq!(found("Ythings"), vec![names[8]]);
        assert_eq!(found("N"), Vec::<&str>::new());
        assert_eq!(found("pany"), Vec::<&str>::new());
    }

    #[test]
    fn all_filter_reads_tags_and_wants_every_word_in_one_field() {
        let tagged = secret("SecretFTag1", None, &[("1", "foo")]);
        let keyed = secret("SecretFValue1", None, &[("foo", "v")]);
        let described = secret("SecretTwo1", Some("DescTwo"), &[]);
        let all = |s: &Secret, v: &str| matches(s, "us-east-1", &[f("all", &[v])]);
        assert!(all(&tagged, "foo"), "a tag value");
        assert!(all(&keyed, "foo"), "a tag key");
        assert!(all(&tagged, "t"), "Tag in SecretFTag");
        assert!(!all(&keyed, "t"));
        assert!(all(&described, "d t"), "desc and two, both in DescTwo");
        assert!(
            !all(&described, "d secret"),
            "desc and secret are in two fields"
        );
        assert!(!all(&described, "ret"), "a word's middle is not a prefix");
    }

    /// The values of one filter are ORed and `!x` is one of them (moto's
    /// `test_with_filter_with_negation`); LocalStack's AWS-validated
    /// single-value cases: `!/` on names, `!a` / `!c` on descriptions.
    #[test]
    fn negated_values_are_ored_terms() {
        let rows: Vec<(&str, &str, &[&str], bool)> = vec![
            ("foo", "one two", &["one", "!two"], true),
            ("bar", "one and two", &["one", "!two"], true),
            ("baz", "one", &["one", "!two"], true),
            ("qux", "two", &["one", "!two"], false),
            ("none", "unrelated", &["one", "!two"], true),
            ("foo", "one two", &["!o"], false),
            ("qux", "two", &["!o"], true),
            ("a", "a secret", &["!a"], false),
            ("d", "thesecret", &["!a"], true),
            ("a", "asecret", &["!c"], true),
        ];
        for (name, description, values, want) in rows {
            let s = secret(name, Some(description), &[]);
            assert_eq!(
                matches(&s, "us-east-1", &[f("description", values)]),
                want,
                "{description:?} {values:?}"
            );
        }
        let slash = secret("/testing2/two", None, &[]);
        assert!(!matches(&slash, "us-east-1", &[f("name", &["!/"])]));
        assert!(matches(
            &secret("testing1/one", None, &[]),
            "us-east-1",
            &[f("name", &["!/"])]
        ));
    }

    #[test]
    fn parsing_and_validation() {
        let raw = |key: Option<&str>, values: Option<&[&str]>| {
            (
                key.map(str::to_string),
                values.map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            )
        };
        assert_eq!(
            parse_filters(vec![raw(Some("name"), Some(&["x"]))]).unwrap(),
            vec![f("name", &["x"])]
        );
        let err = parse_filters(vec![raw(None, Some(&["foo"]))]).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            ("InvalidParameterException", "Invalid filter key")
        );
        let err = parse_filters(vec![
            raw(Some("name"), Some(&["x"])),
            raw(Some("colour"), Some(&["x"])),
        ])
        .unwrap_err();
        assert_eq!(err.code(), "ValidationException");
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value 'colour' at 'filters.2.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]"
        );
        let err = parse_filters(vec![raw(Some("name"), Some(&["a*b"]))]).unwrap_err();
        assert_eq!(err.code(), "ValidationException");
        assert!(
            err.to_string().contains("'filters.1.member.values'"),
            "{err}"
        );
        let err = parse_filters(vec![raw(Some("description"), None)]).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            (
                "InvalidParameterException",
                "Invalid filter values for key: description"
            )
        );
        assert_eq!(
            parse_filters(vec![raw(Some("name"), Some(&[]))])
                .unwrap_err()
                .code(),
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
