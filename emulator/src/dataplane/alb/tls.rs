//! TLS for HTTPS listeners: the machine's local CA (generated once, kept
//! under `$XDG_DATA_HOME/emul/ca` or `~/.local/share/emul/ca`, exportable
//! as `ca.pem` so tests and browsers can trust it), leaf certificates it
//! issues for each listener's `certificate_domains` and for ACM's
//! RequestCertificate ([`LocalCa::issue_pem`]), the listener's ACM
//! certificates, SNI selection among them, and ALPN (`h2`, `http/1.1`);
//! and the client side toward HTTPS target groups ([`target_client_config`]).
//!
//! One crypto provider, aws-lc-rs, is passed explicitly to every rustls
//! builder, so no process-wide default is needed (rust-crates.md §2.5).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The CA's common name (also its whole subject).
const CA_NAME: &str = "emul local CA";

/// Errors creating, loading or using the CA.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing the CA files.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Certificate generation or parsing.
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused a key or configuration.
    #[error("tls: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The default CA directory: `$EMUL_CA_DIR` if set (one CA per test run or
/// CI job), else `$XDG_DATA_HOME/emul/ca`, else `~/.local/share/emul/ca`.
pub fn default_ca_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EMUL_CA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
            home.join(".local/share")
        });
    base.join("emul/ca")
}

/// The local certificate authority.
pub struct LocalCa {
    /// Where `ca.pem` and `ca.key` live.
    pub dir: PathBuf,
    /// The CA certificate, PEM (what users import / tests trust).
    pub cert_pem: String,
    /// The CA certificate, DER (appended to served chains).
    cert_der: CertificateDer<'static>,
    /// The signer.
    issuer: Issuer<'static, KeyPair>,
}

fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    dn.push(DnType::OrganizationName, "emul");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    p.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    p
}

impl LocalCa {
    /// Loads the CA from `dir`, creating it (key mode 0600) the first time.
    pub fn load_or_create(dir: &Path) -> Result<LocalCa, TlsError> {
        let cert_path = dir.join("ca.pem");
        let key_path = dir.join("ca.key");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TlsError::Io { path, source }
        };
        let (cert_pem, key) = if cert_path.exists() && key_path.exists() {
            let cert_pem = std::fs::read_to_string(&cert_path).map_err(io(&cert_path))?;
            let key_pem = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
            (cert_pem, KeyPair::from_pem(&key_pem)?)
        } else {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            let key = KeyPair::generate()?;
            let cert = ca_params().self_signed(&key)?;
            write_private(&key_path, &key.serialize_pem()).map_err(io(&key_path))?;
            std::fs::write(&cert_path, cert.pem()).map_err(io(&cert_path))?;
            (cert.pem(), key)
        };
        use rustls::pki_types::pem::PemObject;
        let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| TlsError::Rustls(rustls::Error::General(format!("ca.pem: {e}"))))?;
        Ok(LocalCa {
            dir: dir.to_path_buf(),
            cert_pem,
            cert_der,
            // The issuer needs only the CA's subject, key-id method and key
            // usages, all fixed by `ca_params`, so the stored certificate
            // need not be parsed back.
            issuer: Issuer::new(ca_params(), key),
        })
    }

    /// `ca.pem`'s path (for `export`/trust stores).
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Issues a leaf for `names` (DNS names or IP addresses) → rustls key.
    pub fn issue(&self, names: &[String]) -> Result<Arc<CertifiedKey>, TlsError> {
        let key = KeyPair::generate()?;
        let mut params = leaf_params(names)?;
        params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(397);
        let leaf = params.signed_by(&key, &self.issuer)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = provider().key_provider.load_private_key(der)?;
        Ok(Arc::new(CertifiedKey::new(
            vec![leaf.der().clone(), self.cert_der.clone()],
            signing,
        )))
    }

    /// Issues an ACM-style leaf for `names` with a new key of
    /// `key_algorithm` (`RSA_2048`, `EC_prime256v1`, `EC_secp384r1`): the
    /// usages AWS's public certificates carry, 395 days.
    pub fn issue_pem(
        &self,
        names: &[String],
        key_algorithm: &str,
    ) -> Result<crate::wiring::IssuedCertificate, TlsError> {
        let key = match key_algorithm {
            "EC_prime256v1" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            "EC_secp384r1" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)?,
            _ => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?,
        };
        let mut params = leaf_params(names)?;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.not_before = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
        params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(395);
        let leaf = params.signed_by(&key, &self.issuer)?;
        Ok(crate::wiring::IssuedCertificate {
            certificate_pem: leaf.pem(),
            chain_pem: self.cert_pem.clone(),
            private_key_pem: key.serialize_pem(),
        })
    }
}

/// The local CA as ACM's issuer, loaded (or created) on first use: `emul
/// serve` has no HTTPS listener that would have created it.
pub struct LazyCa {
    /// Where the CA lives.
    dir: PathBuf,
    /// The CA once loaded.
    ca: std::sync::OnceLock<LocalCa>,
}

impl LazyCa {
    /// A CA under `dir`, not loaded yet.
    pub fn new(dir: PathBuf) -> Self {
        LazyCa {
            dir,
            ca: std::sync::OnceLock::new(),
        }
    }
}

impl crate::wiring::CertificateIssuer for LazyCa {
    fn issue(
        &self,
        names: &[String],
        key_algorithm: &str,
    ) -> Result<crate::wiring::IssuedCertificate, crate::wiring::WiringError> {
        let wiring = |e: TlsError| crate::wiring::WiringError(e.to_string());
        let ca = match self.ca.get() {
            Some(ca) => ca,
            None => {
                let loaded = LocalCa::load_or_create(&self.dir).map_err(wiring)?;
                self.ca.get_or_init(|| loaded)
            }
        };
        ca.issue_pem(names, key_algorithm).map_err(wiring)
    }
}

/// A served certificate (leaf then chain, and its key, PEM) as rustls
/// presents it.
pub fn certified_from_pem(chain_pem: &str, key_pem: &str) -> Result<Arc<CertifiedKey>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let bad = |what: &str| TlsError::Rustls(rustls::Error::General(format!("{what} is not PEM")));
    let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad("certificate chain"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| bad("private key"))?;
    let signing = provider().key_provider.load_private_key(key)?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// A leaf's parameters: `names` as its alternative names, the first also
/// its common name.
fn leaf_params(names: &[String]) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(names.to_vec())?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.distinguished_name = dn;
    Ok(params)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// The one crypto provider emul uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Picks a listener's certificate by SNI; the first is the default.
#[derive(Debug)]
pub struct SniResolver {
    /// Lower-case certificate name (`shop.test` or `*.shop.test`) → its
    /// certificate. Wildcard names are kept as written so that the lookup
    /// can try the exact name first and the one-label wildcard second.
    by_name: HashMap<String, Arc<CertifiedKey>>,
    /// Used without SNI or for unknown names (as ALB uses its default certificate).
    default: Arc<CertifiedKey>,
}

impl SniResolver {
    /// The certificate ALB would present for the SNI name `sni`: one whose
    /// name equals it, else one whose wildcard covers its first label
    /// (`*.shop.test` covers `www.shop.test`, not `shop.test` nor
    /// `a.b.shop.test`: a wildcard stands for exactly one label, RFC 6125
    /// §6.4.3), else the listener's default certificate.
    pub fn select(&self, sni: Option<&str>) -> &Arc<CertifiedKey> {
        let Some(name) = sni.map(|n| n.trim_end_matches('.').to_ascii_lowercase()) else {
            return &self.default;
        };
        if let Some(exact) = self.by_name.get(&name) {
            return exact;
        }
        let wildcard = name
            .split_once('.')
            .filter(|(first, rest)| !first.is_empty() && rest.contains('.'))
            .and_then(|(_, rest)| self.by_name.get(&format!("*.{rest}")));
        wildcard.unwrap_or(&self.default)
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.select(hello.server_name()).clone())
    }
}

/// The server config of an HTTPS listener, ALPN `h2` then `http/1.1`.
/// Certificates by SNI name: one the local CA issues per entry of
/// `domains` (the topology's `certificate_domains`; the first also covers
/// `localhost` and `127.0.0.1`), then the ACM certificates in `served`
/// under each of their names. The default (no SNI, or an unknown name) is
/// `served`'s certificate `default_arn` when ACM has it (the listener's
/// default certificate), else the first domain's.
pub fn server_config(
    ca: &LocalCa,
    domains: &[String],
    served: &[crate::wiring::ServedCertificate],
    default_arn: Option<&str>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut by_name = HashMap::new();
    let mut default = None;
    for (i, d) in domains.iter().enumerate() {
        let mut names = vec![d.clone()];
        if i == 0 {
            names.extend(["localhost".to_string(), "127.0.0.1".to_string()]);
        }
        let cert = ca.issue(&names)?;
        by_name.insert(d.to_ascii_lowercase(), cert.clone());
        default.get_or_insert(cert);
    }
    for s in served {
        let cert = certified_from_pem(&s.chain_pem, &s.private_key_pem)?;
        for n in &s.names {
            by_name.insert(n.to_ascii_lowercase(), cert.clone());
        }
        if Some(s.arn.as_str()) == default_arn {
            default = Some(cert);
        }
    }
    let default = match default {
        Some(d) => d,
        None => ca.issue(&["localhost".to_string(), "127.0.0.1".to_string()])?,
    };
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniResolver { by_name, default }));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The client config toward HTTPS targets: ALB "does not validate the
/// certificates" of its targets, so any certificate is accepted (the
/// handshake signatures are still checked); ALPN `http/1.1`.
pub fn target_client_config() -> Arc<rustls::ClientConfig> {
    let provider = provider();
    let verifier = Arc::new(AcceptAnyTarget {
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Accepts every target certificate (see [`target_client_config`]).
#[derive(Debug)]
struct AcceptAnyTarget {
    /// Signature schemes offered to the target.
    schemes: Vec<rustls::SignatureScheme>,
    /// How handshake signatures are verified.
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for AcceptAnyTarget {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.schemes.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_is_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let a = LocalCa::load_or_create(dir.path()).unwrap();
        let b = LocalCa::load_or_create(dir.path()).unwrap();
        assert_eq!(a.cert_pem, b.cert_pem);
        assert!(a.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ca.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let cfg = server_config(
            &b,
            &["a.example.com".into(), "b.example.com".into()],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(cfg.alpn_protocols[0], b"h2");
    }

    #[test]
    fn sni_prefers_the_exact_name_then_a_one_label_wildcard_then_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let ca = LocalCa::load_or_create(dir.path()).unwrap();
        let domains: Vec<String> = ["shop.test", "*.shop.test", "api.shop.test", "other.test"]
            .map(String::from)
            .to_vec();
        let mut by_name = HashMap::new();
        for d in &domains {
            by_name.insert(d.clone(), ca.issue(std::slice::from_ref(d)).unwrap());
        }
        let default = by_name["shop.test"].clone();
        let r = SniResolver {
            by_name: by_name.clone(),
            default,
        };
        // Which configured name the chosen certificate was issued for.
        let pick = |sni: Option<&str>| {
            let chosen = r.select(sni);
            let (name, _) = by_name
                .iter()
                .find(|(_, k)| Arc::ptr_eq(k, chosen))
                .unwrap();
            name.clone()
        };
        assert_eq!(pick(Some("shop.test")), "shop.test");
        assert_eq!(pick(Some("www.shop.test")), "*.shop.test");
        assert_eq!(
            pick(Some("WWW.Shop.Test.")),
            "*.shop.test",
            "case and root dot"
        );
        assert_eq!(
            pick(Some("api.shop.test")),
            "api.shop.test",
            "exact beats wildcard"
        );
        assert_eq!(
            pick(Some("a.b.shop.test")),
            "shop.test",
            "one label only → default"
        );
        assert_eq!(pick(Some("other.test")), "other.test");
        assert_eq!(pick(Some("unknown.example")), "shop.test");
        assert_eq!(pick(None), "shop.test");
    }
}
