//! Request → service routing, authentication, and response rendering.
//!
//! Order of decisions for one request:
//! 1. `GET /_emul/health` answers directly.
//! 2. `X-Amz-Target: <prefix>.<Op>` → the JSON service with that prefix.
//! 3. `POST /service/<Name>/operation/<Op>` → the Smithy RPC v2 CBOR
//!    service named `<Name>` (CloudWatch).
//! 4. A form body (or GET query) with `Action=` → the query service named by
//!    the SigV4 credential scope (or the only query service).
//! 5. Otherwise the SigV4 scope's service, if known, gets an
//!    "unknown operation"; anything else is an unknown-service error that
//!    says what the request asked for.
//!
//! With `--strict-auth` the signature is checked once the service is known,
//! so rejections are rendered in that service's protocol.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};

use super::errors::AwsError;
use super::query::QueryParams;
use super::registry::{AwsService, Input, Output, Protocol, RequestContext};
use super::sigv4::{self, Authorization};
use super::{DEFAULT_REGION, Gateway, cbor, json, query};

/// A request whose body has been read (within the limit).
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// The HTTP method.
    pub method: Method,
    /// The request target (path and query).
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The whole body (bounded by `max_body_bytes`).
    pub body: Bytes,
}

/// A response ready to be written.
#[derive(Debug, Clone)]
pub struct WireResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// Headers, including `x-amzn-RequestId` and `Content-Type`.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// How an error with no service to speak for it is rendered.
///
/// A service speaking several protocols ([`Protocol::RpcV2Cbor`]) answers
/// each request in the codec it came in; [`Gateway::route`] picks it.
#[derive(Debug, Clone, Copy)]
enum Codec {
    Json {
        message_key: &'static str,
    },
    Xml {
        xml_namespace: &'static str,
    },
    Ec2,
    /// Smithy RPC v2 CBOR of an awsQuery-compatible service.
    Cbor {
        error_shapes: &'static [(&'static str, &'static str)],
        timestamp_members: &'static [&'static str],
    },
    /// JSON 1.0 of an awsQuery-compatible service (`x-amzn-query-error`).
    Json10 {
        error_shapes: &'static [(&'static str, &'static str)],
    },
}

/// The namespace used for query errors when no query service was identified.
const GENERIC_XML_NAMESPACE: &str = "https://emul.dev/doc/";

impl Codec {
    fn of(service: &dyn AwsService) -> Self {
        match service.protocol() {
            Protocol::AwsJson1_1 { message_key, .. } => Codec::Json { message_key },
            Protocol::AwsQuery { xml_namespace } => Codec::Xml { xml_namespace },
            Protocol::Ec2 { .. } => Codec::Ec2,
            Protocol::RpcV2Cbor {
                error_shapes,
                timestamp_members,
                ..
            } => Codec::Cbor {
                error_shapes,
                timestamp_members,
            },
        }
    }

    /// The codec of a JSON (`X-Amz-Target`) request to `service`.
    fn json_of(service: &dyn AwsService) -> Self {
        match service.protocol() {
            Protocol::RpcV2Cbor { error_shapes, .. } => Codec::Json10 { error_shapes },
            _ => Codec::of(service),
        }
    }

    /// The codec of a form (`Action=`) request to `service`.
    fn query_of(service: &dyn AwsService) -> Self {
        match service.protocol() {
            Protocol::RpcV2Cbor { xml_namespace, .. } => Codec::Xml { xml_namespace },
            _ => Codec::of(service),
        }
    }

    /// For errors before a service is known: XML if the request is a form,
    /// JSON otherwise.
    fn guess(headers: &HeaderMap) -> Self {
        if is_form(headers) && headers.get("x-amz-target").is_none() {
            Codec::Xml {
                xml_namespace: GENERIC_XML_NAMESPACE,
            }
        } else {
            Codec::Json {
                message_key: "message",
            }
        }
    }
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

fn is_form(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// A fresh request id (UUID v4, like AWS).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Gateway {
    /// Handles one request end to end. Never fails: every problem becomes an
    /// AWS-shaped error response.
    pub async fn handle(self: &Arc<Self>, req: WireRequest) -> WireResponse {
        let request_id = new_request_id();
        if req.uri.path() == "/_emul/health" {
            return self.health(&request_id, &req.method);
        }
        let auth = req
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(sigv4::parse_authorization);
        let region = auth
            .as_ref()
            .map(|a| a.region.clone())
            .unwrap_or_else(|| DEFAULT_REGION.to_string());
        let ctx = RequestContext {
            request_id: request_id.clone(),
            account: self.config.account.clone(),
            region,
        };

        // SDKs gzip large bodies (`requestcompression`, e.g. PutMetricData):
        // the signature covers the compressed bytes, decoding the plain ones.
        let plain = match gunzip_if_encoded(&req, self.config.max_body_bytes) {
            Ok(p) => p,
            Err(err) => {
                return self.error(&request_id, Codec::guess(&req.headers), None, &err);
            }
        };
        let (compressed, req) = match plain {
            Some(body) => (Some(req.clone()), WireRequest { body, ..req }),
            None => (None, req),
        };
        let signed = compressed.as_ref().unwrap_or(&req);
        let routed = match self.route(&req, auth.as_ref()) {
            Ok(r) => r,
            Err((err, codec)) => return self.error(&request_id, codec, None, &err),
        };
        let (service, operation, input, codec) = routed;
        if let Err(err) = self.authenticate(signed, auth.as_ref(), service.as_ref(), codec) {
            tracing::info!(request_id = %request_id, service = service.name(), operation = %operation, code = %err.code, "rejected by --strict-auth");
            return self.error(&request_id, codec, Some(&operation), &err);
        }
        // Authenticate first, decode second: an unauthenticated caller learns
        // nothing from body errors. `None` means a JSON body not yet decoded.
        let input = match input {
            Some(input) => input,
            None => match match codec {
                Codec::Cbor { .. } => cbor::decode(&req.body),
                _ => json::parse_body(&req.body),
            } {
                Ok(body) => Input::Json(body),
                Err(err) => return self.error(&request_id, codec, Some(&operation), &err),
            },
        };
        let svc = Arc::clone(&service);
        let op = operation.clone();
        let ctx2 = ctx.clone();
        let result = if service.is_non_blocking(&operation) {
            svc.handle(&ctx2, &op, input)
        } else {
            // Services may fsync before answering: keep that off the reactor.
            tokio::task::spawn_blocking(move || svc.handle(&ctx2, &op, input))
                .await
                .unwrap_or_else(|e| {
                    Err(AwsError::internal(format!(
                        "the {} handler failed: {e}",
                        service.name()
                    )))
                })
        };
        match result {
            Ok(output) => {
                tracing::info!(request_id = %request_id, service = service.name(), operation = %operation, region = %ctx.region, status = 200, "ok");
                self.success(&request_id, service.as_ref(), codec, &operation, output)
            }
            Err(err) => {
                tracing::info!(request_id = %request_id, service = service.name(), operation = %operation, region = %ctx.region, status = err.status, code = %err.code, "error");
                self.error(&request_id, codec, Some(&operation), &err)
            }
        }
    }

    /// Finds the service and operation. Query parameters are decoded here
    /// (the Action is inside them); a JSON body is left for after
    /// authentication (`None`).
    #[allow(clippy::type_complexity)]
    fn route(
        &self,
        req: &WireRequest,
        auth: Option<&Authorization>,
    ) -> Result<(Arc<dyn AwsService>, String, Option<Input>, Codec), (AwsError, Codec)> {
        let headers = &req.headers;
        if let Some(target) = headers.get("x-amz-target") {
            let codec = Codec::Json {
                message_key: "message",
            };
            let target = target.to_str().map_err(|_| {
                (
                    AwsError::unknown_service("an X-Amz-Target header that is not ASCII"),
                    codec,
                )
            })?;
            let Some((prefix, operation)) = json::split_target(target) else {
                return Err((
                    AwsError::unknown_service(&format!(
                        "X-Amz-Target '{target}' (expected <Service>.<Operation>)"
                    )),
                    codec,
                ));
            };
            let Some(service) = self.registry.by_target_prefix(prefix) else {
                return Err((
                    AwsError::unknown_service(&format!(
                        "the service '{prefix}' (X-Amz-Target: {target})"
                    )),
                    codec,
                ));
            };
            let codec = Codec::json_of(service.as_ref());
            if req.method != Method::POST {
                return Err((
                    AwsError::unknown_operation(operation).with_status(405),
                    codec,
                ));
            }
            if let Some(ct) = content_type(headers)
                && !json::is_json_content_type(ct)
            {
                // AWS JSON services answer a foreign content type with
                // UnknownOperationException (observed from Kinesis).
                return Err((
                    AwsError::unknown_operation(&format!(
                        "{operation} (Content-Type '{ct}' is not application/x-amz-json-1.1)"
                    )),
                    codec,
                ));
            }
            // The body is decoded after authentication (see `handle`).
            return Ok((Arc::clone(service), operation.to_string(), None, codec));
        }

        if req.method == Method::POST
            && let Some((name, operation)) = cbor::split_path(req.uri.path())
            && let Some(service) = self.registry.by_smithy_service(name)
        {
            // Decoded after authentication, like JSON.
            let codec = Codec::of(service.as_ref());
            return Ok((Arc::clone(service), operation.to_string(), None, codec));
        }

        let params = if req.method == Method::POST && is_form(headers) {
            Some(QueryParams::parse(&req.body))
        } else if req.method == Method::GET
            && req.uri.query().is_some_and(|q| q.contains("Action="))
        {
            Some(QueryParams::parse(req.uri.query().unwrap_or("").as_bytes()))
        } else {
            None
        };
        if let Some(params) = params
            && let Some(action) = params.get("Action").map(str::to_string)
        {
            let codec = Codec::Xml {
                xml_namespace: GENERIC_XML_NAMESPACE,
            };
            let service = match auth {
                Some(a) => self.registry.by_signing_name(&a.service),
                None => self.registry.query_service_for(params.get("Version")),
            };
            let Some(service) = service.filter(|s| s.protocol().is_query()) else {
                let what = match auth {
                    Some(a) => format!("the query API '{}' (Action={action})", a.service),
                    None => format!(
                        "Action={action} without a SigV4 credential scope naming the service"
                    ),
                };
                return Err((AwsError::unknown_service(&what), codec));
            };
            let codec = Codec::query_of(service.as_ref());
            return Ok((
                Arc::clone(service),
                action,
                Some(Input::Query(params)),
                codec,
            ));
        }

        if let Some(a) = auth
            && let Some(service) = self.registry.by_signing_name(&a.service)
        {
            let codec = Codec::of(service.as_ref());
            let err = match service.protocol() {
                Protocol::AwsJson1_1 { .. } | Protocol::RpcV2Cbor { .. } => {
                    AwsError::unknown_operation("(no X-Amz-Target header)")
                }
                Protocol::AwsQuery { .. } | Protocol::Ec2 { .. } => {
                    AwsError::client("MissingAction", "Missing Action")
                }
            };
            return Err((err, codec));
        }
        let what = format!(
            "{} {} (no X-Amz-Target header, no Action parameter{})",
            req.method,
            req.uri.path(),
            auth.map(|a| format!(", SigV4 scope service '{}'", a.service))
                .unwrap_or_default()
        );
        Err((AwsError::unknown_service(&what), Codec::guess(headers)))
    }

    /// `--strict-auth`: verifies the SigV4 header against `--credentials`.
    fn authenticate(
        &self,
        req: &WireRequest,
        auth: Option<&Authorization>,
        service: &dyn AwsService,
        codec: Codec,
    ) -> Result<(), AwsError> {
        let Some(credentials) = &self.config.credentials else {
            return Ok(());
        };
        let query = matches!(codec, Codec::Xml { .. } | Codec::Ec2);
        let Some(auth) = auth else {
            return Err(if query {
                AwsError::client(
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                )
                .with_status(403)
            } else {
                AwsError::missing_authentication()
            });
        };
        let Some(secret) = credentials.get(&auth.access_key) else {
            return Err(if query {
                AwsError::client(
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                )
                .with_status(403)
            } else {
                AwsError::unrecognized_client()
            });
        };
        if auth.service != service.signing_name() {
            let msg = format!(
                "Credential should be scoped to correct service: '{}'. ",
                service.signing_name()
            );
            return Err(if query {
                AwsError::client("SignatureDoesNotMatch", msg).with_status(403)
            } else {
                AwsError::client("InvalidSignatureException", msg)
            });
        }
        let path_and_query = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let host = req.uri.authority().map(|a| a.as_str());
        let bad_signature = |message: String| {
            if query {
                AwsError::client("SignatureDoesNotMatch", message).with_status(403)
            } else {
                AwsError::client("InvalidSignatureException", message)
            }
        };
        sigv4::verify(
            auth,
            secret,
            req.method.as_str(),
            path_and_query,
            &req.headers,
            host,
            &req.body,
        )
        .map_err(|_| bad_signature(AwsError::invalid_signature().message))?;
        // A correct signature may still be too old (replay) or from the future.
        let amz_date = req
            .headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        sigv4::check_skew(amz_date, now).map_err(|r| match r {
            sigv4::Rejection::Skewed(message) => bad_signature(message),
            sigv4::Rejection::BadSignature => bad_signature(AwsError::invalid_signature().message),
        })
    }

    fn success(
        &self,
        request_id: &str,
        service: &dyn AwsService,
        codec: Codec,
        operation: &str,
        output: Output,
    ) -> WireResponse {
        match (codec, output) {
            (
                Codec::Cbor {
                    timestamp_members, ..
                },
                Output::Json(value),
            ) => {
                let mut r = respond(
                    request_id,
                    StatusCode::OK,
                    cbor::CONTENT_TYPE,
                    cbor::encode(&value, timestamp_members).into(),
                    None,
                );
                r.headers.insert(
                    "smithy-protocol",
                    HeaderValue::from_static(cbor::PROTOCOL_HEADER),
                );
                r
            }
            (Codec::Json10 { .. }, Output::Json(value)) => respond(
                request_id,
                StatusCode::OK,
                json::CONTENT_TYPE_1_0,
                serde_json::to_vec(&value)
                    .expect("JSON values serialize")
                    .into(),
                None,
            ),
            (Codec::Xml { xml_namespace }, Output::QueryXml(inner))
                if matches!(service.protocol(), Protocol::RpcV2Cbor { .. }) =>
            {
                respond(
                    request_id,
                    StatusCode::OK,
                    "text/xml",
                    query::render_success(operation, xml_namespace, &inner, request_id).into(),
                    None,
                )
            }
            (_, output) => self.success_in_kind(request_id, service, operation, output),
        }
    }

    /// The single-protocol services: the output in the service's protocol.
    fn success_in_kind(
        &self,
        request_id: &str,
        service: &dyn AwsService,
        operation: &str,
        output: Output,
    ) -> WireResponse {
        match (service.protocol(), output) {
            (Protocol::AwsQuery { xml_namespace }, Output::QueryXml(inner)) => respond(
                request_id,
                StatusCode::OK,
                "text/xml",
                query::render_success(operation, xml_namespace, &inner, request_id).into(),
                None,
            ),
            (Protocol::Ec2 { xml_namespace }, Output::QueryXml(inner)) => respond(
                request_id,
                StatusCode::OK,
                "text/xml;charset=UTF-8",
                query::render_ec2_success(operation, xml_namespace, &inner, request_id).into(),
                None,
            ),
            (_, Output::Json(value)) => respond(
                request_id,
                StatusCode::OK,
                json::CONTENT_TYPE,
                serde_json::to_vec(&value)
                    .expect("JSON values serialize")
                    .into(),
                None,
            ),
            (_, Output::QueryXml(_)) => self.error(
                request_id,
                Codec::of(service),
                Some(operation),
                &AwsError::internal("a JSON service produced an XML result"),
            ),
        }
    }

    /// Renders `err` in `codec`.
    fn error(
        &self,
        request_id: &str,
        codec: Codec,
        _operation: Option<&str>,
        err: &AwsError,
    ) -> WireResponse {
        let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
        match codec {
            Codec::Json { message_key } => respond(
                request_id,
                status,
                json::CONTENT_TYPE,
                json::render_error(err, message_key).into(),
                Some(&err.code),
            ),
            Codec::Xml { xml_namespace } => respond(
                request_id,
                status,
                "text/xml",
                query::render_error(err, xml_namespace, request_id).into(),
                None,
            ),
            Codec::Ec2 => respond(
                request_id,
                status,
                "text/xml;charset=UTF-8",
                query::render_ec2_error(err, request_id).into(),
                None,
            ),
            Codec::Cbor { error_shapes, .. } => {
                let shape = error_shape(error_shapes, &err.code);
                let mut r = respond(
                    request_id,
                    status,
                    cbor::CONTENT_TYPE,
                    cbor::render_error(shape, &err.message).into(),
                    None,
                );
                r.headers.insert(
                    "smithy-protocol",
                    HeaderValue::from_static(cbor::PROTOCOL_HEADER),
                );
                query_error_header(&mut r, err);
                r
            }
            Codec::Json10 { error_shapes } => {
                let shape = error_shape(error_shapes, &err.code);
                let body = serde_json::json!({"__type": shape, "message": err.message});
                let mut r = respond(
                    request_id,
                    status,
                    json::CONTENT_TYPE_1_0,
                    serde_json::to_vec(&body)
                        .expect("JSON values serialize")
                        .into(),
                    Some(shape),
                );
                query_error_header(&mut r, err);
                r
            }
        }
    }

    /// An error for a request that never reached dispatch (body too large,
    /// unreadable body), rendered in the protocol its headers suggest.
    pub fn reject(&self, headers: &HeaderMap, err: &AwsError) -> WireResponse {
        let request_id = new_request_id();
        let codec = match headers
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .and_then(json::split_target)
        {
            Some((prefix, _)) => self
                .registry
                .by_target_prefix(prefix)
                .map(|s| Codec::of(s.as_ref())),
            None => None,
        }
        .or_else(|| {
            // A CBOR request names its service in the path, not a header.
            headers
                .get("smithy-protocol")
                .is_some()
                .then(|| {
                    self.registry
                        .services()
                        .iter()
                        .find(|s| matches!(s.protocol(), Protocol::RpcV2Cbor { .. }))
                        .map(|s| Codec::of(s.as_ref()))
                })
                .flatten()
        })
        .unwrap_or_else(|| Codec::guess(headers));
        tracing::info!(request_id = %request_id, code = %err.code, status = err.status, "rejected before dispatch");
        self.error(&request_id, codec, None, err)
    }

    /// `GET /_emul/health`: each service's state.
    fn health(&self, request_id: &str, method: &Method) -> WireResponse {
        if method != Method::GET && method != Method::HEAD {
            let err =
                AwsError::client("MethodNotAllowed", "GET /_emul/health only").with_status(405);
            return self.error(
                request_id,
                Codec::Json {
                    message_key: "message",
                },
                None,
                &err,
            );
        }
        let services: serde_json::Map<String, serde_json::Value> = self
            .registry
            .services()
            .iter()
            .map(|s| (s.name().to_string(), s.health().as_str().into()))
            .collect();
        let body = serde_json::json!({"status": "running", "services": services});
        respond(
            request_id,
            StatusCode::OK,
            "application/json",
            serde_json::to_vec(&body).unwrap().into(),
            None,
        )
    }
}

/// The body of a `Content-Encoding: gzip` request, decompressed (at most
/// `limit` bytes); `None` when the body is not encoded.
fn gunzip_if_encoded(req: &WireRequest, limit: usize) -> Result<Option<Bytes>, AwsError> {
    use std::io::Read;
    let gzip = req
        .headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().eq_ignore_ascii_case("gzip")));
    if !gzip {
        return Ok(None);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&req.body[..])
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            AwsError::serialization(format!("The gzip request body cannot be read: {e}"))
        })?;
    if out.len() > limit {
        return Err(AwsError::body_too_large(limit));
    }
    Ok(Some(out.into()))
}

/// The modeled shape name for an awsQuery-compatible error code.
fn error_shape<'a>(shapes: &'static [(&'static str, &'static str)], code: &'a str) -> &'a str {
    shapes
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, shape)| *shape)
        .unwrap_or(code)
}

/// `x-amzn-query-error: <Code>;<Sender|Receiver>`: the code an awsQuery
/// client would have seen, which SDKs prefer over `__type`.
fn query_error_header(r: &mut WireResponse, err: &AwsError) {
    let fault = if err.sender_fault {
        "Sender"
    } else {
        "Receiver"
    };
    if let Ok(v) = HeaderValue::from_str(&format!("{};{fault}", err.code)) {
        r.headers.insert("x-amzn-query-error", v);
    }
}

fn respond(
    request_id: &str,
    status: StatusCode,
    content_type: &str,
    body: Bytes,
    error_type: Option<&str>,
) -> WireResponse {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("static content types are valid"),
    );
    if let Some(code) = error_type
        && let Ok(v) = HeaderValue::from_str(code)
    {
        headers.insert("x-amzn-errortype", v);
    }
    WireResponse {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::gateway::registry::{Registry, ServiceHealth};
    use crate::gateway::{GatewayConfig, query::XmlWriter};

    /// A stand-in query-protocol service (ELBv2-shaped) to exercise routing
    /// and the XML codec before the real one exists.
    struct FakeElb;

    impl AwsService for FakeElb {
        fn name(&self) -> &'static str {
            "elbv2"
        }
        fn signing_name(&self) -> &'static str {
            "elasticloadbalancing"
        }
        fn protocol(&self) -> Protocol {
            Protocol::AwsQuery {
                xml_namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
            }
        }
        fn handle(
            &self,
            ctx: &RequestContext,
            operation: &str,
            input: Input,
        ) -> Result<Output, AwsError> {
            let Input::Query(params) = input else {
                unreachable!("query services get query input")
            };
            match operation {
                "DescribeLoadBalancers" => {
                    let names = params.string_list("Names")?.unwrap_or_default();
                    if names.iter().any(|n| n == "missing") {
                        return Err(AwsError::client(
                            "LoadBalancerNotFound",
                            "Load balancers '[missing]' not found",
                        ));
                    }
                    let mut w = XmlWriter::new();
                    w.list("LoadBalancers", &names, |m, n| {
                        m.leaf("LoadBalancerName", n).leaf("Region", &ctx.region);
                    });
                    Ok(Output::QueryXml(w.finish()))
                }
                other => Err(AwsError::invalid_action(other)),
            }
        }
        fn health(&self) -> ServiceHealth {
            ServiceHealth::Degraded
        }
    }

    fn gateway(credentials: Option<HashMap<String, String>>) -> Arc<Gateway> {
        let mut registry = Registry::new();
        registry.register(Arc::new(FakeElb));
        registry.register(Arc::new(
            crate::services::secretsmanager::SecretsManager::in_memory(),
        ));
        Arc::new(Gateway::new(
            GatewayConfig {
                credentials,
                ..GatewayConfig::default()
            },
            registry,
        ))
    }

    fn form(body: &str, auth: Option<&str>) -> WireRequest {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        if let Some(a) = auth {
            headers.insert("authorization", HeaderValue::from_str(a).unwrap());
        }
        WireRequest {
            method: Method::POST,
            uri: Uri::from_static("/"),
            headers,
            body: Bytes::from(body.to_string()),
        }
    }

    const ELB_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=00";

    fn text(r: &WireResponse) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[tokio::test]
    async fn query_requests_route_by_scope_and_render_xml() {
        let gw = gateway(None);
        let r = gw
            .handle(form(
                "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=a&Names.member.2=b",
                Some(ELB_AUTH),
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
        assert_eq!(r.headers["content-type"], "text/xml");
        let rid = r.headers["x-amzn-requestid"].to_str().unwrap().to_string();
        assert_eq!(
            text(&r),
            format!(
                "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\
                 <DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerName>a</LoadBalancerName><Region>eu-west-1</Region></member>\
                 <member><LoadBalancerName>b</LoadBalancerName><Region>eu-west-1</Region></member></LoadBalancers></DescribeLoadBalancersResult>\
                 <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>"
            )
        );
    }

    #[tokio::test]
    async fn query_errors_and_unknown_actions_are_xml() {
        let gw = gateway(None);
        let r = gw
            .handle(form(
                "Action=DescribeLoadBalancers&Names.member.1=missing",
                Some(ELB_AUTH),
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let body = text(&r);
        assert!(body.contains("<Code>LoadBalancerNotFound</Code>"), "{body}");
        assert!(
            body.contains("xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\""),
            "{body}"
        );
        let r = gw
            .handle(form(
                "Action=FlyToTheMoon&Version=2015-12-01",
                Some(ELB_AUTH),
            ))
            .await;
        let body = text(&r);
        assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
        assert!(
            body.contains("The action FlyToTheMoon is not valid for this web service."),
            "{body}"
        );
        // A list with a gap is a ValidationError naming the parameter.
        let r = gw
            .handle(form(
                "Action=DescribeLoadBalancers&Names.member.2=x",
                Some(ELB_AUTH),
            ))
            .await;
        assert!(text(&r).contains("<Code>ValidationError</Code>"));
        assert!(
            text(&r).contains("&apos;Names&apos; is missing member 1"),
            "{}",
            text(&r)
        );
    }

    #[tokio::test]
    async fn unsigned_query_requests_go_to_the_only_query_service() {
        let gw = gateway(None);
        let r = gw
            .handle(form("Action=DescribeLoadBalancers&Names.member.1=z", None))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
        assert!(
            text(&r).contains("<Region>us-east-1</Region>"),
            "default region"
        );
    }

    #[tokio::test]
    async fn strict_auth_errors_are_rendered_in_the_query_protocol() {
        let gw = gateway(Some(HashMap::from([(
            "AKIDGOOD".to_string(),
            "s".to_string(),
        )])));
        let r = gw
            .handle(form("Action=DescribeLoadBalancers", Some(ELB_AUTH)))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            text(&r).contains("<Code>InvalidClientTokenId</Code>"),
            "{}",
            text(&r)
        );
        let r = gw.handle(form("Action=DescribeLoadBalancers", None)).await;
        assert!(
            text(&r).contains("<Code>MissingAuthenticationToken</Code>"),
            "{}",
            text(&r)
        );
    }

    #[tokio::test]
    async fn authentication_comes_before_body_decoding() {
        let gw = gateway(Some(HashMap::from([(
            "AKIDGOOD".to_string(),
            "s".to_string(),
        )])));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.GetSecretValue"),
        );
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        let req = WireRequest {
            method: Method::POST,
            uri: Uri::from_static("/"),
            headers,
            body: Bytes::from_static(b"{not json"),
        };
        let r = gw.handle(req).await;
        assert_eq!(
            r.headers["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
    }

    #[tokio::test]
    async fn health_lists_every_registered_service() {
        let gw = gateway(None);
        let req = WireRequest {
            method: Method::GET,
            uri: Uri::from_static("/_emul/health"),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        let r = gw.handle(req).await;
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "running", "services": {"elbv2": "degraded", "secretsmanager": "running"}})
        );
    }

    #[tokio::test]
    async fn rejected_bodies_use_the_target_services_codec() {
        let gw = gateway(None);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.CreateSecret"),
        );
        let r = gw.reject(&headers, &AwsError::body_too_large(10));
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["__type"], "RequestEntityTooLargeException");
        assert!(
            body.get("Message").is_some(),
            "Secrets Manager's capitalised Message"
        );
        let r = gw.reject(&form("", None).headers, &AwsError::body_too_large(10));
        assert!(text(&r).starts_with("<ErrorResponse"));
    }
}
