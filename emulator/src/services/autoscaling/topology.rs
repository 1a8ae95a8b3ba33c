//! A topology service's `autoscaling` block, made real at `up`: the
//! service registered as a scalable target (min/max), and one
//! target-tracking policy per target the block names — CPU
//! (`ECSServiceAverageCPUUtilization`), memory
//! (`ECSServiceAverageMemoryUtilization`) and requests per target
//! (`ALBRequestCountPerTarget`, on the service's first target group) —
//! with its cooldowns. They go through the same operations as API calls,
//! so they are checked the same way and show in the API the same way.

use serde_json::{Value, json};

use super::ops;
use super::service::ApplicationAutoScaling;
use crate::gateway::registry::RequestContext;
use crate::topology::Topology;

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
    }
    Ok(())
}
