//! [`ApplicationAutoScaling`]: the model behind a lock, plugged into the
//! gateway; the CloudWatch alarms of target-tracking policies; and what
//! happens when an alarm invokes a policy ([`ApplicationAutoScaling::on_alarm`]).
//!
//! State is in memory, like ECS's: the topology's targets and policies are
//! re-created at every `up`, and the services they scale do not outlive
//! the daemon either.
//!
//! The loop that feeds alarms to policies is [`super::driver`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::ScalingError;
use super::model::decide::{self, Capacity, Outcome};
use super::model::policy::{PolicyConfig, TrackingAlarm};
use super::model::{Activity, Region, ScalingPolicy, Secs, TargetKey};
use super::ops;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::services::cloudwatch::{AlarmInvocation, AlarmSpec, AlarmState, CloudWatch};
use crate::wiring::ScalableResources;

/// The awsJson1_1 target prefix.
pub const TARGET_PREFIX: &str = "AnyScaleFrontendService";

/// The current time, epoch seconds with millisecond precision.
pub fn now() -> Secs {
    secs(SystemTime::now())
}

fn secs(t: SystemTime) -> Secs {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64 / 1000.0)
        .unwrap_or(0.0)
}

/// The Application Auto Scaling service.
pub struct ApplicationAutoScaling {
    /// Every (account, region)'s state.
    regions: RwLock<HashMap<(String, String), Region>>,
    /// Where target-tracking policies keep their alarms.
    cloudwatch: Arc<CloudWatch>,
    /// The ECS services whose desired count is scaled.
    resources: Arc<dyn ScalableResources>,
    /// AWS seconds per real second (f64 bits): cooldowns are divided by it.
    time_scale: AtomicU64,
}

impl ApplicationAutoScaling {
    /// A service that scales `resources` and keeps alarms in `cloudwatch`.
    pub fn new(cloudwatch: Arc<CloudWatch>, resources: Arc<dyn ScalableResources>) -> Self {
        ApplicationAutoScaling {
            regions: RwLock::default(),
            cloudwatch,
            resources,
            time_scale: AtomicU64::new(1.0f64.to_bits()),
        }
    }

    /// Seconds of AWS time per real second (a topology's `time_scale`):
    /// a 300 s cooldown lasts 300 / scale real seconds.
    pub fn set_time_scale(&self, scale: f64) {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        self.time_scale.store(scale.to_bits(), Ordering::Relaxed);
    }

    fn time_scale(&self) -> f64 {
        f64::from_bits(self.time_scale.load(Ordering::Relaxed))
    }

    /// Reads one region.
    pub fn read<T>(&self, account: &str, region: &str, f: impl FnOnce(&Region) -> T) -> T {
        let regions = self.regions.read().unwrap_or_else(|p| p.into_inner());
        match regions.get(&(account.to_string(), region.to_string())) {
            Some(r) => f(r),
            None => f(&Region::new(account, region)),
        }
    }

    /// Changes one region.
    pub fn write<T>(&self, account: &str, region: &str, f: impl FnOnce(&mut Region) -> T) -> T {
        let mut regions = self.regions.write().unwrap_or_else(|p| p.into_inner());
        let r = regions
            .entry((account.to_string(), region.to_string()))
            .or_insert_with(|| Region::new(account, region));
        f(r)
    }

    /// The ECS services.
    pub fn resources(&self) -> &dyn ScalableResources {
        &*self.resources
    }

    /// The CloudWatch whose alarms invoke the policies (a topology's step
    /// rules put their alarms there, as a user's PutMetricAlarm would).
    pub fn cloudwatch(&self) -> &CloudWatch {
        &self.cloudwatch
    }

    /// Creates (or replaces) the alarms a target-tracking policy owns, and
    /// deletes `stale` ones it no longer does.
    pub fn put_alarms(
        &self,
        region: &str,
        policy_arn: &str,
        alarms: &[TrackingAlarm],
        stale: &[TrackingAlarm],
    ) -> Result<(), AwsError> {
        let keep: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
        let gone: Vec<String> = stale
            .iter()
            .filter(|a| !keep.contains(&a.name.as_str()))
            .map(|a| a.name.clone())
            .collect();
        self.cloudwatch.delete_alarms(region, &gone);
        for a in alarms {
            self.cloudwatch.put_alarm(
                region,
                AlarmSpec {
                    name: a.name.clone(),
                    description: Some(format!(
                        "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}."
                    )),
                    namespace: a.metric.namespace.clone(),
                    metric_name: a.metric.name.clone(),
                    dimensions: a.metric.dimensions.clone(),
                    statistic: a.metric.statistic.clone(),
                    period_secs: 60,
                    evaluation_periods: a.evaluation_periods,
                    datapoints_to_alarm: Some(a.evaluation_periods),
                    threshold: a.threshold,
                    comparison: a.comparison.to_string(),
                    treat_missing_data: None,
                    alarm_actions: vec![policy_arn.to_string()],
                    ok_actions: Vec::new(),
                    unit: a.metric.unit.clone(),
                },
            )?;
        }
        Ok(())
    }

    /// Deletes the alarms of removed policies.
    pub fn drop_alarms(&self, region: &str, policies: &[ScalingPolicy]) {
        let names: Vec<String> = policies
            .iter()
            .flat_map(|p| p.alarms.iter().map(|a| a.name.clone()))
            .collect();
        self.cloudwatch.delete_alarms(region, &names);
    }

    /// Brings an ECS service's desired count within a target's new bounds,
    /// as RegisterScalableTarget does, with the activity that says so.
    pub fn enforce_bounds(&self, account: &str, region: &str, key: &TargetKey) {
        let Some((cluster, service)) = key.ecs_service() else {
            return;
        };
        let Some((min, max)) = self.read(account, region, |r| {
            r.targets.get(key).map(|t| (t.min, t.max))
        }) else {
            return;
        };
        let Some(current) = self.resources.desired(account, region, cluster, service) else {
            return;
        };
        let (to, cause) = if current < min {
            (min, format!("minimum capacity was set to {min}"))
        } else if current > max {
            (max, format!("maximum capacity was set to {max}"))
        } else {
            return;
        };
        self.scale(account, region, key, current, to, &cause);
    }

    /// Runs every account's and region's scheduled actions due at `t`
    /// (wall-clock epoch seconds: schedules are not scaled by
    /// `time_scale`), then brings each changed target's capacity inside
    /// its new bounds, through the same path as the policies.
    pub fn run_scheduled(&self, t: Secs) {
        let scopes: Vec<(String, String)> = {
            let regions = self.regions.read().unwrap_or_else(|p| p.into_inner());
            regions
                .iter()
                .filter(|(_, r)| !r.scheduled.is_empty())
                .map(|(k, _)| k.clone())
                .collect()
        };
        for (account, region) in scopes {
            let changed = self.write(&account, &region, |r| r.run_due(t));
            for key in changed {
                self.enforce_bounds(&account, &region, &key);
            }
        }
    }

    /// Acts on one alarm invocation: the policy it names (by ARN) scales
    /// its target when the alarm is in ALARM. Invocations for other
    /// accounts' or unknown policies are ignored, as AWS drops actions
    /// whose policy is gone.
    pub fn on_alarm(&self, account: &str, inv: &AlarmInvocation) {
        if inv.state != AlarmState::Alarm {
            return;
        }
        let region = inv.region.as_str();
        let Some(policy) = self.read(account, region, |r| {
            r.policy_by_arn(&inv.action_arn).cloned()
        }) else {
            return;
        };
        let Some(target) = self.read(account, region, |r| r.targets.get(&policy.key).cloned())
        else {
            return;
        };
        let Some((cluster, service)) = policy.key.ecs_service() else {
            return;
        };
        let Some(current) = self.resources.desired(account, region, cluster, service) else {
            return;
        };
        let cap = Capacity {
            current,
            min: target.min,
            max: target.max,
        };
        let t = now();
        let scale = self.time_scale();
        let (outcome, cooldown, out) = match &policy.config {
            PolicyConfig::Tracking(cfg) => {
                let high = inv.alarm_name.contains("-AlarmHigh-");
                if (high && target.suspended.dynamic_out) || (!high && target.suspended.dynamic_in)
                {
                    return;
                }
                let Some(&metric) = inv.datapoints.last() else {
                    return;
                };
                let o = decide::tracking(cfg, cap, high, metric, target.cooldowns, t);
                let secs = if high {
                    cfg.scale_out_cooldown
                } else {
                    cfg.scale_in_cooldown
                }
                .unwrap_or(decide::DEFAULT_COOLDOWN_SECS);
                (o, secs, high)
            }
            PolicyConfig::Step(cfg) => {
                let value = aggregate(&inv.datapoints, cfg.metric_aggregation_type.as_deref());
                let Some(value) = value else { return };
                let o = decide::step(
                    cfg,
                    cap,
                    value,
                    inv.threshold,
                    policy.step_cooldown_until,
                    t,
                );
                let out = matches!(o, Outcome::Scale(n) if n > current);
                if (out && target.suspended.dynamic_out) || (!out && target.suspended.dynamic_in) {
                    return;
                }
                (
                    o,
                    cfg.cooldown.unwrap_or(decide::DEFAULT_COOLDOWN_SECS),
                    out,
                )
            }
        };
        let cause = format!(
            "monitor alarm {} in state ALARM triggered policy {}",
            inv.alarm_name, policy.name
        );
        match outcome {
            Outcome::Wait => {}
            Outcome::NotScaled(code) => {
                self.not_scaled(account, region, &policy.key, cap, code, &cause, t);
            }
            Outcome::Scale(to) => {
                if self.scale(account, region, &policy.key, current, to, &cause) {
                    let until = t + cooldown.max(0) as f64 / scale;
                    self.write(account, region, |r| {
                        if let Some(tg) = r.targets.get_mut(&policy.key) {
                            match (&policy.config, out) {
                                (PolicyConfig::Tracking(_), true) => {
                                    tg.cooldowns.scale_out_until = until
                                }
                                (PolicyConfig::Tracking(_), false) => {
                                    tg.cooldowns.scale_in_until = until
                                }
                                (PolicyConfig::Step(_), _) => {}
                            }
                        }
                        if let PolicyConfig::Step(_) = policy.config
                            && let Some(p) = r
                                .policies
                                .get_mut(&(policy.key.clone(), policy.name.clone()))
                        {
                            p.step_cooldown_until = until;
                        }
                    });
                }
            }
        }
    }

    /// Sets the desired count and records the activity; `true` when ECS
    /// took it.
    fn scale(
        &self,
        account: &str,
        region: &str,
        key: &TargetKey,
        from: u32,
        to: u32,
        cause: &str,
    ) -> bool {
        let Some((cluster, service)) = key.ecs_service() else {
            return false;
        };
        let start = now();
        let result = self
            .resources
            .set_desired(account, region, cluster, service, to, cause);
        let (status, message) = match &result {
            Ok(()) => (
                "Successful",
                format!(
                    "Successfully set desired count to {to}. Change successfully fulfilled by ecs."
                ),
            ),
            Err(e) => (
                "Failed",
                format!("Failed to set desired count to {to}. {e}"),
            ),
        };
        tracing::info!(resource = %key.resource_id, from, to, cause, status, "scaling activity");
        self.write(account, region, |r| {
            r.record(Activity {
                id: uuid::Uuid::new_v4().to_string(),
                key: key.clone(),
                description: format!("Setting desired count to {to}."),
                cause: cause.to_string(),
                start,
                end: Some(now()),
                status,
                status_message: message,
                not_scaled: None,
            })
        });
        result.is_ok()
    }

    /// Records a not-scaled activity, once per streak: the same reason for
    /// the same target right after is not recorded again.
    #[allow(clippy::too_many_arguments)]
    fn not_scaled(
        &self,
        account: &str,
        region: &str,
        key: &TargetKey,
        cap: Capacity,
        code: &'static str,
        cause: &str,
        t: Secs,
    ) {
        self.write(account, region, |r| {
            let last = r.activities.iter().rev().find(|a| &a.key == key);
            if last.is_some_and(|a| a.not_scaled.is_some_and(|n| n.0 == code)) {
                return;
            }
            let bound = if code == "AlreadyAtMaxCapacity" {
                cap.max
            } else {
                cap.min
            };
            r.record(Activity {
                id: uuid::Uuid::new_v4().to_string(),
                key: key.clone(),
                description: format!("Attempting to set desired count to {bound}."),
                cause: cause.to_string(),
                start: t,
                end: Some(t),
                status: "Failed",
                status_message: format!(
                    "Failed to set desired count to {bound}: the desired count is already {}.",
                    cap.current
                ),
                not_scaled: Some((code, cap.max, cap.min, cap.current)),
            });
        });
    }
}

/// The alarm's datapoints combined as a step policy's
/// `MetricAggregationType` says (Average by default).
fn aggregate(points: &[f64], how: Option<&str>) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    Some(match how {
        Some("Minimum") => points.iter().copied().fold(f64::INFINITY, f64::min),
        Some("Maximum") => points.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => points.iter().sum::<f64>() / points.len() as f64,
    })
}

impl AwsService for ApplicationAutoScaling {
    fn name(&self) -> &'static str {
        "application-autoscaling"
    }

    fn signing_name(&self) -> &'static str {
        "application-autoscaling"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: TARGET_PREFIX,
            message_key: "Message",
        }
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Json(body) = input else {
            return Err(AwsError::unknown_operation(operation));
        };
        tracing::debug!(request_id = %ctx.request_id, operation, "application-autoscaling call");
        ops::dispatch(self, ctx, operation, body).map(Output::Json)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }
}

impl From<&ScalingError> for AwsError {
    fn from(e: &ScalingError) -> Self {
        e.to_aws()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::wiring::WiringError;

    /// ECS services' desired counts, in memory.
    #[derive(Default)]
    struct Services(Mutex<HashMap<String, u32>>);

    impl ScalableResources for Services {
        fn desired(&self, _: &str, _: &str, cluster: &str, service: &str) -> Option<u32> {
            let m = self.0.lock().unwrap();
            m.get(&format!("{cluster}/{service}")).copied()
        }

        fn set_desired(
            &self,
            _: &str,
            _: &str,
            cluster: &str,
            service: &str,
            count: u32,
            _: &str,
        ) -> Result<(), WiringError> {
            let mut m = self.0.lock().unwrap();
            m.insert(format!("{cluster}/{service}"), count);
            Ok(())
        }
    }

    #[test]
    fn a_scheduled_action_moves_the_capacity_inside_its_bounds_at_its_time() {
        let services = Arc::new(Services::default());
        services.0.lock().unwrap().insert("c/web".into(), 1);
        let aas = ApplicationAutoScaling::new(
            Arc::new(CloudWatch::new("000000000000")),
            services.clone(),
        );
        // The driver's time_scale does not speed schedules up.
        aas.set_time_scale(60.0);
        let (acct, region) = ("000000000000", "us-east-1");
        let key = TargetKey {
            namespace: "ecs".into(),
            resource_id: "service/c/web".into(),
            dimension: super::super::model::ECS_DESIRED_COUNT.into(),
        };
        let t0 = 1_900_000_000.0; // 2030-03-17T17:46:40Z
        aas.write(acct, region, |r| {
            r.register(key.clone(), Some(1), Some(3), None, None, t0)
                .unwrap();
            let spec = |s: &str, min, max| super::super::model::ScheduledActionSpec {
                schedule: Some(s.into()),
                action: Some((min, max)),
                ..Default::default()
            };
            r.put_scheduled(
                &key,
                "up",
                spec("at(2030-03-17T17:51:40)", Some(4), Some(8)),
                t0,
            )
            .unwrap();
            r.put_scheduled(
                &key,
                "down",
                spec("cron(0 18 * * ? *)", Some(0), Some(2)),
                t0,
            )
            .unwrap();
        });
        aas.run_scheduled(t0 + 299.0);
        assert_eq!(services.desired(acct, region, "c", "web"), Some(1));
        aas.run_scheduled(t0 + 300.0);
        assert_eq!(services.desired(acct, region, "c", "web"), Some(4));
        let descriptions = |aas: &ApplicationAutoScaling| {
            aas.read(acct, region, |r| {
                r.activities
                    .iter()
                    .map(|a| (a.description.clone(), a.cause.clone()))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            descriptions(&aas),
            [
                (
                    "Setting min capacity to 4 and max capacity to 8".to_string(),
                    "scheduled action name up was triggered".to_string()
                ),
                (
                    "Setting desired count to 4.".to_string(),
                    "minimum capacity was set to 4".to_string()
                ),
            ]
        );
        // 18:00 UTC that day: max 2 brings 4 down to 2.
        aas.run_scheduled(t0 + 13.0 * 60.0 + 20.0);
        assert_eq!(services.desired(acct, region, "c", "web"), Some(2));
        let acts = descriptions(&aas);
        assert_eq!(
            acts[acts.len() - 1],
            (
                "Setting desired count to 2.".to_string(),
                "maximum capacity was set to 2".to_string()
            )
        );
        assert_eq!(
            aas.read(acct, region, |r| (r.targets[&key].min, r.targets[&key].max)),
            (0, 2)
        );
    }
}
