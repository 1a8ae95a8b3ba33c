//! The AWS CLI's EC2 networking reads against `emul serve --topology` over
//! the wechat seed: what a script or Terraform reads before it plans
//! (`describe-vpcs`, `describe-subnets --filters`, `describe-security-groups`
//! with `ip-permission.*` filters, `describe-availability-zones`), the ids
//! stable across restarts, and AWS's errors for unknown ids and filters.
//!
//! Skips (passes with a message) when `aws` is not on PATH, unless
//! `EMUL_REQUIRE_AWS_CLI=1`.

use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};
use sdk_tests::{Emul, ServeOptions, workspace_root};

fn serve_wechat() -> Emul {
    Emul::start_with(ServeOptions {
        topology: Some(workspace_root().join("fixtures/topologies/wechat.yaml")),
        ..ServeOptions::default()
    })
}

#[test]
fn aws_cli_ec2_reads_the_topologys_network() {
    let Some(cli) = aws_cli() else { return };
    let emul = serve_wechat();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let ec2 = |args: &[&str]| {
        let mut all = vec!["ec2"];
        all.extend_from_slice(args);
        aws_json(&cli, &emul.endpoint, h, &all)
    };

    let vpcs = ec2(&["describe-vpcs"]);
    let vpc = &vpcs["Vpcs"][0];
    assert_eq!(vpc["CidrBlock"], "10.0.0.0/16", "{vpcs}");
    assert_eq!(vpc["IsDefault"], false);
    assert_eq!(vpc["State"], "available");
    let vpc_id = vpc["VpcId"].as_str().unwrap().to_string();
    assert!(vpc_id.starts_with("vpc-") && vpc_id.len() == 21, "{vpc_id}");

    // The private subnets of the VPC, as a script finds them.
    let private = ec2(&[
        "describe-subnets",
        "--filters",
        &format!("Name=vpc-id,Values={vpc_id}"),
        "Name=tag:Name,Values=private-*",
    ]);
    let subnets = private["Subnets"].as_array().unwrap();
    let cidrs: Vec<&str> = subnets
        .iter()
        .map(|s| s["CidrBlock"].as_str().unwrap())
        .collect();
    assert_eq!(cidrs, ["10.0.10.0/24", "10.0.20.0/24"], "{private}");
    assert_eq!(subnets[0]["AvailabilityZone"], "us-east-1a");
    assert_eq!(subnets[0]["AvailableIpAddressCount"], 251);
    assert_eq!(subnets[0]["MapPublicIpOnLaunch"], false);
    assert_eq!(subnets[0]["VpcId"], vpc_id.as_str());
    let subnet_id = subnets[0]["SubnetId"].as_str().unwrap().to_string();

    // Which group admits Postgres, and from whom?
    let db = ec2(&[
        "describe-security-groups",
        "--filters",
        "Name=ip-permission.from-port,Values=5432",
    ]);
    let groups = db["SecurityGroups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{db}");
    assert_eq!(groups[0]["GroupName"], "rds-sg");
    let perm = &groups[0]["IpPermissions"][0];
    assert_eq!(perm["IpProtocol"], "tcp");
    assert_eq!(perm["FromPort"], 5432);
    let from = perm["UserIdGroupPairs"][0]["GroupId"].as_str().unwrap();
    let ecs = ec2(&["describe-security-groups", "--group-ids", from]);
    assert_eq!(ecs["SecurityGroups"][0]["GroupName"], "ecs-sg", "{ecs}");
    assert_eq!(groups[0]["IpPermissionsEgress"], serde_json::json!([]));

    let zones = ec2(&[
        "describe-availability-zones",
        "--filters",
        "Name=zone-name,Values=us-east-1a,us-east-1b",
    ]);
    let ids: Vec<&str> = zones["AvailabilityZones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["ZoneId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["use1-az1", "use1-az2"], "{zones}");

    // AWS's errors, as the CLI prints them.
    let missing = aws(
        &cli,
        &emul.endpoint,
        h,
        &[
            "ec2",
            "describe-subnets",
            "--subnet-ids",
            "subnet-0000000000000000f",
        ],
    );
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("(InvalidSubnetID.NotFound)")
            && err.contains("The subnet ID 'subnet-0000000000000000f' does not exist"),
        "{err}"
    );
    let bad = aws(
        &cli,
        &emul.endpoint,
        h,
        &[
            "ec2",
            "describe-vpcs",
            "--filters",
            "Name=colour,Values=red",
        ],
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("(InvalidParameterValue)") && err.contains("The filter 'colour' is invalid"),
        "{err}"
    );

    // Same topology, another process: the same ids.
    drop(emul);
    let again = serve_wechat();
    let vpcs = aws_json(&cli, &again.endpoint, h, &["ec2", "describe-vpcs"]);
    assert_eq!(vpcs["Vpcs"][0]["VpcId"], vpc_id.as_str());
    let one = aws_json(
        &cli,
        &again.endpoint,
        h,
        &["ec2", "describe-subnets", "--subnet-ids", &subnet_id],
    );
    assert_eq!(one["Subnets"][0]["CidrBlock"], "10.0.10.0/24");
}
