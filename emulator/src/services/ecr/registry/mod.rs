//! emul's image registry: the OCI distribution API (v2) on a loopback port,
//! over the same state as the ECR control plane (a push creates the image
//! DescribeImages shows; IMMUTABLE repositories refuse to move a tag).
//!
//! | part | what it owns |
//! |---|---|
//! | this file | the listener, Basic auth (`AWS:<GetAuthorizationToken password>`), routing, error bodies |
//! | [`blobs`] | blob HEAD/GET, uploads (monolithic, chunked, cross-repo mount), digest checks |
//! | [`manifests`] | manifests by tag and digest (GET/HEAD/PUT/DELETE), tags list, catalog |
//!
//! Docker treats `127.0.0.1:<port>` and `localhost:<port>` as insecure
//! registries by default, so the stock CLI pushes and pulls over plain HTTP.

pub mod blobs;
pub mod manifests;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use tokio::net::TcpListener;

use super::model::names::is_repository_name;
use super::service::{Ecr, REGISTRY_USER};

/// A response body: small JSON or a streamed blob.
pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// The realm in `WWW-Authenticate` (shown by `docker login` on failure).
pub const REALM: &str = "emul ECR";

/// The registry: ECR's state plus the uploads in progress.
pub struct Registry {
    /// The ECR service (repositories, images, password, blob store).
    pub(crate) ecr: Arc<Ecr>,
    /// Uploads in progress by UUID (an upload taken out is being written).
    pub(crate) uploads: Mutex<HashMap<String, blobs::Upload>>,
}

impl Registry {
    /// A registry over `ecr`.
    pub fn new(ecr: Arc<Ecr>) -> Arc<Registry> {
        Arc::new(Registry {
            ecr,
            uploads: Mutex::default(),
        })
    }
}

/// Binds `127.0.0.1:port` (0: any free port), records the host in ECR
/// (repositoryUri, GetAuthorizationToken) and returns the listener.
pub async fn bind(ecr: &Ecr, port: u16) -> std::io::Result<TcpListener> {
    bind_on(ecr, Ipv4Addr::LOCALHOST, port).await
}

/// [`bind`] on `address` (every address when emul runs in a container
/// whose port is published on the host's loopback): the registry host
/// recorded is always `127.0.0.1:<port>`, where the engine pulls from.
pub async fn bind_on(ecr: &Ecr, address: Ipv4Addr, port: u16) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind((address, port)).await?;
    let addr = listener.local_addr()?;
    ecr.set_registry_host(format!("127.0.0.1:{}", addr.port()));
    Ok(listener)
}

/// Binds on `port`, or on any free port when that one is taken (the
/// address is then in repositoryUri and GetAuthorizationToken's
/// `proxyEndpoint`).
pub async fn bind_or_any(ecr: &Ecr, address: Ipv4Addr, port: u16) -> std::io::Result<TcpListener> {
    match bind_on(ecr, address, port).await {
        Ok(l) => Ok(l),
        Err(e) if port != 0 => {
            let l = bind_on(ecr, address, 0).await?;
            eprintln!(
                "emul: warning: the ECR registry cannot listen on 127.0.0.1:{port} ({e}); it listens on {} instead",
                ecr.registry_host().unwrap_or_default()
            );
            Ok(l)
        }
        Err(e) => Err(e),
    }
}

/// ECR for `emul up`: the store under the project's state directory, the
/// topology's `ecr_repositories` created, and the registry's listener.
pub async fn open_for_project(
    project: &crate::project::Project,
    address: Ipv4Addr,
    port: u16,
) -> Result<(Arc<Ecr>, TcpListener), String> {
    let ecr = Ecr::open(&project.state_dir, project.account(), project.region())
        .map_err(|e| format!("cannot load the ECR state: {e}"))?;
    for repo in &project.topology.ecr_repositories {
        let mutability = match repo.image_tag_mutability {
            crate::topology::model::ecr::TagMutability::Mutable => {
                super::model::Mutability::Mutable
            }
            crate::topology::model::ecr::TagMutability::Immutable => {
                super::model::Mutability::Immutable
            }
        };
        ecr.ensure_repository(&repo.name, mutability, repo.scan_on_push)
            .map_err(|e| format!("ECR repository {}: {e}", *repo.name))?;
    }
    let listener = bind_or_any(&ecr, address, port)
        .await
        .map_err(|e| format!("cannot listen on {address} for the ECR registry: {e}"))?;
    tracing::info!(registry = %ecr.registry_host().unwrap_or_default(), "ECR registry listening");
    Ok((Arc::new(ecr), listener))
}

/// Serves the registry on `listener` until `shutdown` resolves; then stops
/// accepting and lets open transfers finish (up to the gateway's grace).
pub async fn serve(
    listener: TcpListener,
    registry: Arc<Registry>,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(crate::gateway::server::HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "registry accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let reg = Arc::clone(&registry);
                let svc = service_fn(move |req| {
                    let reg = Arc::clone(&reg);
                    async move { Ok::<_, Infallible>(handle(&reg, req).await) }
                });
                let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc).into_owned());
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "registry connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(crate::gateway::server::SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/v2/`: the API version check (and `docker login`'s probe).
    Base,
    /// `/v2/_catalog`.
    Catalog,
    /// `/v2/<name>/tags/list`.
    Tags(String),
    /// `/v2/<name>/manifests/<reference>`.
    Manifest(String, String),
    /// `/v2/<name>/blobs/<digest>`.
    Blob(String, String),
    /// `/v2/<name>/blobs/uploads/` (new upload).
    NewUpload(String),
    /// `/v2/<name>/blobs/uploads/<uuid>`.
    Upload(String, String),
}

/// Routes a path (without the query); `None` is a 404.
pub fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v2")?;
    if rest.is_empty() || rest == "/" {
        return Some(Route::Base);
    }
    let rest = rest.strip_prefix('/')?;
    if rest == "_catalog" {
        return Some(Route::Catalog);
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return Some(Route::Tags(name.to_string()));
    }
    if let Some(name) = rest
        .strip_suffix("/blobs/uploads/")
        .or_else(|| rest.strip_suffix("/blobs/uploads"))
    {
        return Some(Route::NewUpload(name.to_string()));
    }
    if let Some((name, uuid)) = rest.rsplit_once("/blobs/uploads/") {
        return Some(Route::Upload(name.to_string(), uuid.to_string()));
    }
    if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
        return Some(Route::Manifest(name.to_string(), reference.to_string()));
    }
    if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
        return Some(Route::Blob(name.to_string(), digest.to_string()));
    }
    None
}

/// One request.
async fn handle(reg: &Registry, req: Request<Incoming>) -> Response<Body> {
    if !authorized(reg.ecr.password(), req.headers()) {
        return unauthorized();
    }
    let method = req.method().clone();
    let Some(route) = route(req.uri().path()) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such API path");
    };
    let name = match &route {
        Route::Tags(n)
        | Route::Manifest(n, _)
        | Route::Blob(n, _)
        | Route::NewUpload(n)
        | Route::Upload(n, _) => Some(n.clone()),
        Route::Base | Route::Catalog => None,
    };
    if let Some(n) = &name
        && let Err(resp) = check_repository(reg, n)
    {
        return *resp;
    }
    let query = query_params(req.uri().query());
    match (route, method) {
        (Route::Base, Method::GET | Method::HEAD) => json_response(StatusCode::OK, json!({})),
        (Route::Catalog, Method::GET) => manifests::catalog(reg, &query),
        (Route::Tags(n), Method::GET) => manifests::tags(reg, &n, &query),
        (Route::Manifest(n, r), m @ (Method::GET | Method::HEAD)) => {
            manifests::get(reg, &n, &r, req.headers(), m == Method::HEAD)
        }
        (Route::Manifest(n, r), Method::PUT) => manifests::put(reg, &n, &r, req).await,
        (Route::Manifest(n, r), Method::DELETE) => manifests::delete(reg, &n, &r),
        (Route::Blob(_, d), m @ (Method::GET | Method::HEAD)) => {
            blobs::get(reg, &d, m == Method::HEAD).await
        }
        (Route::Blob(..), Method::DELETE) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "blobs are deleted with the images that use them",
        ),
        (Route::NewUpload(n), Method::POST) => blobs::start(reg, &n, &query, req).await,
        (Route::Upload(n, u), Method::PATCH) => blobs::patch(reg, &n, &u, req).await,
        (Route::Upload(n, u), Method::PUT) => blobs::finish(reg, &n, &u, &query, req).await,
        (Route::Upload(n, u), Method::GET) => blobs::status(reg, &n, &u),
        (Route::Upload(_, u), Method::DELETE) => blobs::cancel(reg, &u),
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "the operation is unsupported",
        ),
    }
}

/// `NAME_INVALID` / `NAME_UNKNOWN` unless `name` is a repository of the
/// registry (ECR never creates repositories on push).
fn check_repository(reg: &Registry, name: &str) -> Result<(), Box<Response<Body>>> {
    if !is_repository_name(name) {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "NAME_INVALID",
            &format!("invalid repository name '{name}'"),
        )));
    }
    let account = reg.ecr.account().to_string();
    match reg
        .ecr
        .read_registry(|r| r.repository(name, &account).map(|_| ()))
    {
        Ok(()) => Ok(()),
        Err(e) => Err(Box::new(error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            &e.to_string(),
        ))),
    }
}

/// `true` when the request carries `Basic AWS:<password>`.
pub fn authorized(password: &str, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{REGISTRY_USER}:{password}");
    // Constant-time comparison: the password is a credential.
    decoded.len() == expected.len()
        && decoded
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The 401 that makes Docker send Basic credentials (and `docker login` check them).
fn unauthorized() -> Response<Body> {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required",
    );
    resp.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        format!("Basic realm=\"{REALM}\"").parse().expect("ascii"),
    );
    resp
}

/// Query parameters (last value wins).
pub fn query_params(query: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A response with the API version header every v2 response carries.
pub(crate) fn response(status: StatusCode, body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        "Docker-Distribution-API-Version",
        http::HeaderValue::from_static("registry/2.0"),
    );
    resp
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    let bytes = Bytes::from(value.to_string());
    let len = bytes.len();
    let mut resp = response(status, full(bytes));
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    h.insert(http::header::CONTENT_LENGTH, len.into());
    resp
}

/// The distribution spec's error body.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        json!({"errors": [{"code": code, "message": message, "detail": null}]}),
    )
}

/// A body of `bytes`.
pub(crate) fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_with_slashes_in_names() {
        assert_eq!(route("/v2/"), Some(Route::Base));
        assert_eq!(route("/v2"), Some(Route::Base));
        assert_eq!(route("/v2/_catalog"), Some(Route::Catalog));
        assert_eq!(
            route("/v2/team/app/tags/list"),
            Some(Route::Tags("team/app".into()))
        );
        assert_eq!(
            route("/v2/team/app/manifests/v1"),
            Some(Route::Manifest("team/app".into(), "v1".into()))
        );
        assert_eq!(
            route("/v2/app/blobs/sha256:ab"),
            Some(Route::Blob("app".into(), "sha256:ab".into()))
        );
        assert_eq!(
            route("/v2/a/b/blobs/uploads/"),
            Some(Route::NewUpload("a/b".into()))
        );
        assert_eq!(
            route("/v2/a/blobs/uploads/123"),
            Some(Route::Upload("a".into(), "123".into()))
        );
        assert_eq!(route("/v1/x"), None);
    }

    #[test]
    fn basic_auth_needs_the_aws_user_and_password() {
        let mut h = HeaderMap::new();
        assert!(!authorized("pw", &h));
        let good = base64::engine::general_purpose::STANDARD.encode("AWS:pw");
        h.insert("authorization", format!("Basic {good}").parse().unwrap());
        assert!(authorized("pw", &h));
        let bad = base64::engine::general_purpose::STANDARD.encode("AWS:nope");
        h.insert("authorization", format!("Basic {bad}").parse().unwrap());
        assert!(!authorized("pw", &h));
        assert!(!authorized("nope", &HeaderMap::new()));
    }
}
