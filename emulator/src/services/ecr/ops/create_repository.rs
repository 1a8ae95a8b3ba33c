//! CreateRepository: name rules, tag mutability, scanning and encryption
//! configuration (stored), tags.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireTag, parse, registry, repository_json, required, tags_from_wire};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::model::{CreateRequest, Encryption, Mutability};
use crate::services::ecr::service::{Ecr, now_secs};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId` (the caller's account when absent).
    registry_id: Option<String>,
    /// `repositoryName`.
    repository_name: Option<String>,
    /// `imageTagMutability`.
    image_tag_mutability: Option<String>,
    /// `imageScanningConfiguration`.
    image_scanning_configuration: Option<Scanning>,
    /// `encryptionConfiguration`.
    encryption_configuration: Option<WireEncryption>,
    /// `tags`.
    tags: Option<Vec<WireTag>>,
}

/// `imageScanningConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Scanning {
    /// `scanOnPush`.
    pub(super) scan_on_push: Option<bool>,
}

/// `encryptionConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEncryption {
    /// `encryptionType`: AES256 or KMS.
    encryption_type: Option<String>,
    /// `kmsKey` (KMS only).
    kms_key: Option<String>,
}

/// Parses `imageTagMutability` (MUTABLE when absent).
pub(super) fn mutability(value: Option<String>) -> Result<Mutability, EcrError> {
    match value {
        None => Ok(Mutability::Mutable),
        Some(v) => Mutability::parse(&v)
            .ok_or_else(|| EcrError::not_in_enum("imageTagMutability", &v, "MUTABLE, IMMUTABLE")),
    }
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let encryption = match req.encryption_configuration {
        None => Encryption::default(),
        Some(e) => {
            let t = required(e.encryption_type, "encryptionConfiguration.encryptionType")?;
            match t.as_str() {
                "AES256" if e.kms_key.is_some() => {
                    return Err(EcrError::InvalidParameter(
                        "Invalid parameter: kmsKey can be specified only when encryptionType is KMS"
                            .into(),
                    ));
                }
                "AES256" | "KMS" => Encryption {
                    encryption_type: t,
                    kms_key: e.kms_key,
                },
                other => {
                    return Err(EcrError::not_in_enum(
                        "encryptionConfiguration.encryptionType",
                        other,
                        "AES256, KMS, KMS_DSSE",
                    ));
                }
            }
        }
    };
    let create = CreateRequest {
        name,
        mutability: mutability(req.image_tag_mutability)?,
        scan_on_push: req
            .image_scanning_configuration
            .and_then(|s| s.scan_on_push)
            .unwrap_or(false),
        encryption,
        tags: tags_from_wire(req.tags.unwrap_or_default())?,
    };
    let region = ctx.region.clone();
    let repo = ecr.write(&account, &region, |r| {
        r.create(create, &account, &region, now_secs()).cloned()
    })?;
    Ok(json!({"repository": repository_json(ecr, &repo)}))
}
