//! The names ECR and the registry accept: repository names, image tags,
//! digests, and the AWS image URI `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`
//! that task definitions use.

use sha2::{Digest as _, Sha256};

use crate::services::ecr::errors::EcrError;

/// The pattern AWS quotes when a repository name is refused.
pub const REPOSITORY_NAME_PATTERN: &str =
    "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";

/// `true` when `name` matches [`REPOSITORY_NAME_PATTERN`]: `/`-separated
/// components of lowercase letters and digits joined by single `.`, `_`, `-`.
pub fn is_repository_name(name: &str) -> bool {
    name.split('/').all(|component| {
        let bytes = component.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let sep = |b: u8| matches!(b, b'.' | b'_' | b'-');
        !bytes.is_empty()
            && alnum(bytes[0])
            && alnum(bytes[bytes.len() - 1])
            && bytes.iter().all(|&b| alnum(b) || sep(b))
            && !bytes.windows(2).any(|w| sep(w[0]) && sep(w[1]))
    })
}

/// Checks a repository name as CreateRepository does: length 2–256, then
/// the pattern.
pub fn check_repository_name(name: &str) -> Result<(), EcrError> {
    if name.len() < 2 {
        return Err(EcrError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'repositoryName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        )));
    }
    if name.len() > 256 {
        return Err(EcrError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'repositoryName' failed to satisfy constraint: Member must have length less than or equal to 256"
        )));
    }
    if !is_repository_name(name) {
        return Err(EcrError::InvalidParameter(format!(
            "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '{REPOSITORY_NAME_PATTERN}''"
        )));
    }
    Ok(())
}

/// `true` for a tag the Docker CLI can push: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// `true` for `sha256:` followed by 64 lowercase hex digits (the only
/// algorithm emul stores).
pub fn is_digest(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
}

/// The `sha256:<hex>` digest of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Which image of a repository a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// By tag (`:v1`; no tag means `latest`).
    Tag(String),
    /// By manifest digest (`@sha256:…`).
    Digest(String),
}

impl ImageRef {
    /// The suffix after the repository in an image name (`:v1`, `@sha256:…`).
    pub fn suffix(&self) -> String {
        match self {
            ImageRef::Tag(t) => format!(":{t}"),
            ImageRef::Digest(d) => format!("@{d}"),
        }
    }
}

/// An image named by its AWS ECR URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrImageName {
    /// The registry (account) id in the host name.
    pub account: String,
    /// The region in the host name.
    pub region: String,
    /// The repository.
    pub repository: String,
    /// The tag or digest.
    pub reference: ImageRef,
}

/// Parses `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`;
/// `None` for any other image name (Docker Hub, a local name, …).
pub fn parse_ecr_image(image: &str) -> Option<EcrImageName> {
    let (host, rest) = image.split_once('/')?;
    let host = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (account, region) = host.split_once(".dkr.ecr.")?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || region.is_empty() {
        return None;
    }
    let (repository, reference) = split_reference(rest)?;
    Some(EcrImageName {
        account: account.to_string(),
        region: region.to_string(),
        repository,
        reference,
    })
}

/// Splits `repo[:tag|@digest]` (no tag → `latest`); `None` when the
/// repository or reference is malformed.
pub fn split_reference(rest: &str) -> Option<(String, ImageRef)> {
    let (repository, reference) = if let Some((repo, digest)) = rest.split_once('@') {
        (repo, ImageRef::Digest(digest.to_string()))
    } else {
        match rest.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, ImageRef::Tag(tag.to_string())),
            _ => (rest, ImageRef::Tag("latest".to_string())),
        }
    };
    let valid = match &reference {
        ImageRef::Tag(t) => is_tag(t),
        ImageRef::Digest(d) => is_digest(d),
    };
    (is_repository_name(repository) && valid).then(|| (repository.to_string(), reference))
}
