//! The ECS control plane through the official `aws-sdk-ecs`, against
//! `emul serve` (no runtime attached: tasks are recorded, not launched —
//! see docs/decisions/0008-ecs-control-plane-and-scheduler.md). Every
//! operation emul implements is driven here, with its error cases.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, DeploymentConfiguration, DesiredStatus,
    NetworkConfiguration, NetworkMode, PortMapping, Tag, TaskDefinitionFamilyStatus,
    TaskDefinitionStatus,
};
use sdk_tests::{Emul, assert_aws_error, assert_aws_error_code};

const REGION: &str = "us-east-1";

fn network(subnet: &str) -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(subnet)
                .build()
                .expect("subnets set"),
        )
        .build()
}

async fn register_web(ecs: &Client, image: &str) -> String {
    let out = ecs
        .register_task_definition()
        .family("web")
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image(image)
                .port_mappings(PortMapping::builder().container_port(8080).build())
                .build(),
        )
        .send()
        .await
        .expect("register");
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("arn")
        .to_string()
}

async fn setup() -> (Emul, Client) {
    let emul = Emul::start();
    let ecs = emul.ecs_client(REGION).await;
    ecs.create_cluster()
        .cluster_name("prod")
        .send()
        .await
        .expect("create cluster");
    (emul, ecs)
}

#[tokio::test]
async fn clusters_create_list_describe_delete() {
    let (_emul, ecs) = setup().await;
    let out = ecs
        .create_cluster()
        .cluster_name("prod")
        .tags(Tag::builder().key("team").value("a").build())
        .send()
        .await
        .unwrap();
    let c = out.cluster().unwrap();
    assert_eq!(
        c.cluster_arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:cluster/prod")
    );
    assert_eq!(c.status(), Some("ACTIVE"));
    ecs.create_cluster().send().await.unwrap(); // `default`
    let list = ecs.list_clusters().max_results(1).send().await.unwrap();
    assert_eq!(list.cluster_arns().len(), 1);
    let token = list.next_token().expect("second page").to_string();
    let list2 = ecs.list_clusters().next_token(token).send().await.unwrap();
    assert_eq!(list2.cluster_arns().len(), 1);
    assert!(list2.next_token().is_none());

    let d = ecs
        .describe_clusters()
        .clusters("prod")
        .clusters("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(d.clusters().len(), 1);
    assert_eq!(d.clusters()[0].active_services_count(), 0);
    assert_eq!(d.failures().len(), 1);
    assert_eq!(d.failures()[0].reason(), Some("MISSING"));
    assert_eq!(
        d.failures()[0].arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:cluster/nope")
    );
    // No clusters named: `default`.
    let d = ecs.describe_clusters().send().await.unwrap();
    assert_eq!(d.clusters()[0].cluster_name(), Some("default"));

    let del = ecs
        .delete_cluster()
        .cluster("default")
        .send()
        .await
        .unwrap();
    assert_eq!(del.cluster().unwrap().status(), Some("INACTIVE"));
    assert_aws_error(
        ecs.delete_cluster().cluster("default").send().await,
        "ClusterNotFoundException",
        "Cluster not found.",
    );
}

#[tokio::test]
async fn task_definitions_revisions_families_and_defaults() {
    let (_emul, ecs) = setup().await;
    let arn = register_web(&ecs, "emul/testapp:latest").await;
    assert_eq!(
        arn,
        "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"
    );
    register_web(&ecs, "emul/testapp:v2").await;
    let d = ecs
        .describe_task_definition()
        .task_definition("web")
        .send()
        .await
        .unwrap();
    let td = d.task_definition().unwrap();
    assert_eq!(td.revision(), 2);
    let c = &td.container_definitions()[0];
    assert_eq!(c.essential(), Some(true));
    assert_eq!(c.port_mappings()[0].host_port(), Some(8080));
    ecs.deregister_task_definition()
        .task_definition("web:2")
        .send()
        .await
        .unwrap();
    let d = ecs
        .describe_task_definition()
        .task_definition("web")
        .send()
        .await
        .unwrap();
    assert_eq!(d.task_definition().unwrap().revision(), 1, "latest ACTIVE");
    assert_eq!(
        register_web(&ecs, "x").await.rsplit(':').next(),
        Some("3"),
        "revisions keep growing past a deregistered one"
    );
    let all = ecs
        .list_task_definitions()
        .family_prefix("web")
        .send()
        .await
        .unwrap();
    assert_eq!(all.task_definition_arns().len(), 2);
    // `familyPrefix` is "the full family name", whatever its name says.
    let partial = ecs
        .list_task_definitions()
        .family_prefix("we")
        .send()
        .await
        .unwrap();
    assert!(partial.task_definition_arns().is_empty());
    let inactive = ecs
        .list_task_definitions()
        .status(TaskDefinitionStatus::Inactive)
        .send()
        .await
        .unwrap();
    assert_eq!(inactive.task_definition_arns().len(), 1);
    let fams = ecs.list_task_definition_families().send().await.unwrap();
    assert_eq!(fams.families(), ["web"]);
    let none = ecs
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Inactive)
        .send()
        .await
        .unwrap();
    assert!(none.families().is_empty());
    assert_aws_error(
        ecs.describe_task_definition()
            .task_definition("nope")
            .send()
            .await,
        "ClientException",
        "Unable to describe task definition.",
    );
    assert_aws_error(
        ecs.register_task_definition()
            .family("bad")
            .container_definitions(ContainerDefinition::builder().name("a").image("i").build())
            .send()
            .await,
        "ClientException",
        "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.",
    );
}

#[tokio::test]
async fn services_lifecycle_deployments_and_errors() {
    let (emul, ecs) = setup().await;
    let subnet = emul.default_subnet(REGION).await;
    register_web(&ecs, "emul/testapp:latest").await;
    let created = ecs
        .create_service()
        .cluster("prod")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .network_configuration(network(&subnet))
        .tags(Tag::builder().key("k").value("v").build())
        .send()
        .await
        .unwrap();
    let s = created.service().unwrap();
    assert_eq!(
        s.service_arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:service/prod/web")
    );
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!(s.desired_count(), 2);
    assert_eq!(s.running_count(), 0);
    let dc = s.deployment_configuration().unwrap();
    assert_eq!(
        (dc.maximum_percent(), dc.minimum_healthy_percent()),
        (Some(200), Some(100))
    );
    assert_eq!(s.deployments().len(), 1);
    let d = &s.deployments()[0];
    assert_eq!(d.status(), Some("PRIMARY"));
    assert!(d.id().unwrap().starts_with("ecs-svc/"));
    assert_eq!(d.id().unwrap().len(), "ecs-svc/".len() + 19);

    assert_aws_error(
        ecs.create_service()
            .cluster("prod")
            .service_name("web")
            .task_definition("web")
            .desired_count(1)
            .network_configuration(network(&subnet))
            .send()
            .await,
        "InvalidParameterException",
        "Creation of service was not idempotent.",
    );
    assert_aws_error(
        ecs.create_service()
            .cluster("nope")
            .service_name("x")
            .task_definition("web")
            .desired_count(1)
            .send()
            .await,
        "ClusterNotFoundException",
        "Cluster not found.",
    );

    // desiredCount does not start a deployment; forceNewDeployment does.
    let u = ecs
        .update_service()
        .cluster("prod")
        .service("web")
        .desired_count(4)
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .minimum_healthy_percent(50)
                .maximum_percent(150)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(u.service().unwrap().deployments().len(), 1);
    assert_eq!(u.service().unwrap().desired_count(), 4);
    let u = ecs
        .update_service()
        .cluster("prod")
        .service("arn:aws:ecs:us-east-1:000000000000:service/prod/web")
        .force_new_deployment(true)
        .send()
        .await
        .unwrap();
    let deps = u.service().unwrap().deployments();
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0].status(), Some("PRIMARY"));
    assert_eq!(deps[1].status(), Some("ACTIVE"));
    assert_aws_error(
        ecs.update_service()
            .cluster("prod")
            .service("nope")
            .desired_count(1)
            .send()
            .await,
        "ServiceNotFoundException",
        "Service not found.",
    );

    let list = ecs.list_services().cluster("prod").send().await.unwrap();
    assert_eq!(list.service_arns().len(), 1);
    let d = ecs
        .describe_services()
        .cluster("prod")
        .services("web")
        .services("ghost")
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(d.services().len(), 1);
    assert_eq!(d.services()[0].tags().len(), 1);
    assert_eq!(d.failures()[0].reason(), Some("MISSING"));
    assert_eq!(
        d.failures()[0].arn(),
        // AWS names a missing service `service/<name>`, without the cluster.
        Some("arn:aws:ecs:us-east-1:000000000000:service/ghost")
    );

    assert_aws_error(
        ecs.delete_service()
            .cluster("prod")
            .service("web")
            .send()
            .await,
        "InvalidParameterException",
        "The service cannot be stopped while it is scaled above 0.",
    );
    assert_aws_error_code(
        ecs.delete_cluster().cluster("prod").send().await,
        "ClusterContainsServicesException",
    );
    let del = ecs
        .delete_service()
        .cluster("prod")
        .service("web")
        .force(true)
        .send()
        .await
        .unwrap();
    // Nothing runs without a runtime, so draining completes at once.
    assert_eq!(del.service().unwrap().status(), Some("INACTIVE"));
    let list = ecs.list_services().cluster("prod").send().await.unwrap();
    assert!(list.service_arns().is_empty());
    assert_aws_error(
        ecs.update_service()
            .cluster("prod")
            .service("web")
            .desired_count(1)
            .send()
            .await,
        "ServiceNotActiveException",
        "Service was not ACTIVE.",
    );
    ecs.delete_cluster().cluster("prod").send().await.unwrap();
}

#[tokio::test]
async fn tasks_run_stop_describe_list() {
    let (emul, ecs) = setup().await;
    let subnet = emul.default_subnet(REGION).await;
    register_web(&ecs, "emul/testapp:latest").await;
    assert_aws_error(
        ecs.run_task()
            .cluster("prod")
            .task_definition("web")
            .send()
            .await,
        "InvalidParameterException",
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    let run = ecs
        .run_task()
        .cluster("prod")
        .task_definition("web")
        .count(2)
        .started_by("ci")
        .network_configuration(network(&subnet))
        .send()
        .await
        .unwrap();
    assert_eq!(run.tasks().len(), 2);
    assert!(run.failures().is_empty());
    let t = &run.tasks()[0];
    assert_eq!(t.last_status(), Some("PROVISIONING"));
    assert_eq!(t.desired_status(), Some("RUNNING"));
    assert_eq!(t.group(), Some("family:web"));
    let arn = t.task_arn().unwrap().to_string();
    let id = arn.rsplit('/').next().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert!(arn.starts_with("arn:aws:ecs:us-east-1:000000000000:task/prod/"));

    let listed = ecs.list_tasks().cluster("prod").send().await.unwrap();
    assert_eq!(listed.task_arns().len(), 2);
    let by_started = ecs
        .list_tasks()
        .cluster("prod")
        .started_by("ci")
        .send()
        .await
        .unwrap();
    assert_eq!(by_started.task_arns().len(), 2);
    let by_family = ecs
        .list_tasks()
        .cluster("prod")
        .family("other")
        .send()
        .await
        .unwrap();
    assert!(by_family.task_arns().is_empty());

    let stopped = ecs
        .stop_task()
        .cluster("prod")
        .task(&id)
        .send()
        .await
        .unwrap();
    let st = stopped.task().unwrap();
    assert_eq!(st.desired_status(), Some("STOPPED"));
    assert_eq!(
        st.last_status(),
        Some("PROVISIONING"),
        "as StopTask found it"
    );
    assert_eq!(st.stop_code().map(|c| c.as_str()), Some("UserInitiated"));
    assert_eq!(st.stopped_reason(), Some("Task stopped by user"));
    assert!(st.stopping_at().is_some());
    let with_reason = ecs
        .stop_task()
        .cluster("prod")
        .task(run.tasks()[1].task_arn().unwrap())
        .reason("rotating")
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_reason.task().unwrap().stopped_reason(),
        Some("rotating")
    );

    let running = ecs.list_tasks().cluster("prod").send().await.unwrap();
    assert!(running.task_arns().is_empty());
    let stopped_list = ecs
        .list_tasks()
        .cluster("prod")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped_list.task_arns().len(), 2);

    let d = ecs
        .describe_tasks()
        .cluster("prod")
        .tasks(&arn)
        .tasks("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(d.tasks().len(), 1);
    assert_eq!(d.tasks()[0].last_status(), Some("STOPPED"));
    assert_eq!(d.failures()[0].reason(), Some("MISSING"));
    assert_aws_error(
        ecs.stop_task().cluster("prod").task("nope").send().await,
        "InvalidParameterException",
        "The referenced task was not found.",
    );
    assert_aws_error(
        ecs.describe_tasks()
            .cluster("nope")
            .tasks(&arn)
            .send()
            .await,
        "ClusterNotFoundException",
        "Cluster not found.",
    );

    // StartTask on a container instance the cluster does not have.
    let start = ecs
        .start_task()
        .cluster("prod")
        .task_definition("web")
        .container_instances("ci-1")
        .send()
        .await
        .unwrap();
    assert!(start.tasks().is_empty());
    assert_eq!(start.failures()[0].reason(), Some("MISSING"));
}

#[tokio::test]
async fn tags_on_clusters_services_and_task_definitions() {
    let (_emul, ecs) = setup().await;
    let cluster = "arn:aws:ecs:us-east-1:000000000000:cluster/prod";
    ecs.tag_resource()
        .resource_arn(cluster)
        .tags(Tag::builder().key("a").value("1").build())
        .tags(Tag::builder().key("b").value("2").build())
        .send()
        .await
        .unwrap();
    ecs.untag_resource()
        .resource_arn(cluster)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = ecs
        .list_tags_for_resource()
        .resource_arn(cluster)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), Some("b"));
    let td = register_web(&ecs, "i").await;
    ecs.tag_resource()
        .resource_arn(&td)
        .tags(Tag::builder().key("x").value("y").build())
        .send()
        .await
        .unwrap();
    let d = ecs
        .describe_task_definition()
        .task_definition(&td)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(d.tags().len(), 1);
    assert_aws_error(
        ecs.list_tags_for_resource()
            .resource_arn("arn:aws:ecs:us-east-1:000000000000:cluster/ghost")
            .send()
            .await,
        "ClusterNotFoundException",
        "Cluster not found.",
    );
}

#[tokio::test]
async fn raw_wire_errors_use_lowercase_message_and_the_type_header() {
    let emul = Emul::start();
    let r = emul
        .raw()
        .ecs(
            "DescribeServices",
            &serde_json::json!({"cluster": "x", "services": ["a"]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({"__type": "ClusterNotFoundException", "message": "Cluster not found."})
    );
    assert!(r.header("x-amzn-requestid").is_some());
    let r = emul
        .raw()
        .ecs("CreateCluster", &serde_json::json!({}))
        .await;
    assert_eq!(r.status, 200);
    let created_at_free = r.json();
    assert_eq!(created_at_free["cluster"]["clusterName"], "default");
    let r = emul.raw().ecs("NoSuchOp", &serde_json::json!({})).await;
    assert_eq!(r.json()["__type"], "UnknownOperationException");
}

/// Task-level cpu/memory in AWS's unit forms are stored and returned as
/// units (`"1 vCPU"` → `"1024"`, `"2 GB"` → `"2048"`); the task and
/// execution roles are echoed; a unit on the wrong member is refused.
#[tokio::test]
async fn task_definition_sizes_in_unit_forms_and_roles() {
    let (_emul, ecs) = setup().await;
    for (cpu, memory, want) in [
        ("1 vCPU", "2 GB", ("1024", "2048")),
        ("0.25 vCPU", "0.5GB", ("256", "512")),
        ("512", "1024", ("512", "1024")),
    ] {
        let out = ecs
            .register_task_definition()
            .family("sized")
            .network_mode(NetworkMode::Awsvpc)
            .cpu(cpu)
            .memory(memory)
            .task_role_arn("arn:aws:iam::000000000000:role/app-task")
            .execution_role_arn("arn:aws:iam::000000000000:role/ecsTaskExecutionRole")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("emul/testapp:latest")
                    .build(),
            )
            .send()
            .await
            .expect("register");
        let td = out.task_definition().unwrap();
        assert_eq!(
            (td.cpu(), td.memory()),
            (Some(want.0), Some(want.1)),
            "{cpu} {memory}"
        );
        let described = ecs
            .describe_task_definition()
            .task_definition(td.task_definition_arn().unwrap())
            .send()
            .await
            .unwrap();
        let td = described.task_definition().unwrap();
        assert_eq!((td.cpu(), td.memory()), (Some(want.0), Some(want.1)));
        assert_eq!(
            td.task_role_arn(),
            Some("arn:aws:iam::000000000000:role/app-task")
        );
        assert_eq!(
            td.execution_role_arn(),
            Some("arn:aws:iam::000000000000:role/ecsTaskExecutionRole")
        );
    }
    assert_aws_error(
        ecs.register_task_definition()
            .family("sized")
            .cpu("1 GB")
            .memory("512")
            .container_definitions(ContainerDefinition::builder().name("a").image("i").build())
            .send()
            .await,
        "InvalidParameterException",
        "Invalid 'cpu' setting for task: 1 GB",
    );
}

#[tokio::test]
async fn delete_task_definitions_takes_only_deregistered_revisions() {
    let (_emul, ecs) = setup().await;
    register_web(&ecs, "web:1").await;
    register_web(&ecs, "web:2").await;
    ecs.deregister_task_definition()
        .task_definition("web:1")
        .send()
        .await
        .unwrap();
    let out = ecs
        .delete_task_definitions()
        .task_definitions("web:1")
        .task_definitions("web:2")
        .task_definitions("web")
        .task_definitions("nope:1")
        .send()
        .await
        .unwrap();
    let deleted: Vec<_> = out
        .task_definitions()
        .iter()
        .map(|t| (t.revision(), t.status().map(|s| s.as_str().to_string())))
        .collect();
    assert_eq!(deleted, [(1, Some("DELETE_IN_PROGRESS".to_string()))]);
    let reasons: Vec<(&str, &str)> = out
        .failures()
        .iter()
        .map(|f| (f.arn().unwrap(), f.reason().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "web:2",
                "The specified task definition is still in ACTIVE status. Please deregister the target and try again."
            ),
            (
                "web",
                "The specified task definition identifier is invalid. Specify a valid name or ARN and try again."
            ),
            (
                "nope:1",
                "The specified task definition does not exist. Specify a valid account, family, revision and try again."
            ),
        ]
    );
}

#[tokio::test]
async fn account_settings_put_list_delete() {
    use aws_sdk_ecs::types::SettingName;
    let (_emul, ecs) = setup().await;
    let none = ecs.list_account_settings().send().await.unwrap();
    assert!(none.settings().is_empty());
    let put = ecs
        .put_account_setting()
        .name(SettingName::ContainerInsights)
        .value("enabled")
        .send()
        .await
        .unwrap();
    let s = put.setting().unwrap();
    assert_eq!(s.value(), Some("enabled"));
    assert_eq!(s.principal_arn(), Some("arn:aws:iam::000000000000:root"));
    ecs.put_account_setting_default()
        .name(SettingName::AwsvpcTrunking)
        .value("enabled")
        .send()
        .await
        .unwrap();
    let listed = ecs
        .list_account_settings()
        .value("enabled")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.settings().len(), 2);
    let effective = ecs
        .list_account_settings()
        .name(SettingName::TaskLongArnFormat)
        .effective_settings(true)
        .send()
        .await
        .unwrap();
    assert_eq!(effective.settings()[0].value(), Some("enabled"));
    ecs.delete_account_setting()
        .name(SettingName::ContainerInsights)
        .send()
        .await
        .unwrap();
    let left = ecs.list_account_settings().send().await.unwrap();
    assert_eq!(left.settings().len(), 1);
    let err = ecs
        .list_account_settings()
        .name(SettingName::from("unknown"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_ecs::error::ProvideErrorMetadata::code(&err),
        Some("InvalidParameterException")
    );
}
