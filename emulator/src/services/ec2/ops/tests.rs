//! The operations over the wechat seed, compared with what AWS answers.

use super::{is_write, read, write};
use crate::gateway::query::QueryParams;
use crate::services::ec2::model::{Network, resource_id};

fn wechat() -> Network {
    Network::from_topology(&crate::project::fixture("wechat.yaml").topology)
}

fn call(op: &str, pairs: &[(&str, &str)]) -> Result<String, crate::gateway::AwsError> {
    on(&mut wechat(), op, pairs)
}

/// Runs `op` on `net` (a write changes it).
fn on(
    net: &mut Network,
    op: &str,
    pairs: &[(&str, &str)],
) -> Result<String, crate::gateway::AwsError> {
    let params = QueryParams::from_pairs(pairs.iter().copied());
    if is_write(op) {
        write(net, op, &params, &Vec::new)
    } else {
        read(net, op, &params, &Vec::new)
    }
}

/// The text of every `<tag>` element, in order.
fn all(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(v, _)| v.to_string()))
        .collect()
}

#[test]
fn describe_vpcs_shows_the_vpc_with_its_cidr_and_name() {
    let xml = call("DescribeVpcs", &[]).unwrap();
    assert_eq!(all(&xml, "vpcId"), [resource_id("vpc", "wechat", "vpc")]);
    assert_eq!(all(&xml, "cidrBlock"), ["10.0.0.0/16", "10.0.0.0/16"]);
    assert_eq!(all(&xml, "isDefault"), ["false"]);
    assert!(xml.contains("<tagSet><item><key>Name</key><value>wechat</value></item></tagSet>"));
    let err = call("DescribeVpcs", &[("VpcId.1", "vpc-00000000000000000")]).unwrap_err();
    assert_eq!(err.code, "InvalidVpcID.NotFound");
    assert_eq!(
        err.message,
        "The vpc ID 'vpc-00000000000000000' does not exist"
    );
}

#[test]
fn describe_subnets_filters_by_tag_zone_and_vpc() {
    let vpc = resource_id("vpc", "wechat", "vpc");
    let xml = call(
        "DescribeSubnets",
        &[
            ("Filter.1.Name", "tag:Name"),
            ("Filter.1.Value.1", "private-*"),
            ("Filter.2.Name", "vpc-id"),
            ("Filter.2.Value.1", &vpc),
        ],
    )
    .unwrap();
    assert_eq!(all(&xml, "cidrBlock"), ["10.0.10.0/24", "10.0.20.0/24"]);
    assert_eq!(all(&xml, "availabilityZone"), ["us-east-1a", "us-east-1b"]);
    assert_eq!(all(&xml, "availabilityZoneId"), ["use1-az1", "use1-az2"]);
    assert_eq!(all(&xml, "mapPublicIpOnLaunch"), ["false", "false"]);
    assert_eq!(all(&xml, "availableIpAddressCount"), ["251", "251"]);

    let public = call(
        "DescribeSubnets",
        &[
            ("Filter.1.Name", "map-public-ip-on-launch"),
            ("Filter.1.Value.1", "true"),
        ],
    )
    .unwrap();
    assert_eq!(all(&public, "cidrBlock"), ["10.0.1.0/24", "10.0.2.0/24"]);

    let id = resource_id("subnet", "wechat", "public-1b");
    let one = call("DescribeSubnets", &[("SubnetId.1", &id)]).unwrap();
    assert_eq!(all(&one, "subnetId"), std::slice::from_ref(&id));
    assert_eq!(
        all(&one, "subnetArn"),
        [format!("arn:aws:ec2:us-east-1:000000000000:subnet/{id}")]
    );
    let err = call(
        "DescribeSubnets",
        &[("SubnetId.1", &id), ("SubnetId.2", "subnet-1")],
    )
    .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidSubnetID.NotFound",
            "The subnet ID 'subnet-1' does not exist"
        )
    );
    let err = call(
        "DescribeSubnets",
        &[("Filter.1.Name", "colour"), ("Filter.1.Value.1", "x")],
    )
    .unwrap_err();
    assert_eq!(err.message, "The filter 'colour' is invalid");
}

#[test]
fn describe_security_groups_shows_rules_as_ip_permissions() {
    let xml = call(
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "group-name"),
            ("Filter.1.Value.1", "rds-sg"),
        ],
    )
    .unwrap();
    assert_eq!(all(&xml, "groupName"), ["rds-sg"]);
    assert_eq!(
        all(&xml, "groupId"),
        [
            resource_id("sg", "wechat", "rds-sg"),
            resource_id("sg", "wechat", "ecs-sg")
        ]
    );
    // Ingress: tcp/5432 from ecs-sg; egress: none (`egress: []`).
    assert!(
        xml.contains(&format!(
            "<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>5432</fromPort><toPort>5432</toPort><groups><item><description>PostgreSQL from ECS</description><groupId>{}</groupId><userId>000000000000</userId></item></groups><ipRanges/><ipv6Ranges/><prefixListIds/></item></ipPermissions>",
            resource_id("sg", "wechat", "ecs-sg")
        )),
        "{xml}"
    );
    assert!(xml.contains("<ipPermissionsEgress/>"), "{xml}");
    let ecs = call(
        "DescribeSecurityGroups",
        &[("GroupId.1", &resource_id("sg", "wechat", "ecs-sg"))],
    )
    .unwrap();
    assert!(
        ecs.contains("<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp><description>All traffic for external API calls</description></item></ipRanges>"),
        "{ecs}"
    );

    // Which groups admit tcp/443 from anywhere?
    let open = call(
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "ip-permission.cidr"),
            ("Filter.1.Value.1", "0.0.0.0/0"),
            ("Filter.2.Name", "ip-permission.from-port"),
            ("Filter.2.Value.1", "443"),
        ],
    )
    .unwrap();
    assert_eq!(all(&open, "groupName"), ["alb-sg"]);

    let err = call("DescribeSecurityGroups", &[("GroupId.1", "sg-404")]).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidGroup.NotFound",
            "The security group 'sg-404' does not exist"
        )
    );
}

#[test]
fn describe_availability_zones_lists_the_region() {
    let xml = call("DescribeAvailabilityZones", &[]).unwrap();
    assert_eq!(all(&xml, "zoneName").len(), 6);
    let one = call("DescribeAvailabilityZones", &[("ZoneName.1", "us-east-1b")]).unwrap();
    assert_eq!(all(&one, "zoneId"), ["use1-az2"]);
    let err = call("DescribeAvailabilityZones", &[("ZoneName.1", "us-east-1z")]).unwrap_err();
    assert_eq!(err.message, "Invalid availability zone: [us-east-1z]");
}

#[test]
fn an_unknown_action_is_invalid_action() {
    let err = call("CreateKeyPair", &[]).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidAction",
            "The action CreateKeyPair is not valid for this web service."
        )
    );
}

#[test]
fn authorize_shows_the_new_rule_and_revoke_by_id_removes_it() {
    let mut net = wechat();
    let rds = resource_id("sg", "wechat", "rds-sg");
    let xml = on(
        &mut net,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &rds),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "5432"),
            ("IpPermissions.1.ToPort", "5432"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.1.7/24"),
            ("IpPermissions.1.IpRanges.1.Description", "public subnet"),
        ],
    )
    .unwrap();
    assert_eq!(all(&xml, "return"), ["true"]);
    assert_eq!(all(&xml, "cidrIpv4"), ["10.0.1.0/24"], "host bits cleared");
    assert_eq!(all(&xml, "isEgress"), ["false"]);
    let rule = all(&xml, "securityGroupRuleId").remove(0);

    let rules = on(
        &mut net,
        "DescribeSecurityGroupRules",
        &[("Filter.1.Name", "group-id"), ("Filter.1.Value.1", &rds)],
    )
    .unwrap();
    assert_eq!(all(&rules, "securityGroupRuleId").len(), 2, "{rules}");
    assert!(rules.contains(&format!(
        "<referencedGroupInfo><groupId>{}</groupId><userId>000000000000</userId></referencedGroupInfo>",
        resource_id("sg", "wechat", "ecs-sg")
    )));
    let groups = on(&mut net, "DescribeSecurityGroups", &[("GroupId.1", &rds)]).unwrap();
    assert!(groups.contains("<ipRanges><item><cidrIp>10.0.1.0/24</cidrIp><description>public subnet</description></item></ipRanges>"), "{groups}");

    let err = on(
        &mut net,
        "RevokeSecurityGroupIngress",
        &[
            ("GroupId", &rds),
            ("SecurityGroupRuleId.1", "sgr-00000000000000000"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidSecurityGroupRuleId.NotFound");
    let gone = on(
        &mut net,
        "RevokeSecurityGroupIngress",
        &[("GroupId", &rds), ("SecurityGroupRuleId.1", &rule)],
    )
    .unwrap();
    assert_eq!(all(&gone, "securityGroupRuleId"), [rule]);
    let rules = on(
        &mut net,
        "DescribeSecurityGroupRules",
        &[("Filter.1.Name", "group-id"), ("Filter.1.Value.1", &rds)],
    )
    .unwrap();
    assert_eq!(all(&rules, "securityGroupRuleId").len(), 1);
}

#[test]
fn writes_refuse_bad_rules_with_aws_errors() {
    let mut net = wechat();
    let rds = resource_id("sg", "wechat", "rds-sg");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("GroupId", "sg-404"),
                ("IpPermissions.1.IpProtocol", "-1"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ],
            "InvalidGroup.NotFound",
        ),
        (&[("GroupId", &rds)], "MissingParameter"),
        (
            &[
                ("GroupId", &rds),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ],
            "MissingParameter",
        ),
        (
            &[
                ("GroupId", &rds),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "80"),
                ("IpPermissions.1.ToPort", "70000"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ],
            "InvalidParameterValue",
        ),
        (
            &[
                ("GroupId", &rds),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "80"),
                ("IpPermissions.1.ToPort", "80"),
                ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.300/8"),
            ],
            "InvalidParameterValue",
        ),
        (
            &[
                ("GroupId", &rds),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "80"),
                ("IpPermissions.1.ToPort", "80"),
                ("IpPermissions.1.Groups.1.GroupId", "sg-404"),
            ],
            "InvalidGroup.NotFound",
        ),
        (
            &[
                ("GroupId", &rds),
                ("IpPermissions.1.IpProtocol", "tcp"),
                ("IpPermissions.1.FromPort", "5432"),
                ("IpPermissions.1.ToPort", "5432"),
                ("IpPermissions.1.Groups.1.GroupName", "ecs-sg"),
            ],
            "InvalidPermission.Duplicate",
        ),
    ];
    for (params, code) in cases {
        let err = on(&mut net, "AuthorizeSecurityGroupIngress", params).unwrap_err();
        assert_eq!(err.code, *code, "{params:?}: {}", err.message);
    }
    let err = on(
        &mut net,
        "RevokeSecurityGroupEgress",
        &[
            ("GroupId", &rds),
            ("IpPermissions.1.IpProtocol", "-1"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
        ],
    )
    .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group."
        )
    );
}

#[test]
fn create_tag_describe_and_delete_a_group() {
    let mut net = wechat();
    let xml = on(
        &mut net,
        "CreateSecurityGroup",
        &[
            ("GroupName", "probe-sg"),
            ("GroupDescription", "made by a script"),
            ("VpcId", &resource_id("vpc", "wechat", "vpc")),
            ("TagSpecification.1.ResourceType", "security-group"),
            ("TagSpecification.1.Tag.1.Key", "team"),
            ("TagSpecification.1.Tag.1.Value", "qa"),
        ],
    )
    .unwrap();
    let id = all(&xml, "groupId").remove(0);
    assert_eq!(id, resource_id("sg", "wechat", "probe-sg"));
    let shown = on(
        &mut net,
        "DescribeSecurityGroups",
        &[("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", "qa")],
    )
    .unwrap();
    assert_eq!(all(&shown, "groupName"), ["probe-sg"]);
    assert!(
        shown.contains("<ipPermissions/><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol>"),
        "{shown}"
    );

    for (params, code) in [
        (
            vec![("GroupName", "probe-sg"), ("GroupDescription", "again")],
            "InvalidGroup.Duplicate",
        ),
        (vec![("GroupName", "x")], "MissingParameter"),
        (
            vec![("GroupName", "sg-x"), ("GroupDescription", "d")],
            "InvalidParameterValue",
        ),
        (
            vec![
                ("GroupName", "y"),
                ("GroupDescription", "d"),
                ("VpcId", "vpc-404"),
            ],
            "InvalidVpcID.NotFound",
        ),
    ] {
        assert_eq!(
            on(&mut net, "CreateSecurityGroup", &params)
                .unwrap_err()
                .code,
            code
        );
    }
    let del = on(&mut net, "DeleteSecurityGroup", &[("GroupId", &id)]).unwrap();
    assert_eq!(all(&del, "return"), ["true"]);
    assert_eq!(
        on(&mut net, "DeleteSecurityGroup", &[("GroupId", &id)])
            .unwrap_err()
            .code,
        "InvalidGroup.NotFound"
    );
}

#[test]
fn describe_network_interfaces_shows_enis_with_groups_and_subnets() {
    use crate::services::ec2::live::Interface;
    let net = wechat();
    let enis = || {
        vec![
            Interface {
                logical: "eni/rds/wechat-db".into(),
                ip: "10.0.10.13".parse().unwrap(),
                subnet: "private-1a".into(),
                groups: vec!["rds-sg".into()],
            },
            Interface {
                logical: "eni/ecs/wechat/backend/0123456789abcdef0123456789abcdef".into(),
                ip: "10.0.10.20".parse().unwrap(),
                subnet: "private-1a".into(),
                groups: vec!["ecs-sg".into()],
            },
        ]
    };
    let params = QueryParams::from_pairs([
        ("Filter.1.Name", "group-name"),
        ("Filter.1.Value.1", "rds-sg"),
    ]);
    let xml = read(&net, "DescribeNetworkInterfaces", &params, &enis).unwrap();
    assert_eq!(all(&xml, "privateIpAddress"), ["10.0.10.13", "10.0.10.13"]);
    assert_eq!(all(&xml, "requesterId"), ["amazon-rds"]);
    assert_eq!(
        all(&xml, "subnetId"),
        [resource_id("subnet", "wechat", "private-1a")]
    );
    assert_eq!(all(&xml, "groupName"), ["rds-sg"]);
    let task_eni = crate::services::ec2::model::eni_id(
        "wechat",
        "eni/ecs/wechat/backend/0123456789abcdef0123456789abcdef",
    );
    let params = QueryParams::from_pairs([("NetworkInterfaceId.1", task_eni.as_str())]);
    let task = read(&net, "DescribeNetworkInterfaces", &params, &enis).unwrap();
    assert_eq!(
        all(&task, "privateDnsName")[0],
        "ip-10-0-10-20.ec2.internal"
    );
    let params = QueryParams::from_pairs([("NetworkInterfaceId.1", "eni-404")]);
    assert_eq!(
        read(&net, "DescribeNetworkInterfaces", &params, &enis)
            .unwrap_err()
            .code,
        "InvalidNetworkInterfaceID.NotFound"
    );
}

#[test]
fn an_account_without_topology_has_a_default_vpc_and_makes_more() {
    let mut net = Network::default_account("serve", "000000000000", "eu-west-1");
    let vpcs = on(
        &mut net,
        "DescribeVpcs",
        &[
            ("Filter.1.Name", "is-default"),
            ("Filter.1.Value.1", "true"),
        ],
    )
    .unwrap();
    assert_eq!(all(&vpcs, "cidrBlock")[0], "172.31.0.0/16");
    let made = on(
        &mut net,
        "CreateVpc",
        &[
            ("CidrBlock", "10.20.0.0/16"),
            ("TagSpecification.1.ResourceType", "vpc"),
            ("TagSpecification.1.Tag.1.Key", "Name"),
            ("TagSpecification.1.Tag.1.Value", "lab"),
        ],
    )
    .unwrap();
    let vpc = all(&made, "vpcId").remove(0);
    assert_eq!(all(&made, "isDefault"), ["false"]);
    let subnet = on(
        &mut net,
        "CreateSubnet",
        &[
            ("VpcId", &vpc),
            ("CidrBlock", "10.20.1.0/24"),
            ("AvailabilityZoneId", "euw1-az2"),
        ],
    )
    .unwrap();
    assert_eq!(all(&subnet, "availabilityZone"), ["eu-west-1b"]);
    let subnet_id = all(&subnet, "subnetId").remove(0);
    let groups = on(
        &mut net,
        "DescribeSecurityGroups",
        &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc)],
    )
    .unwrap();
    assert_eq!(all(&groups, "groupName"), ["default"]);
    let sg = on(
        &mut net,
        "CreateSecurityGroup",
        &[
            ("GroupName", "web"),
            ("GroupDescription", "web"),
            ("VpcId", &vpc),
        ],
    )
    .unwrap();
    let sg = all(&sg, "groupId").remove(0);
    // A group of the default VPC cannot be a peer of one in another VPC.
    let default_sg = on(
        &mut net,
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", &all(&vpcs, "vpcId")[0]),
        ],
    )
    .unwrap();
    let err = on(
        &mut net,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &sg),
            ("IpPermissions.1.IpProtocol", "-1"),
            (
                "IpPermissions.1.Groups.1.GroupId",
                &all(&default_sg, "groupId")[0],
            ),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidGroup.NotFound");
    let err = on(&mut net, "DeleteVpc", &[("VpcId", &vpc)]).unwrap_err();
    assert_eq!(err.code, "DependencyViolation");
    on(&mut net, "DeleteSecurityGroup", &[("GroupId", &sg)]).unwrap();
    on(&mut net, "DeleteSubnet", &[("SubnetId", &subnet_id)]).unwrap();
    on(&mut net, "DeleteVpc", &[("VpcId", &vpc)]).unwrap();
    let err = on(&mut net, "CreateVpc", &[("CidrBlock", "10.0.0.1/16")]).unwrap_err();
    assert_eq!(err.code, "InvalidParameterValue");
}

#[test]
fn the_topologys_vpc_cannot_be_deleted() {
    let mut net = wechat();
    let vpc = resource_id("vpc", "wechat", "vpc");
    assert_eq!(
        on(&mut net, "DeleteVpc", &[("VpcId", &vpc)])
            .unwrap_err()
            .code,
        "DependencyViolation"
    );
}

#[test]
fn modify_network_interface_attribute_regroups_a_running_eni() {
    use crate::services::ec2::live::Interface;
    let mut net = wechat();
    let logical = "eni/ecs/wechat/backend/0123456789ab";
    let enis = || {
        vec![Interface {
            logical: logical.into(),
            ip: "10.0.10.20".parse().unwrap(),
            subnet: "private-1a".into(),
            groups: vec!["ecs-sg".into()],
        }]
    };
    let eni = crate::services::ec2::model::eni_id("wechat", logical);
    let redis = resource_id("sg", "wechat", "redis-sg");
    let params = QueryParams::from_pairs([
        ("NetworkInterfaceId", eni.as_str()),
        ("SecurityGroupId.1", redis.as_str()),
        ("SecurityGroupId.2", redis.as_str()),
    ]);
    write(&mut net, "ModifyNetworkInterfaceAttribute", &params, &enis).unwrap();
    assert_eq!(net.eni_groups[logical], ["redis-sg"]);
    for (pairs, code) in [
        (
            vec![("NetworkInterfaceId", eni.as_str())],
            "InvalidParameterCombination",
        ),
        (
            vec![
                ("NetworkInterfaceId", "eni-404"),
                ("SecurityGroupId.1", redis.as_str()),
            ],
            "InvalidNetworkInterfaceID.NotFound",
        ),
        (
            vec![
                ("NetworkInterfaceId", eni.as_str()),
                ("SecurityGroupId.1", "sg-404"),
            ],
            "InvalidGroup.NotFound",
        ),
    ] {
        let params = QueryParams::from_pairs(pairs);
        let err = write(&mut net, "ModifyNetworkInterfaceAttribute", &params, &enis).unwrap_err();
        assert_eq!(err.code, code);
    }
}

#[test]
fn describes_page_with_max_results_and_next_token() {
    let mut net = wechat();
    let first = on(
        &mut net,
        "DescribeSecurityGroupRules",
        &[("MaxResults", "5")],
    )
    .unwrap();
    assert_eq!(all(&first, "securityGroupRuleId").len(), 5);
    let token = all(&first, "nextToken").remove(0);
    let mut seen = all(&first, "securityGroupRuleId");
    let mut token = Some(token);
    while let Some(t) = token {
        let next = on(
            &mut net,
            "DescribeSecurityGroupRules",
            &[("MaxResults", "5"), ("NextToken", &t)],
        )
        .unwrap();
        seen.extend(all(&next, "securityGroupRuleId"));
        token = all(&next, "nextToken").pop();
    }
    let every = on(&mut net, "DescribeSecurityGroupRules", &[]).unwrap();
    assert_eq!(seen, all(&every, "securityGroupRuleId"));
    assert!(all(&every, "nextToken").is_empty());
    let err = on(&mut net, "DescribeVpcs", &[("MaxResults", "2")]).unwrap_err();
    assert_eq!(
        err.message,
        "Value ( 2 ) for parameter maxResults is invalid. Parameter must be between 5 and 1000."
    );
    assert_eq!(
        on(&mut net, "DescribeSubnets", &[("NextToken", "nonsense")])
            .unwrap_err()
            .code,
        "InvalidParameterValue"
    );
}

#[test]
fn instances_are_run_described_filtered_tagged_and_terminated() {
    let mut net = Network::default_account("serve", "123456789012", "us-east-1");
    let xml = on(
        &mut net,
        "RunInstances",
        &[
            ("ImageId", "ami-12c6146b"),
            ("MinCount", "2"),
            ("MaxCount", "2"),
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "Name"),
            ("TagSpecification.1.Tag.1.Value", "web"),
        ],
    )
    .unwrap();
    let ids = all(&xml, "instanceId");
    assert_eq!(ids.len(), 2);
    assert_eq!(
        all(&xml, "name"),
        ["pending", "pending"],
        "AWS answers pending"
    );
    assert_eq!(all(&xml, "instanceType"), ["m1.small", "m1.small"]);
    assert_eq!(all(&xml, "availabilityZone"), ["us-east-1a", "us-east-1a"]);

    let running = on(
        &mut net,
        "DescribeInstances",
        &[
            ("Filter.1.Name", "instance-state-name"),
            ("Filter.1.Value.1", "running"),
            ("Filter.2.Name", "tag:Name"),
            ("Filter.2.Value.1", "w*"),
        ],
    )
    .unwrap();
    assert_eq!(all(&running, "reservationId").len(), 1);
    assert_eq!(all(&running, "instanceId"), ids);
    assert_eq!(all(&running, "code"), ["16", "16"]);

    on(
        &mut net,
        "CreateTags",
        &[
            ("ResourceId.1", &ids[0]),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    )
    .unwrap();
    let tagged = on(
        &mut net,
        "DescribeInstances",
        &[("Filter.1.Name", "tag:env"), ("Filter.1.Value.1", "prod")],
    )
    .unwrap();
    assert_eq!(all(&tagged, "instanceId"), [ids[0].clone()]);
    let err = on(
        &mut net,
        "CreateTags",
        &[("ResourceId.1", "i-0123456789abcdef0"), ("Tag.1.Key", "k")],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidInstanceID.NotFound");

    let gone = on(&mut net, "TerminateInstances", &[("InstanceId.1", &ids[0])]).unwrap();
    assert_eq!(all(&gone, "name"), ["shutting-down", "running"]);
    let left = on(
        &mut net,
        "DescribeInstances",
        &[
            ("Filter.1.Name", "instance-state-name"),
            ("Filter.1.Value.1", "running"),
        ],
    )
    .unwrap();
    assert_eq!(all(&left, "instanceId"), [ids[1].clone()]);
    let err = on(
        &mut net,
        "DescribeInstances",
        &[("InstanceId.1", "i-0123456789abcdef0")],
    )
    .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidInstanceID.NotFound",
            "The instance ID 'i-0123456789abcdef0' does not exist"
        )
    );
    let err = on(
        &mut net,
        "RunInstances",
        &[("MinCount", "1"), ("MaxCount", "1")],
    )
    .unwrap_err();
    assert_eq!(err.code, "MissingParameter");
}

#[test]
fn a_subnet_or_group_with_a_live_instance_cannot_be_deleted() {
    let mut net = wechat();
    let subnet = net.subnets[0].id.clone();
    let xml = on(
        &mut net,
        "RunInstances",
        &[
            ("ImageId", "ami-12c6146b"),
            ("MinCount", "1"),
            ("MaxCount", "1"),
            ("SubnetId", &subnet),
            ("InstanceType", "t3.micro"),
        ],
    )
    .unwrap();
    let id = all(&xml, "instanceId").remove(0);
    let err = on(&mut net, "DeleteSubnet", &[("SubnetId", &subnet)]).unwrap_err();
    assert_eq!(err.code, "DependencyViolation");
    on(&mut net, "TerminateInstances", &[("InstanceId.1", &id)]).unwrap();
    on(&mut net, "DeleteSubnet", &[("SubnetId", &subnet)]).unwrap();
}

#[test]
fn vpc_attributes_are_read_and_set_one_at_a_time() {
    let mut net = wechat();
    let home = resource_id("vpc", "wechat", "vpc");
    let attr = |net: &mut Network, vpc: &str, name: &str| {
        let xml = on(
            net,
            "DescribeVpcAttribute",
            &[("VpcId", vpc), ("Attribute", name)],
        )
        .unwrap();
        assert_eq!(all(&xml, "vpcId"), [vpc]);
        let inner = all(&xml, name);
        assert_eq!(inner.len(), 1, "{xml}");
        all(&inner[0], "value")[0].clone()
    };
    // The topology's VPC resolves names: both DNS attributes on.
    assert_eq!(attr(&mut net, &home, "enableDnsSupport"), "true");
    assert_eq!(attr(&mut net, &home, "enableDnsHostnames"), "true");
    assert_eq!(
        attr(&mut net, &home, "enableNetworkAddressUsageMetrics"),
        "false"
    );
    // A VPC CreateVpc makes has DNS hostnames off, as in AWS.
    let made = on(&mut net, "CreateVpc", &[("CidrBlock", "10.9.0.0/16")]).unwrap();
    let vpc = all(&made, "vpcId")[0].clone();
    assert_eq!(attr(&mut net, &vpc, "enableDnsHostnames"), "false");
    on(
        &mut net,
        "ModifyVpcAttribute",
        &[("VpcId", &vpc), ("EnableDnsHostnames.Value", "true")],
    )
    .unwrap();
    assert_eq!(attr(&mut net, &vpc, "enableDnsHostnames"), "true");

    let err = on(
        &mut net,
        "ModifyVpcAttribute",
        &[
            ("VpcId", &vpc),
            ("EnableDnsSupport.Value", "true"),
            ("EnableDnsHostnames.Value", "true"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidParameterCombination");
    assert_eq!(
        err.message,
        "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames"
    );
    let err = on(&mut net, "ModifyVpcAttribute", &[("VpcId", &vpc)]).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        ("InvalidParameterCombination", "No attributes specified.")
    );
    let err = on(
        &mut net,
        "DescribeVpcAttribute",
        &[("VpcId", &vpc), ("Attribute", "enableDns")],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidParameterValue");
    let err = on(
        &mut net,
        "ModifyVpcAttribute",
        &[
            ("VpcId", "vpc-00000000000000000"),
            ("EnableDnsSupport.Value", "false"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code, "InvalidVpcID.NotFound");
}
