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
