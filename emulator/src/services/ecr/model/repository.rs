//! Repository and image rules: create/delete repositories, push a manifest
//! (tag immutability), find and delete images by id.

use super::{Encryption, Image, Mutability, Region, Repository, Seconds};
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::model::names::check_repository_name;

/// What CreateRepository asks for.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// The name.
    pub name: String,
    /// Tag mutability (MUTABLE unless asked).
    pub mutability: Mutability,
    /// Scan on push (stored).
    pub scan_on_push: bool,
    /// Encryption (stored).
    pub encryption: Encryption,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// An `imageId` of the API: a digest, a tag, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageId {
    /// `imageDigest`.
    pub digest: Option<String>,
    /// `imageTag`.
    pub tag: Option<String>,
}

impl ImageId {
    /// ECR's rendering in ImageNotFoundException messages.
    pub fn render(&self) -> String {
        format!(
            "{{imageDigest:'{}', imageTag:'{}'}}",
            self.digest.as_deref().unwrap_or("null"),
            self.tag.as_deref().unwrap_or("null")
        )
    }
}

/// Why a BatchGetImage/BatchDeleteImage entry failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageFailure {
    /// `ImageNotFound` / "Requested image not found".
    NotFound,
    /// `MissingDigestAndTag`: neither member given.
    MissingDigestAndTag,
    /// `ImageReferencedByManifestList`: a child of an index still stored.
    ReferencedByManifestList,
}

impl ImageFailure {
    /// `failureCode`.
    pub fn code(&self) -> &'static str {
        match self {
            ImageFailure::NotFound => "ImageNotFound",
            ImageFailure::MissingDigestAndTag => "MissingDigestAndTag",
            ImageFailure::ReferencedByManifestList => "ImageReferencedByManifestList",
        }
    }

    /// `failureReason`.
    pub fn reason(&self) -> &'static str {
        match self {
            ImageFailure::NotFound => "Requested image not found",
            ImageFailure::MissingDigestAndTag => {
                "Invalid request parameters: both tag and digest cannot be null"
            }
            ImageFailure::ReferencedByManifestList => "Requested image referenced by manifest list",
        }
    }
}

/// A manifest being pushed (registry `PUT /v2/<name>/manifests/<ref>`).
#[derive(Debug, Clone)]
pub struct Push {
    /// The manifest digest.
    pub digest: String,
    /// The manifest text.
    pub manifest: String,
    /// Its media type.
    pub media_type: String,
    /// The config's media type.
    pub artifact_media_type: Option<String>,
    /// The image size (see [`Image::size`]).
    pub size: u64,
    /// The tag pushed, if pushed by tag.
    pub tag: Option<String>,
}

impl Region {
    /// The repository `name`, or RepositoryNotFoundException.
    pub fn repository(&self, name: &str, registry: &str) -> Result<&Repository, EcrError> {
        self.repositories
            .get(name)
            .ok_or_else(|| not_found(name, registry))
    }

    /// The repository `name` for a change.
    pub fn repository_mut(
        &mut self,
        name: &str,
        registry: &str,
    ) -> Result<&mut Repository, EcrError> {
        self.repositories
            .get_mut(name)
            .ok_or_else(|| not_found(name, registry))
    }

    /// CreateRepository.
    pub fn create(
        &mut self,
        req: CreateRequest,
        registry: &str,
        region: &str,
        now: Seconds,
    ) -> Result<&Repository, EcrError> {
        check_repository_name(&req.name)?;
        if self.repositories.contains_key(&req.name) {
            return Err(EcrError::RepositoryAlreadyExists {
                name: req.name,
                registry: registry.into(),
            });
        }
        let repo = Repository {
            name: req.name.clone(),
            registry_id: registry.into(),
            region: region.into(),
            created_at: now,
            mutability: req.mutability,
            scan_on_push: req.scan_on_push,
            encryption: req.encryption,
            tags: req.tags,
            lifecycle_policy: None,
            images: Default::default(),
            image_tags: Default::default(),
        };
        Ok(self.repositories.entry(req.name).or_insert(repo))
    }

    /// DeleteRepository: refused while images remain unless `force`.
    pub fn delete(
        &mut self,
        name: &str,
        force: bool,
        registry: &str,
    ) -> Result<Repository, EcrError> {
        let repo = self.repository(name, registry)?;
        if !force && !repo.images.is_empty() {
            return Err(EcrError::RepositoryNotEmpty {
                name: name.into(),
                registry: registry.into(),
            });
        }
        Ok(self.repositories.remove(name).expect("checked"))
    }
}

impl Repository {
    /// Stores a pushed manifest and moves its tag. In an IMMUTABLE repository
    /// a tag that already names another image cannot move.
    pub fn push(&mut self, push: Push, now: Seconds) -> Result<(), EcrError> {
        if let Some(tag) = &push.tag
            && self.mutability == Mutability::Immutable
            && self.image_tags.get(tag).is_some_and(|d| *d != push.digest)
        {
            return Err(EcrError::ImageTagAlreadyExists {
                tag: tag.clone(),
                name: self.name.clone(),
            });
        }
        self.images.entry(push.digest.clone()).or_insert(Image {
            digest: push.digest.clone(),
            manifest: push.manifest,
            media_type: push.media_type,
            artifact_media_type: push.artifact_media_type,
            size: push.size,
            pushed_at: now,
        });
        if let Some(tag) = push.tag {
            self.image_tags.insert(tag, push.digest);
        }
        Ok(())
    }

    /// The digest `id` names: by digest (and, when both are given, the tag
    /// must point at it) or by tag.
    pub fn resolve(&self, id: &ImageId) -> Result<String, ImageFailure> {
        match (&id.digest, &id.tag) {
            (None, None) => Err(ImageFailure::MissingDigestAndTag),
            (Some(d), tag) => {
                let tag_ok = tag
                    .as_ref()
                    .is_none_or(|t| self.image_tags.get(t) == Some(d));
                if self.images.contains_key(d) && tag_ok {
                    Ok(d.clone())
                } else {
                    Err(ImageFailure::NotFound)
                }
            }
            (None, Some(t)) => self
                .image_tags
                .get(t)
                .cloned()
                .ok_or(ImageFailure::NotFound),
        }
    }

    /// `true` when an index stored here lists `digest` as a child.
    fn referenced_by_index(&self, digest: &str) -> bool {
        self.images.values().any(|img| {
            img.digest != digest
                && super::manifest::parse(img.manifest.as_bytes(), Some(&img.media_type))
                    .is_ok_and(|m| m.manifests.iter().any(|c| c.digest == digest))
        })
    }

    /// BatchDeleteImage for one id. By tag: the tag goes, and the image with
    /// it when that was its last tag. By digest: the image and every tag.
    /// Returns the ids deleted (one per tag removed, or the bare digest).
    pub fn delete_image(&mut self, id: &ImageId) -> Result<Vec<ImageId>, ImageFailure> {
        let digest = self.resolve(id)?;
        let by_tag = id.digest.is_none();
        let tags = self.tags_of(&digest);
        if by_tag {
            let tag = id.tag.clone().expect("resolved by tag");
            let last = tags.len() == 1;
            if last && self.referenced_by_index(&digest) {
                return Err(ImageFailure::ReferencedByManifestList);
            }
            self.image_tags.remove(&tag);
            if last {
                self.images.remove(&digest);
            }
            return Ok(vec![ImageId {
                digest: Some(digest),
                tag: Some(tag),
            }]);
        }
        if self.referenced_by_index(&digest) {
            return Err(ImageFailure::ReferencedByManifestList);
        }
        self.images.remove(&digest);
        self.image_tags.retain(|_, d| *d != digest);
        if tags.is_empty() {
            return Ok(vec![ImageId {
                digest: Some(digest),
                tag: None,
            }]);
        }
        Ok(tags
            .into_iter()
            .map(|t| ImageId {
                digest: Some(digest.clone()),
                tag: Some(t),
            })
            .collect())
    }
}

/// RepositoryNotFoundException for `name`.
pub fn not_found(name: &str, registry: &str) -> EcrError {
    EcrError::RepositoryNotFound {
        name: name.into(),
        registry: registry.into(),
    }
}
