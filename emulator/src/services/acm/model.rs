//! ACM's state and rules, pure: the certificates of every account and
//! region, what a request or an import may say, listing filters and tags.
//! Issuing (key generation and signing) happens outside, in the operation,
//! through the local CA; the model only records what was issued.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::errors::AcmError;
use super::x509::CertificateInfo;

/// An account and region: ACM certificates are regional.
pub type Scope = (String, String);

/// A certificate's tags, `(key, value)` in the order first set (a value is optional).
pub type Tags = Vec<(String, Option<String>)>;

/// Tags per certificate, at most (AWS's quota).
pub const MAX_TAGS: usize = 50;
/// Domain names per requested certificate, at most (the default quota).
pub const MAX_NAMES: usize = 10;
/// How long an idempotency token returns the same certificate (one hour).
pub const IDEMPOTENCY_SECS: f64 = 3600.0;

/// Every certificate, by scope then ARN (ordered: listings are stable).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Certificates {
    /// The certificates of each account and region.
    pub scopes: HashMap<String, BTreeMap<String, Certificate>>,
}

/// `AMAZON_ISSUED` (requested) or `IMPORTED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// RequestCertificate: issued by the local CA, key never exported.
    AmazonIssued,
    /// ImportCertificate: the caller's certificate and key.
    Imported,
}

impl Kind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AmazonIssued => "AMAZON_ISSUED",
            Kind::Imported => "IMPORTED",
        }
    }
}

/// The PEM material a listener presents. Kept only so the ALB can serve
/// it; the private key is never rendered by any operation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// The leaf certificate.
    pub certificate: String,
    /// The intermediate certificates (may be empty).
    pub chain: String,
    /// The private key.
    pub private_key: String,
}

impl std::fmt::Debug for Material {
    // Never print the key (logs, test failures).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Material")
            .field("certificate", &self.certificate.len())
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// One certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// `arn:aws:acm:<region>:<account>:certificate/<uuid>`.
    pub arn: String,
    /// Requested or imported.
    pub kind: Kind,
    /// What the X.509 body says (names, validity, algorithms).
    pub info: CertificateInfo,
    /// `DNS` or `EMAIL` (requested certificates only).
    pub validation_method: Option<String>,
    /// RequestCertificate's or import's time, seconds since the epoch.
    pub created_at: f64,
    /// When the certificate was (last) imported (imported only).
    pub imported_at: Option<f64>,
    /// RequestCertificate's token, to answer a retry with the same ARN.
    pub idempotency_token: Option<String>,
    /// `Options.CertificateTransparencyLoggingPreference` (default ENABLED).
    pub transparency_logging: String,
    /// Tags in the order they were first set.
    pub tags: Tags,
    /// What the ALB serves.
    pub material: Material,
}

/// What a RequestCertificate asks for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The certificate's first name.
    pub domain_name: String,
    /// Every name, the domain name first, each once.
    pub names: Vec<String>,
    /// `DNS` (default) or `EMAIL`.
    pub validation_method: String,
    /// The key to generate: `RSA_2048` (default), `EC_prime256v1`, `EC_secp384r1`.
    pub key_algorithm: String,
}

impl Certificates {
    /// The certificates of a scope.
    pub fn scope(&self, scope: &Scope) -> Option<&BTreeMap<String, Certificate>> {
        self.scopes.get(&key(scope))
    }

    /// The certificate `arn` of the scope, or AWS's errors for a malformed
    /// or unknown ARN.
    pub fn get(&self, scope: &Scope, arn: &str) -> Result<&Certificate, AcmError> {
        check_arn(arn)?;
        self.scope(scope)
            .and_then(|s| s.get(arn))
            .ok_or_else(|| not_found(scope, arn))
    }

    /// As [`Certificates::get`], for change.
    pub fn get_mut(&mut self, scope: &Scope, arn: &str) -> Result<&mut Certificate, AcmError> {
        check_arn(arn)?;
        self.scopes
            .get_mut(&key(scope))
            .and_then(|s| s.get_mut(arn))
            .ok_or_else(|| not_found(scope, arn))
    }

    /// The certificate a retried RequestCertificate returns: same token,
    /// same names, within the hour.
    pub fn idempotent(
        &self,
        scope: &Scope,
        token: &str,
        requested: &Requested,
        now: f64,
    ) -> Option<String> {
        self.scope(scope)?
            .values()
            .find(|c| {
                c.idempotency_token.as_deref() == Some(token)
                    && now - c.created_at < IDEMPOTENCY_SECS
                    && c.info.subject_alternative_names == requested.names
            })
            .map(|c| c.arn.clone())
    }

    /// Stores a certificate (new, or re-imported under its ARN).
    pub fn put(&mut self, scope: &Scope, cert: Certificate) {
        self.scopes
            .entry(key(scope))
            .or_default()
            .insert(cert.arn.clone(), cert);
    }

    /// Removes a certificate.
    pub fn remove(&mut self, scope: &Scope, arn: &str) -> Result<Certificate, AcmError> {
        self.get(scope, arn)?;
        Ok(self
            .scopes
            .get_mut(&key(scope))
            .and_then(|s| s.remove(arn))
            .expect("checked above"))
    }
}

fn key(scope: &Scope) -> String {
    format!("{}/{}", scope.0, scope.1)
}

fn not_found(scope: &Scope, arn: &str) -> AcmError {
    AcmError::NotFound {
        arn: arn.to_string(),
        account: scope.0.clone(),
    }
}

/// A new certificate's ARN.
pub fn new_arn(scope: &Scope) -> String {
    format!(
        "arn:aws:acm:{}:{}:certificate/{}",
        scope.1,
        scope.0,
        uuid::Uuid::new_v4()
    )
}

/// The modelled ARN pattern (`arn:<partition>:acm:<region>:<account>:<resource>`).
pub fn check_arn(arn: &str) -> Result<(), AcmError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = arn.len() >= 20
        && parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "acm"
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty();
    if ok {
        Ok(())
    } else {
        Err(AcmError::InvalidArn(arn.to_string()))
    }
}

/// Checks RequestCertificate's names, method and key algorithm.
pub fn check_request(
    domain_name: &str,
    alternative_names: &[String],
    validation_method: Option<&str>,
    key_algorithm: Option<&str>,
) -> Result<Requested, AcmError> {
    check_domain("domainName", domain_name)?;
    let mut names = vec![domain_name.to_string()];
    for (i, n) in alternative_names.iter().enumerate() {
        check_domain(&format!("subjectAlternativeNames.{}.member", i + 1), n)?;
        if !names.iter().any(|have| have.eq_ignore_ascii_case(n)) {
            names.push(n.clone());
        }
    }
    if names.len() > MAX_NAMES {
        return Err(AcmError::InvalidParameter(format!(
            "Subject Alternative Names exceed the limit of {MAX_NAMES}"
        )));
    }
    let validation_method = match validation_method.unwrap_or("DNS") {
        m @ ("DNS" | "EMAIL") => m.to_string(),
        other => {
            return Err(AcmError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'validationMethod' failed to satisfy constraint: Member must satisfy enum value set: [EMAIL, DNS, HTTP]"
            )));
        }
    };
    let key_algorithm = match key_algorithm.unwrap_or("RSA_2048") {
        k @ ("RSA_2048" | "EC_prime256v1" | "EC_secp384r1") => k.to_string(),
        k @ ("RSA_1024" | "RSA_3072" | "RSA_4096" | "EC_secp521r1") => {
            return Err(AcmError::InvalidParameter(format!(
                "Key algorithm {k} is not supported for public certificates. Use RSA_2048, EC_prime256v1 or EC_secp384r1."
            )));
        }
        other => {
            return Err(AcmError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'keyAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSA_1024, RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, EC_secp384r1, EC_secp521r1]"
            )));
        }
    };
    Ok(Requested {
        domain_name: domain_name.to_string(),
        names,
        validation_method,
        key_algorithm,
    })
}

/// A domain name as the model's pattern has it: an optional `*.`, then
/// two or more labels of letters, digits and inner hyphens, 1–253 chars.
fn check_domain(member: &str, name: &str) -> Result<(), AcmError> {
    let constraint = |c: &str| {
        AcmError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: {c}"
        ))
    };
    if name.is_empty() || name.len() > 253 {
        return Err(constraint(if name.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 253"
        }));
    }
    let rest = name.strip_prefix("*.").unwrap_or(name);
    let labels: Vec<&str> = rest.split('.').collect();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(constraint(
            "Member must satisfy regular expression pattern: (\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])",
        ));
    }
    Ok(())
}

/// The CNAME record ACM asks for to validate `name` (stable per
/// certificate and name, like AWS's).
pub fn validation_record(arn: &str, name: &str) -> (String, String) {
    let base = name.strip_prefix("*.").unwrap_or(name).to_ascii_lowercase();
    let digest = |salt: &str| {
        use sha2::Digest;
        let h = sha2::Sha256::digest(format!("{salt}|{arn}|{base}").as_bytes());
        h.iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    (
        format!("_{}.{base}.", digest("name")),
        format!("_{}.validations.aws.", digest("value")),
    )
}

/// Adds or replaces tags, with AWS's checks.
pub fn add_tags(tags: &mut Tags, new: &[(String, Option<String>)]) -> Result<(), AcmError> {
    let mut next = tags.clone();
    for (i, (k, v)) in new.iter().enumerate() {
        check_tag(i + 1, k, v.as_deref())?;
        match next.iter_mut().find(|(have, _)| have == k) {
            Some(t) => t.1 = v.clone(),
            None => next.push((k.clone(), v.clone())),
        }
    }
    if next.len() > MAX_TAGS {
        let set = next
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(AcmError::TooManyTags(format!("{{{set}}}")));
    }
    *tags = next;
    Ok(())
}

/// Removes tags: a key alone removes it; a key and value only if the
/// value matches.
pub fn remove_tags(tags: &mut Tags, gone: &[(String, Option<String>)]) -> Result<(), AcmError> {
    for (i, (k, v)) in gone.iter().enumerate() {
        check_tag(i + 1, k, v.as_deref())?;
    }
    tags.retain(|(k, v)| {
        !gone
            .iter()
            .any(|(gk, gv)| gk == k && (gv.is_none() || gv == v))
    });
    Ok(())
}

fn check_tag(index: usize, key: &str, value: Option<&str>) -> Result<(), AcmError> {
    if key.is_empty() || key.len() > 128 {
        return Err(AcmError::Validation(format!(
            "1 validation error detected: Value '{key}' at 'tags.{index}.member.key' failed to satisfy constraint: Member must have length {}",
            if key.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 128"
            }
        )));
    }
    if value.is_some_and(|v| v.len() > 256) {
        return Err(AcmError::Validation(format!(
            "1 validation error detected: Value '{}' at 'tags.{index}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
            value.unwrap_or_default()
        )));
    }
    if key.starts_with("aws:") {
        return Err(AcmError::InvalidTag(format!(
            "Invalid Tag Key: \"{key}\". AWS internal tags cannot be changed with this API"
        )));
    }
    Ok(())
}

/// ListCertificates' key-type filter name for a certificate's key
/// (`RSA-2048` → `RSA_2048`).
pub fn key_type(c: &Certificate) -> String {
    c.info.key_algorithm.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_checks_names_method_and_key() {
        let r = check_request(
            "shop.test",
            &["shop.test".into(), "*.shop.test".into()],
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.names, ["shop.test", "*.shop.test"]);
        assert_eq!(r.validation_method, "DNS");
        assert_eq!(r.key_algorithm, "RSA_2048");
        let e = check_request("localhost", &[], None, None).unwrap_err();
        assert_eq!(e.code(), "ValidationException");
        assert!(e.to_string().contains("'localhost' at 'domainName'"), "{e}");
        assert!(check_request("-a.test", &[], None, None).is_err());
        assert!(check_request("a.test", &[], Some("HTTPX"), None).is_err());
        assert_eq!(
            check_request("a.test", &[], None, Some("RSA_4096"))
                .unwrap_err()
                .code(),
            "InvalidParameterException"
        );
        let many: Vec<String> = (0..10).map(|i| format!("n{i}.a.test")).collect();
        assert!(check_request("a.test", &many, None, None).is_err());
    }

    #[test]
    fn arns_are_checked_before_lookup() {
        let certs = Certificates::default();
        let scope = ("123456789012".to_string(), "us-east-1".to_string());
        assert_eq!(
            certs.get(&scope, "lalala").unwrap_err().code(),
            "InvalidArnException"
        );
        let arn = new_arn(&scope);
        assert!(arn.starts_with("arn:aws:acm:us-east-1:123456789012:certificate/"));
        assert_eq!(
            certs.get(&scope, &arn).unwrap_err().code(),
            "ResourceNotFoundException"
        );
    }

    #[test]
    fn tags_add_replace_remove_and_limit() {
        let mut tags = Vec::new();
        add_tags(
            &mut tags,
            &[("a".into(), Some("1".into())), ("b".into(), None)],
        )
        .unwrap();
        add_tags(&mut tags, &[("a".into(), Some("2".into()))]).unwrap();
        assert_eq!(tags, [("a".into(), Some("2".into())), ("b".into(), None)]);
        // A value that does not match leaves the tag.
        remove_tags(&mut tags, &[("a".into(), Some("1".into()))]).unwrap();
        assert_eq!(tags.len(), 2);
        remove_tags(&mut tags, &[("a".into(), None)]).unwrap();
        assert_eq!(tags, [("b".into(), None)]);
        assert_eq!(
            add_tags(&mut tags, &[("aws:x".into(), None)])
                .unwrap_err()
                .code(),
            "InvalidTagException"
        );
        let fifty: Vec<_> = (0..50).map(|i| (format!("k{i}"), None)).collect();
        assert_eq!(
            add_tags(&mut tags, &fifty).unwrap_err().code(),
            "TooManyTagsException"
        );
        assert_eq!(tags.len(), 1, "a refused call changes nothing");
    }

    #[test]
    fn validation_records_are_stable_per_certificate_and_name() {
        let a = validation_record("arn:1", "*.shop.test");
        assert_eq!(a, validation_record("arn:1", "*.shop.test"));
        assert!(a.0.ends_with(".shop.test."), "{}", a.0);
        assert!(a.1.ends_with(".validations.aws."), "{}", a.1);
        assert_ne!(a, validation_record("arn:2", "*.shop.test"));
    }
}
