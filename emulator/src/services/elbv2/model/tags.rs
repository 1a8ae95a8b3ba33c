//! Tags on load balancers, target groups, listeners and rules: AddTags
//! (new keys added, existing keys overwritten, at most 50 per resource) and
//! RemoveTags, all-or-nothing across the ARNs of one call (pure).

use super::Elbv2;
use crate::services::elbv2::errors::ElbError;

/// The most tags one resource carries.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;

/// Checks tags as given in one request: keys 1–128 characters, not in the
/// reserved `aws:` prefix, values at most 256, no key twice.
pub fn validate(tags: &[(String, String)]) -> Result<(), ElbError> {
    let mut seen = std::collections::BTreeSet::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(ElbError::Validation(format!(
                "Tag key '{k}' must be between 1 and 128 characters long"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ElbError::Validation(format!(
                "Tag key '{k}' uses the reserved prefix 'aws:'"
            )));
        }
        if v.chars().count() > 256 {
            return Err(ElbError::Validation(format!(
                "The value of tag '{k}' must be at most 256 characters long"
            )));
        }
        if !seen.insert(k.as_str()) {
            return Err(ElbError::DuplicateTagKeys(
                "A tag key was specified more than once.".into(),
            ));
        }
    }
    if tags.len() > MAX_TAGS_PER_RESOURCE {
        return Err(too_many());
    }
    Ok(())
}

fn too_many() -> ElbError {
    ElbError::TooManyTags(
        "You've reached the limit on the number of tags for this resource.".into(),
    )
}

impl Elbv2 {
    /// AddTags to every ARN in `arns`, or to none.
    pub fn add_tags(&mut self, arns: &[String], tags: &[(String, String)]) -> Result<(), ElbError> {
        validate(tags)?;
        let mut next = Vec::with_capacity(arns.len());
        for arn in arns {
            let mut current = self.tags_of(arn)?;
            for (k, v) in tags {
                match current.iter_mut().find(|(ck, _)| ck == k) {
                    Some(existing) => existing.1 = v.clone(),
                    None => current.push((k.clone(), v.clone())),
                }
            }
            if current.len() > MAX_TAGS_PER_RESOURCE {
                return Err(too_many());
            }
            next.push((arn.clone(), current));
        }
        self.tags.extend(next);
        Ok(())
    }

    /// RemoveTags `keys` from every ARN in `arns` (absent keys are fine), or
    /// from none when an ARN names nothing.
    pub fn remove_tags(&mut self, arns: &[String], keys: &[String]) -> Result<(), ElbError> {
        for arn in arns {
            self.tags_of(arn)?;
        }
        for arn in arns {
            if let Some(current) = self.tags.get_mut(arn) {
                current.retain(|(k, _)| !keys.contains(k));
                if current.is_empty() {
                    self.tags.remove(arn);
                }
            }
        }
        Ok(())
    }
}
