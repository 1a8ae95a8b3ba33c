//! RequestCertificate: a public certificate for a domain name and its
//! alternative names, issued at once by the local CA (ADR 0019). A retry
//! with the same idempotency token within the hour returns the same ARN.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{WireTag, parse, required, tag_pairs};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::{self, Certificate, Kind, Material, Scope};
use crate::services::acm::service::now_secs;
use crate::services::acm::x509;

/// The request members emul reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// The certificate's first name.
    domain_name: Option<String>,
    /// `DNS` (default) or `EMAIL`.
    validation_method: Option<String>,
    /// More names.
    subject_alternative_names: Option<Vec<String>>,
    /// Makes a retry return the first certificate.
    idempotency_token: Option<String>,
    /// `CertificateTransparencyLoggingPreference`.
    options: Option<Options>,
    /// Tags to set at once.
    tags: Option<Vec<WireTag>>,
    /// `RSA_2048` (default) or an EC curve.
    key_algorithm: Option<String>,
    /// A private CA: not emulated.
    certificate_authority_arn: Option<String>,
}

/// `Options`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Options {
    /// `ENABLED` or `DISABLED`.
    certificate_transparency_logging_preference: Option<String>,
}

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let req: Request = parse(body)?;
    let domain = required(req.domain_name, "domainName")?;
    let requested = model::check_request(
        &domain,
        req.subject_alternative_names.as_deref().unwrap_or_default(),
        req.validation_method.as_deref(),
        req.key_algorithm.as_deref(),
    )?;
    if req.certificate_authority_arn.is_some() {
        return Err(AcmError::InvalidParameter(
            "Private certificates (CertificateAuthorityArn) are not emulated by emul.".into(),
        ));
    }
    let mut tags = Vec::new();
    if let Some(t) = req.tags {
        model::add_tags(&mut tags, &tag_pairs(t)?)?;
    }
    let now = now_secs();
    if let Some(token) = &req.idempotency_token
        && let Some(arn) = acm.read(|c| c.idempotent(scope, token, &requested, now))
    {
        return Ok(json!({ "CertificateArn": arn }));
    }
    let issuer = acm.issuer().ok_or_else(|| {
        AcmError::Internal("No certificate authority is configured to issue certificates.".into())
    })?;
    let issued = issuer
        .issue(&requested.names, &requested.key_algorithm)
        .map_err(|e| AcmError::Internal(format!("Issuing the certificate failed: {e}")))?;
    let mut info = x509::read_certificate(&issued.certificate_pem)?;
    // What was asked for, in the order asked (the issued body has the same names).
    info.domain_name = requested.domain_name.clone();
    info.subject_alternative_names = requested.names.clone();
    let arn = model::new_arn(scope);
    let cert = Certificate {
        arn: arn.clone(),
        kind: Kind::AmazonIssued,
        info,
        validation_method: Some(requested.validation_method.clone()),
        created_at: now,
        imported_at: None,
        idempotency_token: req.idempotency_token,
        transparency_logging: req
            .options
            .and_then(|o| o.certificate_transparency_logging_preference)
            .unwrap_or_else(|| "ENABLED".into()),
        tags,
        material: Material {
            certificate: issued.certificate_pem,
            chain: issued.chain_pem,
            private_key: issued.private_key_pem,
        },
    };
    acm.write(|c| {
        c.put(scope, cert);
        Ok(())
    })?;
    Ok(json!({ "CertificateArn": arn }))
}
