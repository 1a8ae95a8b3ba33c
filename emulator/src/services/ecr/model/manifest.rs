//! Image manifests as the registry receives them: Docker v2 schema 2
//! manifests and manifest lists, OCI image manifests and image indexes.
//! Parsing only (no I/O): what a manifest references and how big its image is.

use serde::Deserialize;

use super::names::is_digest;

/// Docker v2 schema 2 image manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (multi-platform).
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Every manifest type emul stores.
pub const MEDIA_TYPES: &[&str] = &[DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX];

/// One content descriptor (config, layer, or child manifest).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// What the referenced content is.
    #[serde(default)]
    pub media_type: String,
    /// Its digest (`sha256:…`).
    pub digest: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: u64,
}

/// The members of a manifest emul needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    /// 2 for every supported type.
    schema_version: Option<u32>,
    /// The manifest's own type (optional in OCI manifests).
    media_type: Option<String>,
    /// The image config (image manifests).
    config: Option<Descriptor>,
    /// The layers (image manifests).
    #[serde(default)]
    layers: Vec<Descriptor>,
    /// The child manifests (indexes and lists).
    manifests: Option<Vec<Descriptor>>,
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The media type it is stored and served as.
    pub media_type: String,
    /// The image config (image manifests only).
    pub config: Option<Descriptor>,
    /// The layers (image manifests only).
    pub layers: Vec<Descriptor>,
    /// The child manifests (indexes and lists only).
    pub manifests: Vec<Descriptor>,
}

impl Manifest {
    /// `true` for a manifest list or image index.
    pub fn is_index(&self) -> bool {
        self.media_type == DOCKER_LIST || self.media_type == OCI_INDEX
    }

    /// Blobs an image manifest needs in the registry (config, then layers).
    pub fn blobs(&self) -> impl Iterator<Item = &Descriptor> {
        self.config.iter().chain(self.layers.iter())
    }

    /// The image's size as ECR reports it: config plus compressed layers.
    pub fn image_size(&self) -> u64 {
        self.blobs().map(|d| d.size).sum()
    }

    /// The config's media type (ECR's `artifactMediaType`).
    pub fn artifact_media_type(&self) -> Option<String> {
        self.config.as_ref().map(|c| c.media_type.clone())
    }
}

/// Parses `body` sent with `content_type`. The type comes from the body's
/// `mediaType`, else from the header, else from its shape (OCI manifests may
/// omit `mediaType`). The error text is the registry's MANIFEST_INVALID detail.
pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<Manifest, String> {
    let wire: Wire =
        serde_json::from_slice(body).map_err(|e| format!("the manifest is not valid JSON: {e}"))?;
    if wire.schema_version != Some(2) {
        return Err(format!(
            "unsupported schemaVersion {:?}: only schema 2 manifests are stored",
            wire.schema_version
        ));
    }
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or_default().trim().to_string())
        .filter(|c| MEDIA_TYPES.contains(&c.as_str()));
    let media_type = match (wire.media_type, header) {
        (Some(m), Some(h)) if m != h => {
            return Err(format!(
                "the manifest's mediaType {m} differs from its Content-Type {h}"
            ));
        }
        (Some(m), _) => m,
        (None, Some(h)) => h,
        (None, None) if wire.manifests.is_some() => OCI_INDEX.to_string(),
        (None, None) => OCI_MANIFEST.to_string(),
    };
    if !MEDIA_TYPES.contains(&media_type.as_str()) {
        return Err(format!("unsupported manifest media type {media_type}"));
    }
    let manifest = Manifest {
        media_type,
        config: wire.config,
        layers: wire.layers,
        manifests: wire.manifests.unwrap_or_default(),
    };
    if manifest.is_index() {
        if manifest.config.is_some() || !manifest.layers.is_empty() {
            return Err("an index has manifests, not a config or layers".into());
        }
    } else if manifest.config.is_none() {
        return Err("an image manifest needs a config descriptor".into());
    }
    if let Some(bad) = manifest
        .blobs()
        .chain(manifest.manifests.iter())
        .find(|d| !is_digest(&d.digest))
    {
        return Err(format!("unsupported digest {}", bad.digest));
    }
    Ok(manifest)
}
