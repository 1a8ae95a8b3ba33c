//! ImportCertificate: a certificate, its key and chain from elsewhere
//! (blobs, base64 on the wire). With `CertificateArn` it re-imports over
//! an imported certificate, keeping its ARN and tags, and listeners that
//! present it serve the new one at once.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireTag, parse, required, tag_pairs};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::{self, Certificate, Kind, Material, Scope};
use crate::services::acm::service::now_secs;
use crate::services::acm::x509;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// Re-import over this certificate.
    certificate_arn: Option<String>,
    /// The PEM certificate, base64.
    certificate: Option<String>,
    /// The PEM private key, base64.
    private_key: Option<String>,
    /// The PEM chain, base64.
    certificate_chain: Option<String>,
    /// Tags (not on a re-import).
    tags: Option<Vec<WireTag>>,
}

/// A blob member as text.
fn blob(member: &str, value: &str) -> Result<String, AcmError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| AcmError::Serialization(format!("Invalid base64 in {member}")))?;
    String::from_utf8(bytes).map_err(|_| {
        AcmError::Validation(format!("The {member} is not PEM-encoded or is not valid."))
    })
}

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let req: Request = parse(body)?;
    let certificate = blob("certificate", &required(req.certificate, "certificate")?)?;
    let private_key = blob("private key", &required(req.private_key, "privateKey")?)?;
    let chain = match req.certificate_chain {
        Some(c) => blob("certificate chain", &c)?,
        None => String::new(),
    };
    let info = x509::read_certificate(&certificate)?;
    let now = now_secs();
    if (info.not_after as f64) < now {
        return Err(AcmError::Validation(
            "The certificate has expired, is not valid.".into(),
        ));
    }
    if (info.not_before as f64) > now {
        return Err(AcmError::Validation(
            "The certificate is not in effect yet, is not valid.".into(),
        ));
    }
    if !chain.is_empty() {
        x509::check_chain(&chain)?;
    }
    x509::check_key(&certificate, &private_key)?;
    let material = Material {
        certificate,
        chain,
        private_key,
    };
    let new_tags = req.tags.map(tag_pairs).transpose()?;
    let arn = acm.write(|c| match req.certificate_arn {
        Some(arn) => {
            if new_tags.is_some() {
                return Err(AcmError::InvalidParameter(
                    "Tags cannot be specified when reimporting a certificate.".into(),
                ));
            }
            let existing = c.get_mut(scope, &arn)?;
            if existing.kind != Kind::Imported {
                return Err(AcmError::InvalidParameter(format!(
                    "Certificate {arn} is not an imported certificate and cannot be reimported."
                )));
            }
            existing.info = info;
            existing.material = material;
            existing.imported_at = Some(now);
            Ok(arn)
        }
        None => {
            let mut tags = Vec::new();
            if let Some(t) = &new_tags {
                model::add_tags(&mut tags, t)?;
            }
            let arn = model::new_arn(scope);
            c.put(
                scope,
                Certificate {
                    arn: arn.clone(),
                    kind: Kind::Imported,
                    info,
                    validation_method: None,
                    created_at: now,
                    imported_at: Some(now),
                    idempotency_token: None,
                    transparency_logging: "ENABLED".into(),
                    tags,
                    material,
                },
            );
            Ok(arn)
        }
    })?;
    Ok(json!({ "CertificateArn": arn }))
}
