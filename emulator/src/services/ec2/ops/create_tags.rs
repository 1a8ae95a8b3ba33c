//! `CreateTags` / `DeleteTags` on instances, VPCs, subnets and security
//! groups (`ResourceId.N`, `Tag.N.Key` / `Tag.N.Value`). Every id must
//! exist, or nothing changes.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::Network;

/// AWS's limit of tags per resource.
const MAX_TAGS: usize = 50;

fn resource_ids(params: &QueryParams) -> Result<Vec<String>, AwsError> {
    let ids = params.ec2_strings("ResourceId")?;
    if ids.is_empty() {
        return Err(errors::missing("ResourceId"));
    }
    Ok(ids)
}

fn done() -> String {
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    w.finish()
}

pub(super) fn create(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = resource_ids(params)?;
    let mut tags = Vec::new();
    for t in params.ec2_list("Tag")? {
        let key = t.get("Key").unwrap_or_default().to_string();
        let value = t.get("Value").unwrap_or_default().to_string();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(errors::invalid_value(
                "Tag.Key",
                &key,
                "Tag keys must be between 1 and 128 characters.",
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(AwsError::client(
                "InvalidParameterValue",
                "Tag keys starting with 'aws:' are reserved for internal use",
            ));
        }
        if value.chars().count() > 256 {
            return Err(errors::invalid_value(
                "Tag.Value",
                &value,
                "Tag values must be at most 256 characters.",
            ));
        }
        tags.push((key, value));
    }
    if tags.is_empty() {
        return Err(errors::missing("Tag"));
    }
    for id in &ids {
        let have = net.tags_mut(id)?;
        for (k, v) in &tags {
            match have.iter_mut().find(|(hk, _)| hk == k) {
                Some(slot) => slot.1 = v.clone(),
                None => have.push((k.clone(), v.clone())),
            }
        }
        if have.len() > MAX_TAGS {
            return Err(AwsError::client(
                "TagLimitExceeded",
                "The maximum number of Tags for a resource has been reached.",
            ));
        }
    }
    Ok(done())
}

pub(super) fn delete(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = resource_ids(params)?;
    // (key, value): a value given deletes the tag only when it matches.
    let wanted: Vec<(String, Option<String>)> = params
        .ec2_list("Tag")?
        .into_iter()
        .map(|t| {
            (
                t.get("Key").unwrap_or_default().to_string(),
                t.get("Value").map(String::from),
            )
        })
        .collect();
    for id in &ids {
        let have = net.tags_mut(id)?;
        if wanted.is_empty() {
            have.clear();
            continue;
        }
        have.retain(|(k, v)| {
            !wanted
                .iter()
                .any(|(wk, wv)| wk == k && wv.as_ref().is_none_or(|wv| wv == v))
        });
    }
    Ok(done())
}
