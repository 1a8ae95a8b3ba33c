//! ECR's state and rules, pure (no I/O, no clock: callers pass `now`).
//!
//! | part | what it owns |
//! |---|---|
//! | [`names`] | repository names, tags, digests, the AWS image URI |
//! | [`manifest`] | manifest parsing (Docker schema 2, lists, OCI manifests and indexes) |
//! | [`repository`] | repositories and their images: create, delete, push, tag, untag |
//!
//! Manifests are kept in the model (they are small and BatchGetImage returns
//! them); layers and configs are blobs in the registry's content store.

pub mod manifest;
pub mod names;
pub mod repository;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use repository::{CreateRequest, ImageId};

/// Seconds since the epoch (ECR's JSON timestamps).
pub type Seconds = f64;

/// Whether a tag may move to another image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Mutability {
    /// A push may move a tag (the default).
    #[default]
    #[serde(rename = "MUTABLE")]
    Mutable,
    /// A tag that exists can never point at another image.
    #[serde(rename = "IMMUTABLE")]
    Immutable,
}

impl Mutability {
    /// Parses the wire value; `None` outside the enum.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MUTABLE" => Some(Mutability::Mutable),
            "IMMUTABLE" => Some(Mutability::Immutable),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::Mutable => "MUTABLE",
            Mutability::Immutable => "IMMUTABLE",
        }
    }
}

/// A repository's encryption configuration (stored and echoed; emul does
/// not encrypt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// `AES256` (the default) or `KMS`.
    pub encryption_type: String,
    /// The KMS key for `KMS`.
    pub kms_key: Option<String>,
}

impl Default for Encryption {
    fn default() -> Self {
        Encryption {
            encryption_type: "AES256".into(),
            kms_key: None,
        }
    }
}

/// One pushed image (a manifest, possibly an index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// The manifest digest (`sha256:…`): the image's identity.
    pub digest: String,
    /// The manifest text exactly as pushed (BatchGetImage and pulls return it byte for byte).
    pub manifest: String,
    /// The manifest's media type.
    pub media_type: String,
    /// The config's media type, when an image manifest.
    pub artifact_media_type: Option<String>,
    /// Config plus layers (an index: the largest child), as DescribeImages reports.
    pub size: u64,
    /// When it was first pushed.
    pub pushed_at: Seconds,
}

/// One repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    /// The name (unique in its region).
    pub name: String,
    /// The account that owns it (`registryId`).
    pub registry_id: String,
    /// Its region (part of the ARN).
    pub region: String,
    /// When it was created.
    pub created_at: Seconds,
    /// IMMUTABLE repositories refuse to move an existing tag.
    pub mutability: Mutability,
    /// `imageScanningConfiguration.scanOnPush` (stored; nothing is scanned).
    pub scan_on_push: bool,
    /// `encryptionConfiguration` (stored).
    pub encryption: Encryption,
    /// Resource tags, in insertion order (`Key`/`Value`).
    pub tags: Vec<(String, String)>,
    /// The lifecycle policy text (stored; not evaluated).
    pub lifecycle_policy: Option<String>,
    /// Images by manifest digest.
    pub images: BTreeMap<String, Image>,
    /// Tag → manifest digest.
    pub image_tags: BTreeMap<String, String>,
}

impl Repository {
    /// The repository ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:ecr:{}:{}:repository/{}",
            self.region, self.registry_id, self.name
        )
    }

    /// The tags pointing at `digest`, sorted.
    pub fn tags_of(&self, digest: &str) -> Vec<String> {
        self.image_tags
            .iter()
            .filter(|(_, d)| *d == digest)
            .map(|(t, _)| t.clone())
            .collect()
    }
}

/// Every repository of one account in one region.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Region {
    /// Repositories by name.
    pub repositories: BTreeMap<String, Repository>,
}

/// The whole ECR state: `"<account>/<region>"` → its repositories.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// One entry per account and region that has repositories.
    pub regions: BTreeMap<String, Region>,
}

/// The key of an account's region in [`State::regions`].
pub fn scope_key(account: &str, region: &str) -> String {
    format!("{account}/{region}")
}
