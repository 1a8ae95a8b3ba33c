//! A topology service's `autoscaling` block, made real at `up`: the
//! service registered as a scalable target (min/max), and one
//! target-tracking policy per target the block names — CPU
//! (`ECSServiceAverageCPUUtilization`), memory
//! (`ECSServiceAverageMemoryUtilization`) and requests per target
//! (`ALBRequestCountPerTarget`, on the service's first target group) —
//! with its cooldowns — and one step policy per `step_scaling` rule, with
//! the CloudWatch alarm that invokes it (as a Terraform
//! `aws_appautoscaling_policy` + `aws_cloudwatch_metric_alarm` pair would
//! make them). They go through the same operations as API calls, so they
//! are checked the same way and show in the API the same way.

use serde_json::{Value, json};

use super::ops;
use super::service::ApplicationAutoScaling;
use crate::gateway::registry::RequestContext;
use crate::services::cloudwatch::AlarmSpec;
use crate::topology::Topology;
use crate::topology::model::ecs::{StepMetric, StepRule};

/// Registers every `autoscaling` block of `topo`. `resource_label` gives a
/// target group's `app/<lb>/<id>/targetgroup/<tg>/<id>` by its name, when
/// a load balancer routes to it.
pub fn seed(
    aas: &ApplicationAutoScaling,
    account: &str,
    region: &str,
    topo: &Topology,
    resource_label: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let Some(cluster) = &topo.ecs_cluster else {
        return Ok(());
    };
    let ctx = RequestContext {
        request_id: "topology".into(),
        account: account.into(),
        region: region.into(),
    };
    let call = |op: &str, body: Value| {
        ops::dispatch(aas, &ctx, op, body).map_err(|e| format!("{op}: {}", e.message))
    };
    for s in &cluster.services {
        let Some(a) = &s.autoscaling else { continue };
        let resource = format!("service/{}/{}", cluster.name.value, s.name.value);
        let base = json!({
            "ServiceNamespace": "ecs",
            "ResourceId": resource,
            "ScalableDimension": "ecs:service:DesiredCount",
        });
        let with = |extra: Value| {
            let mut b = base.clone();
            for (k, v) in extra.as_object().into_iter().flatten() {
                b[k] = v.clone();
            }
            b
        };
        call(
            "RegisterScalableTarget",
            with(json!({"MinCapacity": a.min_capacity.value, "MaxCapacity": a.max_capacity.value})),
        )
        .map_err(|e| format!("service {}: autoscaling: {e}", s.name.value))?;
        let mut policies: Vec<(&str, Option<i64>, Value)> = vec![
            (
                "cpu",
                a.target_cpu_utilization.as_ref().map(|v| v.value),
                json!({"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}),
            ),
            (
                "memory",
                a.target_memory_utilization.as_ref().map(|v| v.value),
                json!({"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}),
            ),
        ];
        if let Some(target) = &a.target_requests_per_target {
            let tg = s
                .load_balancers
                .first()
                .map(|l| l.target_group.value.clone());
            let label = tg.as_deref().and_then(resource_label).ok_or_else(|| {
                format!(
                    "service {}: autoscaling: target_requests_per_target needs the service behind a load balancer's target group",
                    s.name.value
                )
            })?;
            policies.push((
                "requests",
                Some(target.value),
                json!({"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label}),
            ));
        }
        for (what, target, metric) in policies {
            let Some(target) = target else { continue };
            call(
                "PutScalingPolicy",
                with(json!({
                    "PolicyName": format!("{}-{what}-target-tracking", s.name.value),
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": target,
                        "PredefinedMetricSpecification": metric,
                        "ScaleInCooldown": a.scale_in_cooldown.value,
                        "ScaleOutCooldown": a.scale_out_cooldown.value,
                    },
                })),
            )
            .map_err(|e| format!("service {}: autoscaling: {e}", s.name.value))?;
        }
        for rule in &a.step_scaling {
            let (name, step) = step_policy(&s.name.value, rule);
            let out = call(
                "PutScalingPolicy",
                with(json!({
                    "PolicyName": name,
                    "PolicyType": "StepScaling",
                    "StepScalingPolicyConfiguration": step,
                })),
            )
            .map_err(|e| format!("service {}: autoscaling: {e}", s.name.value))?;
            let policy_arn = out["PolicyARN"].as_str().unwrap_or_default().to_string();
            aas.cloudwatch()
                .put_alarm(
                    region,
                    step_alarm(&cluster.name.value, &s.name.value, &name, rule, policy_arn),
                )
                .map_err(|e| {
                    format!(
                        "service {}: autoscaling alarm {name}: {}",
                        s.name.value, e.message
                    )
                })?;
        }
    }
    Ok(())
}

/// The policy name and `StepScalingPolicyConfiguration` of a rule: one
/// step from the threshold outwards.
fn step_policy(service: &str, rule: &StepRule) -> (String, Value) {
    let (side, threshold) = match (&rule.above, &rule.below) {
        (Some(v), _) => ("above", v.value),
        (None, Some(v)) => ("below", v.value),
        (None, None) => ("above", 0),
    };
    let metric = match rule.metric {
        StepMetric::Cpu => "cpu",
        StepMetric::Memory => "memory",
    };
    let step = if side == "above" {
        json!({"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": rule.adjustment.value})
    } else {
        json!({"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": rule.adjustment.value})
    };
    (
        format!("{service}-{metric}-{side}-{threshold}"),
        json!({
            "AdjustmentType": "ChangeInCapacity",
            "StepAdjustments": [step],
            "Cooldown": rule.cooldown.value,
            "MetricAggregationType": "Average",
        }),
    )
}

/// The alarm that invokes a rule's policy: the service's metric, averaged
/// per minute, beyond the threshold for all of the rule's periods.
fn step_alarm(
    cluster: &str,
    service: &str,
    name: &str,
    rule: &StepRule,
    policy_arn: String,
) -> AlarmSpec {
    let (comparison, threshold) = match (&rule.above, &rule.below) {
        (Some(v), _) => ("GreaterThanThreshold", v.value),
        (None, Some(v)) => ("LessThanThreshold", v.value),
        (None, None) => ("GreaterThanThreshold", 0),
    };
    let periods = rule.periods.value.clamp(1, 1440) as u32;
    AlarmSpec {
        name: name.to_string(),
        description: Some(format!("emul topology: step scaling of service {service}")),
        namespace: "AWS/ECS".into(),
        metric_name: match rule.metric {
            StepMetric::Cpu => "CPUUtilization",
            StepMetric::Memory => "MemoryUtilization",
        }
        .into(),
        dimensions: vec![
            ("ClusterName".into(), cluster.into()),
            ("ServiceName".into(), service.into()),
        ],
        statistic: "Average".into(),
        period_secs: 60,
        evaluation_periods: periods,
        datapoints_to_alarm: Some(periods),
        threshold: threshold as f64,
        comparison: comparison.into(),
        treat_missing_data: None,
        alarm_actions: vec![policy_arn],
        ok_actions: Vec::new(),
        unit: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::services::cloudwatch::CloudWatch;
    use crate::services::ecs::Ecs;
    use crate::services::ecs::model::Scope;

    const YAML: &str = r#"name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
ecs_cluster:
  name: c
  services:
    - name: web
      desired_count: 2
      subnets: [a]
      autoscaling:
        min_capacity: 2
        max_capacity: 10
        target_cpu_utilization: 70
        scale_out_cooldown: 60
        step_scaling:
          - { metric: cpu, above: 70, adjustment: 1, cooldown: 60 }
          - { metric: cpu, below: 30, adjustment: -1 }
      task_definition:
        cpu: 256
        memory: 512
        container_definitions:
          - { name: app, image: nginx }
"#;

    #[test]
    fn a_services_block_becomes_a_target_policies_and_alarms() {
        let topo = crate::topology::parse_str(YAML).unwrap();
        let ecs = Arc::new(Ecs::new());
        let scope = Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        };
        let no_names = |_: &str| None;
        let names = crate::services::ecs::topology::SeedNames {
            secret_value_from: &|_| None,
            target_group_arn: &no_names,
            reference: &|_| None,
        };
        crate::services::ecs::topology::seed(&ecs, &scope, &topo, &names).unwrap();
        let cw = Arc::new(CloudWatch::new("000000000000"));
        let aas = ApplicationAutoScaling::new(cw.clone(), ecs);
        seed(&aas, "000000000000", "us-east-1", &topo, &|_| None).unwrap();
        aas.read("000000000000", "us-east-1", |r| {
            let t = r.targets.values().next().unwrap();
            assert_eq!(
                (t.key.resource_id.as_str(), t.min, t.max),
                ("service/c/web", 2, 10)
            );
            let mut names: Vec<&str> = r.policies.values().map(|p| p.name.as_str()).collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "web-cpu-above-70",
                    "web-cpu-below-30",
                    "web-cpu-target-tracking"
                ]
            );
        });
        let alarms = cw.model().alarms("us-east-1").cloned().unwrap_or_default();
        let step: Vec<(&str, &str, f64)> = alarms
            .values()
            .filter(|a| !a.spec.name.starts_with("TargetTracking-"))
            .map(|a| {
                (
                    a.spec.name.as_str(),
                    a.spec.comparison.as_str(),
                    a.spec.threshold,
                )
            })
            .collect();
        assert_eq!(
            step,
            [
                ("web-cpu-above-70", "GreaterThanThreshold", 70.0),
                ("web-cpu-below-30", "LessThanThreshold", 30.0)
            ]
        );
        assert_eq!(alarms.len(), 4, "two tracking alarms and two step alarms");
    }
}
