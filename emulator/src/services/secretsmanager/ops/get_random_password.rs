//! GetRandomPassword: a password from the requested character classes.

use serde::Deserialize;
use serde_json::{Value, json};

use super::parse;
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::Scope;
use crate::services::secretsmanager::model::password::{self, PasswordSpec};
use crate::services::secretsmanager::service::SecretsManager;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `PasswordLength`: 1–4096, default 32.
    password_length: Option<i64>,
    /// `ExcludeCharacters`: characters never used.
    exclude_characters: Option<String>,
    /// `ExcludeNumbers`.
    exclude_numbers: Option<bool>,
    /// `ExcludePunctuation`.
    exclude_punctuation: Option<bool>,
    /// `ExcludeUppercase`.
    exclude_uppercase: Option<bool>,
    /// `ExcludeLowercase`.
    exclude_lowercase: Option<bool>,
    /// `IncludeSpace` (default false).
    include_space: Option<bool>,
    /// `RequireEachIncludedType` (default true).
    require_each_included_type: Option<bool>,
}

/// Parse → apply → render.
pub fn run(_sm: &SecretsManager, _scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let d = PasswordSpec::default();
    let length = match req.password_length {
        None => d.length,
        Some(n) if (1..=4096).contains(&n) => n as u32,
        Some(n) => {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'passwordLength' failed to satisfy constraint: Member must have value {}",
                if n < 1 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 4096"
                }
            )));
        }
    };
    let spec = PasswordSpec {
        length,
        exclude_characters: req.exclude_characters.unwrap_or_default(),
        exclude_numbers: req.exclude_numbers.unwrap_or(d.exclude_numbers),
        exclude_punctuation: req.exclude_punctuation.unwrap_or(d.exclude_punctuation),
        exclude_uppercase: req.exclude_uppercase.unwrap_or(d.exclude_uppercase),
        exclude_lowercase: req.exclude_lowercase.unwrap_or(d.exclude_lowercase),
        include_space: req.include_space.unwrap_or(d.include_space),
        require_each_included_type: req
            .require_each_included_type
            .unwrap_or(d.require_each_included_type),
    };
    let pw = password::generate(&spec, &mut rand::rng())?;
    Ok(json!({"RandomPassword": pw}))
}
