//! GetCertificate: the certificate and its chain, PEM (never the key).

use serde_json::{Value, json};

use super::{ByArn, parse};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::Scope;

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let arn = parse::<ByArn>(body)?.arn()?;
    acm.read(|c| {
        let cert = c.get(scope, &arn)?;
        let mut out = json!({ "Certificate": cert.material.certificate });
        if !cert.material.chain.is_empty() {
            out["CertificateChain"] = json!(cert.material.chain);
        }
        Ok(out)
    })
}
