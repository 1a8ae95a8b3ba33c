//! Manifests by tag or digest (GET/HEAD/PUT/DELETE), the tags list and the
//! catalog. A PUT checks that every blob (or, for an index, every child
//! manifest) is already stored, computes the digest, and becomes an image
//! in the ECR model, where IMMUTABLE repositories refuse to move a tag.

use std::collections::HashMap;

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use serde_json::json;

use super::{Body, Registry, empty, error, full, json_response, response};
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::model::manifest;
use crate::services::ecr::model::names::{digest_of, is_digest, is_tag};
use crate::services::ecr::model::repository::Push;
use crate::services::ecr::model::{Image, ImageId};

/// The largest manifest accepted (the distribution spec suggests 4 MiB).
pub const MAX_MANIFEST: usize = 4 * 1024 * 1024;

/// The image `reference` (tag or digest) names in `repo`.
fn lookup(reg: &Registry, repo: &str, reference: &str) -> Option<Image> {
    let account = reg.ecr.account().to_string();
    reg.ecr
        .read_registry(|r| {
            let repo = r.repository(repo, &account)?;
            let digest = if is_digest(reference) {
                Some(reference.to_string())
            } else {
                repo.image_tags.get(reference).cloned()
            };
            Ok(digest.and_then(|d| repo.images.get(&d).cloned()))
        })
        .ok()
        .flatten()
}

/// `true` when the `Accept` headers allow `media_type` (no header, or
/// `*/*`, accepts anything).
pub fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    let types: Vec<String> = headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    types.is_empty() || types.iter().any(|t| t == "*/*" || t == media_type)
}

/// `GET`/`HEAD /v2/<name>/manifests/<reference>`.
pub fn get(
    reg: &Registry,
    repo: &str,
    reference: &str,
    headers: &HeaderMap,
    head: bool,
) -> Response<Body> {
    let Some(img) = lookup(reg, repo, reference) else {
        return error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            &format!("manifest unknown: {reference}"),
        );
    };
    if !accepts(headers, &img.media_type) {
        return error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            &format!(
                "the manifest is a {}, which the Accept header does not allow",
                img.media_type
            ),
        );
    }
    let len = img.manifest.len();
    let body = if head {
        empty()
    } else {
        full(Bytes::from(img.manifest))
    };
    let mut resp = response(StatusCode::OK, body);
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        img.media_type.parse().expect("media type"),
    );
    h.insert(http::header::CONTENT_LENGTH, len.into());
    h.insert("Docker-Content-Digest", img.digest.parse().expect("digest"));
    resp
}

/// `PUT /v2/<name>/manifests/<reference>`.
pub async fn put(
    reg: &Registry,
    repo: &str,
    reference: &str,
    req: Request<Incoming>,
) -> Response<Body> {
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !is_digest(reference) && !is_tag(reference) {
        return error(
            StatusCode::BAD_REQUEST,
            "TAG_INVALID",
            &format!("invalid tag '{reference}'"),
        );
    }
    let body = match http_body_util::Limited::new(req.into_body(), MAX_MANIFEST)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "SIZE_INVALID",
                "the manifest is larger than 4 MiB",
            );
        }
    };
    let parsed = match manifest::parse(&body, content_type.as_deref()) {
        Ok(m) => m,
        Err(why) => {
            return error(
                StatusCode::BAD_REQUEST,
                "MANIFEST_INVALID",
                &format!("manifest invalid: {why}"),
            );
        }
    };
    let digest = digest_of(&body);
    if is_digest(reference) && reference != digest {
        return error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
        );
    }
    let store = reg.ecr.store();
    if let Some(missing) = parsed
        .blobs()
        .find(|d| store.blob_size(&d.digest).is_none())
    {
        return error(
            StatusCode::BAD_REQUEST,
            "MANIFEST_BLOB_UNKNOWN",
            &format!("blob unknown to registry: {}", missing.digest),
        );
    }
    let size = if parsed.is_index() {
        let mut largest = 0;
        for child in &parsed.manifests {
            match lookup(reg, repo, &child.digest) {
                Some(img) => largest = largest.max(img.size),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "MANIFEST_BLOB_UNKNOWN",
                        &format!("manifest unknown to registry: {}", child.digest),
                    );
                }
            }
        }
        largest
    } else {
        parsed.image_size()
    };
    let text = match String::from_utf8(body.to_vec()) {
        Ok(t) => t,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "MANIFEST_INVALID",
                "manifest invalid: not UTF-8",
            );
        }
    };
    let push = Push {
        digest: digest.clone(),
        manifest: text,
        artifact_media_type: parsed.artifact_media_type(),
        media_type: parsed.media_type,
        size,
        tag: (!is_digest(reference)).then(|| reference.to_string()),
    };
    match reg.ecr.push(repo, push) {
        Ok(()) => {}
        Err(e @ EcrError::ImageTagAlreadyExists { .. }) => {
            return error(StatusCode::BAD_REQUEST, "TAG_INVALID", &e.to_string());
        }
        Err(e @ EcrError::RepositoryNotFound { .. }) => {
            return error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", &e.to_string());
        }
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", &e.to_string()),
    }
    tracing::info!(repository = repo, reference, %digest, "image pushed");
    let mut resp = response(StatusCode::CREATED, empty());
    let h = resp.headers_mut();
    h.insert(
        http::header::LOCATION,
        format!("/v2/{repo}/manifests/{digest}")
            .parse()
            .expect("ascii"),
    );
    h.insert("Docker-Content-Digest", digest.parse().expect("digest"));
    h.insert(http::header::CONTENT_LENGTH, 0.into());
    resp
}

/// `DELETE /v2/<name>/manifests/<reference>`: an image by digest, or a tag.
pub fn delete(reg: &Registry, repo: &str, reference: &str) -> Response<Body> {
    let id = if is_digest(reference) {
        ImageId {
            digest: Some(reference.into()),
            tag: None,
        }
    } else {
        ImageId {
            digest: None,
            tag: Some(reference.into()),
        }
    };
    match reg.ecr.registry_delete(repo, id) {
        Ok(true) => {
            let mut resp = response(StatusCode::ACCEPTED, empty());
            resp.headers_mut()
                .insert(http::header::CONTENT_LENGTH, 0.into());
            resp
        }
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            &format!("manifest unknown: {reference}"),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", &e.to_string()),
    }
}

/// Applies `n` and `last` pagination to sorted `items`; the `Link` header
/// value when more remain.
fn paginate(
    items: Vec<String>,
    query: &HashMap<String, String>,
    path: &str,
) -> (Vec<String>, Option<String>) {
    let mut items: Vec<String> = match query.get("last") {
        Some(last) => items.into_iter().filter(|i| i > last).collect(),
        None => items,
    };
    let n = query.get("n").and_then(|n| n.parse::<usize>().ok());
    match n {
        Some(n) if items.len() > n => {
            items.truncate(n);
            let last = items.last().cloned().unwrap_or_default();
            let link = format!("<{path}?n={n}&last={last}>; rel=\"next\"");
            (items, Some(link))
        }
        _ => (items, None),
    }
}

/// `GET /v2/<name>/tags/list`.
pub fn tags(reg: &Registry, repo: &str, query: &HashMap<String, String>) -> Response<Body> {
    let account = reg.ecr.account().to_string();
    let tags = reg
        .ecr
        .read_registry(|r| {
            Ok(r.repository(repo, &account)?
                .image_tags
                .keys()
                .cloned()
                .collect::<Vec<_>>())
        })
        .unwrap_or_default();
    let (tags, link) = paginate(tags, query, &format!("/v2/{repo}/tags/list"));
    let mut resp = json_response(StatusCode::OK, json!({"name": repo, "tags": tags}));
    if let Some(l) = link {
        resp.headers_mut()
            .insert(http::header::LINK, l.parse().expect("ascii"));
    }
    resp
}

/// `GET /v2/_catalog`.
pub fn catalog(reg: &Registry, query: &HashMap<String, String>) -> Response<Body> {
    let names = reg
        .ecr
        .read_registry(|r| Ok(r.repositories.keys().cloned().collect::<Vec<_>>()))
        .unwrap_or_default();
    let (names, link) = paginate(names, query, "/v2/_catalog");
    let mut resp = json_response(StatusCode::OK, json!({"repositories": names}));
    if let Some(l) = link {
        resp.headers_mut()
            .insert(http::header::LINK, l.parse().expect("ascii"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        let mut h = HeaderMap::new();
        assert!(accepts(&h, manifest::OCI_INDEX));
        h.append("accept", manifest::DOCKER_MANIFEST.parse().unwrap());
        h.append(
            "accept",
            format!("{}, {}", manifest::DOCKER_LIST, manifest::OCI_MANIFEST)
                .parse()
                .unwrap(),
        );
        assert!(accepts(&h, manifest::OCI_MANIFEST));
        assert!(!accepts(&h, manifest::OCI_INDEX));
        h.append("accept", "*/*".parse().unwrap());
        assert!(accepts(&h, manifest::OCI_INDEX));
    }

    #[test]
    fn tag_pages_follow_last() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let q: HashMap<String, String> = [("n".to_string(), "2".to_string())].into();
        let (page, link) = paginate(items.clone(), &q, "/v2/x/tags/list");
        assert_eq!(page, ["a", "b"]);
        assert_eq!(link.unwrap(), "</v2/x/tags/list?n=2&last=b>; rel=\"next\"");
        let q: HashMap<String, String> = [("last".to_string(), "b".to_string())].into();
        assert_eq!(paginate(items, &q, "/").0, ["c"]);
    }
}
