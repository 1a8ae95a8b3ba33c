//! Application Auto Scaling through the official `aws-sdk-applicationautoscaling`
//! (and `aws-sdk-cloudwatch` for the alarm that drives a step policy),
//! against `emul serve --time-scale 60`: scalable targets over a
//! control-plane ECS service, bounds applied at once, target tracking's
//! alarms created and deleted with its policy, a step policy invoked by a
//! custom metric's alarm changing the service's desired count, the
//! activities with AWS's wording, and the error cases.

use aws_sdk_applicationautoscaling::types::{
    AdjustmentType, MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension,
    ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_cloudwatch::types::{ComparisonOperator, MetricDatum, Statistic};
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, NetworkConfiguration, NetworkMode,
};
use sdk_tests::{Emul, ServeOptions, assert_aws_error, assert_aws_error_contains};
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const RESOURCE: &str = "service/c/web";

async fn ecs_service(emul: &Emul) -> aws_sdk_ecs::Client {
    let ecs = emul.ecs_client(REGION).await;
    ecs.create_cluster().cluster_name("c").send().await.unwrap();
    ecs.register_task_definition()
        .family("web")
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster("c")
        .service_name("web")
        .task_definition("web")
        .desired_count(1)
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(emul.default_subnet(REGION).await)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs
}

async fn desired(ecs: &aws_sdk_ecs::Client) -> i32 {
    ecs.describe_services()
        .cluster("c")
        .services("web")
        .send()
        .await
        .unwrap()
        .services()[0]
        .desired_count()
}

#[tokio::test]
async fn scalable_targets_policies_alarms_and_activities() {
    let emul = Emul::start_with(ServeOptions {
        time_scale: Some(60),
        ..ServeOptions::default()
    });
    let ecs = ecs_service(&emul).await;
    let aas = emul.autoscaling_client(REGION).await;
    let cw = emul.cloudwatch_client(REGION).await;
    let register = |min: i32, max: i32, resource: &'static str| {
        aas.register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(min)
            .max_capacity(max)
            .send()
    };

    // Errors, with AWS's codes and messages.
    assert_aws_error(
        register(1, 3, "service/c/nope").await,
        "ValidationException",
        "ECS service doesn't exist: service/c/nope",
    );
    assert_aws_error(
        register(4, 2, RESOURCE).await,
        "ValidationException",
        "Minimum capacity cannot be greater than maximum capacity. Minimum capacity: 4, maximum capacity: 2",
    );
    let no_target = aas
        .put_scaling_policy()
        .policy_name("p")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::StepScaling)
        .send()
        .await;
    assert_aws_error(
        no_target,
        "ObjectNotFoundException",
        "No scalable target registered for service namespace: ecs, resource ID: service/c/web, scalable dimension: ecs:service:DesiredCount",
    );

    // Registering applies the bounds to the desired count at once.
    let arn = register(2, 4, RESOURCE).await.unwrap();
    assert!(
        arn.scalable_target_arn()
            .unwrap()
            .starts_with("arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/")
    );
    assert_eq!(desired(&ecs).await, 2);
    let targets = aas
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    let t = &targets.scalable_targets()[0];
    assert_eq!((t.min_capacity(), t.max_capacity()), (2, 4));
    assert!(
        t.role_arn()
            .ends_with("AWSServiceRoleForApplicationAutoScaling_ECSService")
    );
    let acts = aas
        .describe_scaling_activities()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .unwrap();
    let first = &acts.scaling_activities()[0];
    assert_eq!(first.description(), "Setting desired count to 2.");
    assert_eq!(first.cause(), "minimum capacity was set to 2");
    assert_eq!(first.status_code().as_str(), "Successful");

    // Target tracking owns two alarms, gone with the policy.
    let tracking = aas
        .put_scaling_policy()
        .policy_name("cpu50")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(50.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = tracking.alarms().iter().map(|a| a.alarm_name()).collect();
    assert_eq!(names.len(), 2);
    assert!(names[0].starts_with("TargetTracking-service/c/web-AlarmHigh-"));
    assert!(names[1].starts_with("TargetTracking-service/c/web-AlarmLow-"));
    let alarms = cw
        .describe_alarms()
        .alarm_names(names[1])
        .send()
        .await
        .unwrap();
    let low = &alarms.metric_alarms()[0];
    assert_eq!(low.threshold(), Some(45.0));
    assert_eq!(low.evaluation_periods(), Some(15));
    assert_eq!(low.metric_name(), Some("CPUUtilization"));
    assert_eq!(low.alarm_actions(), [tracking.policy_arn().to_string()]);
    aas.delete_scaling_policy()
        .policy_name("cpu50")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .unwrap();
    let left = cw
        .describe_alarms()
        .alarm_name_prefix("TargetTracking-")
        .send()
        .await
        .unwrap();
    assert!(left.metric_alarms().is_empty());

    // A step policy, invoked by the caller's own alarm on a custom metric.
    let step = aas
        .put_scaling_policy()
        .policy_name("queue-out")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::StepScaling)
        .step_scaling_policy_configuration(
            StepScalingPolicyConfiguration::builder()
                .adjustment_type(AdjustmentType::ChangeInCapacity)
                .cooldown(60)
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(0.0)
                        .metric_interval_upper_bound(20.0)
                        .scaling_adjustment(1)
                        .build()
                        .unwrap(),
                )
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(20.0)
                        .scaling_adjustment(2)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(step.alarms().is_empty());
    cw.put_metric_alarm()
        .alarm_name("queue-high")
        .namespace("App")
        .metric_name("QueueDepth")
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(1)
        .threshold(100.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions(step.policy_arn())
        .send()
        .await
        .unwrap();
    // 130 is 30 past the threshold: the second step, +2.
    let deadline = Instant::now() + Duration::from_secs(30);
    while desired(&ecs).await != 4 {
        assert!(Instant::now() < deadline, "the step policy never acted");
        cw.put_metric_data()
            .namespace("App")
            .metric_data(
                MetricDatum::builder()
                    .metric_name("QueueDepth")
                    .value(130.0)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let acts = aas
        .describe_scaling_activities()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .unwrap();
    let newest = &acts.scaling_activities()[0];
    assert_eq!(newest.description(), "Setting desired count to 4.");
    assert_eq!(
        newest.cause(),
        "monitor alarm queue-high in state ALARM triggered policy queue-out"
    );
    assert_eq!(
        newest.status_message(),
        Some("Successfully set desired count to 4. Change successfully fulfilled by ecs.")
    );
    // At max: the next invocations are not-scaled activities, listed only
    // when asked for.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = aas
            .describe_scaling_activities()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(RESOURCE)
            .include_not_scaled_activities(true)
            .send()
            .await
            .unwrap();
        let not_scaled = all
            .scaling_activities()
            .iter()
            .find(|a| !a.not_scaled_reasons().is_empty());
        if let Some(a) = not_scaled {
            assert_eq!(a.not_scaled_reasons()[0].code(), "AlreadyAtMaxCapacity");
            assert_eq!(a.not_scaled_reasons()[0].max_capacity(), Some(4));
            break;
        }
        assert!(Instant::now() < deadline, "no not-scaled activity at max");
        cw.put_metric_data()
            .namespace("App")
            .metric_data(
                MetricDatum::builder()
                    .metric_name("QueueDepth")
                    .value(130.0)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let listed = aas
        .describe_scaling_activities()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .scaling_activities()
            .iter()
            .all(|a| a.not_scaled_reasons().is_empty())
    );

    // Deregistering removes the target and its policies.
    aas.deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .unwrap();
    let policies = aas
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    assert!(policies.scaling_policies().is_empty());
    let again = aas
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await;
    assert!(again.is_err());
}

/// `at(...)` of a time `secs` seconds from now, UTC.
fn at_in(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = aws_smithy_types::DateTime::from_secs((now + secs) as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    format!("at({})", t.trim_end_matches('Z'))
}

#[tokio::test]
async fn scheduled_actions_put_describe_delete_and_run() {
    use aws_sdk_applicationautoscaling::types::ScalableTargetAction;
    use aws_smithy_types::DateTime;

    let emul = Emul::start_with(ServeOptions {
        time_scale: Some(60),
        ..ServeOptions::default()
    });
    let ecs = ecs_service(&emul).await;
    let aas = emul.autoscaling_client(REGION).await;
    let bounds = |min: i32, max: i32| {
        ScalableTargetAction::builder()
            .min_capacity(min)
            .max_capacity(max)
            .build()
    };
    let put = |name: &str, schedule: &str| {
        aas.put_scheduled_action()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(RESOURCE)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .scheduled_action_name(name)
            .schedule(schedule)
    };

    // No target yet.
    assert_aws_error(
        put("night", "cron(0 20 * * ? *)")
            .scalable_target_action(bounds(0, 1))
            .send()
            .await,
        "ObjectNotFoundException",
        "No scalable target registered for service namespace: ecs, resource ID: service/c/web, scalable dimension: ecs:service:DesiredCount",
    );
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(1)
        .max_capacity(3)
        .send()
        .await
        .unwrap();

    // Bad schedules, time zones, names and bounds.
    assert_aws_error(
        put("bad", "cron(0 20 * * *)")
            .scalable_target_action(bounds(0, 1))
            .send()
            .await,
        "ValidationException",
        "Schedule cron(0 20 * * *) is not valid: a cron expression has six fields (minutes hours day-of-month month day-of-week year), got 5",
    );
    assert_aws_error_contains(
        put("bad", "rate(1 week)")
            .scalable_target_action(bounds(0, 1))
            .send()
            .await,
        "ValidationException",
        "Schedule rate(1 week) is not valid",
    );
    assert_aws_error_contains(
        put("bad", "cron(0 20 * * ? *)")
            .timezone("Europe/London")
            .scalable_target_action(bounds(0, 1))
            .send()
            .await,
        "ValidationException",
        "Timezone Europe/London is not supported",
    );
    assert_aws_error_contains(
        put("a/b", "cron(0 20 * * ? *)")
            .scalable_target_action(bounds(0, 1))
            .send()
            .await,
        "ValidationException",
        "at 'scheduledActionName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    assert_aws_error(
        put("bad", "cron(0 20 * * ? *)")
            .scalable_target_action(bounds(3, 2))
            .send()
            .await,
        "ValidationException",
        "Minimum capacity cannot be greater than maximum capacity. Minimum capacity: 3, maximum capacity: 2",
    );

    // Put, describe (filters, paging), update in place.
    put("night", "cron(0 20 ? * MON-FRI *)")
        .timezone("Asia/Tokyo")
        .start_time(DateTime::from_secs(1_900_000_000))
        .end_time(DateTime::from_secs(2_000_000_000))
        .scalable_target_action(bounds(0, 1))
        .send()
        .await
        .unwrap();
    put("hourly", "rate(1 hour)")
        .scalable_target_action(ScalableTargetAction::builder().min_capacity(2).build())
        .send()
        .await
        .unwrap();
    let all = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = all
        .scheduled_actions()
        .iter()
        .map(|a| a.scheduled_action_name())
        .collect();
    assert_eq!(names, ["hourly", "night"]);
    let night = &all.scheduled_actions()[1];
    assert!(
        night
            .scheduled_action_arn()
            .starts_with("arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:")
    );
    assert!(
        night
            .scheduled_action_arn()
            .ends_with(":resource/ecs/service/c/web:scheduledActionName/night")
    );
    assert_eq!(night.schedule(), "cron(0 20 ? * MON-FRI *)");
    assert_eq!(night.timezone(), Some("Asia/Tokyo"));
    assert_eq!(night.start_time().map(|t| t.secs()), Some(1_900_000_000));
    assert_eq!(night.end_time().map(|t| t.secs()), Some(2_000_000_000));
    let action = night.scalable_target_action().unwrap();
    assert_eq!(
        (action.min_capacity(), action.max_capacity()),
        (Some(0), Some(1))
    );
    let hourly = &all.scheduled_actions()[0];
    assert_eq!(
        hourly.scalable_target_action().unwrap().max_capacity(),
        None
    );
    let first = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.scheduled_actions().len(), 1);
    let rest = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.scheduled_actions()[0].scheduled_action_name(), "night");
    assert!(rest.next_token().is_none());
    let by_name = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_names("night")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.scheduled_actions().len(), 1);
    put("night", "cron(30 21 ? * MON-FRI *)")
        .send()
        .await
        .unwrap();
    let updated = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_names("night")
        .send()
        .await
        .unwrap();
    let updated = &updated.scheduled_actions()[0];
    assert_eq!(updated.scheduled_action_arn(), night.scheduled_action_arn());
    assert_eq!(updated.schedule(), "cron(30 21 ? * MON-FRI *)");
    assert_eq!(updated.timezone(), Some("Asia/Tokyo"));
    assert_eq!(updated.start_time(), None, "left out: cleared");
    assert_eq!(
        updated.scalable_target_action(),
        night.scalable_target_action()
    );

    // Delete, and its error.
    let delete = |name: &str| {
        aas.delete_scheduled_action()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(RESOURCE)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .scheduled_action_name(name)
            .send()
    };
    delete("hourly").await.unwrap();
    assert_aws_error(
        delete("hourly").await,
        "ObjectNotFoundException",
        "No scheduled action found for service namespace: ecs, resource ID: service/c/web, scalable dimension: ecs:service:DesiredCount, scheduled action name: hourly",
    );

    // An at() two seconds ahead runs on the wall clock: min 3, max 5
    // raise the desired count from 1 to 3.
    assert_eq!(desired(&ecs).await, 1);
    put("soon", &at_in(2))
        .scalable_target_action(bounds(3, 5))
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while desired(&ecs).await != 3 {
        assert!(Instant::now() < deadline, "the scheduled action never ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let targets = aas
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    let t = &targets.scalable_targets()[0];
    assert_eq!((t.min_capacity(), t.max_capacity()), (3, 5));
    let acts = aas
        .describe_scaling_activities()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .send()
        .await
        .unwrap();
    let acts = acts.scaling_activities();
    assert_eq!(acts[0].description(), "Setting desired count to 3.");
    assert_eq!(acts[0].cause(), "minimum capacity was set to 3");
    assert_eq!(
        acts[1].description(),
        "Setting min capacity to 3 and max capacity to 5"
    );
    assert_eq!(acts[1].cause(), "scheduled action name soon was triggered");
    assert_eq!(
        acts[1].status_message(),
        Some("Successfully set min capacity to 3 and max capacity to 5")
    );

    // Deregistering the target removes its scheduled actions.
    aas.deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .unwrap();
    let left = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    assert!(left.scheduled_actions().is_empty());
}
