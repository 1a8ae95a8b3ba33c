//! Checking one attribute value against its allowed range or words, with
//! the same ValidationError wording for target groups and load balancers.

use crate::services::elbv2::errors::ElbError;

/// An attribute as given: key and value.
#[derive(Debug, Clone, Copy)]
pub struct AttributeValue<'a> {
    /// The attribute key, named in the error.
    pub key: &'a str,
    /// The value given.
    pub value: &'a str,
}

impl AttributeValue<'_> {
    /// An integer in `lo..=hi`.
    pub fn int_in(&self, lo: i64, hi: i64) -> Result<(), ElbError> {
        let (key, value) = (self.key, self.value);
        value
            .parse::<i64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .map(|_| ())
            .ok_or_else(|| {
                ElbError::Validation(format!(
                    "'{key}' must be an integer between {lo} and {hi}, but was '{value}'"
                ))
            })
    }

    /// One of `allowed`, exactly.
    pub fn one_of(&self, allowed: &[&str]) -> Result<(), ElbError> {
        if allowed.contains(&self.value) {
            Ok(())
        } else {
            Err(ElbError::Validation(format!(
                "'{}' must be one of [{}], but was '{}'",
                self.key,
                allowed.join(", "),
                self.value
            )))
        }
    }
}
