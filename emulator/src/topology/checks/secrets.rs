//! Secrets checks: names, exactly one value source (checked while
//! decoding), generator parameters, RDS-managed secrets, and every
//! `value_from` reference in the file (see [`check_reference`]).

use super::{dangling, duplicates};
use crate::topology::model::secrets::{GenerateSecretString, SecretSource, ValueFrom};
use crate::topology::span::Spanned;
use crate::topology::{Diagnostic, Topology};

/// Secrets Manager name rule: 1..512 of `A-Za-z0-9/_+=.@-`.
pub fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// What is wrong with generator parameters, if anything.
pub fn generator_problem(g: &GenerateSecretString) -> Option<(String, String)> {
    if !(4..=4096).contains(&*g.password_length) {
        return Some((
            format!(
                "password_length {} is out of range (4..4096)",
                *g.password_length
            ),
            "use a length from 4 to 4096".into(),
        ));
    }
    if g.exclude_lowercase
        && g.exclude_uppercase
        && g.exclude_numbers
        && g.exclude_punctuation
        && !g.include_space
    {
        return Some((
            "every character class is excluded; nothing is left to generate from".into(),
            "allow at least one of lowercase, uppercase, numbers or punctuation".into(),
        ));
    }
    match (&g.secret_string_template, &g.generate_string_key) {
        (Some(_), None) => Some((
            "`secret_string_template` needs `generate_string_key`".into(),
            "add `generate_string_key: password` (the key the password is stored under)".into(),
        )),
        (None, Some(_)) => Some((
            "`generate_string_key` needs `secret_string_template`".into(),
            "add `secret_string_template: {}` (a JSON object, possibly empty)".into(),
        )),
        (Some(t), Some(k)) if t.contains_key(k.as_str()) => Some((
            format!("`secret_string_template` already has the key `{}`", k.value),
            "remove it from the template: the generated password is stored under it".into(),
        )),
        _ => None,
    }
}

/// Checks a reference to a secret (`value_from`, `master_password_secret`,
/// `auth_token_secret`): the ARN's region and account, that the secret is
/// declared, and that a requested JSON key exists.
pub fn check_reference(t: &Topology, vf: &Spanned<ValueFrom>, out: &mut Vec<Diagnostic>) {
    if vf.secret.is_empty() {
        return; // Already reported while decoding.
    }
    if let Some((region, account)) = &vf.arn
        && !t.region.is_placeholder()
        && !t.account_id.is_placeholder()
        && (region != &*t.region || account != &*t.account_id)
    {
        out.push(Diagnostic::new(
                vf.span,
                format!(
                    "`{}` points at region {region} account {account}, but the topology is region {} account {}",
                    vf.raw, *t.region, *t.account_id
                ),
                "use the topology's region and account in the ARN, or just the secret's name",
            ));
        return;
    }
    let Some(secret) = t.resolve_secret(vf) else {
        let names: Vec<&str> = t.secrets.iter().map(|s| s.name.as_str()).collect();
        dangling(
            "secret",
            &Spanned::new(vf.secret.clone(), vf.span),
            &names,
            out,
        );
        return;
    };
    let Some(key) = &vf.json_key else { return };
    if matches!(secret.source, SecretSource::Missing) {
        return; // The secret itself is broken; that is reported there.
    }
    match secret.json_keys() {
        Some(keys) if keys.iter().any(|k| k == key) => {}
        Some(keys) => out.push(Diagnostic::new(
            vf.span,
            format!("secret `{}` has no JSON key `{key}`", *secret.name),
            format!(
                "its keys are: {} (ECS would fail the task with \"retrieved secret from Secrets Manager did not contain json key {key}\")",
                keys.join(", ")
            ),
        )),
        None => out.push(Diagnostic::new(
            vf.span,
            format!("secret `{}` is not a JSON object, so it has no key `{key}`", *secret.name),
            format!("drop the key to inject the whole value (`{}`), or make the secret `secret_json`", *secret.name),
        )),
    }
}

/// Runs the secrets checks (references are checked where they are used).
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates("secret", t.secrets.iter().map(|s| &s.name), out);
    let dbs: Vec<&str> = t.rds_instances.iter().map(|d| d.name.as_str()).collect();
    for s in &t.secrets {
        if !name_ok(&s.name) {
            out.push(Diagnostic::new(
                s.name.span,
                format!("invalid secret name `{}`", *s.name),
                "use 1 to 512 letters, digits and /_+=.@-",
            ));
        }
        match &s.source {
            SecretSource::Generated(g) => {
                if let Some((msg, hint)) = generator_problem(g) {
                    out.push(Diagnostic::new(g.span, msg, hint));
                }
            }
            SecretSource::RdsManaged(db) => {
                dangling("RDS instance", db, &dbs, out);
                if let Some(d) = t.rds_instance(db)
                    && !*d.manage_master_user_password
                {
                    out.push(Diagnostic::new(
                        db.span,
                        format!(
                            "RDS instance `{}` does not manage its master password",
                            **db
                        ),
                        format!("set `manage_master_user_password: true` on `{}`", **db),
                    ));
                }
            }
            SecretSource::String(v) if v.is_empty() => out.push(Diagnostic::new(
                v.span,
                "`secret_string` is empty",
                "Secrets Manager needs at least one character",
            )),
            _ => {}
        }
    }
    for (i, s) in t.secrets.iter().enumerate() {
        if let SecretSource::RdsManaged(db) = &s.source
            && let Some(first) = t.secrets[..i]
                .iter()
                .find(|o| matches!(&o.source, SecretSource::RdsManaged(d) if **d == **db))
        {
            out.push(Diagnostic::new(
                db.span,
                format!(
                    "RDS instance `{}` already has a managed secret (`{}`)",
                    **db, *first.name
                ),
                "declare one `rds_managed` secret per instance",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    #[test]
    fn names_table() {
        for (n, ok) in [
            ("prod/db", true),
            ("a+b=c.d@e-f_g", true),
            ("", false),
            ("a b", false),
            ("a:b", false),
        ] {
            assert_eq!(name_ok(n), ok, "{n:?}");
        }
        assert!(!name_ok(&"x".repeat(513)));
    }

    #[test]
    fn topology_level_table() {
        let cases = [
            ("secrets:\n  - { name: s, secret_string: x }\n", ""),
            ("secrets:\n  - { name: s }\n", "has no value"),
            (
                "secrets:\n  - { name: s, secret_string: x, secret_json: {a: 1} }\n",
                "more than one value source",
            ),
            (
                "secrets:\n  - { name: s, secret_string: x }\n  - { name: s, secret_string: y }\n",
                "duplicate secret name `s`",
            ),
            (
                "secrets:\n  - { name: 'a b', secret_string: x }\n",
                "invalid secret name",
            ),
            (
                "secrets:\n  - { name: s, generate_secret_string: { password_length: 2 } }\n",
                "password_length 2 is out of range",
            ),
            (
                "secrets:\n  - { name: s, generate_secret_string: { generate_string_key: p } }\n",
                "needs `secret_string_template`",
            ),
            (
                "secrets:\n  - { name: s, generate_secret_string: { secret_string_template: {p: 1}, generate_string_key: p } }\n",
                "already has the key `p`",
            ),
            (
                "secrets:\n  - name: s\n    generate_secret_string: { exclude_lowercase: true, exclude_uppercase: true, exclude_numbers: true, exclude_punctuation: true }\n",
                "every character class",
            ),
            (
                "secrets:\n  - { name: s, rds_managed: nodb }\n",
                "unknown RDS instance `nodb`",
            ),
            (
                "secrets:\n  - { name: s, secret_strin: x }\n",
                "did you mean `secret_string`",
            ),
            ("secrets:\n  - { name: s, secret_string: '' }\n", "is empty"),
        ];
        for (extra, want) in cases {
            expect(extra, want);
        }
    }
}
