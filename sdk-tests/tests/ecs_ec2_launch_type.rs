//! The EC2 launch type through the official `aws-sdk-ec2` and `aws-sdk-ecs`
//! against `emul serve` (ADR 0018): an instance from RunInstances,
//! registered as a container instance with its identity document; RunTask
//! placing on it (resources taken and given back, host ports, `failures`
//! with AWS's reasons, `memberOf` on an attribute), StartTask, draining,
//! deregistration. Run: `cargo nextest run -p sdk-tests --test ecs_ec2_launch_type`.

use aws_sdk_ec2::types::{Filter, InstanceType, ResourceType, Tag as Ec2Tag, TagSpecification};
use aws_sdk_ecs::types::{
    Attribute, ContainerDefinition, ContainerInstance, ContainerInstanceStatus, LaunchType,
    PlacementConstraint, PlacementConstraintType, PortMapping, Resource, TargetType,
};
use sdk_tests::{Emul, assert_aws_error};

const REGION: &str = "us-east-1";

fn resource<'a>(list: &'a [Resource], name: &str) -> &'a Resource {
    list.iter()
        .find(|r| r.name() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {list:?}"))
}

async fn describe(ecs: &aws_sdk_ecs::Client, arn: &str) -> ContainerInstance {
    ecs.describe_container_instances()
        .cluster("prod")
        .container_instances(arn)
        .send()
        .await
        .unwrap()
        .container_instances()[0]
        .clone()
}

#[tokio::test]
async fn an_instance_registers_and_takes_ec2_tasks_until_it_is_full() {
    let emul = Emul::start();
    let ec2 = emul.ec2_client(REGION).await;
    let ecs = emul.ecs_client(REGION).await;

    // An instance: a record, running at once, in the default VPC.
    let run = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(InstanceType::from("t3.medium"))
        .min_count(1)
        .max_count(1)
        .placement(
            aws_sdk_ec2::types::Placement::builder()
                .availability_zone("us-east-1b")
                .build(),
        )
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Ec2Tag::builder().key("role").value("ecs").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let instance = &run.instances()[0];
    let instance_id = instance.instance_id().unwrap().to_string();
    assert_eq!(instance.state().and_then(|s| s.code()), Some(0), "pending");
    let found = ec2
        .describe_instances()
        .filters(Filter::builder().name("tag:role").values("ecs").build())
        .filters(
            Filter::builder()
                .name("instance-state-name")
                .values("running")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let described = &found.reservations()[0].instances()[0];
    assert_eq!(described.instance_id(), Some(instance_id.as_str()));
    assert_eq!(
        described.placement().and_then(|p| p.availability_zone()),
        Some("us-east-1b")
    );
    let ip = described.private_ip_address().unwrap().to_string();
    assert!(ip.starts_with("172.31."), "{ip}");

    // Registered with the document the agent would read from IMDS.
    ecs.create_cluster()
        .cluster_name("prod")
        .send()
        .await
        .unwrap();
    let document = serde_json::json!({
        "instanceId": instance_id, "instanceType": "t3.medium",
        "availabilityZone": "us-east-1b", "region": REGION,
        "imageId": "ami-12c6146b", "privateIp": ip,
    })
    .to_string();
    let registered = ecs
        .register_container_instance()
        .cluster("prod")
        .instance_identity_document(document)
        .send()
        .await
        .unwrap();
    let ci = registered.container_instance().unwrap();
    let arn = ci.container_instance_arn().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:ecs:us-east-1:000000000000:container-instance/prod/"),
        "{arn}"
    );
    assert_eq!(ci.ec2_instance_id(), Some(instance_id.as_str()));
    assert_eq!(ci.status(), Some("ACTIVE"));
    assert!(ci.agent_connected());
    // A t3.medium: 2 vCPUs, 4 GiB, as its agent registers it.
    assert_eq!(
        resource(ci.registered_resources(), "CPU").integer_value(),
        2048
    );
    assert_eq!(
        resource(ci.registered_resources(), "MEMORY").integer_value(),
        4096
    );
    let zone = ci
        .attributes()
        .iter()
        .find(|a| a.name() == "ecs.availability-zone")
        .and_then(|a| a.value());
    assert_eq!(zone, Some("us-east-1b"));

    // A bridge-mode task with a host port: one per instance.
    ecs.register_task_definition()
        .family("web")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .cpu(512)
                .memory(1024)
                .port_mappings(
                    PortMapping::builder()
                        .container_port(80)
                        .host_port(8080)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = ecs
        .run_task()
        .cluster("prod")
        .task_definition("web")
        .launch_type(LaunchType::Ec2)
        .count(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.tasks().len(), 1);
    let task = &out.tasks()[0];
    assert_eq!(task.container_instance_arn(), Some(arn.as_str()));
    assert_eq!(task.launch_type(), Some(&LaunchType::Ec2));
    assert_eq!(task.availability_zone(), Some("us-east-1b"));
    assert_eq!(out.failures()[0].reason(), Some("RESOURCE:PORTS"));
    assert_eq!(out.failures()[0].arn(), Some(arn.as_str()));
    let task_arn = task.task_arn().unwrap().to_string();

    let ci = describe(&ecs, &arn).await;
    assert_eq!(
        resource(ci.remaining_resources(), "CPU").integer_value(),
        2048 - 512
    );
    assert_eq!(
        resource(ci.remaining_resources(), "MEMORY").integer_value(),
        4096 - 1024
    );
    assert!(
        resource(ci.remaining_resources(), "PORTS")
            .string_set_value()
            .contains(&"8080".to_string())
    );
    let listed = ecs
        .list_tasks()
        .cluster("prod")
        .container_instance(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.task_arns(), std::slice::from_ref(&task_arn));
    let cluster = ecs
        .describe_clusters()
        .clusters("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cluster.clusters()[0].registered_container_instances_count(),
        1
    );

    // memberOf an attribute the instance lacks: nowhere to go.
    ecs.put_attributes()
        .cluster("prod")
        .attributes(
            Attribute::builder()
                .name("stack")
                .value("blue")
                .target_type(TargetType::ContainerInstance)
                .target_id(&arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ecs.register_task_definition()
        .family("small")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .memory(128)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let member = |stack: &str| {
        PlacementConstraint::builder()
            .r#type(PlacementConstraintType::MemberOf)
            .expression(format!("attribute:stack == {stack}"))
            .build()
    };
    let green = ecs
        .run_task()
        .cluster("prod")
        .task_definition("small")
        .placement_constraints(member("green"))
        .send()
        .await
        .unwrap();
    assert!(green.tasks().is_empty());
    assert_eq!(
        green.failures()[0].reason(),
        Some("MemberOf placement constraint unsatisfied")
    );
    let blue = ecs
        .run_task()
        .cluster("prod")
        .task_definition("small")
        .placement_constraints(member("blue"))
        .send()
        .await
        .unwrap();
    assert_eq!(blue.tasks().len(), 1);

    // StartTask on the named instance; an unknown one is MISSING.
    let started = ecs
        .start_task()
        .cluster("prod")
        .task_definition("small")
        .container_instances(&arn)
        .container_instances("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(started.tasks().len(), 1);
    assert_eq!(started.failures()[0].reason(), Some("MISSING"));

    // Draining takes it out of placement.
    ecs.update_container_instances_state()
        .cluster("prod")
        .container_instances(&arn)
        .status(ContainerInstanceStatus::Draining)
        .send()
        .await
        .unwrap();
    assert_aws_error(
        ecs.run_task()
            .cluster("prod")
            .task_definition("small")
            .launch_type(LaunchType::Ec2)
            .send()
            .await,
        "InvalidParameterException",
        "No Container Instances were found in your cluster.",
    );

    // Tasks on it: deregistration needs force, or the tasks gone.
    assert_aws_error(
        ecs.deregister_container_instance()
            .cluster("prod")
            .container_instance(&arn)
            .send()
            .await,
        "InvalidParameterException",
        "Found running tasks on the instance.",
    );
    for t in [
        task_arn,
        blue.tasks()[0].task_arn().unwrap().to_string(),
        started.tasks()[0].task_arn().unwrap().to_string(),
    ] {
        ecs.stop_task()
            .cluster("prod")
            .task(t)
            .send()
            .await
            .unwrap();
    }
    let ci = describe(&ecs, &arn).await;
    assert_eq!(
        resource(ci.remaining_resources(), "CPU").integer_value(),
        2048
    );
    let gone = ecs
        .deregister_container_instance()
        .cluster("prod")
        .container_instance(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        gone.container_instance().unwrap().status(),
        Some("INACTIVE")
    );
    let left = ecs
        .list_container_instances()
        .cluster("prod")
        .send()
        .await
        .unwrap();
    assert!(left.container_instance_arns().is_empty());

    // The instance itself ends.
    let ended = ec2
        .terminate_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    let change = &ended.terminating_instances()[0];
    assert_eq!(change.current_state().and_then(|s| s.code()), Some(32));
    assert_eq!(change.previous_state().and_then(|s| s.code()), Some(16));
}
