//! Reading certificate material: what DescribeCertificate shows of an
//! imported certificate (its names, validity, serial, subject, issuer and
//! algorithms), and the checks ImportCertificate makes (one PEM
//! certificate, a chain of PEM certificates, a PEM key that is the
//! certificate's).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::errors::AcmError;

/// What ACM reports of a certificate, read from its X.509 body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateInfo {
    /// The subject's common name, else the first DNS name.
    pub domain_name: String,
    /// The subject alternative names (DNS names), in certificate order.
    pub subject_alternative_names: Vec<String>,
    /// Colon-separated lower-case hex, as ACM shows it.
    pub serial: String,
    /// The subject distinguished name (`CN=example.com`).
    pub subject: String,
    /// The issuer distinguished name.
    pub issuer: String,
    /// Validity start, seconds since the epoch.
    pub not_before: i64,
    /// Validity end, seconds since the epoch.
    pub not_after: i64,
    /// ACM's response spelling: `RSA-2048`, `EC-prime256v1`, ...
    pub key_algorithm: String,
    /// `SHA256WITHRSA`, `SHA256WITHECDSA`, ...
    pub signature_algorithm: String,
    /// ACM's names of the key usages (`DIGITAL_SIGNATURE`, ...).
    pub key_usages: Vec<String>,
    /// `(name, OID)` of the extended key usages.
    pub extended_key_usages: Vec<(String, String)>,
}

/// The PEM blocks of `text` that are certificates, as DER.
fn certificates(text: &str) -> Result<Vec<CertificateDer<'static>>, AcmError> {
    CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| not_pem())
}

fn not_pem() -> AcmError {
    AcmError::Validation("The certificate is not PEM-encoded or is not valid.".into())
}

/// Reads the one certificate of ImportCertificate's `Certificate` field.
pub fn read_certificate(pem: &str) -> Result<CertificateInfo, AcmError> {
    let ders = certificates(pem)?;
    let der = match ders.as_slice() {
        [one] => one,
        [] => return Err(not_pem()),
        _ => {
            return Err(AcmError::Validation(
                "The certificate field contains more than one certificate. You can specify only one certificate in this field.".into(),
            ));
        }
    };
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|_| not_pem())?;
    Ok(info(&cert))
}

/// Checks ImportCertificate's `CertificateChain`: one or more PEM
/// certificates.
pub fn check_chain(pem: &str) -> Result<(), AcmError> {
    let ders = certificates(pem).map_err(|_| chain_error())?;
    if ders.is_empty() {
        return Err(chain_error());
    }
    for der in &ders {
        x509_parser::parse_x509_certificate(der).map_err(|_| chain_error())?;
    }
    Ok(())
}

fn chain_error() -> AcmError {
    AcmError::Validation("The certificate chain is not PEM-encoded or is not valid.".into())
}

/// Checks that `key_pem` is a PEM private key and the private half of
/// the certificate's public key.
pub fn check_key(certificate_pem: &str, key_pem: &str) -> Result<(), AcmError> {
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| {
        AcmError::Validation("The private key is not PEM-encoded or is not valid.".into())
    })?;
    let signing = rustls::crypto::aws_lc_rs::default_provider()
        .key_provider
        .load_private_key(key)
        .map_err(|_| {
            AcmError::Validation("The private key is not PEM-encoded or is not valid.".into())
        })?;
    let chain = certificates(certificate_pem)?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|_| {
        AcmError::Validation(
            "The private key does not match the public key in the certificate.".into(),
        )
    })
}

fn info(cert: &X509Certificate<'_>) -> CertificateInfo {
    let sans: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    CertificateInfo {
        domain_name: common_name
            .or_else(|| sans.first().cloned())
            .unwrap_or_default(),
        subject_alternative_names: sans,
        serial: cert.raw_serial_as_string().to_ascii_lowercase(),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key_algorithm: key_algorithm(cert),
        signature_algorithm: signature_algorithm(
            &cert.signature_algorithm.algorithm.to_id_string(),
        ),
        key_usages: key_usages(cert),
        extended_key_usages: extended_key_usages(cert),
    }
}

fn key_usages(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ku)) = cert.key_usage() else {
        return Vec::new();
    };
    let ku = ku.value;
    [
        (ku.digital_signature(), "DIGITAL_SIGNATURE"),
        (ku.non_repudiation(), "NON_REPUDIATION"),
        (ku.key_encipherment(), "KEY_ENCIPHERMENT"),
        (ku.data_encipherment(), "DATA_ENCIPHERMENT"),
        (ku.key_agreement(), "KEY_AGREEMENT"),
        (ku.key_cert_sign(), "CERTIFICATE_SIGNING"),
        (ku.crl_sign(), "CRL_SIGNING"),
        (ku.encipher_only(), "ENCIPHER_ONLY"),
        (ku.decipher_only(), "DECIPHER_ONLY"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect()
}

fn extended_key_usages(cert: &X509Certificate<'_>) -> Vec<(String, String)> {
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return Vec::new();
    };
    let eku = eku.value;
    [
        (
            eku.server_auth,
            "TLS_WEB_SERVER_AUTHENTICATION",
            "1.3.6.1.5.5.7.3.1",
        ),
        (
            eku.client_auth,
            "TLS_WEB_CLIENT_AUTHENTICATION",
            "1.3.6.1.5.5.7.3.2",
        ),
        (eku.code_signing, "CODE_SIGNING", "1.3.6.1.5.5.7.3.3"),
        (
            eku.email_protection,
            "EMAIL_PROTECTION",
            "1.3.6.1.5.5.7.3.4",
        ),
        (eku.time_stamping, "TIME_STAMPING", "1.3.6.1.5.5.7.3.8"),
        (eku.ocsp_signing, "OCSP_SIGNING", "1.3.6.1.5.5.7.3.9"),
    ]
    .into_iter()
    .filter(|(on, _, _)| *on)
    .map(|(_, name, oid)| (name.to_string(), oid.to_string()))
    .collect()
}

fn key_algorithm(cert: &X509Certificate<'_>) -> String {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA-{}", rsa.key_size()),
        Ok(PublicKey::EC(ec)) => match ec.key_size() {
            256 => "EC-prime256v1".into(),
            384 => "EC-secp384r1".into(),
            _ => "EC-secp521r1".into(),
        },
        _ => "UNKNOWN".into(),
    }
}

/// ACM's name for a signature algorithm OID.
fn signature_algorithm(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "SHA1WITHRSA",
        "1.2.840.113549.1.1.11" => "SHA256WITHRSA",
        "1.2.840.113549.1.1.12" => "SHA384WITHRSA",
        "1.2.840.113549.1.1.13" => "SHA512WITHRSA",
        "1.2.840.10045.4.3.2" => "SHA256WITHECDSA",
        "1.2.840.10045.4.3.3" => "SHA384WITHECDSA",
        "1.2.840.10045.4.3.4" => "SHA512WITHECDSA",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(names: &[&str]) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn reads_names_dates_and_algorithms() {
        let (pem, _) = self_signed(&["shop.test", "www.shop.test"]);
        let i = read_certificate(&pem).unwrap();
        assert_eq!(i.subject_alternative_names, ["shop.test", "www.shop.test"]);
        // rcgen's default subject is "rcgen self signed cert"; no SAN is the CN.
        assert_eq!(i.domain_name, "rcgen self signed cert");
        assert_eq!(i.key_algorithm, "EC-prime256v1");
        assert_eq!(i.signature_algorithm, "SHA256WITHECDSA");
        assert!(i.not_after > i.not_before);
        assert!(i.serial.contains(':'), "{}", i.serial);
    }

    #[test]
    fn refuses_what_is_not_one_pem_certificate() {
        let (a, _) = self_signed(&["a.test"]);
        let (b, _) = self_signed(&["b.test"]);
        assert_eq!(
            read_certificate("certbody").unwrap_err().to_string(),
            "The certificate is not PEM-encoded or is not valid."
        );
        assert!(
            read_certificate(&format!("{a}{b}"))
                .unwrap_err()
                .to_string()
                .contains("more than one certificate")
        );
        assert!(check_chain(&format!("{a}{b}")).is_ok());
        assert!(check_chain("nope").is_err());
    }

    #[test]
    fn the_key_must_be_the_certificates() {
        let (pem, key) = self_signed(&["a.test"]);
        let (_, other_key) = self_signed(&["b.test"]);
        assert!(check_key(&pem, &key).is_ok());
        assert_eq!(
            check_key(&pem, &other_key).unwrap_err().to_string(),
            "The private key does not match the public key in the certificate."
        );
        assert_eq!(
            check_key(&pem, "privatekey").unwrap_err().to_string(),
            "The private key is not PEM-encoded or is not valid."
        );
    }
}
