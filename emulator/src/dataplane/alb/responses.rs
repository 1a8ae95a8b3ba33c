//! Responses the ALB generates itself, byte for byte as AWS sends them
//! (aws-reference.md §1.8): `Server: awselb/2.0`, `Content-Type: text/html`,
//! the CRLF HTML template, AWS's reason phrases in the status line.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};

/// The response body type of the data plane: streamed upstream bodies and
/// generated pages alike.
pub type AlbBody = BoxBody<Bytes, hyper::Error>;

/// A body from fixed bytes.
pub fn full(bytes: impl Into<Bytes>) -> AlbBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// The reason phrase AWS puts in the status line and the page title.
pub fn reason(status: u16) -> &'static str {
    match status {
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        408 => "Request Time-out",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        463 => "Bad Request",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

/// Whether the ALB closes the connection after its page for `status`: 400
/// (AWS's `Connection: close`) and the refusals whose request it could not
/// read to the end (408 timeout, 501 unknown transfer coding, 505 version).
pub fn closes_connection(status: u16) -> bool {
    matches!(status, 400 | 408 | 501 | 505)
}

/// The HTML page body for `status`.
pub fn page_body(status: u16) -> String {
    let r = reason(status);
    format!(
        "<html>\r\n<head><title>{status} {r}</title></head>\r\n<body>\r\n<center><h1>{status} {r}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
}

/// An ALB-generated error or redirect page.
pub fn page(status: u16) -> Response<AlbBody> {
    let body = page_body(status);
    let mut resp = Response::new(full(body.clone()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = resp.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("awselb/2.0"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static(if closes_connection(status) {
            "close"
        } else {
            "keep-alive"
        }),
    );
    resp.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(
            reason(status).as_bytes(),
        ));
    resp
}

/// A redirect (`301`/`302`) to `location`, with the standard page.
pub fn redirect(status: u16, location: &str) -> Response<AlbBody> {
    let mut resp = page(status);
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// A fixed-response action's answer.
pub fn fixed(status: u16, content_type: Option<&str>, body: Option<&str>) -> Response<AlbBody> {
    let body = body.unwrap_or("").to_string();
    let len = body.len();
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("awselb/2.0"));
    if let Some(t) = content_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert(header::CONTENT_TYPE, t);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_lengths_match_aws() {
        assert_eq!(page_body(400).len(), 122);
        assert_eq!(page_body(403).len(), 118);
        assert_eq!(page_body(301).len(), 134);
        assert_eq!(page_body(502).len(), 122);
        assert_eq!(page_body(503).len(), 162);
        assert_eq!(page_body(504).len(), 132);
    }
}
