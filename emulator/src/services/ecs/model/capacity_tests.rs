//! Model tests: capacity providers, strategies and task sets.

use serde_json::{Map, Value, json};

use super::capacity_provider::{normalize_strategy, pick_provider};
use super::service::NewService;
use super::task_set::NewTaskSet;
use super::*;
use crate::services::ecs::errors::EcsError;

fn with_cluster() -> Region {
    let mut r = Region::new(Scope::test());
    r.create_cluster(Some("prod".into()), vec![], json!([]), None, 0.0)
        .unwrap();
    let body: Map<String, Value> = json!({
        "family": "web",
        "containerDefinitions": [{"name": "app", "image": "emul/testapp:latest", "memory": 128}]
    })
    .as_object()
    .cloned()
    .unwrap();
    r.register_task_definition(body, 1.0).unwrap();
    r
}

#[test]
fn providers_get_ecs_defaults_and_merge_updates() {
    let mut r = with_cluster();
    let p = r
        .create_capacity_provider("asg1", &json!({"autoScalingGroupArn": "asg:arn"}), vec![])
        .unwrap();
    assert_eq!(p.asg_provider["managedScaling"]["targetCapacity"], 100);
    assert_eq!(p.asg_provider["managedTerminationProtection"], "DISABLED");
    assert!(
        r.create_capacity_provider("asg1", &json!({"autoScalingGroupArn": "x"}), vec![])
            .is_err()
    );
    assert!(
        r.create_capacity_provider("fargate-x", &json!({"autoScalingGroupArn": "x"}), vec![])
            .is_err()
    );
    let p = r
        .update_capacity_provider(
            "asg1",
            &json!({"managedScaling": {"instanceWarmupPeriod": 0}}),
        )
        .unwrap();
    assert_eq!(p.asg_provider["managedScaling"]["instanceWarmupPeriod"], 0);
    assert_eq!(
        p.asg_provider["managedScaling"]["maximumScalingStepSize"],
        10000
    );
    assert!(
        r.update_capacity_provider("asg1", &json!({"managedScaling": {"targetCapacity": 0}}))
            .is_err()
    );
    // The managed providers always exist and cannot be deleted.
    assert!(r.render_capacity_provider("FARGATE_SPOT", false).is_some());
    assert!(r.delete_capacity_provider("FARGATE").is_err());
}

#[test]
fn a_provider_in_use_by_a_cluster_cannot_be_deleted() {
    let mut r = with_cluster();
    r.create_capacity_provider("asg1", &json!({"autoScalingGroupArn": "asg:arn"}), vec![])
        .unwrap();
    let strategy = normalize_strategy(&[json!({"capacityProvider": "asg1", "weight": 1})]).unwrap();
    assert!(
        r.check_cluster_providers(&["FARGATE".into()], &strategy)
            .is_err()
    );
    r.check_cluster_providers(&["asg1".into()], &strategy)
        .unwrap();
    r.clusters.get_mut("prod").unwrap().capacity_providers = vec!["asg1".into()];
    assert!(matches!(
        r.delete_capacity_provider("asg1"),
        Err(EcsError::Client(_))
    ));
    r.clusters
        .get_mut("prod")
        .unwrap()
        .capacity_providers
        .clear();
    assert_eq!(r.delete_capacity_provider("asg1").unwrap().name, "asg1");
    assert!(!r.capacity_provider_exists("asg1"));
}

#[test]
fn strategies_check_bounds_and_spread_by_base_then_weight() {
    assert!(normalize_strategy(&[json!({"capacityProvider": "A", "weight": 1001})]).is_err());
    assert!(
        normalize_strategy(&[
            json!({"capacityProvider": "A", "base": 1}),
            json!({"capacityProvider": "B", "base": 1}),
        ])
        .is_err()
    );
    let s = normalize_strategy(&[
        json!({"capacityProvider": "FARGATE", "weight": 1}),
        json!({"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 2}),
    ])
    .unwrap();
    assert_eq!(s[0]["base"], 0);
    let picks: Vec<String> = (0..6).map(|n| pick_provider(&s, n).unwrap()).collect();
    assert_eq!(
        picks,
        [
            "FARGATE_SPOT",
            "FARGATE_SPOT",
            "FARGATE",
            "FARGATE_SPOT",
            "FARGATE_SPOT",
            "FARGATE_SPOT"
        ]
    );
}

#[test]
fn the_cluster_default_strategy_applies_without_a_launch_type() {
    let mut r = with_cluster();
    let strategy =
        normalize_strategy(&[json!({"capacityProvider": "FARGATE", "weight": 1})]).unwrap();
    r.clusters.get_mut("prod").unwrap().default_strategy = strategy.clone();
    assert_eq!(r.resolve_strategy("prod", None, None).unwrap(), strategy);
    assert!(
        r.resolve_strategy("prod", None, Some("EC2"))
            .unwrap()
            .is_empty()
    );
    let given = json!([{"capacityProvider": "FARGATE_SPOT"}]);
    assert!(matches!(
        r.resolve_strategy("prod", Some(&given), Some("FARGATE")),
        Err(EcsError::InvalidParameter(_))
    ));
    let missing = json!([{"capacityProvider": "nope"}]);
    assert!(r.resolve_strategy("prod", Some(&missing), None).is_err());
}

fn external_service(r: &mut Region, controller: &str) {
    r.create_service(
        "prod",
        NewService {
            name: "svc".into(),
            // An ECS-controlled service needs its task definition.
            task_definition: if controller == "ECS" {
                "web".into()
            } else {
                String::new()
            },
            desired_count: 4,
            deployment_controller: Some(controller.into()),
            ..NewService::default()
        },
        1.0,
    )
    .unwrap();
}

#[test]
fn external_services_need_no_task_definition_and_have_no_deployment() {
    let mut r = with_cluster();
    assert!(matches!(
        r.create_service(
            "prod",
            NewService {
                name: "ecs".into(),
                desired_count: 1,
                ..NewService::default()
            },
            1.0
        ),
        Err(EcsError::InvalidParameter(_))
    ));
    external_service(&mut r, "EXTERNAL");
    let s = r.service("prod", "svc").unwrap();
    assert!(s.deployments.is_empty());
    let out = r.render_service(s, false);
    assert!(out.get("taskDefinition").is_none());
    assert_eq!(out["taskSets"], json!([]));
    let redeploy = super::service::ServiceUpdate {
        task_definition: Some("web".into()),
        ..Default::default()
    };
    assert!(r.update_service("prod", "svc", redeploy, 2.0).is_err());
    let scale = super::service::ServiceUpdate {
        desired_count: Some(3),
        ..Default::default()
    };
    r.update_service("prod", "svc", scale, 2.0).unwrap();
    assert!(r.service("prod", "svc").unwrap().deployments.is_empty());
}

#[test]
fn task_sets_scale_and_swap_the_primary() {
    let mut r = with_cluster();
    external_service(&mut r, "EXTERNAL");
    let new = || NewTaskSet {
        task_definition: "web".into(),
        ..NewTaskSet::default()
    };
    let a = r.create_task_set("prod", "svc", new(), 2.0).unwrap();
    let b = r.create_task_set("prod", "svc", new(), 3.0).unwrap();
    assert!(a.starts_with("ecs-svc/") && a.len() == "ecs-svc/".len() + 19);
    let ts = r.task_set("prod", "svc", &a).unwrap();
    assert_eq!(ts.status, "ACTIVE");
    let out = r.render_task_set(ts, false);
    assert_eq!(out["computedDesiredCount"], 4);
    assert_eq!(out["stabilityStatus"], "STABILIZING");
    assert_eq!(out["launchType"], "EC2");

    r.update_task_set("prod", "svc", &a, 25.0, 4.0).unwrap();
    let out = r.render_task_set(r.task_set("prod", "svc", &a).unwrap(), false);
    assert_eq!(out["computedDesiredCount"], 1);
    assert!(r.update_task_set("prod", "svc", &a, 101.0, 4.0).is_err());

    r.set_primary_task_set("prod", "svc", &a, 5.0).unwrap();
    r.set_primary_task_set("prod", "svc", &b, 6.0).unwrap();
    let statuses: Vec<&str> = r
        .task_sets_of("prod", "svc")
        .unwrap()
        .iter()
        .map(|t| t.status.as_str())
        .collect();
    assert_eq!(statuses, ["ACTIVE", "PRIMARY"]);
    let service = r.render_service(r.service("prod", "svc").unwrap(), false);
    assert!(
        service["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with("task-definition/web:1")
    );

    // Partial ARN (`ecs-svc/<n>`) and full ARN both name a set.
    let arn = r.task_set("prod", "svc", &b).unwrap().arn.clone();
    assert!(r.resource_exists(&arn));
    let gone = r.delete_task_set("prod", "svc", &arn, 7.0).unwrap();
    assert_eq!(gone["status"], "DRAINING");
    assert_eq!(
        r.task_set("prod", "svc", &b),
        Err(EcsError::TaskSetNotFound)
    );
}

#[test]
fn task_sets_need_an_external_controller() {
    let mut r = with_cluster();
    external_service(&mut r, "ECS");
    let err = r
        .create_task_set(
            "prod",
            "svc",
            NewTaskSet {
                task_definition: "web".into(),
                ..NewTaskSet::default()
            },
            1.0,
        )
        .unwrap_err();
    assert!(
        matches!(err, EcsError::InvalidParameter(m) if m.contains("external deployment controllers"))
    );
}

#[test]
fn a_new_strategy_on_update_service_starts_a_deployment_and_drops_the_launch_type() {
    let mut r = with_cluster();
    let strategy =
        normalize_strategy(&[json!({"capacityProvider": "FARGATE", "weight": 1})]).unwrap();
    r.create_service(
        "prod",
        NewService {
            name: "svc".into(),
            task_definition: "web".into(),
            desired_count: 1,
            capacity_provider_strategy: strategy.clone(),
            ..NewService::default()
        },
        1.0,
    )
    .unwrap();
    let out = r.render_service(r.service("prod", "svc").unwrap(), false);
    assert!(out.get("launchType").is_none());
    assert_eq!(out["capacityProviderStrategy"], json!(strategy));
    assert_eq!(r.service("prod", "svc").unwrap().launch_type, "FARGATE");
    let spot =
        normalize_strategy(&[json!({"capacityProvider": "FARGATE_SPOT", "weight": 1})]).unwrap();
    r.update_service(
        "prod",
        "svc",
        super::service::ServiceUpdate {
            capacity_provider_strategy: Some(spot),
            ..Default::default()
        },
        2.0,
    )
    .unwrap();
    assert_eq!(r.service("prod", "svc").unwrap().deployments.len(), 2);
}
