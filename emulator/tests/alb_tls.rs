//! HTTPS listeners over loopback: TLS terminated with a certificate from
//! the local CA (trusted through the exported `ca.pem`), SNI choosing among
//! certificates, HTTP/2 by ALPN, and the HTTP → HTTPS 301.
//! Run: `cargo nextest run -p emul --test alb_tls`.

#[path = "support/alb.rs"]
mod alb_support;

use std::sync::Arc;

use bytes::Bytes;
use emul::dataplane::alb::{AlbOptions, AlbRuntime};
use emul::services::elbv2::service::now_ms;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

const TOPOLOGY: &str = r#"
name: tlstest
region: us-east-1
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a, public: true }
    - { name: b, cidr_block: 10.0.2.0/24, availability_zone: us-east-1b, public: true }
security_groups:
  - name: alb-sg
    ingress:
      - { protocol: tcp, port: 80, cidr_blocks: [0.0.0.0/0] }
      - { protocol: tcp, port: 443, cidr_blocks: [0.0.0.0/0] }
target_groups:
  - name: web
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2 }
load_balancers:
  - name: shop
    subnets: [a, b]
    security_groups: [alb-sg]
    listeners:
      - port: 80
        protocol: HTTP
        default_action:
          redirect: { protocol: HTTPS, port: "443", status_code: HTTP_301 }
      - port: 443
        protocol: HTTPS
        certificate_domains: [shop.example.com, admin.example.com]
        default_action:
          forward: { target_group: web }
"#;

async fn tls_connect(
    addr: std::net::SocketAddr,
    ca_pem: &[u8],
    sni: &str,
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    connector
        .connect(ServerName::try_from(sni.to_string()).unwrap(), tcp)
        .await
        .expect("TLS handshake with the exported CA")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_the_exported_ca_sni_h2_and_the_http_redirect() {
    let ca_dir = tempfile::tempdir().unwrap();
    let topology = emul::topology::parse_str(TOPOLOGY).unwrap();
    let options = AlbOptions {
        ca_dir: ca_dir.path().join("ca"),
        ..AlbOptions::default()
    };
    let alb = AlbRuntime::start(&topology, options, now_ms())
        .await
        .unwrap();
    let up = alb_support::Upstream::start("web-1").await;
    let arn = alb
        .elbv2
        .snapshot()
        .target_groups
        .values()
        .next()
        .unwrap()
        .arn
        .clone();
    alb.elbv2
        .write_primary(|m| m.register_targets(&arn, &[up.target()], now_ms()))
        .unwrap();
    let ca_pem = std::fs::read(alb.ca_cert_path.as_ref().expect("CA created")).unwrap();
    let https = alb.listener("shop", 443).unwrap();
    assert!(https.url.starts_with("https://127.0.0.1:"));

    // HTTP/1.1 over TLS, SNI shop.example.com.
    let tls = tls_connect(https.addr, &ca_pem, "shop.example.com", &[b"http/1.1"]).await;
    let cert = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("/")
        .header("host", "shop.example.com")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.headers()["x-seen-proto"], "https");
    assert_eq!(resp.headers()["x-seen-port"], "443");
    assert_eq!(
        resp.into_body().collect().await.unwrap().to_bytes(),
        "web-1"
    );

    // SNI picks the other certificate.
    let other = tls_connect(https.addr, &ca_pem, "admin.example.com", &[b"http/1.1"]).await;
    let other_cert = other.get_ref().1.peer_certificates().unwrap()[0].clone();
    assert_ne!(cert, other_cert, "each domain has its own certificate");

    // HTTP/2 by ALPN.
    let h2 = tls_connect(
        https.addr,
        &ca_pem,
        "shop.example.com",
        &[b"h2", b"http/1.1"],
    )
    .await;
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(h2))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("https://shop.example.com/x")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(
        resp.into_body().collect().await.unwrap().to_bytes(),
        "web-1"
    );

    // The HTTP listener's default action: 301 to https with an explicit port.
    let http_url = &alb.listener("shop", 80).unwrap().url;
    let r = alb_support::get(
        &alb_support::client(),
        &format!("{http_url}/cart?id=7"),
        &[("host", "shop.example.com")],
    )
    .await
    .unwrap();
    assert_eq!(r.status, 301);
    assert_eq!(
        r.headers["location"],
        "https://shop.example.com:443/cart?id=7"
    );
    assert_eq!(r.body.len(), 134);
}

/// A listener with `certificate_domains: [shop.test, "*.shop.test"]`:
/// `www.shop.test` gets the wildcard certificate (a verifying client
/// accepts it), `shop.test` its own, as ALB chooses among a listener's
/// certificates (exact name, else one-label wildcard, else the default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_wildcard_certificate_domain_serves_its_subdomains() {
    let ca_dir = tempfile::tempdir().unwrap();
    let yaml = TOPOLOGY.replace(
        "certificate_domains: [shop.example.com, admin.example.com]",
        r#"certificate_domains: [shop.test, "*.shop.test"]"#,
    );
    let topology = emul::topology::parse_str(&yaml).unwrap();
    let options = AlbOptions {
        ca_dir: ca_dir.path().join("ca"),
        ..AlbOptions::default()
    };
    let alb = AlbRuntime::start(&topology, options, now_ms())
        .await
        .unwrap();
    let ca_pem = std::fs::read(alb.ca_cert_path.as_ref().expect("CA created")).unwrap();
    let https = alb.listener("shop", 443).unwrap();

    // tls_connect verifies the chain and the name: it panics on a mismatch.
    let www = tls_connect(https.addr, &ca_pem, "www.shop.test", &[b"http/1.1"]).await;
    let apex = tls_connect(https.addr, &ca_pem, "shop.test", &[b"http/1.1"]).await;
    let www_cert = www.get_ref().1.peer_certificates().unwrap()[0].clone();
    let apex_cert = apex.get_ref().1.peer_certificates().unwrap()[0].clone();
    assert_ne!(www_cert, apex_cert, "the wildcard has its own certificate");
    let again = tls_connect(https.addr, &ca_pem, "api.shop.test", &[b"http/1.1"]).await;
    assert_eq!(
        again.get_ref().1.peer_certificates().unwrap()[0],
        www_cert,
        "every one-label subdomain gets the wildcard certificate"
    );
}

/// Calls `op` of `service` in-process as the ALB model's account and region.
fn call(
    service: &dyn emul::gateway::AwsService,
    alb: &AlbRuntime,
    op: &str,
    input: emul::gateway::registry::Input,
) -> Result<emul::gateway::registry::Output, emul::gateway::AwsError> {
    let m = alb.elbv2.snapshot();
    let ctx = emul::gateway::registry::RequestContext {
        request_id: "test".into(),
        account: m.account.clone(),
        region: m.region.clone(),
    };
    service.handle(&ctx, op, input)
}

fn elb(alb: &AlbRuntime, op: &str, params: &[(&str, &str)]) -> Result<String, String> {
    let p = emul::gateway::query::QueryParams::from_pairs(
        params.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    );
    match call(
        alb.elbv2.as_ref(),
        alb,
        op,
        emul::gateway::registry::Input::Query(p),
    ) {
        Ok(emul::gateway::registry::Output::QueryXml(x)) => Ok(x),
        Ok(_) => unreachable!(),
        Err(e) => Err(format!("{} {}", e.code, e.message)),
    }
}

fn acm(
    acm: &emul::services::acm::Acm,
    alb: &AlbRuntime,
    op: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    match call(acm, alb, op, emul::gateway::registry::Input::Json(body)) {
        Ok(emul::gateway::registry::Output::Json(v)) => Ok(v),
        Ok(_) => unreachable!(),
        Err(e) => Err(format!("{} {}", e.code, e.message)),
    }
}

/// A self-signed certificate and key for `names`, base64 of the PEM (as
/// ImportCertificate's blobs travel).
fn self_signed(names: &[&str]) -> (String, String, Vec<u8>) {
    use base64::Engine as _;
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap()
            .self_signed(&key)
            .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    (
        b64.encode(cert.pem()),
        b64.encode(key.serialize_pem()),
        cert.der().to_vec(),
    )
}

/// The leaf a listener presents for `sni`, without verifying it (imported
/// certificates are self-signed).
async fn presented(addr: std::net::SocketAddr, sni: &str) -> Vec<u8> {
    #[derive(Debug)]
    struct AnyCert;
    impl rustls::client::danger::ServerCertVerifier for AnyCert {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: rustls::pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            rustls::crypto::aws_lc_rs::default_provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert))
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(sni.to_string()).unwrap(), tcp)
        .await
        .unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

/// ACM certificates on an HTTPS listener made through the API: the
/// requested one (issued by the local CA, so a verifying client accepts
/// it) is the default, an imported one is chosen by SNI, a re-import is
/// served before ImportCertificate returns, an unknown ARN is refused with
/// AWS's `CertificateNotFound`, and a certificate in use cannot be deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acm_certificates_are_served_by_sni_and_follow_a_reimport() {
    use serde_json::json;
    let ca_dir = tempfile::tempdir().unwrap();
    // The ALB's group admits the new listener's port.
    let yaml = TOPOLOGY.replace(
        "{ protocol: tcp, port: 443, cidr_blocks: [0.0.0.0/0] }",
        "{ protocol: tcp, from_port: 443, to_port: 8443, cidr_blocks: [0.0.0.0/0] }",
    );
    let topology = emul::topology::parse_str(&yaml).unwrap();
    let options = AlbOptions {
        ca_dir: ca_dir.path().join("ca"),
        ..AlbOptions::default()
    };
    let alb = AlbRuntime::start(&topology, options, now_ms())
        .await
        .unwrap();
    let store = Arc::new(emul::services::acm::Acm::in_memory());
    store.set_issuer(Arc::new(emul::dataplane::alb::tls::LazyCa::new(
        ca_dir.path().join("ca"),
    )));
    alb.attach_certificates(&store);

    let requested = acm(
        &store,
        &alb,
        "RequestCertificate",
        json!({ "DomainName": "app.shop.test", "SubjectAlternativeNames": ["app.shop.test"] }),
    )
    .unwrap()["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    let (cert1, key1, der1) = self_signed(&["api.shop.test"]);
    let imported = acm(
        &store,
        &alb,
        "ImportCertificate",
        json!({ "Certificate": cert1, "PrivateKey": key1 }),
    )
    .unwrap()["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();

    let lb = alb
        .elbv2
        .snapshot()
        .load_balancers
        .values()
        .next()
        .unwrap()
        .arn
        .clone();
    let tg = alb
        .elbv2
        .snapshot()
        .target_groups
        .values()
        .next()
        .unwrap()
        .arn
        .clone();
    let unknown = requested.replace(&requested[requested.len() - 4..], "0000");
    let refused = elb(
        &alb,
        "CreateListener",
        &[
            ("LoadBalancerArn", &lb),
            ("Protocol", "HTTPS"),
            ("Port", "8443"),
            ("Certificates.member.1.CertificateArn", &unknown),
            ("DefaultActions.member.1.Type", "forward"),
            ("DefaultActions.member.1.TargetGroupArn", &tg),
        ],
    )
    .unwrap_err();
    assert_eq!(
        refused,
        format!("CertificateNotFound Certificate '{unknown}' not found")
    );
    let xml = elb(
        &alb,
        "CreateListener",
        &[
            ("LoadBalancerArn", &lb),
            ("Protocol", "HTTPS"),
            ("Port", "8443"),
            ("Certificates.member.1.CertificateArn", &requested),
            ("DefaultActions.member.1.Type", "forward"),
            ("DefaultActions.member.1.TargetGroupArn", &tg),
        ],
    )
    .unwrap();
    let listener = xml
        .split("<ListenerArn>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    elb(
        &alb,
        "AddListenerCertificates",
        &[
            ("ListenerArn", &listener),
            ("Certificates.member.1.CertificateArn", &imported),
        ],
    )
    .unwrap();
    let addr = alb.listener("shop", 8443).expect("bound").addr;

    // The requested certificate verifies against the local CA (default,
    // and for its own name); the imported one is presented for its name.
    let ca_pem = std::fs::read(ca_dir.path().join("ca/ca.pem")).unwrap();
    tls_connect(addr, &ca_pem, "app.shop.test", &[b"http/1.1"]).await;
    assert_eq!(presented(addr, "api.shop.test").await, der1);
    let default = presented(addr, "other.test").await;
    assert_ne!(default, der1, "the default is the listener's certificate");

    // A re-import is served before the call returns.
    let (cert2, key2, der2) = self_signed(&["api.shop.test"]);
    acm(
        &store,
        &alb,
        "ImportCertificate",
        json!({ "CertificateArn": imported, "Certificate": cert2, "PrivateKey": key2 }),
    )
    .unwrap();
    // (Without a project's port rule the listener re-binds on a new port.)
    let addr = alb.listener("shop", 8443).expect("bound").addr;
    assert_eq!(presented(addr, "api.shop.test").await, der2);

    // In use: DescribeCertificate names the load balancer, and
    // DeleteCertificate refuses until the listener lets it go.
    let described = acm(
        &store,
        &alb,
        "DescribeCertificate",
        json!({ "CertificateArn": imported }),
    )
    .unwrap();
    assert_eq!(described["Certificate"]["InUseBy"], json!([lb]));
    let refused = acm(
        &store,
        &alb,
        "DeleteCertificate",
        json!({ "CertificateArn": imported }),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        format!("ResourceInUseException Certificate {imported} in use by {lb}")
    );
    elb(
        &alb,
        "RemoveListenerCertificates",
        &[
            ("ListenerArn", &listener),
            ("Certificates.member.1.CertificateArn", &imported),
        ],
    )
    .unwrap();
    acm(
        &store,
        &alb,
        "DeleteCertificate",
        json!({ "CertificateArn": imported }),
    )
    .unwrap();
    let addr = alb.listener("shop", 8443).expect("bound").addr;
    assert_ne!(
        presented(addr, "api.shop.test").await,
        der2,
        "no longer served"
    );
}
