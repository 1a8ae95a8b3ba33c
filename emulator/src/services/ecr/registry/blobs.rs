//! Blobs: HEAD/GET by digest (streamed from the content store) and uploads:
//! `POST` starts one (or mounts an existing blob, or takes a whole blob
//! with `?digest=`), `PATCH` appends chunks, `PUT ?digest=` appends the last
//! bytes, verifies the digest, fsyncs and renames the file into the store.
//! The digest is computed while the bytes arrive, so finishing a 100 MB
//! layer costs an fsync, not a second read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::Request;
use hyper::body::{Frame, Incoming};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Body, Registry, empty, error, response};
use crate::services::ecr::model::names::is_digest;

/// How much of a blob is read per chunk when serving it.
const READ_CHUNK: usize = 256 * 1024;

/// An upload idle this long is abandoned: its file is removed when the
/// next upload starts, so interrupted pushes do not fill the disk.
pub const UPLOAD_IDLE_LIMIT: Duration = Duration::from_secs(3600);

/// An upload in progress.
pub struct Upload {
    /// The repository it was started in (its Location URLs name it).
    repo: String,
    /// Bytes received so far.
    size: u64,
    /// The running sha256 of those bytes.
    hasher: Sha256,
    /// When it last received bytes (idle uploads are reaped).
    last: Instant,
}

/// Removes uploads idle for longer than `limit`, and their files.
pub fn reap(reg: &Registry, limit: Duration) -> usize {
    let now = Instant::now();
    let stale: Vec<String> = {
        let mut uploads = reg.uploads.lock().unwrap_or_else(|p| p.into_inner());
        let stale: Vec<String> = uploads
            .iter()
            .filter(|(_, u)| now.duration_since(u.last) > limit)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &stale {
            uploads.remove(id);
        }
        stale
    };
    for id in &stale {
        let _ = std::fs::remove_file(reg.ecr.store().upload_path(id));
    }
    stale.len()
}

/// `HEAD`/`GET /v2/<name>/blobs/<digest>`.
pub async fn get(reg: &Registry, digest: &str, head: bool) -> Response<Body> {
    if !is_digest(digest) {
        return error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
        );
    }
    let path = reg.ecr.store().blob_path(digest);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => {
            return error(
                StatusCode::NOT_FOUND,
                "BLOB_UNKNOWN",
                "blob unknown to registry",
            );
        }
    };
    let len = match file.metadata().await {
        Ok(m) => m.len(),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", &e.to_string()),
    };
    let body = if head {
        empty()
    } else {
        let stream = futures::stream::unfold(Some(file), |file| async move {
            let mut file = file?;
            let mut buf = vec![0u8; READ_CHUNK];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Frame::data(Bytes::from(buf))), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        });
        BodyExt::boxed_unsync(StreamBody::new(stream))
    };
    let mut resp = response(StatusCode::OK, body);
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_LENGTH, len.into());
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        "Docker-Content-Digest",
        digest.parse().expect("validated digest"),
    );
    resp
}

/// The 202 that tells the client where to send the next bytes.
fn accepted(repo: &str, uuid: &str, size: u64) -> Response<Body> {
    let mut resp = response(StatusCode::ACCEPTED, empty());
    let h = resp.headers_mut();
    h.insert(
        http::header::LOCATION,
        format!("/v2/{repo}/blobs/uploads/{uuid}")
            .parse()
            .expect("ascii"),
    );
    h.insert(
        http::header::RANGE,
        format!("0-{}", size.saturating_sub(1))
            .parse()
            .expect("ascii"),
    );
    h.insert("Docker-Upload-UUID", uuid.parse().expect("ascii"));
    h.insert(http::header::CONTENT_LENGTH, 0.into());
    resp
}

/// The 201 for a stored blob.
fn created(repo: &str, digest: &str) -> Response<Body> {
    let mut resp = response(StatusCode::CREATED, empty());
    let h = resp.headers_mut();
    h.insert(
        http::header::LOCATION,
        format!("/v2/{repo}/blobs/{digest}").parse().expect("ascii"),
    );
    h.insert(
        "Docker-Content-Digest",
        digest.parse().expect("validated digest"),
    );
    h.insert(http::header::CONTENT_LENGTH, 0.into());
    resp
}

/// `POST /v2/<name>/blobs/uploads/`: mount (`?mount=&from=`), monolithic
/// (`?digest=` with the whole blob) or a new upload session.
pub async fn start(
    reg: &Registry,
    repo: &str,
    query: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Response<Body> {
    if let Some(digest) = query.get("mount") {
        // Blobs are shared by every repository, so a mount is a lookup.
        if is_digest(digest) && reg.ecr.store().blob_size(digest).is_some() {
            return created(repo, digest);
        }
    }
    reap(reg, UPLOAD_IDLE_LIMIT);
    let uuid = uuid::Uuid::new_v4().to_string();
    if let Err(e) = tokio::fs::File::create(reg.ecr.store().upload_path(&uuid)).await {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            &format!("cannot start the upload: {e}"),
        );
    }
    let upload = Upload {
        repo: repo.to_string(),
        size: 0,
        hasher: Sha256::new(),
        last: Instant::now(),
    };
    if query.contains_key("digest") {
        reg.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(uuid.clone(), upload);
        return finish(reg, repo, &uuid, query, req).await;
    }
    reg.uploads
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(uuid.clone(), upload);
    accepted(repo, &uuid, 0)
}

/// Takes upload `uuid` out of the table while its bytes are written.
fn take(reg: &Registry, repo: &str, uuid: &str) -> Result<Upload, Box<Response<Body>>> {
    let mut uploads = reg.uploads.lock().unwrap_or_else(|p| p.into_inner());
    match uploads.remove(uuid) {
        Some(u) if u.repo == repo => Ok(u),
        Some(u) => {
            uploads.insert(uuid.to_string(), u);
            Err(Box::new(unknown_upload()))
        }
        None => Err(Box::new(unknown_upload())),
    }
}

fn unknown_upload() -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        "BLOB_UPLOAD_UNKNOWN",
        "blob upload unknown to registry",
    )
}

/// Appends the request body to the upload's file and hash.
async fn append(
    reg: &Registry,
    uuid: &str,
    upload: &mut Upload,
    body: Incoming,
) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .append(true)
        .open(reg.ecr.store().upload_path(uuid))
        .await?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(std::io::Error::other)?;
        if let Ok(data) = frame.into_data() {
            upload.hasher.update(&data);
            file.write_all(&data).await?;
            upload.size += data.len() as u64;
        }
    }
    upload.last = Instant::now();
    file.flush().await
}

/// `PATCH /v2/<name>/blobs/uploads/<uuid>`: one chunk (with an optional
/// `Content-Range` that must start where the upload ends).
pub async fn patch(
    reg: &Registry,
    repo: &str,
    uuid: &str,
    req: Request<Incoming>,
) -> Response<Body> {
    let mut upload = match take(reg, repo, uuid) {
        Ok(u) => u,
        Err(resp) => return *resp,
    };
    let start = req
        .headers()
        .get(http::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.trim_start_matches("bytes ")
                .split('-')
                .next()
                .map(str::to_string)
        })
        .and_then(|s| s.trim().parse::<u64>().ok());
    if start.is_some_and(|s| s != upload.size) {
        let size = upload.size;
        reg.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(uuid.to_string(), upload);
        let mut resp = error(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "BLOB_UPLOAD_INVALID",
            "chunk out of order",
        );
        resp.headers_mut().insert(
            http::header::RANGE,
            format!("0-{}", size.saturating_sub(1))
                .parse()
                .expect("ascii"),
        );
        return resp;
    }
    if let Err(e) = append(reg, uuid, &mut upload, req.into_body()).await {
        let _ = tokio::fs::remove_file(reg.ecr.store().upload_path(uuid)).await;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "BLOB_UPLOAD_INVALID",
            &format!("the chunk was not stored: {e}"),
        );
    }
    let size = upload.size;
    reg.uploads
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(uuid.to_string(), upload);
    accepted(repo, uuid, size)
}

/// `PUT /v2/<name>/blobs/uploads/<uuid>?digest=`: the last bytes, then the
/// digest check and the durable rename.
pub async fn finish(
    reg: &Registry,
    repo: &str,
    uuid: &str,
    query: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Response<Body> {
    let mut upload = match take(reg, repo, uuid) {
        Ok(u) => u,
        Err(resp) => return *resp,
    };
    let store = reg.ecr.store().clone();
    let path = store.upload_path(uuid);
    let Some(digest) = query.get("digest").filter(|d| is_digest(d)).cloned() else {
        let _ = tokio::fs::remove_file(&path).await;
        return error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
        );
    };
    if let Err(e) = append(reg, uuid, &mut upload, req.into_body()).await {
        let _ = tokio::fs::remove_file(&path).await;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "BLOB_UPLOAD_INVALID",
            &format!("the upload was not stored: {e}"),
        );
    }
    let actual = format!("sha256:{}", hex::encode(upload.hasher.finalize()));
    if actual != digest {
        let _ = tokio::fs::remove_file(&path).await;
        return error(
            StatusCode::BAD_REQUEST,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
        );
    }
    let (u, d) = (uuid.to_string(), digest.clone());
    let committed = tokio::task::spawn_blocking(move || {
        if store.blob_size(&d).is_some() {
            // Same digest, same bytes: keep the stored one.
            std::fs::remove_file(store.upload_path(&u))
        } else {
            store.commit_upload(&u, &d)
        }
    })
    .await;
    match committed {
        Ok(Ok(())) => created(repo, &digest),
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            &format!("the blob was not stored: {e}"),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", &e.to_string()),
    }
}

/// `GET /v2/<name>/blobs/uploads/<uuid>`: how much was received.
pub fn status(reg: &Registry, repo: &str, uuid: &str) -> Response<Body> {
    let uploads = reg.uploads.lock().unwrap_or_else(|p| p.into_inner());
    match uploads.get(uuid) {
        Some(u) if u.repo == repo => {
            let mut resp = accepted(repo, uuid, u.size);
            *resp.status_mut() = StatusCode::NO_CONTENT;
            resp
        }
        _ => unknown_upload(),
    }
}

/// `DELETE /v2/<name>/blobs/uploads/<uuid>`: abandons the upload.
pub fn cancel(reg: &Registry, uuid: &str) -> Response<Body> {
    let removed = reg
        .uploads
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(uuid);
    if removed.is_none() {
        return unknown_upload();
    }
    let _ = std::fs::remove_file(reg.ecr.store().upload_path(uuid));
    let mut resp = response(StatusCode::NO_CONTENT, empty());
    resp.headers_mut()
        .insert(http::header::CONTENT_LENGTH, 0.into());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ecr::Ecr;

    #[test]
    fn idle_uploads_are_reaped_with_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let ecr = std::sync::Arc::new(Ecr::open(dir.path(), "000000000000", "us-east-1").unwrap());
        let reg = Registry::new(ecr.clone());
        let upload = |age: Duration| Upload {
            repo: "app".into(),
            size: 0,
            hasher: Sha256::new(),
            last: Instant::now().checked_sub(age).unwrap(),
        };
        for (id, age) in [("old", 7200), ("fresh", 10)] {
            std::fs::write(ecr.store().upload_path(id), b"partial").unwrap();
            reg.uploads
                .lock()
                .unwrap()
                .insert(id.into(), upload(Duration::from_secs(age)));
        }
        assert_eq!(reap(&reg, UPLOAD_IDLE_LIMIT), 1);
        assert!(!ecr.store().upload_path("old").exists());
        assert!(ecr.store().upload_path("fresh").exists());
        assert!(reg.uploads.lock().unwrap().contains_key("fresh"));
    }
}
