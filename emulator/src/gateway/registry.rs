//! The service registry: where each AWS service plugs into the gateway.
//!
//! A service implements [`AwsService`] and is added to a [`Registry`]. The
//! dispatcher finds it by JSON target prefix, by query API (`Action` +
//! signing name) or by SigV4 signing name, so adding ECS or ELBv2 later means
//! one `registry.register(...)` call and no change to the dispatch code.

use std::sync::Arc;

use super::errors::AwsError;
use super::query::QueryParams;

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `awsJson1_1`: `POST /`, `X-Amz-Target: <prefix>.<Operation>`, JSON
    /// body. `message_key` is the error member name (`Message` for Secrets
    /// Manager, `message` for ECS).
    AwsJson1_1 {
        /// The `X-Amz-Target` prefix before the dot.
        target_prefix: &'static str,
        /// The error message member name in the JSON error body.
        message_key: &'static str,
    },
    /// `awsQuery`: form-encoded `Action=…&Version=…`, XML responses.
    AwsQuery {
        /// The XML namespace of responses.
        xml_namespace: &'static str,
    },
    /// `ec2`: the same form-encoded input (lists are `Name.N`, not
    /// `Name.member.N`), XML responses without a `<OpResult>` wrapper
    /// (`<requestId>` first), errors as `<Response><Errors><Error>`.
    Ec2 {
        /// The XML namespace of responses.
        xml_namespace: &'static str,
    },
    /// `smithy-rpc-v2-cbor` of an `awsQueryCompatible` service (CloudWatch):
    /// CBOR at `POST /service/<service_name>/operation/<Op>`, and also the
    /// protocols older clients of the same API use — JSON 1.0
    /// (`X-Amz-Target: <service_name>.<Op>`) and awsQuery (`Action=`).
    /// CBOR and JSON requests reach the service as [`Input::Json`] (the
    /// CBOR codec decodes into the same JSON), query requests as
    /// [`Input::Query`]; the service answers each in kind.
    RpcV2Cbor {
        /// The Smithy service name: the path segment and the JSON target prefix.
        service_name: &'static str,
        /// The XML namespace of awsQuery responses.
        xml_namespace: &'static str,
        /// Query error code → modeled shape name, sent as `__type` in CBOR
        /// and JSON errors (the code itself goes in `x-amzn-query-error`).
        /// A code not listed is sent as its own `__type`.
        error_shapes: &'static [(&'static str, &'static str)],
        /// Output member names that are timestamps (CBOR tag 1).
        timestamp_members: &'static [&'static str],
    },
}

impl Protocol {
    /// Whether requests are form-encoded `Action=` calls (awsQuery, ec2).
    pub fn is_query(self) -> bool {
        matches!(
            self,
            Protocol::AwsQuery { .. } | Protocol::Ec2 { .. } | Protocol::RpcV2Cbor { .. }
        )
    }
}

/// Who is calling and where: derived from the request by the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The `x-amzn-RequestId` of this request, for logs and error bodies.
    pub request_id: String,
    /// The account that owns the resources (from `--account`).
    pub account: String,
    /// The region from the SigV4 credential scope (default `us-east-1`).
    pub region: String,
}

/// A decoded request body.
#[derive(Debug, Clone)]
pub enum Input {
    /// A JSON 1.1 / 1.0 body, or a CBOR body decoded to JSON (always an
    /// object; an empty body is `{}`).
    Json(serde_json::Value),
    /// The form parameters of a query-protocol request.
    Query(QueryParams),
}

/// A successful result, before the codec renders it.
#[derive(Debug, Clone)]
pub enum Output {
    /// The JSON 1.1 response object.
    Json(serde_json::Value),
    /// The inner XML of `<{Op}Result>` (may be empty) for query services.
    QueryXml(String),
}

/// What a service reports at `GET /_emul/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceHealth {
    /// Serving requests.
    Running,
    /// Its durable store failed; reads may work, writes fail.
    Degraded,
}

impl ServiceHealth {
    /// The word shown in the health document.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceHealth::Running => "running",
            ServiceHealth::Degraded => "degraded",
        }
    }
}

/// One AWS service behind the gateway.
///
/// `handle` is synchronous on purpose: the gateway runs it on the blocking
/// pool, so a service may fsync its log before answering without stalling the
/// reactor, and service code needs no async. A service that must await
/// something (e.g. a Docker call) can use `tokio::runtime::Handle::current()
/// .block_on(..)` there, which is allowed on blocking-pool threads; better,
/// record the desired state in its model and let a reconciler act on it.
/// Operations listed by [`AwsService::is_non_blocking`] run inline instead.
pub trait AwsService: Send + Sync + 'static {
    /// The name in logs and in the health document (`secretsmanager`).
    fn name(&self) -> &'static str;
    /// The SigV4 signing name (credential-scope service), e.g. `secretsmanager`.
    fn signing_name(&self) -> &'static str;
    /// The wire protocol.
    fn protocol(&self) -> Protocol;
    /// Runs one operation. An unknown operation must return
    /// [`AwsError::unknown_operation`] (JSON) or [`AwsError::invalid_action`].
    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError>;
    /// The current health.
    fn health(&self) -> ServiceHealth;
    /// `true` for operations that never block (no disk I/O, no waiting on
    /// writers): the gateway then runs them inline instead of on the
    /// blocking pool, saving a thread hop on hot reads like GetSecretValue.
    fn is_non_blocking(&self, _operation: &str) -> bool {
        false
    }
}

/// The services the gateway hosts.
#[derive(Default, Clone)]
pub struct Registry {
    /// Registered services, in registration order (health lists them so).
    services: Vec<Arc<dyn AwsService>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a service.
    pub fn register(&mut self, service: Arc<dyn AwsService>) {
        self.services.push(service);
    }

    /// All services.
    pub fn services(&self) -> &[Arc<dyn AwsService>] {
        &self.services
    }

    /// The JSON service whose `X-Amz-Target` prefix is `prefix` (an RPC v2
    /// CBOR service also takes JSON 1.0 under its service name).
    pub fn by_target_prefix(&self, prefix: &str) -> Option<&Arc<dyn AwsService>> {
        self.services.iter().find(|s| match s.protocol() {
            Protocol::AwsJson1_1 { target_prefix, .. } => target_prefix == prefix,
            Protocol::RpcV2Cbor { service_name, .. } => service_name == prefix,
            _ => false,
        })
    }

    /// The RPC v2 CBOR service named `name` (`/service/<name>/operation/..`).
    pub fn by_smithy_service(&self, name: &str) -> Option<&Arc<dyn AwsService>> {
        self.services.iter().find(|s| {
            matches!(s.protocol(), Protocol::RpcV2Cbor { service_name, .. } if service_name == name)
        })
    }

    /// The service whose SigV4 signing name is `name`.
    pub fn by_signing_name(&self, name: &str) -> Option<&Arc<dyn AwsService>> {
        self.services.iter().find(|s| s.signing_name() == name)
    }

    /// The query-protocol service whose API version is `version` (its XML
    /// namespace ends in `/<version>/`), else the only one registered: for
    /// an `Action=` request that carries no credential scope.
    pub fn query_service_for(&self, version: Option<&str>) -> Option<&Arc<dyn AwsService>> {
        let by_version = version.and_then(|v| {
            let tail = format!("/{v}/");
            self.services.iter().find(|s| match s.protocol() {
                Protocol::AwsQuery { xml_namespace }
                | Protocol::Ec2 { xml_namespace }
                | Protocol::RpcV2Cbor { xml_namespace, .. } => xml_namespace.ends_with(&tail),
                Protocol::AwsJson1_1 { .. } => false,
            })
        });
        by_version.or_else(|| self.sole_query_service())
    }

    /// The only query-protocol service, when exactly one is registered.
    pub fn sole_query_service(&self) -> Option<&Arc<dyn AwsService>> {
        let mut it = self.services.iter().filter(|s| s.protocol().is_query());
        match (it.next(), it.next()) {
            (Some(s), None) => Some(s),
            _ => None,
        }
    }
}
