//! AddTagsToCertificate, RemoveTagsFromCertificate, ListTagsForCertificate.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ByArn, WireTag, parse, required, tag_pairs};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::{self, Scope, Tags};

/// The request of the two tag writes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// The certificate.
    certificate_arn: Option<String>,
    /// The tags to add or remove.
    tags: Option<Vec<WireTag>>,
}

fn request(body: Value) -> Result<(String, Tags), AcmError> {
    let req: Request = parse(body)?;
    let arn = required(req.certificate_arn, "certificateArn")?;
    let tags = required(req.tags, "tags")?;
    if tags.is_empty() {
        return Err(AcmError::Validation(
            "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
        ));
    }
    Ok((arn, tag_pairs(tags)?))
}

/// AddTagsToCertificate: parse → apply → render.
pub fn add(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let (arn, tags) = request(body)?;
    acm.write(|c| model::add_tags(&mut c.get_mut(scope, &arn)?.tags, &tags))?;
    Ok(json!({}))
}

/// RemoveTagsFromCertificate: parse → apply → render.
pub fn remove(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let (arn, tags) = request(body)?;
    acm.write(|c| model::remove_tags(&mut c.get_mut(scope, &arn)?.tags, &tags))?;
    Ok(json!({}))
}

/// ListTagsForCertificate: parse → apply → render.
pub fn list(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let arn = parse::<ByArn>(body)?.arn()?;
    acm.read(|c| {
        let tags: Vec<Value> = c
            .get(scope, &arn)?
            .tags
            .iter()
            .map(|(k, v)| match v {
                Some(v) => json!({ "Key": k, "Value": v }),
                None => json!({ "Key": k }),
            })
            .collect();
        Ok(json!({ "Tags": tags }))
    })
}
