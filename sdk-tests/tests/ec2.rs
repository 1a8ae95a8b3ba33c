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
