//! Model tests: clusters, task definitions, services, deployments, tasks.

use serde_json::{Map, Value, json};

use super::service::{NewService, ServiceUpdate};
use super::task::NewTask;
use super::*;
use crate::services::ecs::errors::EcsError;

fn region() -> Region {
    Region::new(Scope::test())
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn web_td(r: &mut Region) -> String {
    r.register_task_definition(
        obj(json!({
            "family": "web",
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "0.5GB",
            "containerDefinitions": [{"name": "app", "image": "emul/testapp:latest",
                "portMappings": [{"containerPort": 8080}]}]
        })),
        1.0,
    )
    .unwrap()
}

fn with_cluster() -> Region {
    let mut r = region();
    r.create_cluster(Some("prod".into()), vec![], json!([]), None, 0.0)
        .unwrap();
    r
}

fn new_service(name: &str, desired: u32) -> NewService {
    NewService {
        name: name.into(),
        task_definition: "web".into(),
        desired_count: desired,
        network_configuration: Some(json!({"awsvpcConfiguration": {"subnets": ["private-a"]}})),
        ..NewService::default()
    }
}

#[test]
fn create_cluster_is_idempotent_and_delete_refuses_busy_clusters() {
    let mut r = with_cluster();
    r.create_cluster(Some("prod".into()), vec![], json!([]), None, 5.0)
        .unwrap();
    assert_eq!(r.clusters.len(), 1);
    assert_eq!(r.clusters["prod"].created_at, 0.0);
    web_td(&mut r);
    r.create_service("prod", new_service("web", 0), 2.0)
        .unwrap();
    assert_eq!(
        r.delete_cluster("prod"),
        Err(EcsError::ClusterContainsServices)
    );
    r.delete_service("prod", "web", false, 3.0).unwrap();
    assert_eq!(
        r.services[&("prod".into(), "web".into())].status,
        "INACTIVE"
    );
    r.delete_cluster("arn:aws:ecs:us-east-1:123456789012:cluster/prod")
        .unwrap();
    assert_eq!(
        r.active_cluster(Some("prod")).unwrap_err(),
        EcsError::ClusterNotFound
    );
    assert!(matches!(
        r.create_cluster(Some("bad name".into()), vec![], json!([]), None, 0.0),
        Err(EcsError::InvalidParameter(_))
    ));
}

#[test]
fn task_definitions_get_defaults_and_revisions_only_grow() {
    let mut r = region();
    let arn = web_td(&mut r);
    assert_eq!(
        arn,
        "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
    );
    let td = r.task_definition("web").unwrap().render();
    let c = &td["containerDefinitions"][0];
    assert_eq!(c["essential"], json!(true));
    assert_eq!(c["environment"], json!([]));
    assert_eq!(c["mountPoints"], json!([]));
    assert_eq!(c["volumesFrom"], json!([]));
    assert_eq!(c["portMappings"][0]["hostPort"], json!(8080));
    assert_eq!(c["portMappings"][0]["protocol"], json!("tcp"));
    assert_eq!(td["memory"], json!("512"));
    assert_eq!(td["compatibilities"], json!(["EC2", "FARGATE"]));
    web_td(&mut r);
    r.deregister_task_definition("web:2", 3.0).unwrap();
    for (reference, message) in [
        ("web", "Revision is missing."),
        ("web:foo", "Invalid revision number. Number: foo"),
    ] {
        assert_eq!(
            r.deregister_task_definition(reference, 3.0)
                .unwrap_err()
                .to_string(),
            message
        );
    }
    assert_eq!(r.task_definition("web").unwrap().revision, 1);
    assert_eq!(
        r.active_task_definition("web:2").unwrap_err(),
        EcsError::TaskDefinitionInactive
    );
    assert_eq!(web_td(&mut r).rsplit(':').next(), Some("3"));
    assert_eq!(
        r.task_definition("nope").unwrap_err(),
        EcsError::TaskDefinitionNotFound
    );
    assert_eq!(
        r.task_definition("web:9").unwrap_err(),
        EcsError::TaskDefinitionNotFound
    );
}

#[test]
fn container_definitions_are_checked() {
    let mut r = region();
    let err = r
        .register_task_definition(
            obj(json!({"family": "x", "containerDefinitions": [{"name": "a", "image": "i"}]})),
            0.0,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified."
    );
    let err = r
        .register_task_definition(
            obj(
                json!({"family": "x", "memory": "512", "containerDefinitions": [
                {"name": "a", "image": "i", "essential": false}]}),
            ),
            0.0,
        )
        .unwrap_err();
    assert_eq!(err.code(), "ClientException");
    let err = r
        .register_task_definition(obj(json!({"family": "x", "containerDefinitions": []})), 0.0)
        .unwrap_err();
    assert_eq!(err.code(), "ClientException");
    // Health-check defaults.
    r.register_task_definition(
        obj(
            json!({"family": "h", "memory": "512", "containerDefinitions": [
            {"name": "a", "image": "i", "healthCheck": {"command": ["CMD", "true"]}}]}),
        ),
        0.0,
    )
    .unwrap();
    let hc = &r.task_definition("h").unwrap().containers()[0]["healthCheck"];
    assert_eq!(
        (
            hc["interval"].clone(),
            hc["timeout"].clone(),
            hc["retries"].clone()
        ),
        (json!(30), json!(5), json!(3))
    );
}

#[test]
fn services_have_one_primary_deployment_and_updates_start_new_ones() {
    let mut r = with_cluster();
    web_td(&mut r);
    r.create_service("prod", new_service("web", 2), 1.0)
        .unwrap();
    assert_eq!(
        r.create_service("prod", new_service("web", 2), 1.0),
        Err(EcsError::ServiceNotIdempotent)
    );
    let s = r.service("prod", "web").unwrap();
    assert_eq!(s.deployments.len(), 1);
    assert_eq!(s.primary().status, "PRIMARY");
    assert_eq!(s.primary().rollout_state, "IN_PROGRESS");
    assert_eq!(s.deployment_configuration.maximum_percent, 200);
    let first = s.primary().id.clone();

    // desiredCount alone: no new deployment.
    r.update_service(
        "prod",
        "web",
        ServiceUpdate {
            desired_count: Some(4),
            ..Default::default()
        },
        2.0,
    )
    .unwrap();
    assert_eq!(r.service("prod", "web").unwrap().deployments.len(), 1);

    // forceNewDeployment: a new PRIMARY, the old one ACTIVE.
    r.update_service(
        "prod",
        "web",
        ServiceUpdate {
            force_new_deployment: true,
            ..Default::default()
        },
        3.0,
    )
    .unwrap();
    let s = r.service("prod", "web").unwrap();
    assert_eq!(s.deployments.len(), 2);
    assert_eq!(s.deployments[1].id, first);
    assert_eq!(s.deployments[1].status, "ACTIVE");
    assert_eq!(s.primary().desired_count, 4);

    // Missing service / inactive service.
    assert_eq!(
        r.update_service("prod", "nope", ServiceUpdate::default(), 4.0),
        Err(EcsError::ServiceNotFound)
    );
    assert_eq!(
        r.delete_service("prod", "web", false, 4.0),
        Err(EcsError::ServiceScaledAboveZero)
    );
    r.delete_service("prod", "web", true, 4.0).unwrap();
    assert_eq!(
        r.update_service("prod", "web", ServiceUpdate::default(), 5.0),
        Err(EcsError::ServiceNotActive)
    );
}

#[test]
fn awsvpc_services_need_subnets_and_load_balancers_need_a_known_port() {
    let mut r = with_cluster();
    web_td(&mut r);
    let mut s = new_service("web", 1);
    s.network_configuration = None;
    assert!(matches!(
        r.create_service("prod", s, 0.0),
        Err(EcsError::InvalidParameter(_))
    ));
    let mut s = new_service("web", 1);
    s.load_balancers =
        Some(json!([{"targetGroupArn": "tg", "containerName": "app", "containerPort": 9999}]));
    assert_eq!(
        r.create_service("prod", s, 0.0).unwrap_err().to_string(),
        "The container app did not have a container port 9999 defined."
    );
}

#[test]
fn events_are_newest_first_and_capped() {
    let mut r = with_cluster();
    web_td(&mut r);
    r.create_service("prod", new_service("web", 1), 0.0)
        .unwrap();
    let s = r.service_mut("prod", "web").unwrap();
    for i in 0..150 {
        s.event(format!("e{i}"), i as f64);
    }
    assert_eq!(s.events.len(), service::MAX_EVENTS);
    assert_eq!(s.events[0].message, "e149");
}

#[test]
fn task_lifecycle_moves_forward_only_and_stop_is_user_initiated() {
    let mut r = with_cluster();
    web_td(&mut r);
    let td = r.task_definition("web").unwrap().clone();
    let id = r.create_task(
        &td,
        NewTask {
            cluster: "prod".into(),
            ..Default::default()
        },
        1.0,
    );
    let t = &r.tasks[&id];
    assert_eq!(t.id.len(), 32);
    assert_eq!(t.group, "family:web");
    assert_eq!(t.last_status, TaskStatus::Provisioning);
    assert_eq!(t.launch_type, "FARGATE");
    let t = r.tasks.get_mut(&id).unwrap();
    t.advance(TaskStatus::Running, 2.0);
    t.advance(TaskStatus::Pending, 3.0);
    assert_eq!(t.last_status, TaskStatus::Running);
    assert_eq!(t.started_at, Some(2.0));
    r.stop_task("prod", &id, None, 4.0).unwrap();
    let t = &r.tasks[&id];
    assert_eq!(t.desired_status, TaskStatus::Stopped);
    assert_eq!(t.last_status, TaskStatus::Running);
    assert_eq!(t.stop_code.as_deref(), Some("UserInitiated"));
    assert_eq!(t.stopped_reason.as_deref(), Some("Task stopped by user"));
    assert_eq!(t.stopping_at, Some(4.0));
    let w = t.render("us-east-1");
    assert_eq!(w["desiredStatus"], "STOPPED");
    assert_eq!(w["lastStatus"], "RUNNING");
    assert_eq!(
        r.stop_task("prod", "nope", None, 5.0),
        Err(EcsError::TaskNotFound)
    );
    assert_eq!(
        r.stop_task("other", &id, None, 5.0),
        Err(EcsError::TaskNotFound)
    );
}

#[test]
fn task_health_follows_essential_containers() {
    let mut r = with_cluster();
    r.register_task_definition(
        obj(json!({"family": "h", "memory": "512", "containerDefinitions": [
            {"name": "a", "image": "i", "healthCheck": {"command": ["CMD", "true"]}},
            {"name": "b", "image": "i", "essential": false, "healthCheck": {"command": ["CMD", "true"]}}]})),
        0.0,
    )
    .unwrap();
    let td = r.task_definition("h").unwrap().clone();
    let id = r.create_task(
        &td,
        NewTask {
            cluster: "prod".into(),
            ..Default::default()
        },
        1.0,
    );
    let t = r.tasks.get_mut(&id).unwrap();
    t.recompute_health();
    assert_eq!(t.health_status, "UNKNOWN");
    t.containers[1].health_status = "UNHEALTHY".into();
    t.containers[0].health_status = "HEALTHY".into();
    t.recompute_health();
    assert_eq!(t.health_status, "HEALTHY");
    t.containers[0].health_status = "UNHEALTHY".into();
    t.recompute_health();
    assert_eq!(t.health_status, "UNHEALTHY");
}

#[test]
fn service_counts_follow_task_states_per_deployment() {
    let mut r = with_cluster();
    web_td(&mut r);
    r.create_service("prod", new_service("web", 2), 0.0)
        .unwrap();
    let dep = r.service("prod", "web").unwrap().primary().id.clone();
    let td = r.task_definition("web").unwrap().clone();
    let mk = |r: &mut Region| {
        r.create_task(
            &td,
            NewTask {
                cluster: "prod".into(),
                service: Some("web".into()),
                started_by: Some(dep.clone()),
                group: Some("service:web".into()),
                ..Default::default()
            },
            1.0,
        )
    };
    let a = mk(&mut r);
    let _b = mk(&mut r);
    r.tasks
        .get_mut(&a)
        .unwrap()
        .advance(TaskStatus::Running, 2.0);
    let s = r.service("prod", "web").unwrap().clone();
    assert_eq!(r.service_counts(&s, None), (1, 1));
    assert_eq!(r.service_counts(&s, Some(&dep)), (1, 1));
    assert_eq!(r.service_counts(&s, Some("ecs-svc/0")), (0, 0));
    let w = r.render_service(&s, false);
    assert_eq!(w["runningCount"], 1);
    assert_eq!(w["deployments"][0]["pendingCount"], 1);
    assert_eq!(r.cluster_counts("prod").running_tasks, 1);
    assert_eq!(r.cluster_counts("prod").active_services, 1);
}

#[test]
fn tags_merge_and_remove() {
    let mut r = with_cluster();
    let arn = r.clusters["prod"].arn.clone();
    assert!(r.resource_exists(&arn));
    assert!(!r.resource_exists("arn:aws:ecs:us-east-1:123456789012:cluster/nope"));
    r.merge_tags(
        &arn,
        vec![Tag {
            key: "a".into(),
            value: "1".into(),
        }],
    );
    r.merge_tags(
        &arn,
        vec![
            Tag {
                key: "a".into(),
                value: "2".into(),
            },
            Tag {
                key: "b".into(),
                value: "3".into(),
            },
        ],
    );
    assert_eq!(r.tags_of(&arn).len(), 2);
    assert_eq!(r.tags_of(&arn)[0].value, "2");
    r.remove_tags(&arn, &["a".into(), "b".into()]);
    assert!(r.tags_of(&arn).is_empty());
}

#[test]
fn discovery_names_resolve_to_running_healthy_tasks_only() {
    use super::task::EniAttachment;
    let mut r = with_cluster();
    r.register_task_definition(
        obj(
            json!({"family": "api", "networkMode": "awsvpc", "memory": "512",
            "containerDefinitions": [{"name": "a", "image": "i",
                "portMappings": [{"containerPort": 8080}],
                "healthCheck": {"command": ["CMD", "true"]}}]}),
        ),
        0.0,
    )
    .unwrap();
    web_td(&mut r);
    let mut api = new_service("api", 3);
    api.task_definition = "api".into();
    api.service_registries = Some(json!([{"emulName": "API.prod.local."}]));
    r.create_service("prod", api, 0.0).unwrap();
    r.create_service("prod", new_service("web", 1), 0.0)
        .unwrap();
    let mk = |r: &mut Region, family: &str, service: &str, last: u8| {
        let td = r.task_definition(family).unwrap().clone();
        let id = r.create_task(
            &td,
            NewTask {
                cluster: "prod".into(),
                service: Some(service.into()),
                ..Default::default()
            },
            1.0,
        );
        let t = r.tasks.get_mut(&id).unwrap();
        t.eni = Some(EniAttachment {
            id: "a".into(),
            ip: std::net::Ipv4Addr::new(10, 0, 1, last),
            subnet: "private-a".into(),
            eni_id: "eni-1".into(),
            mac: "02:00:00:00:00:01".into(),
        });
        id
    };
    let healthy = mk(&mut r, "api", "api", 7);
    let starting = mk(&mut r, "api", "api", 8);
    let pending = mk(&mut r, "api", "api", 9);
    let web = mk(&mut r, "web", "web", 20);
    for id in [&healthy, &starting, &web] {
        r.tasks
            .get_mut(id)
            .unwrap()
            .advance(TaskStatus::Running, 2.0);
    }
    r.tasks.get_mut(&healthy).unwrap().containers[0].health_status = "HEALTHY".into();
    for t in r.tasks.values_mut() {
        t.recompute_health();
    }
    let ip = |last| std::net::Ipv4Addr::new(10, 0, 1, last);
    // Only the RUNNING task whose health check passed; the one still in its
    // start period (UNKNOWN) and the PENDING one are not instances yet.
    assert_eq!(r.discovery_addresses("api.prod.local"), Some(vec![ip(7)]));
    assert_eq!(
        r.tasks[&pending].last_status,
        TaskStatus::Provisioning,
        "never advanced"
    );
    r.tasks.get_mut(&starting).unwrap().containers[0].health_status = "HEALTHY".into();
    r.tasks.get_mut(&starting).unwrap().recompute_health();
    assert_eq!(
        r.discovery_addresses("api.prod.local"),
        Some(vec![ip(7), ip(8)])
    );
    // Unhealthy: out at once.
    r.tasks.get_mut(&healthy).unwrap().containers[0].health_status = "UNHEALTHY".into();
    r.tasks.get_mut(&healthy).unwrap().recompute_health();
    assert_eq!(r.discovery_addresses("api.prod.local"), Some(vec![ip(8)]));
    // Stopping (desired STOPPED, still RUNNING): deregistered at once.
    r.stop_task("prod", &starting, None, 3.0).unwrap();
    assert_eq!(r.discovery_addresses("api.prod.local"), Some(vec![]));
    // A service without a registry has no name; unknown names are None.
    assert_eq!(r.discovery_addresses("web.prod.local"), None);
    assert_eq!(r.discovery_addresses("web"), None);
    assert_eq!(r.discovery_addresses("nope.prod.local"), None);
}

#[test]
fn task_sizes_in_unit_forms_are_stored_as_units_and_roles_are_echoed() {
    let mut r = region();
    for (cpu, memory, want_cpu, want_memory) in [
        (json!("1 vCPU"), json!("2 GB"), "1024", "2048"),
        (json!("0.25 vCPU"), json!("0.5GB"), "256", "512"),
        (json!("512"), json!("1024"), "512", "1024"),
        (json!(256), json!(512), "256", "512"),
    ] {
        r.register_task_definition(
            obj(json!({
                "family": "sized", "networkMode": "awsvpc", "cpu": cpu, "memory": memory,
                "taskRoleArn": "arn:aws:iam::123456789012:role/app-task",
                "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
                "containerDefinitions": [{"name": "app", "image": "img"}]
            })),
            1.0,
        )
        .unwrap();
        let td = r.task_definition("sized").unwrap().render();
        assert_eq!(td["cpu"], json!(want_cpu), "{cpu}");
        assert_eq!(td["memory"], json!(want_memory), "{memory}");
        assert_eq!(
            td["taskRoleArn"],
            json!("arn:aws:iam::123456789012:role/app-task")
        );
        assert_eq!(
            td["executionRoleArn"],
            json!("arn:aws:iam::123456789012:role/ecsTaskExecutionRole")
        );
    }
    for (member, value) in [("cpu", "1 GB"), ("memory", "1 vCPU"), ("cpu", "lots")] {
        let mut body = obj(json!({"family": "bad",
            "containerDefinitions": [{"name": "app", "image": "img", "memory": 64}]}));
        body.insert(member.into(), json!(value));
        assert_eq!(
            r.register_task_definition(body, 1.0).unwrap_err(),
            EcsError::InvalidParameter(format!("Invalid '{member}' setting for task: {value}"))
        );
    }
}
