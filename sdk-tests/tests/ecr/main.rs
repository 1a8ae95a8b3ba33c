//! ECR through the official Rust SDK (`aws-sdk-ecr`) and the AWS CLI, and
//! emul's registry through its OCI distribution API (raw HTTP, as Docker
//! speaks it), against `emul serve --registry-port 0`.

mod errors;
mod push;
mod repositories;

use base64::Engine;
use sdk_tests::{Emul, RawClient, RawResponse, ServeOptions};
use sha2::{Digest, Sha256};

/// Starts `emul serve` with the registry on a free port.
pub fn start() -> Emul {
    Emul::start_with(ServeOptions {
        registry_port: Some(0),
        ..ServeOptions::default()
    })
}

/// The `sha256:<hex>` digest of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// emul's registry, reached as Docker reaches it: Basic auth with the
/// GetAuthorizationToken password.
pub struct Registry {
    /// HTTP client bound to `http://127.0.0.1:<port>`.
    pub raw: RawClient,
    /// `Basic <base64(AWS:password)>`.
    pub auth: String,
    /// `127.0.0.1:<port>`.
    pub host: String,
}

impl Registry {
    /// Finds the registry through GetAuthorizationToken.
    pub async fn of(emul: &Emul) -> Registry {
        let ecr = emul.ecr_client("us-east-1").await;
        let token = ecr.get_authorization_token().send().await.unwrap();
        let data = &token.authorization_data()[0];
        let endpoint = data.proxy_endpoint().unwrap().to_string();
        let host = endpoint.trim_start_matches("http://").to_string();
        Registry {
            raw: RawClient::new(&endpoint),
            auth: format!("Basic {}", data.authorization_token().unwrap()),
            host,
        }
    }

    /// One authenticated request.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawResponse {
        let mut all = vec![("authorization", self.auth.as_str())];
        all.extend_from_slice(headers);
        self.raw.send(method, path, &all, body).await.unwrap()
    }

    /// Uploads a blob in one POST (`?digest=`); returns its digest.
    pub async fn monolithic(&self, repo: &str, bytes: &[u8]) -> String {
        let d = digest(bytes);
        let r = self
            .send(
                "POST",
                &format!("/v2/{repo}/blobs/uploads/?digest={d}"),
                &[],
                bytes.to_vec(),
            )
            .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
        d
    }

    /// Uploads a blob as Docker does: POST, a PATCH per chunk, PUT ?digest=.
    pub async fn chunked(&self, repo: &str, bytes: &[u8], chunk: usize) -> String {
        let d = digest(bytes);
        let r = self
            .send("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], vec![])
            .await;
        assert_eq!(r.status, 202);
        assert!(r.header("docker-upload-uuid").is_some());
        let mut location = r.header("location").unwrap().to_string();
        let mut sent = 0;
        for part in bytes.chunks(chunk) {
            let range = format!("{}-{}", sent, sent + part.len() - 1);
            let r = self
                .send(
                    "PATCH",
                    &location,
                    &[("content-range", &range)],
                    part.to_vec(),
                )
                .await;
            assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
            sent += part.len();
            assert_eq!(r.header("range"), Some(format!("0-{}", sent - 1).as_str()));
            location = r.header("location").unwrap().to_string();
        }
        let r = self
            .send("PUT", &format!("{location}?digest={d}"), &[], vec![])
            .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        d
    }

    /// Pushes a one-layer Docker schema 2 image; returns (manifest digest, manifest).
    pub async fn push_image(&self, repo: &str, tag: &str, layer: &[u8]) -> (String, String) {
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","layer":"{}"}}"#,
            digest(layer)
        );
        let config_digest = self.monolithic(repo, config.as_bytes()).await;
        let layer_digest = self.chunked(repo, layer, (layer.len() / 3).max(1)).await;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": config.len(), "digest": config_digest},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": layer.len(), "digest": layer_digest}],
        })
        .to_string();
        let r = self
            .send(
                "PUT",
                &format!("/v2/{repo}/manifests/{tag}"),
                &[("content-type", DOCKER_MANIFEST)],
                manifest.clone().into_bytes(),
            )
            .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let d = digest(manifest.as_bytes());
        assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
        (d, manifest)
    }
}

/// Docker v2 schema 2 image manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Decodes GetAuthorizationToken's token.
pub fn decode_token(token: &str) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap(),
    )
    .unwrap()
}
