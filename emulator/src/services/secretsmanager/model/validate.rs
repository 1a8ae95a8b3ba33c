//! Input checks shared by the region rules, with AWS's messages.

use std::collections::BTreeSet;

use super::super::errors::SmError;
use super::secret::{SecretValue, Tag};

/// Checks a ClientRequestToken's length (32–64).
pub fn validate_token(token: &str) -> Result<(), SmError> {
    if (32..=64).contains(&token.len()) {
        Ok(())
    } else {
        Err(SmError::InvalidParameter(
            "ClientRequestToken must be 32-64 characters long.".into(),
        ))
    }
}

/// Later duplicates of a key overwrite earlier ones (keys are case-sensitive).
pub(crate) fn dedup_tags(tags: Vec<Tag>) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for t in tags {
        match out.iter_mut().find(|o| o.key == t.key) {
            Some(o) => o.value = t.value,
            None => out.push(t),
        }
    }
    out
}

pub(crate) fn check_value(value: &SecretValue) -> Result<(), SmError> {
    let len = match value {
        SecretValue::String(s) => s.len(),
        SecretValue::Binary(b) => b.len(),
    };
    if len == 0 || len > 65536 {
        let member = if matches!(value, SecretValue::String(_)) {
            "secretString"
        } else {
            "secretBinary"
        };
        let constraint = if len == 0 {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 65536"
        };
        return Err(SmError::Validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
        )));
    }
    Ok(())
}

pub(crate) fn check_description(d: Option<&str>) -> Result<(), SmError> {
    if d.is_some_and(|d| d.len() > 2048) {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048".into(),
        ));
    }
    Ok(())
}

pub(crate) fn check_tags(tags: &[Tag]) -> Result<(), SmError> {
    for t in tags {
        if t.key.is_empty() || t.key.len() > 128 || t.value.len() > 256 {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{}' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 (values at most 256)",
                t.key
            )));
        }
        if t.key.starts_with("aws:") {
            return Err(SmError::InvalidParameter(
                "Invalid tag key: tag keys can't start with 'aws:'.".into(),
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_stages(stages: Vec<String>) -> Result<BTreeSet<String>, SmError> {
    if stages.is_empty() || stages.len() > 20 {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 20".into(),
        ));
    }
    if stages.iter().any(|s| s.is_empty() || s.len() > 256) {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 256".into(),
        ));
    }
    Ok(stages.into_iter().collect())
}
