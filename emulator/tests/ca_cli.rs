//! `emul ca`: prints the local CA that signs HTTPS listeners, creates it once,
//! exports it to a file, and a client trusting only that PEM accepts a
//! certificate the same CA issues (what `up` serves). No Docker.
//! Run: `cargo nextest run -p emul --test ca_cli`.

use std::process::{Command, Output};
use std::sync::Arc;

use emul::dataplane::alb::tls::{LocalCa, provider};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

fn emul_ca(dir: &std::path::Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_emul"))
        .arg("ca")
        .args(args)
        .env("EMUL_CA_DIR", dir)
        .output()
        .expect("emul runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn prints_the_same_ca_every_time_and_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("ca");
    let first = String::from_utf8(emul_ca(&ca_dir, &[]).stdout).unwrap();
    assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
    assert!(
        !first.contains("PRIVATE KEY"),
        "the key must never be printed"
    );
    let second = String::from_utf8(emul_ca(&ca_dir, &[]).stdout).unwrap();
    assert_eq!(first, second, "the CA is created once, then reused");

    let path = String::from_utf8(emul_ca(&ca_dir, &["--path"]).stdout).unwrap();
    assert_eq!(path.trim(), ca_dir.join("ca.pem").display().to_string());

    let exported = dir.path().join("exported.pem");
    emul_ca(&ca_dir, &["--out", exported.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), first);

    // --dir wins over the environment.
    let other = dir.path().join("other");
    let out = emul_ca(&ca_dir, &["--dir", other.to_str().unwrap()]);
    assert_ne!(String::from_utf8(out.stdout).unwrap(), first);
    assert!(other.join("ca.pem").exists());
}

#[test]
fn a_client_trusting_the_printed_pem_accepts_a_listener_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pem = emul_ca(dir.path(), &[]).stdout;

    // The listener certificate `up` would serve for this domain.
    let ca = LocalCa::load_or_create(dir.path()).unwrap();
    let leaf = ca.issue(&["app.example.test".to_string()]).unwrap();

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .unwrap();
    let name = ServerName::try_from("app.example.test").unwrap();
    verifier
        .verify_server_cert(&leaf.cert[0], &leaf.cert[1..], &name, &[], UnixTime::now())
        .expect("the printed CA verifies the listener's certificate");
    let wrong = ServerName::try_from("other.example.test").unwrap();
    assert!(
        verifier
            .verify_server_cert(&leaf.cert[0], &leaf.cert[1..], &wrong, &[], UnixTime::now())
            .is_err(),
        "and only for the names it was issued for"
    );
}
