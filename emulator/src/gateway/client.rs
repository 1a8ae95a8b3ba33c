//! A minimal client for emul's own AWS endpoint: one signed JSON 1.1 call
//! per connection, as an SDK would make it. Other emul processes use it to
//! ask the running daemon (`emul logs` reads CloudWatch Logs through it),
//! so they never touch a store the daemon owns.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::sigv4;

/// The credentials emul's own callers sign with (the endpoint accepts any
/// unless it runs with `--strict-auth`, which `up` never does).
const ACCESS_KEY: &str = "emul";
const SECRET_KEY: &str = "emul";

/// A JSON 1.1 service as the wire names it.
#[derive(Debug, Clone, Copy)]
pub struct JsonService {
    /// The `X-Amz-Target` prefix (`Logs_20140328`).
    pub target_prefix: &'static str,
    /// The SigV4 signing name (`logs`).
    pub signing_name: &'static str,
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The endpoint could not be reached or spoke something else.
    #[error("{endpoint}: {reason}")]
    Transport {
        /// The endpoint URL.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// The service answered with an AWS error.
    #[error("{code}: {message}")]
    Aws {
        /// The error code (`ResourceNotFoundException`).
        code: String,
        /// Its message.
        message: String,
    },
}

/// Calls `operation` of `service` at `endpoint` (`http://127.0.0.1:4566`)
/// in `region` with a JSON `body`; returns the response object.
pub async fn call_json(
    endpoint: &str,
    service: JsonService,
    region: &str,
    operation: &str,
    body: &Value,
) -> Result<Value, CallError> {
    let transport = |reason: String| CallError::Transport {
        endpoint: endpoint.to_string(),
        reason,
    };
    let authority = endpoint
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .ok_or_else(|| transport("only http:// endpoints are supported".into()))?;
    let payload = serde_json::to_vec(body).expect("a JSON value serializes");
    let mut headers = HeaderMap::new();
    let header = |v: &str| HeaderValue::from_str(v).map_err(|e| transport(e.to_string()));
    let amz_date = sigv4::format_amz_date(time::OffsetDateTime::now_utc().unix_timestamp());
    headers.insert(http::header::HOST, header(authority)?);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    headers.insert("x-amz-date", header(&amz_date)?);
    headers.insert(
        "x-amz-target",
        header(&format!("{}.{operation}", service.target_prefix))?,
    );
    let authorization = sigv4::sign(
        ACCESS_KEY,
        SECRET_KEY,
        &amz_date,
        region,
        service.signing_name,
        "POST",
        "/",
        &headers,
        &payload,
    );
    headers.insert(http::header::AUTHORIZATION, header(&authorization)?);
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/")
        .body(Full::new(Bytes::from(payload)))
        .map_err(|e| transport(e.to_string()))?;
    *request.headers_mut() = headers;

    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| transport(e.to_string()))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| transport(e.to_string()))?;
    tokio::spawn(conn);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| transport(e.to_string()))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| transport(e.to_string()))?
        .to_bytes();
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        transport(format!(
            "HTTP {status}, not a JSON body ({e}): {}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    if status.is_success() {
        return Ok(value);
    }
    let code = value["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t))
        .unwrap_or("UnknownError");
    let message = value["message"]
        .as_str()
        .or_else(|| value["Message"].as_str())
        .unwrap_or_default();
    Err(CallError::Aws {
        code: code.to_string(),
        message: message.to_string(),
    })
}
