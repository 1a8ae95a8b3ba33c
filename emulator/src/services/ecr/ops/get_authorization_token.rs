//! GetAuthorizationToken: base64 of `AWS:<password>` for emul's registry,
//! its address as `proxyEndpoint`, valid 12 hours as in AWS.

use base64::Engine;
use serde_json::{Value, json};

use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::{Ecr, REGISTRY_USER, now_secs};

/// How long a token is valid (ECR: 12 hours).
pub const TOKEN_VALIDITY_SECS: f64 = 12.0 * 3600.0;

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, _body: Value) -> Result<Value, EcrError> {
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("{REGISTRY_USER}:{}", ecr.password()));
    let endpoint = match ecr.registry_host() {
        Some(host) => format!("http://{host}"),
        None => format!(
            "https://{}.dkr.ecr.{}.amazonaws.com",
            ctx.account, ctx.region
        ),
    };
    Ok(json!({"authorizationData": [{
        "authorizationToken": token,
        "expiresAt": (now_secs() + TOKEN_VALIDITY_SECS).floor(),
        "proxyEndpoint": endpoint,
    }]}))
}
