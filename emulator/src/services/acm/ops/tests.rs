//! The operations through the wire adapter, as the SDK calls them.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};

use super::dispatch;
use crate::services::acm::Acm;
use crate::services::acm::model::Scope;

fn scope() -> Scope {
    ("123456789012".into(), "us-east-1".into())
}

fn service(dir: &std::path::Path) -> Acm {
    let acm = Acm::open(dir).unwrap();
    acm.set_issuer(Arc::new(crate::dataplane::alb::tls::LazyCa::new(
        dir.join("ca"),
    )));
    acm
}

fn call(acm: &Acm, op: &str, body: Value) -> Result<Value, (String, String)> {
    dispatch(acm, &scope(), op, body).map_err(|e| (e.code, e.message))
}

fn imported_pem(names: &[&str]) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap()
            .self_signed(&key)
            .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    (b64.encode(cert.pem()), b64.encode(key.serialize_pem()))
}

#[test]
fn request_describe_get_list_and_the_idempotency_token() {
    let dir = tempfile::tempdir().unwrap();
    let acm = service(dir.path());
    let arn = call(
        &acm,
        "RequestCertificate",
        json!({
            "DomainName": "shop.test",
            "SubjectAlternativeNames": ["*.shop.test"],
            "IdempotencyToken": "once",
            "Tags": [{ "Key": "team", "Value": "web" }],
        }),
    )
    .unwrap()["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    let again = call(
        &acm,
        "RequestCertificate",
        json!({ "DomainName": "shop.test", "SubjectAlternativeNames": ["*.shop.test"], "IdempotencyToken": "once" }),
    )
    .unwrap();
    assert_eq!(
        again["CertificateArn"],
        json!(arn),
        "same token, same certificate"
    );

    let d = &call(
        &acm,
        "DescribeCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap()["Certificate"];
    assert_eq!(d["DomainName"], "shop.test");
    assert_eq!(
        d["SubjectAlternativeNames"],
        json!(["shop.test", "*.shop.test"])
    );
    assert_eq!(d["Status"], "ISSUED");
    assert_eq!(d["Type"], "AMAZON_ISSUED");
    assert_eq!(d["KeyAlgorithm"], "RSA-2048");
    // Signed by the local CA, whose key is EC P-256.
    assert_eq!(d["SignatureAlgorithm"], "SHA256WITHECDSA");
    assert_eq!(d["RenewalEligibility"], "INELIGIBLE");
    assert_eq!(d["InUseBy"], json!([]));
    assert_eq!(d["Issuer"], "CN=emul local CA, O=emul");
    let dv = d["DomainValidationOptions"].as_array().unwrap();
    assert_eq!(dv.len(), 2);
    assert_eq!(dv[1]["DomainName"], "*.shop.test");
    assert_eq!(dv[1]["ValidationDomain"], "shop.test");
    assert_eq!(dv[1]["ValidationStatus"], "SUCCESS");
    assert_eq!(dv[1]["ResourceRecord"]["Type"], "CNAME");
    assert!(
        d["ExtendedKeyUsages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["Name"] == "TLS_WEB_SERVER_AUTHENTICATION")
    );

    let got = call(&acm, "GetCertificate", json!({ "CertificateArn": arn })).unwrap();
    assert!(
        got["Certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        got["CertificateChain"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert!(
        !got.to_string().contains("PRIVATE KEY"),
        "the key is never returned"
    );

    let tags = call(
        &acm,
        "ListTagsForCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap();
    assert_eq!(tags, json!({ "Tags": [{ "Key": "team", "Value": "web" }] }));

    // Default listing: RSA_2048 only. An EC certificate needs keyTypes.
    call(
        &acm,
        "RequestCertificate",
        json!({ "DomainName": "ec.test", "KeyAlgorithm": "EC_prime256v1" }),
    )
    .unwrap();
    let listed = call(&acm, "ListCertificates", json!({})).unwrap();
    let list = listed["CertificateSummaryList"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["CertificateArn"], json!(arn));
    assert_eq!(list[0]["InUse"], false);
    let both = call(
        &acm,
        "ListCertificates",
        json!({ "Includes": { "keyTypes": ["RSA_2048", "EC_prime256v1"] }, "MaxItems": 1 }),
    )
    .unwrap();
    assert_eq!(both["CertificateSummaryList"].as_array().unwrap().len(), 1);
    let token = both["NextToken"].as_str().unwrap();
    let rest = call(
        &acm,
        "ListCertificates",
        json!({ "Includes": { "keyTypes": ["RSA_2048", "EC_prime256v1"] }, "NextToken": token }),
    )
    .unwrap();
    assert_eq!(rest["CertificateSummaryList"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let expired = call(
        &acm,
        "ListCertificates",
        json!({ "CertificateStatuses": ["EXPIRED"] }),
    )
    .unwrap();
    assert_eq!(expired["CertificateSummaryList"], json!([]));
}

#[test]
fn import_checks_the_material_and_reimport_keeps_the_arn() {
    let dir = tempfile::tempdir().unwrap();
    let acm = service(dir.path());
    let (cert, key) = imported_pem(&["api.shop.test"]);
    let (_, other_key) = imported_pem(&["x.test"]);
    let b64 = base64::engine::general_purpose::STANDARD;
    let err = call(
        &acm,
        "ImportCertificate",
        json!({ "Certificate": b64.encode("certbody"), "PrivateKey": key }),
    )
    .unwrap_err();
    assert_eq!(
        err,
        (
            "ValidationException".into(),
            "The certificate is not PEM-encoded or is not valid.".into()
        )
    );
    let err = call(
        &acm,
        "ImportCertificate",
        json!({ "Certificate": cert, "PrivateKey": other_key }),
    )
    .unwrap_err();
    assert_eq!(
        err.1,
        "The private key does not match the public key in the certificate."
    );
    let err = call(&acm, "ImportCertificate", json!({ "PrivateKey": key })).unwrap_err();
    assert_eq!(err.0, "ValidationException");

    let arn = call(
        &acm,
        "ImportCertificate",
        json!({ "Certificate": cert, "PrivateKey": key, "Tags": [{ "Key": "k" }] }),
    )
    .unwrap()["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    let d = &call(
        &acm,
        "DescribeCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap()["Certificate"];
    assert_eq!(d["Type"], "IMPORTED");
    assert_eq!(d["SubjectAlternativeNames"], json!(["api.shop.test"]));
    assert_eq!(d["KeyAlgorithm"], "EC-prime256v1");
    assert!(d.get("DomainValidationOptions").is_none());
    assert!(d.get("ImportedAt").is_some());

    let (cert2, key2) = imported_pem(&["api2.shop.test"]);
    let err = call(&acm, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": cert2, "PrivateKey": key2, "Tags": [{ "Key": "k" }] })).unwrap_err();
    assert_eq!(err.0, "InvalidParameterException");
    let same = call(
        &acm,
        "ImportCertificate",
        json!({ "CertificateArn": arn, "Certificate": cert2, "PrivateKey": key2 }),
    )
    .unwrap();
    assert_eq!(same["CertificateArn"], json!(arn));
    let d = &call(
        &acm,
        "DescribeCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap()["Certificate"];
    assert_eq!(d["SubjectAlternativeNames"], json!(["api2.shop.test"]));
    let tags = call(
        &acm,
        "ListTagsForCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap();
    assert_eq!(
        tags,
        json!({ "Tags": [{ "Key": "k" }] }),
        "tags survive a re-import"
    );
}

#[test]
fn errors_tags_delete_and_durability() {
    let dir = tempfile::tempdir().unwrap();
    let arn = {
        let acm = service(dir.path());
        assert_eq!(
            call(
                &acm,
                "DescribeCertificate",
                json!({ "CertificateArn": "lalala" })
            )
            .unwrap_err()
            .0,
            "InvalidArnException"
        );
        let unknown =
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
        assert_eq!(
            call(&acm, "GetCertificate", json!({ "CertificateArn": unknown })).unwrap_err(),
            (
                "ResourceNotFoundException".into(),
                format!("Certificate with arn {unknown} not found in account 123456789012")
            )
        );
        assert_eq!(
            call(&acm, "RequestCertificate", json!({})).unwrap_err().0,
            "ValidationException"
        );
        let arn = call(
            &acm,
            "RequestCertificate",
            json!({ "DomainName": "keep.test", "ValidationMethod": "EMAIL" }),
        )
        .unwrap()["CertificateArn"]
            .as_str()
            .unwrap()
            .to_string();
        call(&acm, "AddTagsToCertificate", json!({ "CertificateArn": arn, "Tags": [{ "Key": "a", "Value": "1" }, { "Key": "b", "Value": "2" }] })).unwrap();
        call(
            &acm,
            "RemoveTagsFromCertificate",
            json!({ "CertificateArn": arn, "Tags": [{ "Key": "a" }] }),
        )
        .unwrap();
        let gone = call(
            &acm,
            "RequestCertificate",
            json!({ "DomainName": "gone.test" }),
        )
        .unwrap()["CertificateArn"]
            .as_str()
            .unwrap()
            .to_string();
        call(&acm, "DeleteCertificate", json!({ "CertificateArn": gone })).unwrap();
        assert_eq!(
            call(
                &acm,
                "DescribeCertificate",
                json!({ "CertificateArn": gone })
            )
            .unwrap_err()
            .0,
            "ResourceNotFoundException"
        );
        arn
    };
    // What was acknowledged is there after a restart; the file is private.
    let acm = service(dir.path());
    let d = &call(
        &acm,
        "DescribeCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap()["Certificate"];
    assert_eq!(
        d["DomainValidationOptions"][0]["ValidationEmails"][0],
        "admin@keep.test"
    );
    let tags = call(
        &acm,
        "ListTagsForCertificate",
        json!({ "CertificateArn": arn }),
    )
    .unwrap();
    assert_eq!(tags, json!({ "Tags": [{ "Key": "b", "Value": "2" }] }));
    let listed = call(&acm, "ListCertificates", json!({})).unwrap();
    assert_eq!(
        listed["CertificateSummaryList"].as_array().unwrap().len(),
        1
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir.path().join("acm/certificates.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the file holds private keys");
}
