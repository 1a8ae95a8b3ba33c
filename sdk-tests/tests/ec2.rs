//! EC2 networking reads with the official `aws-sdk-ec2` against `emul serve
//! --topology` over the wechat seed: the SDK parses emul's `ec2`-protocol
//! bodies (no result wrapper, `item` lists, `<Response><Errors>` errors) into
//! its types, filters and ids as AWS has them.
//! Run: `cargo nextest run -p sdk-tests --test ec2`.

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::Filter;
use sdk_tests::{Emul, ServeOptions, workspace_root};

fn filter(name: &str, values: &[&str]) -> Filter {
    let mut f = Filter::builder().name(name);
    for v in values {
        f = f.values(*v);
    }
    f.build()
}

#[tokio::test]
async fn sdk_reads_vpc_subnets_groups_and_zones() {
    let emul = Emul::start_with(ServeOptions {
        topology: Some(workspace_root().join("fixtures/topologies/wechat.yaml")),
        ..ServeOptions::default()
    });
    let c = emul.ec2_client("us-east-1").await;

    let vpcs = c.describe_vpcs().send().await.unwrap();
    let vpc = &vpcs.vpcs()[0];
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(vpc.is_default(), Some(false));
    assert_eq!(vpc.owner_id(), Some("000000000000"));
    assert_eq!(
        vpc.cidr_block_association_set()[0]
            .cidr_block_state()
            .and_then(|s| s.state())
            .map(|s| s.as_str()),
        Some("associated")
    );
    let vpc_id = vpc.vpc_id().unwrap().to_string();

    let subnets = c
        .describe_subnets()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("availability-zone", &["us-east-1b"]))
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = subnets
        .subnets()
        .iter()
        .flat_map(|s| s.tags())
        .filter(|t| t.key() == Some("Name"))
        .filter_map(|t| t.value())
        .collect();
    assert_eq!(names, ["public-1b", "private-1b"]);
    let public = &subnets.subnets()[0];
    assert_eq!(public.map_public_ip_on_launch(), Some(true));
    assert_eq!(public.available_ip_address_count(), Some(251));
    assert_eq!(public.availability_zone_id(), Some("use1-az2"));

    let groups = c
        .describe_security_groups()
        .filters(filter("group-name", &["alb-sg", "ecs-sg"]))
        .send()
        .await
        .unwrap();
    let alb = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("alb-sg"))
        .unwrap();
    let ports: Vec<(Option<i32>, Option<&str>)> = alb
        .ip_permissions()
        .iter()
        .map(|p| (p.from_port(), p.ip_ranges()[0].description()))
        .collect();
    assert_eq!(
        ports,
        [(Some(80), Some("HTTP")), (Some(443), Some("HTTPS"))]
    );
    assert_eq!(alb.ip_permissions_egress()[0].ip_protocol(), Some("-1"));
    let ecs = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("ecs-sg"))
        .unwrap();
    assert_eq!(
        ecs.ip_permissions()[0].user_id_group_pairs()[0].group_id(),
        alb.group_id()
    );

    let zones = c.describe_availability_zones().send().await.unwrap();
    assert_eq!(zones.availability_zones().len(), 6);
    assert_eq!(
        zones.availability_zones()[0].zone_name(),
        Some("us-east-1a")
    );

    let err = c
        .describe_security_groups()
        .group_ids("sg-0123456789abcdef0")
        .send()
        .await
        .expect_err("no such group");
    assert_eq!(err.code(), Some("InvalidGroup.NotFound"));
    assert_eq!(
        err.message(),
        Some("The security group 'sg-0123456789abcdef0' does not exist")
    );
}

#[tokio::test]
async fn sdk_security_group_writes_round_trip() {
    use aws_sdk_ec2::types::{IpPermission, IpRange, UserIdGroupPair};
    let emul = Emul::start_with(ServeOptions {
        topology: Some(workspace_root().join("fixtures/topologies/wechat.yaml")),
        ..ServeOptions::default()
    });
    let c = emul.ec2_client("us-east-1").await;
    let vpc_id = c.describe_vpcs().send().await.unwrap().vpcs()[0]
        .vpc_id()
        .unwrap()
        .to_string();

    // A new group, then a rule from it into rds-sg.
    let created = c
        .create_security_group()
        .group_name("batch-sg")
        .description("batch jobs")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let batch = created.group_id().unwrap().to_string();
    assert!(batch.starts_with("sg-"));
    let rds = c
        .describe_security_groups()
        .filters(filter("group-name", &["rds-sg"]))
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .group_id()
        .unwrap()
        .to_string();
    let from_batch = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(&batch)
                .description("batch to the db")
                .build(),
        )
        .build();
    let added = c
        .authorize_security_group_ingress()
        .group_id(&rds)
        .ip_permissions(from_batch.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(added.r#return(), Some(true));
    let rule = &added.security_group_rules()[0];
    assert_eq!(rule.is_egress(), Some(false));
    assert_eq!(
        rule.referenced_group_info().and_then(|g| g.group_id()),
        Some(batch.as_str())
    );
    let rule_id = rule.security_group_rule_id().unwrap().to_string();

    let err = c
        .authorize_security_group_ingress()
        .group_id(&rds)
        .ip_permissions(from_batch)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPermission.Duplicate"));

    // The group is in use by rds-sg's rule: not deletable yet.
    let err = c
        .delete_security_group()
        .group_id(&batch)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("DependencyViolation"));

    // Egress: the new group's default rule, then one more.
    c.authorize_security_group_egress()
        .group_id(&batch)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("udp")
                .from_port(53)
                .to_port(53)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.2/32").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rules = c
        .describe_security_group_rules()
        .filters(filter("group-id", &[&batch]))
        .send()
        .await
        .unwrap();
    let egress: Vec<(Option<&str>, Option<&str>)> = rules
        .security_group_rules()
        .iter()
        .map(|r| (r.ip_protocol(), r.cidr_ipv4()))
        .collect();
    assert_eq!(
        egress,
        [
            (Some("-1"), Some("0.0.0.0/0")),
            (Some("udp"), Some("10.0.0.2/32"))
        ]
    );

    let revoked = c
        .revoke_security_group_ingress()
        .group_id(&rds)
        .security_group_rule_ids(&rule_id)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.r#return(), Some(true));
    assert_eq!(
        revoked.revoked_security_group_rules()[0].security_group_rule_id(),
        Some(rule_id.as_str())
    );
    let deleted = c
        .delete_security_group()
        .group_id(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.group_id(), Some(batch.as_str()));
    let err = c
        .describe_security_groups()
        .group_ids(&batch)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidGroup.NotFound"));

    // No ENIs run under `serve`: an empty list, not an error.
    let enis = c.describe_network_interfaces().send().await.unwrap();
    assert!(enis.network_interfaces().is_empty());
}

#[tokio::test]
async fn sdk_a_fresh_account_has_a_default_vpc_and_makes_vpcs_and_subnets() {
    let emul = Emul::start_with(ServeOptions::default());
    let c = emul.ec2_client("eu-central-1").await;
    let default = c
        .describe_vpcs()
        .filters(filter("is-default", &["true"]))
        .send()
        .await
        .unwrap();
    assert_eq!(default.vpcs()[0].cidr_block(), Some("172.31.0.0/16"));
    let subnets = c.describe_subnets().send().await.unwrap();
    assert_eq!(subnets.subnets().len(), 3, "one default subnet per zone");
    assert!(
        subnets
            .subnets()
            .iter()
            .all(|s| s.default_for_az() == Some(true))
    );

    let vpc = c
        .create_vpc()
        .cidr_block("10.10.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let subnet = c
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.10.1.0/24")
        .availability_zone("eu-central-1b")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap();
    assert_eq!(subnet.vpc_id(), Some(vpc.as_str()));
    assert_eq!(subnet.availability_zone_id(), Some("euc1-az2"));
    let err = c
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.10.1.0/25")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSubnet.Conflict"));
    // A group without VpcId lands in the default VPC.
    let sg = c
        .create_security_group()
        .group_name("web")
        .description("web")
        .send()
        .await
        .unwrap();
    let shown = c
        .describe_security_groups()
        .group_ids(sg.group_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        shown.security_groups()[0].vpc_id(),
        default.vpcs()[0].vpc_id()
    );
    // Regions are separate accounts' worth of VPCs.
    let other = emul.ec2_client("us-west-2").await;
    let vpcs = other.describe_vpcs().send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1);
    assert_ne!(vpcs.vpcs()[0].vpc_id(), default.vpcs()[0].vpc_id());
}
