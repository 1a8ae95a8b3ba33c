//! ACM with the official `aws-sdk-acm` and the AWS CLI against `emul
//! serve`: a requested certificate (issued at once by the local CA, its
//! DNS validation record shown), an imported one and its re-import, tags,
//! listing filters, AWS's errors; and ELBv2 listeners that must name a
//! certificate ACM has and keep it from being deleted.
//! Run: `cargo nextest run -p sdk-tests --test acm`.

use aws_sdk_acm::error::ProvideErrorMetadata;
use aws_sdk_acm::primitives::Blob;
use aws_sdk_acm::types::{CertificateStatus, Filters, KeyAlgorithm, Tag};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate as ListenerCertificate, ProtocolEnum,
};
use sdk_tests::Emul;
use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

/// A self-signed certificate and its key for `names`, PEM.
fn self_signed(names: &[&str]) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap()
            .self_signed(&key)
            .unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn sdk_requests_imports_lists_tags_and_deletes() {
    let emul = Emul::start();
    let c = emul.acm_client("us-east-1").await;

    let arn = c
        .request_certificate()
        .domain_name("shop.test")
        .subject_alternative_names("*.shop.test")
        .tags(Tag::builder().key("team").value("web").build().unwrap())
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();
    assert!(
        arn.starts_with("arn:aws:acm:us-east-1:000000000000:certificate/"),
        "{arn}"
    );
    let d = c
        .describe_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .unwrap();
    let d = d.certificate().unwrap();
    assert_eq!(d.status(), Some(&CertificateStatus::Issued));
    assert_eq!(d.domain_name(), Some("shop.test"));
    assert_eq!(d.subject_alternative_names(), ["shop.test", "*.shop.test"]);
    let dv = &d.domain_validation_options()[1];
    assert_eq!(dv.domain_name(), "*.shop.test");
    let record = dv.resource_record().unwrap();
    assert!(record.name().ends_with(".shop.test."), "{}", record.name());
    assert_eq!(record.r#type().as_str(), "CNAME");
    assert!(d.not_after().unwrap().secs() > d.not_before().unwrap().secs());
    let pem = c
        .get_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(pem.certificate().unwrap().contains("BEGIN CERTIFICATE"));
    assert!(
        pem.certificate_chain()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    let (cert, key) = self_signed(&["api.shop.test"]);
    let imported = c
        .import_certificate()
        .certificate(Blob::new(cert.as_bytes()))
        .private_key(Blob::new(key.as_bytes()))
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();
    let (cert2, key2) = self_signed(&["api.shop.test", "v2.shop.test"]);
    let again = c
        .import_certificate()
        .certificate_arn(&imported)
        .certificate(Blob::new(cert2.as_bytes()))
        .private_key(Blob::new(key2.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.certificate_arn(), Some(imported.as_str()));
    let d = c
        .describe_certificate()
        .certificate_arn(&imported)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.certificate().unwrap().subject_alternative_names(),
        ["api.shop.test", "v2.shop.test"]
    );
    let err = c
        .import_certificate()
        .certificate(Blob::new(cert.as_bytes()))
        .private_key(Blob::new(key2.as_bytes()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    // ListCertificates lists RSA_2048 by default (the requested one); the
    // imported EC certificate needs keyTypes.
    let listed = c.list_certificates().send().await.unwrap();
    let arns: Vec<_> = listed
        .certificate_summary_list()
        .iter()
        .filter_map(|s| s.certificate_arn())
        .collect();
    assert_eq!(arns, [arn.as_str()]);
    let all = c
        .list_certificates()
        .includes(
            Filters::builder()
                .key_types(KeyAlgorithm::Rsa2048)
                .key_types(KeyAlgorithm::EcPrime256v1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(all.certificate_summary_list().len(), 2);

    c.add_tags_to_certificate()
        .certificate_arn(&arn)
        .tags(Tag::builder().key("env").value("ci").build().unwrap())
        .send()
        .await
        .unwrap();
    c.remove_tags_from_certificate()
        .certificate_arn(&arn)
        .tags(Tag::builder().key("team").build().unwrap())
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    c.delete_certificate()
        .certificate_arn(&imported)
        .send()
        .await
        .unwrap();
    let err = c
        .describe_certificate()
        .certificate_arn(&imported)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c
        .describe_certificate()
        .certificate_arn("lalala")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArnException"));
}

#[tokio::test]
async fn listeners_name_certificates_acm_has_and_keep_them() {
    let emul = Emul::start();
    let acm = emul.acm_client("us-east-1").await;
    let elb = emul.elbv2_client("us-east-1").await;
    let ec2 = emul.ec2_client("us-east-1").await;
    let subnets = ec2.describe_subnets().send().await.unwrap();
    let mut lb = elb.create_load_balancer().name("tls-lb");
    for s in subnets.subnets().iter().take(2) {
        lb = lb.subnets(s.subnet_id().unwrap());
    }
    let lb = lb.send().await.unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let vpc = subnets.subnets()[0].vpc_id().unwrap();
    let tg = elb
        .create_target_group()
        .name("tls-tg")
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    let tg = tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(&tg)
        .build();
    let cert = emul.certificate("us-east-1", "shop.test").await;
    let missing = format!("{}0000", &cert[..cert.len() - 4]);
    let err = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .certificates(
            ListenerCertificate::builder()
                .certificate_arn(&missing)
                .build(),
        )
        .default_actions(forward.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::code(&err),
        Some("CertificateNotFound")
    );
    assert_eq!(
        aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::message(&err),
        Some(format!("Certificate '{missing}' not found").as_str())
    );
    elb.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .certificates(
            ListenerCertificate::builder()
                .certificate_arn(&cert)
                .build(),
        )
        .default_actions(forward)
        .send()
        .await
        .unwrap();
    let d = acm
        .describe_certificate()
        .certificate_arn(&cert)
        .send()
        .await
        .unwrap();
    let d = d.certificate().unwrap();
    assert_eq!(d.in_use_by(), [lb_arn.as_str()]);
    assert_eq!(
        d.renewal_eligibility().map(|r| r.as_str()),
        Some("ELIGIBLE")
    );
    let err = acm
        .delete_certificate()
        .certificate_arn(&cert)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceInUseException"));
    assert_eq!(
        err.message(),
        Some(format!("Certificate {cert} in use by {lb_arn}").as_str())
    );
}

#[test]
fn aws_cli_requests_imports_and_describes() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let acm = |args: &[&str]| {
        let mut all = vec!["acm"];
        all.extend_from_slice(args);
        aws_json(&cli, &emul.endpoint, h, &all)
    };
    let requested = acm(&[
        "request-certificate",
        "--domain-name",
        "cli.test",
        "--validation-method",
        "DNS",
        "--key-algorithm",
        "EC_prime256v1",
    ]);
    let arn = requested["CertificateArn"].as_str().unwrap().to_string();
    let d = acm(&["describe-certificate", "--certificate-arn", &arn]);
    assert_eq!(d["Certificate"]["Status"], "ISSUED", "{d}");
    assert_eq!(d["Certificate"]["KeyAlgorithm"], "EC-prime256v1");

    let (cert, key) = self_signed(&["import.cli.test"]);
    std::fs::write(h.join("cert.pem"), cert).unwrap();
    std::fs::write(h.join("key.pem"), key).unwrap();
    let imported = acm(&[
        "import-certificate",
        "--certificate",
        &format!("fileb://{}", h.join("cert.pem").display()),
        "--private-key",
        &format!("fileb://{}", h.join("key.pem").display()),
    ]);
    let imported = imported["CertificateArn"].as_str().unwrap().to_string();
    let listed = acm(&["list-certificates", "--includes", "keyTypes=EC_prime256v1"]);
    let arns: Vec<&str> = listed["CertificateSummaryList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["CertificateArn"].as_str().unwrap())
        .collect();
    assert_eq!(arns.len(), 2, "{listed}");
    assert!(arns.contains(&arn.as_str()) && arns.contains(&imported.as_str()));
    let out = aws(
        &cli,
        &emul.endpoint,
        h,
        &[
            "acm",
            "get-certificate",
            "--certificate-arn",
            "arn:aws:acm:us-east-1:000000000000:certificate/nope",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
}
