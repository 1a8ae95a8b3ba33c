//! The wire operations, one file each, all shaped `run(acm, scope, body)`:
//! parse the JSON request → apply it through [`Acm::read`] / [`Acm::write`]
//! → render the JSON response. This file holds the dispatch table and what
//! the operations share (request parsing, the certificate's renderings).

mod delete_certificate;
mod describe_certificate;
mod get_certificate;
mod import_certificate;
mod list_certificates;
mod request_certificate;
mod tags;
#[cfg(test)]
mod tests;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::errors::AcmError;
use super::model::{Certificate, Kind, Scope, validation_record};
use super::service::{Acm, now_secs};
use crate::gateway::AwsError;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "AddTagsToCertificate",
    "DeleteCertificate",
    "DescribeCertificate",
    "GetCertificate",
    "ImportCertificate",
    "ListCertificates",
    "ListTagsForCertificate",
    "RemoveTagsFromCertificate",
    "RequestCertificate",
];

/// Runs `operation`.
pub fn dispatch(acm: &Acm, scope: &Scope, operation: &str, body: Value) -> Result<Value, AwsError> {
    let result = match operation {
        "AddTagsToCertificate" => tags::add(acm, scope, body),
        "DeleteCertificate" => delete_certificate::run(acm, scope, body),
        "DescribeCertificate" => describe_certificate::run(acm, scope, body),
        "GetCertificate" => get_certificate::run(acm, scope, body),
        "ImportCertificate" => import_certificate::run(acm, scope, body),
        "ListCertificates" => list_certificates::run(acm, scope, body),
        "ListTagsForCertificate" => tags::list(acm, scope, body),
        "RemoveTagsFromCertificate" => tags::remove(acm, scope, body),
        "RequestCertificate" => request_certificate::run(acm, scope, body),
        other => return Err(AwsError::unknown_operation(other)),
    };
    result.map_err(|e| e.to_aws())
}

/// Decodes the request body into an operation's input struct.
pub(crate) fn parse<T: DeserializeOwned>(body: Value) -> Result<T, AcmError> {
    serde_json::from_value(body)
        .map_err(|e| AcmError::Serialization(format!("Invalid request body: {e}")))
}

/// A required member, or AWS's "Member must not be null" error.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, AcmError> {
    value.ok_or_else(|| AcmError::missing(member))
}

/// The request of the operations that name one certificate only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ByArn {
    /// The certificate.
    pub certificate_arn: Option<String>,
}

impl ByArn {
    /// The ARN, required.
    pub fn arn(self) -> Result<String, AcmError> {
        required(self.certificate_arn, "certificateArn")
    }
}

/// A `Tag` of the wire.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WireTag {
    /// The key (required).
    pub key: Option<String>,
    /// The value (optional).
    pub value: Option<String>,
}

/// Wire tags as `(key, value)`, each key required.
pub(crate) fn tag_pairs(tags: Vec<WireTag>) -> Result<super::model::Tags, AcmError> {
    tags.into_iter()
        .enumerate()
        .map(|(i, t)| {
            Ok((
                required(t.key, &format!("tags.{}.member.key", i + 1))?,
                t.value,
            ))
        })
        .collect()
}

/// `ISSUED`, or `EXPIRED` once past `NotAfter`.
pub(crate) fn status(c: &Certificate, now: f64) -> &'static str {
    if now > c.info.not_after as f64 {
        "EXPIRED"
    } else {
        "ISSUED"
    }
}

/// AWS renews an Amazon-issued certificate only while it is in use.
pub(crate) fn renewal_eligibility(c: &Certificate, in_use: bool) -> &'static str {
    if c.kind == Kind::AmazonIssued && in_use {
        "ELIGIBLE"
    } else {
        "INELIGIBLE"
    }
}

/// The `CertificateDetail` of DescribeCertificate.
pub(crate) fn render_detail(c: &Certificate, in_use_by: &[String]) -> Value {
    let now = now_secs();
    let mut out = json!({
        "CertificateArn": c.arn,
        "DomainName": c.info.domain_name,
        "SubjectAlternativeNames": c.info.subject_alternative_names,
        "Serial": c.info.serial,
        "Subject": c.info.subject,
        "Issuer": c.info.issuer,
        "CreatedAt": c.created_at,
        "Status": status(c, now),
        "NotBefore": c.info.not_before,
        "NotAfter": c.info.not_after,
        "KeyAlgorithm": c.info.key_algorithm,
        "SignatureAlgorithm": c.info.signature_algorithm,
        "InUseBy": in_use_by,
        "Type": c.kind.as_str(),
        "KeyUsages": c.info.key_usages.iter().map(|n| json!({ "Name": n })).collect::<Vec<_>>(),
        "ExtendedKeyUsages": c.info.extended_key_usages.iter()
            .map(|(n, oid)| json!({ "Name": n, "OID": oid }))
            .collect::<Vec<_>>(),
        "RenewalEligibility": renewal_eligibility(c, !in_use_by.is_empty()),
        "Options": { "CertificateTransparencyLoggingPreference": c.transparency_logging },
    });
    match c.kind {
        Kind::AmazonIssued => {
            out["IssuedAt"] = json!(c.created_at);
            out["DomainValidationOptions"] = json!(domain_validations(c));
        }
        Kind::Imported => {
            out["ImportedAt"] = json!(c.imported_at.unwrap_or(c.created_at));
        }
    }
    out
}

/// One `DomainValidation` per name of a requested certificate: the
/// record AWS asks for, found (emul issues at once, ADR 0019).
fn domain_validations(c: &Certificate) -> Vec<Value> {
    let method = c.validation_method.as_deref().unwrap_or("DNS");
    c.info
        .subject_alternative_names
        .iter()
        .map(|name| {
            let base = name.strip_prefix("*.").unwrap_or(name);
            let mut v = json!({
                "DomainName": name,
                "ValidationDomain": base,
                "ValidationStatus": "SUCCESS",
                "ValidationMethod": method,
            });
            if method == "EMAIL" {
                v["ValidationEmails"] = json!(
                    [
                        "admin",
                        "administrator",
                        "hostmaster",
                        "postmaster",
                        "webmaster"
                    ]
                    .iter()
                    .map(|u| format!("{u}@{base}"))
                    .collect::<Vec<_>>()
                );
            } else {
                let (record, value) = validation_record(&c.arn, name);
                v["ResourceRecord"] = json!({ "Name": record, "Type": "CNAME", "Value": value });
            }
            v
        })
        .collect()
}

/// The `CertificateSummary` of ListCertificates.
pub(crate) fn render_summary(c: &Certificate, in_use: bool) -> Value {
    let mut out = json!({
        "CertificateArn": c.arn,
        "DomainName": c.info.domain_name,
        "SubjectAlternativeNameSummaries": c.info.subject_alternative_names,
        "HasAdditionalSubjectAlternativeNames": false,
        "Status": status(c, now_secs()),
        "Type": c.kind.as_str(),
        "KeyAlgorithm": c.info.key_algorithm,
        "KeyUsages": c.info.key_usages,
        "ExtendedKeyUsages": c.info.extended_key_usages.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "InUse": in_use,
        "RenewalEligibility": renewal_eligibility(c, in_use),
        "NotBefore": c.info.not_before,
        "NotAfter": c.info.not_after,
        "CreatedAt": c.created_at,
    });
    match c.kind {
        Kind::AmazonIssued => out["IssuedAt"] = json!(c.created_at),
        Kind::Imported => out["ImportedAt"] = json!(c.imported_at.unwrap_or(c.created_at)),
    }
    out
}
