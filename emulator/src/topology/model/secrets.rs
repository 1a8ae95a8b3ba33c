//! Secrets Manager secrets and the ECS `valueFrom` references to them.

use crate::topology::decode::{Cx, Decode, json_object};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::Node;
use serde_json::Value;
use std::collections::BTreeMap;

/// One secret and where its first value comes from.
#[derive(Debug, Clone, Default)]
pub struct Secret {
    /// The Secrets Manager name (`prod/db`); `value_from` refers to it.
    pub name: Spanned<String>,
    /// `Description`.
    pub description: Option<String>,
    /// Where the value comes from.
    pub source: SecretSource,
    /// Where the secret's mapping starts.
    pub span: Span,
}

/// The four ways a secret gets its value.
#[derive(Debug, Clone, Default)]
pub enum SecretSource {
    /// Placeholder while decoding a secret with no (or several) sources.
    #[default]
    Missing,
    /// `secret_string`: a literal string.
    String(Spanned<String>),
    /// `secret_json`: a literal JSON object.
    Json(Spanned<BTreeMap<String, Value>>),
    /// `generate_secret_string`: a generated password.
    Generated(GenerateSecretString),
    /// `rds_managed`: the `rds!db-…` secret of this RDS instance.
    RdsManaged(Spanned<String>),
}

/// CloudFormation's `GenerateSecretString` (and `GetRandomPassword`).
#[derive(Debug, Clone, Default)]
pub struct GenerateSecretString {
    /// `PasswordLength`, 4..4096 (AWS allows 1..4096; emul requires 4 so that
    /// every requested character class fits).
    pub password_length: Spanned<u32>,
    /// `ExcludeCharacters`.
    pub exclude_characters: String,
    /// `ExcludePunctuation`.
    pub exclude_punctuation: bool,
    /// `ExcludeNumbers`.
    pub exclude_numbers: bool,
    /// `ExcludeUppercase`.
    pub exclude_uppercase: bool,
    /// `ExcludeLowercase`.
    pub exclude_lowercase: bool,
    /// `IncludeSpace`.
    pub include_space: bool,
    /// `SecretStringTemplate`: the JSON object the password is added to.
    pub secret_string_template: Option<Spanned<BTreeMap<String, Value>>>,
    /// `GenerateStringKey`: the key the password is stored under.
    pub generate_string_key: Option<Spanned<String>>,
    /// Where the mapping starts.
    pub span: Span,
}

impl Secret {
    /// The top-level JSON keys the secret's value will have, or `None` when
    /// the value is not a JSON object (a plain string, or a generated
    /// password without a template).
    pub fn json_keys(&self) -> Option<Vec<String>> {
        match &self.source {
            SecretSource::Json(obj) => Some(obj.keys().cloned().collect()),
            SecretSource::Generated(g) => {
                let key = g.generate_string_key.as_ref()?;
                let mut keys: Vec<String> = g
                    .secret_string_template
                    .as_ref()
                    .map(|t| t.keys().cloned().collect())
                    .unwrap_or_default();
                keys.push(key.value.clone());
                Some(keys)
            }
            SecretSource::RdsManaged(_) => Some(vec!["username".into(), "password".into()]),
            SecretSource::String(_) | SecretSource::Missing => None,
        }
    }
}

/// The keys that give a secret its value; exactly one must be present.
const SOURCE_KEYS: [&str; 4] = [
    "secret_string",
    "secret_json",
    "generate_secret_string",
    "rds_managed",
];

impl Decode for Secret {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a secret");
        let name: Spanned<String> = m.req(cx, "name");
        let description = m.opt(cx, "description");
        let mut sources = Vec::new();
        if let Some(n) = m.node("secret_string") {
            sources.push(SecretSource::String(Spanned::decode(n, cx)));
        }
        if let Some(n) = m.node("secret_json") {
            let obj = json_object(n, cx, "`secret_json`");
            sources.push(SecretSource::Json(Spanned::new(obj, n.span)));
        }
        if let Some(n) = m.node("generate_secret_string") {
            sources.push(SecretSource::Generated(Decode::decode(n, cx)));
        }
        if let Some(n) = m.node("rds_managed") {
            sources.push(SecretSource::RdsManaged(Spanned::decode(n, cx)));
        }
        let source = match sources.len() {
            1 => sources.pop().unwrap_or_default(),
            0 if m.typo_of_any(&SOURCE_KEYS) => SecretSource::Missing,
            0 => {
                cx.error(
                    node.span,
                    format!("secret `{}` has no value", name.value),
                    "add one of `secret_string`, `secret_json`, `generate_secret_string` or `rds_managed`",
                );
                SecretSource::Missing
            }
            _ => {
                cx.error(
                    node.span,
                    format!("secret `{}` has more than one value source", name.value),
                    "keep exactly one of `secret_string`, `secret_json`, `generate_secret_string`, `rds_managed`",
                );
                SecretSource::Missing
            }
        };
        m.finish(cx);
        Secret {
            name,
            description,
            source,
            span: node.span,
        }
    }
}

impl Decode for GenerateSecretString {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "`generate_secret_string`");
        let password_length = match m.node("password_length") {
            Some(n) => Spanned::decode(n, cx),
            None => Spanned::new(32, node.span),
        };
        let g = GenerateSecretString {
            password_length,
            exclude_characters: m.or(cx, "exclude_characters", String::new()),
            exclude_punctuation: m.or(cx, "exclude_punctuation", false),
            exclude_numbers: m.or(cx, "exclude_numbers", false),
            exclude_uppercase: m.or(cx, "exclude_uppercase", false),
            exclude_lowercase: m.or(cx, "exclude_lowercase", false),
            include_space: m.or(cx, "include_space", false),
            secret_string_template: m
                .node("secret_string_template")
                .map(|n| Spanned::new(json_object(n, cx, "`secret_string_template`"), n.span)),
            generate_string_key: m.opt(cx, "generate_string_key"),
            span: node.span,
        };
        m.finish(cx);
        g
    }
}

/// A parsed ECS `valueFrom` (or any other reference to a secret):
/// `NAME[:json-key:version-stage:version-id]` or the same behind
/// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFrom {
    /// The reference exactly as written.
    pub raw: String,
    /// The secret's name (for ARNs: without AWS's `-AbCdEf` suffix only when
    /// resolution strips it; see [`ValueFrom::candidate_names`]).
    pub secret: String,
    /// Region and account when written as an ARN.
    pub arn: Option<(String, String)>,
    /// The JSON key to extract, if any.
    pub json_key: Option<String>,
    /// `AWSCURRENT`, `AWSPREVIOUS` or a custom stage.
    pub version_stage: Option<String>,
    /// A version id.
    pub version_id: Option<String>,
}

impl ValueFrom {
    /// Names the reference may denote: the name as written and, for ARNs, the
    /// name without AWS's 7-character random suffix (`-AbCdEf`).
    pub fn candidate_names(&self) -> Vec<&str> {
        let mut names = vec![self.secret.as_str()];
        if self.arn.is_some() {
            let b = self.secret.as_bytes();
            if b.len() > 7
                && b[b.len() - 7] == b'-'
                && b[b.len() - 6..].iter().all(u8::is_ascii_alphanumeric)
            {
                names.push(&self.secret[..self.secret.len() - 7]);
            }
        }
        names
    }

    /// Parses a reference; the error is (what is wrong, how to fix it).
    pub fn parse(raw: &str) -> Result<ValueFrom, (String, String)> {
        const FORMS: &str = "write NAME, NAME:json-key:version-stage:version-id (e.g. `prod/db:password::`), or the same after `arn:aws:secretsmanager:REGION:ACCOUNT:secret:`";
        let bad = |what: String| Err((what, FORMS.to_string()));
        if raw.is_empty() {
            return bad("empty secret reference".into());
        }
        let (arn, rest) = if let Some(after) = raw.strip_prefix("arn:") {
            let parts: Vec<&str> = after.splitn(5, ':').collect();
            if parts.len() < 5 || parts[1] != "secretsmanager" {
                return bad(format!(
                    "`{raw}` is not a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
                ));
            }
            let Some(resource) = parts[4].strip_prefix("secret:") else {
                return bad(format!(
                    "`{raw}`: the ARN's resource must start with `secret:`"
                ));
            };
            (Some((parts[2].to_string(), parts[3].to_string())), resource)
        } else {
            (None, raw)
        };
        let fields: Vec<&str> = rest.split(':').collect();
        // The ECS agent accepts exactly the bare secret or all four fields.
        if fields.len() != 1 && fields.len() != 4 {
            return bad(format!(
                "`{raw}` has {} `:`-separated fields after the secret; ECS expects none or exactly three (json-key:version-stage:version-id, empty ones as `::`)",
                fields.len() - 1
            ));
        }
        if fields[0].is_empty() {
            return bad(format!("`{raw}` does not name a secret"));
        }
        let opt = |i: usize| {
            fields
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
        };
        let vf = ValueFrom {
            raw: raw.to_string(),
            secret: fields[0].to_string(),
            arn,
            json_key: opt(1),
            version_stage: opt(2),
            version_id: opt(3),
        };
        if vf.version_stage.is_some() && vf.version_id.is_some() {
            return Err((
                format!("`{raw}` sets both a version stage and a version id"),
                "keep only one of them: `name:key:AWSPREVIOUS:` or `name:key::VERSION-ID`".into(),
            ));
        }
        Ok(vf)
    }
}

impl Decode for ValueFrom {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let before = cx.diags.len();
        let raw = String::decode(node, cx);
        if cx.diags.len() > before {
            return ValueFrom::default();
        }
        ValueFrom::parse(&raw).unwrap_or_else(|(msg, hint)| {
            cx.error(node.span, msg, hint);
            ValueFrom::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::type_complexity)]
    fn value_from_table() {
        let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:";
        let cases: Vec<(
            String,
            Result<(&str, Option<&str>, Option<&str>, Option<&str>), &str>,
        )> = vec![
            ("prod/db".into(), Ok(("prod/db", None, None, None))),
            (
                "prod/db:password::".into(),
                Ok(("prod/db", Some("password"), None, None)),
            ),
            (
                "prod/db::AWSPREVIOUS:".into(),
                Ok(("prod/db", None, Some("AWSPREVIOUS"), None)),
            ),
            (
                "prod/db:::v1".into(),
                Ok(("prod/db", None, None, Some("v1"))),
            ),
            (
                format!("{arn}prod/db-AbCdEf"),
                Ok(("prod/db-AbCdEf", None, None, None)),
            ),
            (
                format!("{arn}prod/db:username::"),
                Ok(("prod/db", Some("username"), None, None)),
            ),
            (
                "prod/db:password".into(),
                Err("ECS expects none or exactly three"),
            ),
            (
                format!("{arn}prod/db:password"),
                Err("ECS expects none or exactly three"),
            ),
            (
                "prod/db:k:AWSCURRENT:v1".into(),
                Err("both a version stage and a version id"),
            ),
            (
                "arn:aws:ssm:us-east-1:0:parameter/x".into(),
                Err("not a Secrets Manager ARN"),
            ),
            (
                "arn:aws:secretsmanager:us-east-1:0:key:x".into(),
                Err("must start with `secret:`"),
            ),
            (":password::".into(), Err("does not name a secret")),
            ("".into(), Err("empty")),
        ];
        for (raw, want) in cases {
            match (ValueFrom::parse(&raw), want) {
                (Ok(v), Ok((name, key, stage, id))) => {
                    assert_eq!(v.secret, name, "{raw}");
                    assert_eq!(v.json_key.as_deref(), key, "{raw}");
                    assert_eq!(v.version_stage.as_deref(), stage, "{raw}");
                    assert_eq!(v.version_id.as_deref(), id, "{raw}");
                }
                (Err((msg, _)), Err(want)) => assert!(msg.contains(want), "{raw}: {msg}"),
                (got, want) => panic!("{raw}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn arn_names_match_with_or_without_the_random_suffix() {
        let v =
            ValueFrom::parse("arn:aws:secretsmanager:us-east-1:0:secret:prod/db-AbCdEf").unwrap();
        assert_eq!(v.candidate_names(), ["prod/db-AbCdEf", "prod/db"]);
        let v = ValueFrom::parse("prod/db-AbCdEf").unwrap();
        assert_eq!(v.candidate_names(), ["prod/db-AbCdEf"]);
    }
}
