//! Listener changes through the ELBv2 API reach the data plane before the
//! call returns (re-bound port, TLS switched on, created and deleted
//! listeners), and HTTPS target groups are reached over TLS, health checks
//! included. Loopback only, no Docker; fixed host ports 24300–24320.
//! Run: `cargo nextest run -p emul --test alb_listeners`.

#[path = "support/alb.rs"]
mod alb_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alb_support::{TOPOLOGY, Upstream, api, client, get, lb_arn, register, tg_arn};
use bytes::Bytes;
use emul::dataplane::alb::{AlbOptions, AlbRuntime};
use emul::services::elbv2::service::now_ms;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// Pulls `<tag>…</tag>` out of an XML answer.
fn xml_value(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).expect(tag) + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..start + end].to_string()
}

fn listener_arn(alb: &AlbRuntime, name: &str, port: u16) -> String {
    alb.listener(name, port)
        .expect("listener bound")
        .listener_arn
}

async fn refused(addr: std::net::SocketAddr) -> bool {
    tokio::net::TcpStream::connect(addr).await.is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_port_protocol_create_and_delete_apply_at_once() {
    let ca_dir = tempfile::tempdir().unwrap();
    // The ALB's security group admits the ports the listener moves to.
    let topology = TOPOLOGY.replacen(
        "{ protocol: tcp, port: 80, cidr_blocks: [0.0.0.0/0] }",
        "{ protocol: tcp, from_port: 80, to_port: 24319, cidr_blocks: [0.0.0.0/0] }",
        1,
    );
    let topology = emul::topology::parse_str(&topology).unwrap();
    let options = AlbOptions {
        host_ports: HashMap::from([
            (("front".to_string(), 80), 24300),
            (("private".to_string(), 80), 24301),
        ]),
        alb_order: vec!["front".into(), "private".into()],
        ca_dir: ca_dir.path().join("ca"),
        ..AlbOptions::default()
    };
    let alb = AlbRuntime::start(&topology, options, now_ms())
        .await
        .expect("ALB starts");
    let web = Upstream::start("web-1").await;
    register(&alb, "web", &[&web]);
    let before = alb.listener("front", 80).unwrap();
    assert_eq!(before.addr.port(), 24300);
    let arn = before.listener_arn.clone();

    // Port 80 → 24310: the project rule maps ports ≥ 1024 to themselves
    // (+100 per ALB before it; `front` is first). The old socket closes.
    api(
        &alb,
        "ModifyListener",
        &[("ListenerArn", &arn), ("Port", "24310")],
    )
    .unwrap();
    let moved = alb
        .listener("front", 24310)
        .expect("re-bound before the call returned");
    assert_eq!(moved.addr.port(), 24310);
    assert!(refused(before.addr).await, "old port closed");
    let r = get(&client(), &format!("{}/", moved.url), &[])
        .await
        .unwrap();
    assert_eq!(r.body, "web-1");
    assert_eq!(r.headers["x-seen-port"], "24310");

    // HTTP → HTTPS on the same port: TLS from the local CA, at once.
    api(
        &alb,
        "ModifyListener",
        &[
            ("ListenerArn", &arn),
            ("Protocol", "HTTPS"),
            (
                "Certificates.member.1.CertificateArn",
                "arn:aws:acm:us-east-1:000000000000:certificate/local",
            ),
        ],
    )
    .unwrap();
    let https = alb.listener("front", 24310).unwrap();
    assert_eq!(https.protocol, "HTTPS");
    assert!(https.url.starts_with("https://"));
    let ca_pem = std::fs::read(alb.ca_cert_path().expect("CA created")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(&ca_pem).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(https.addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS now on the moved listener");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("/")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.headers()["x-seen-proto"], "https");
    assert_eq!(
        resp.into_body().collect().await.unwrap().to_bytes(),
        "web-1"
    );

    // CreateListener binds a new socket; DeleteListener closes it.
    let lb_arn = lb_arn(&alb, "front");
    let web_arn = tg_arn(&alb, "web");
    let xml = api(
        &alb,
        "CreateListener",
        &[
            ("LoadBalancerArn", &lb_arn),
            ("Protocol", "HTTP"),
            ("Port", "24320"),
            ("DefaultActions.member.1.Type", "forward"),
            ("DefaultActions.member.1.TargetGroupArn", &web_arn),
        ],
    )
    .unwrap();
    let created = xml_value(&xml, "ListenerArn");
    let bound = alb
        .listener("front", 24320)
        .expect("created listener bound");
    assert_eq!(bound.addr.port(), 24320);
    // 24320 is outside what the security group admits: refused, as on AWS.
    assert!(!bound.admitted);
    assert!(
        get(&client(), &format!("{}/", bound.url), &[])
            .await
            .is_err()
    );
    api(
        &alb,
        "ModifyListener",
        &[("ListenerArn", &created), ("Port", "24319")],
    )
    .unwrap();
    let bound = alb.listener("front", 24319).expect("moved again");
    assert!(bound.admitted);
    let r = get(&client(), &format!("{}/", bound.url), &[])
        .await
        .unwrap();
    assert_eq!(r.body, "web-1");
    api(&alb, "DeleteListener", &[("ListenerArn", &created)]).unwrap();
    assert!(alb.listener("front", 24319).is_none());
    assert!(refused(bound.addr).await, "deleted listener closed");
    assert_eq!(listener_arn(&alb, "front", 24310), arn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_target_group_is_reached_and_health_checked_over_tls() {
    let alb = alb_support::start().await;
    let secure = Upstream::start_tls("secure-1").await;
    let xml = api(
        &alb,
        "CreateTargetGroup",
        &[
            ("Name", "secure"),
            ("Protocol", "HTTPS"),
            ("Port", "8443"),
            ("VpcId", "vpc-1"),
            ("TargetType", "ip"),
            ("HealthCheckProtocol", "HTTPS"),
            ("HealthCheckPath", "/health"),
            ("HealthCheckIntervalSeconds", "5"),
            ("HealthCheckTimeoutSeconds", "2"),
        ],
    )
    .unwrap();
    let tg = xml_value(&xml, "TargetGroupArn");
    let listener = listener_arn(&alb, "front", 80);
    api(
        &alb,
        "ModifyListener",
        &[
            ("ListenerArn", &listener),
            ("DefaultActions.member.1.Type", "forward"),
            ("DefaultActions.member.1.TargetGroupArn", &tg),
        ],
    )
    .unwrap();
    register(&alb, "secure", &[&secure]);

    // The health check speaks TLS: the target turns healthy.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let xml = api(&alb, "DescribeTargetHealth", &[("TargetGroupArn", &tg)]).unwrap();
        if xml.contains("<State>healthy</State>") {
            break;
        }
        assert!(Instant::now() < deadline, "never healthy over TLS: {xml}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Requests too, whatever certificate the target shows.
    let url = alb.listener("front", 80).unwrap().url;
    for _ in 0..3 {
        let r = get(&client(), &format!("{url}/"), &[]).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "secure-1");
        assert_eq!(r.headers["x-seen-proto"], "http");
    }
    assert_eq!(secure.hits.load(std::sync::atomic::Ordering::SeqCst), 3);

    // A plain-HTTP target in an HTTPS group fails the handshake: 502.
    let plain = Upstream::start("plain").await;
    alb.elbv2
        .write_primary(|m| {
            m.deregister_targets(&tg, &[secure.target()], now_ms())?;
            m.register_targets(&tg, &[plain.target()], now_ms())
        })
        .unwrap();
    let r = get(&client(), &format!("{url}/"), &[]).await.unwrap();
    assert_eq!(r.status, 502);
    assert_eq!(r.headers["server"], "awselb/2.0");
}
