//! Terraform's AWS provider against `emul serve`: `fixtures/terraform/main.tf`
//! (an ALB, an ECS Fargate service behind it, a security group with a rule,
//! a secret, a VPC with DNS hostnames, the default VPC's subnets read) is
//! applied, planned again (no change: every attribute the provider reads back
//! matches what it wrote), checked through the SDK, and destroyed.
//!
//! Needs `terraform` on PATH and the `hashicorp/aws` provider 5.100.0 in a
//! filesystem mirror (`EMUL_TF_PLUGIN_MIRROR`, default `/opt/tf-plugins`), as
//! no registry may be reachable. Without them the test skips with a message,
//! unless `EMUL_REQUIRE_TERRAFORM=1` (CI sets it where both exist): then it
//! fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sdk_tests::{Emul, workspace_root};

const REGION: &str = "us-east-1";

/// `terraform` and the provider mirror, or `None` (skip).
fn terraform() -> Option<(PathBuf, PathBuf)> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let bin = std::env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .find(|p| p.is_file());
    let mirror = PathBuf::from(
        std::env::var("EMUL_TF_PLUGIN_MIRROR").unwrap_or_else(|_| "/opt/tf-plugins".into()),
    );
    let provider = mirror.join("registry.terraform.io/hashicorp/aws/5.100.0");
    match (bin, provider.is_dir()) {
        (Some(bin), true) => Some((bin, mirror)),
        (bin, _) => {
            let why = if bin.is_none() {
                "`terraform` is not on PATH".to_string()
            } else {
                format!("no hashicorp/aws 5.100.0 under {}", mirror.display())
            };
            if std::env::var("EMUL_REQUIRE_TERRAFORM").as_deref() == Ok("1") {
                panic!("EMUL_REQUIRE_TERRAFORM=1 but {why}");
            }
            eprintln!("SKIPPED: {why}; this test needs Terraform and its AWS provider");
            None
        }
    }
}

/// Runs `terraform <args>` in `dir`, with the mirror as the only provider
/// source and no checkpoint calls.
fn tf(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("terraformrc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_DATA_DIR", dir.join(".terraform"))
        .output()
        .expect("terraform runs")
}

fn ok(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "terraform {what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn terraform_applies_plans_clean_and_destroys_a_stack() {
    let Some((bin, mirror)) = terraform() else {
        return;
    };
    let emul = Emul::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("fixtures/terraform/main.tf"),
        dir.path().join("main.tf"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("terraformrc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n    include = [\"registry.terraform.io/*/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/*/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    let var = format!("endpoint={}", emul.endpoint);
    let d = dir.path();
    ok(&tf(&bin, d, &["init", "-input=false", "-no-color"]), "init");
    ok(
        &tf(
            &bin,
            d,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-var",
                &var,
            ],
        ),
        "apply",
    );

    // A second plan finds nothing to change: what the provider reads back
    // is what it wrote.
    let plan = tf(
        &bin,
        d,
        &[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            "-var",
            &var,
        ],
    );
    assert_eq!(
        plan.status.code(),
        Some(0),
        "the plan after apply is not empty:\n{}\n{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );

    let outputs: serde_json::Value =
        serde_json::from_str(&ok(&tf(&bin, d, &["output", "-json"]), "output")).unwrap();
    let vpc = outputs["vpc"]["value"].as_str().unwrap().to_string();
    assert!(vpc.starts_with("vpc-"), "{outputs}");
    let ecs = emul.ecs_client(REGION).await;
    let services = ecs
        .describe_services()
        .cluster("main")
        .services("web")
        .send()
        .await
        .unwrap();
    let service = &services.services()[0];
    assert_eq!(service.status(), Some("ACTIVE"));
    assert_eq!(service.load_balancers().len(), 1);
    let elb = emul.elbv2_client(REGION).await;
    let lbs = elb
        .describe_load_balancers()
        .names("web")
        .send()
        .await
        .unwrap();
    let lb_arn = lbs.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    let mut ports: Vec<_> = listeners
        .listeners()
        .iter()
        .filter_map(|l| l.port())
        .collect();
    ports.sort();
    assert_eq!(ports, [80, 443]);
    // The HTTPS listener presents the ACM certificate Terraform requested.
    let certificate = outputs["certificate"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap();
    assert_eq!(
        https.certificates()[0].certificate_arn(),
        Some(certificate.as_str())
    );
    let acm = emul.acm_client(REGION).await;
    let described = acm
        .describe_certificate()
        .certificate_arn(&certificate)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.certificate().unwrap().in_use_by(),
        [lb_arn.as_str()]
    );
    let ec2 = emul.ec2_client(REGION).await;
    let made = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("cidr")
                .values("10.42.0.0/16")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let made_id = made.vpcs()[0].vpc_id().unwrap().to_string();
    let hostnames = ec2
        .describe_vpc_attribute()
        .vpc_id(&made_id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|v| v.value()),
        Some(true)
    );

    ok(
        &tf(
            &bin,
            d,
            &[
                "destroy",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-var",
                &var,
            ],
        ),
        "destroy",
    );
    let gone = elb.describe_load_balancers().names("web").send().await;
    assert!(gone.is_err(), "the load balancer outlived destroy");
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    assert!(
        vpcs.vpcs()
            .iter()
            .all(|v| v.vpc_id() != Some(made_id.as_str())),
        "the VPC outlived destroy"
    );
    let clusters = ecs
        .describe_clusters()
        .clusters("main")
        .send()
        .await
        .unwrap();
    assert_eq!(clusters.clusters()[0].status(), Some("INACTIVE"));
}
