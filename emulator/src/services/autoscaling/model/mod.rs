//! Application Auto Scaling's state and rules, per account and region: the
//! scalable targets, their policies and the scaling activities. Pure: no
//! I/O, no clock reads (callers pass `now`, epoch seconds).
//!
//! Only ECS services can be scaled (`ecs` / `ecs:service:DesiredCount`):
//! the other namespaces name resources emul does not run.

pub mod decide;
pub mod policy;
pub mod schedule;

use std::collections::BTreeMap;

use decide::Cooldowns;
use policy::{PolicyConfig, TrackingAlarm};

use super::errors::ScalingError;

/// Epoch seconds (fractional), as the API renders times.
pub type Secs = f64;

/// The service namespaces AWS accepts.
pub const NAMESPACES: &[&str] = &[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
];

/// The one dimension emul scales.
pub const ECS_DESIRED_COUNT: &str = "ecs:service:DesiredCount";

/// The role AWS uses for ECS services when RegisterScalableTarget names none.
pub fn ecs_service_role(account: &str) -> String {
    format!(
        "arn:aws:iam::{account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"
    )
}

/// Identifies a scalable target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey {
    /// `ecs`.
    pub namespace: String,
    /// `service/<cluster>/<service>`.
    pub resource_id: String,
    /// `ecs:service:DesiredCount`.
    pub dimension: String,
}

impl TargetKey {
    /// The ECS cluster and service of `service/<cluster>/<service>`.
    pub fn ecs_service(&self) -> Option<(&str, &str)> {
        let rest = self.resource_id.strip_prefix("service/")?;
        let (cluster, service) = rest.split_once('/')?;
        (!cluster.is_empty() && !service.is_empty() && !service.contains('/'))
            .then_some((cluster, service))
    }
}

/// `SuspendedState`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Suspended {
    /// Policies may not remove capacity.
    pub dynamic_in: bool,
    /// Policies may not add capacity.
    pub dynamic_out: bool,
    /// Scheduled actions do not run.
    pub scheduled: bool,
}

/// A registered scalable target.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalableTarget {
    /// Its identity.
    pub key: TargetKey,
    /// MinCapacity.
    pub min: u32,
    /// MaxCapacity.
    pub max: u32,
    /// RoleARN (AWS's service-linked role unless given).
    pub role_arn: String,
    /// When it was first registered.
    pub created: Secs,
    /// Which kinds of scaling are suspended.
    pub suspended: Suspended,
    /// `arn:aws:application-autoscaling:<region>:<account>:scalable-target/<id>`.
    pub arn: String,
    /// When the policies' cooldowns end.
    pub cooldowns: Cooldowns,
}

/// A scaling policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPolicy {
    /// PolicyName.
    pub name: String,
    /// The target it scales.
    pub key: TargetKey,
    /// PolicyARN (`arn:aws:autoscaling:…:scalingPolicy:<uuid>:resource/…`),
    /// also the action ARN its alarms invoke.
    pub arn: String,
    /// Its configuration.
    pub config: PolicyConfig,
    /// The alarms it owns (target tracking) — names; ARNs are derived.
    pub alarms: Vec<TrackingAlarm>,
    /// When this step policy's cooldown ends.
    pub step_cooldown_until: Secs,
    /// When it was created.
    pub created: Secs,
}

/// A scaling activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// A UUID.
    pub id: String,
    /// The target scaled.
    pub key: TargetKey,
    /// "Setting desired count to 3."
    pub description: String,
    /// "monitor alarm … in state ALARM triggered policy …".
    pub cause: String,
    /// When it started.
    pub start: Secs,
    /// When it ended.
    pub end: Option<Secs>,
    /// `Successful`, `Failed`, ...
    pub status: &'static str,
    /// "Successfully set desired count to 3. Change successfully fulfilled by ecs."
    pub status_message: String,
    /// For a not-scaled activity: the reason code and the capacities.
    pub not_scaled: Option<(&'static str, u32, u32, u32)>,
}

/// A scheduled action.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAction {
    /// ScheduledActionName.
    pub name: String,
    /// The target it changes.
    pub key: TargetKey,
    /// `arn:aws:autoscaling:…:scheduledAction:<uuid>:resource/…:scheduledActionName/<name>`.
    pub arn: String,
    /// Schedule, as given.
    pub schedule_text: String,
    /// Schedule, parsed.
    pub schedule: schedule::Schedule,
    /// Timezone, as given (UTC when absent).
    pub timezone: Option<String>,
    /// Its offset from UTC, seconds.
    pub offset: i32,
    /// StartTime.
    pub start: Option<Secs>,
    /// EndTime.
    pub end: Option<Secs>,
    /// ScalableTargetAction.MinCapacity.
    pub min: Option<u32>,
    /// ScalableTargetAction.MaxCapacity.
    pub max: Option<u32>,
    /// CreationTime.
    pub created: Secs,
    /// Where a rate counts its periods from: StartTime, else when put.
    pub anchor: Secs,
    /// When it runs next; `None` when never again.
    pub next: Option<Secs>,
}

/// What PutScheduledAction asks for; `None` keeps an existing action's
/// value (StartTime and EndTime are cleared when left out, as AWS does).
#[derive(Debug, Clone, Default)]
pub struct ScheduledActionSpec {
    /// Schedule (required for a new action).
    pub schedule: Option<String>,
    /// Timezone.
    pub timezone: Option<String>,
    /// StartTime.
    pub start: Option<Secs>,
    /// EndTime.
    pub end: Option<Secs>,
    /// ScalableTargetAction: (MinCapacity, MaxCapacity).
    pub action: Option<(Option<u32>, Option<u32>)>,
}

/// Activities kept per region (AWS keeps six weeks; emul bounds memory).
pub const MAX_ACTIVITIES: usize = 1000;

/// One account's state in one region.
#[derive(Debug, Default)]
pub struct Region {
    /// `account`, for ARNs.
    pub account: String,
    /// The region name, for ARNs.
    pub region: String,
    /// Registered targets.
    pub targets: BTreeMap<TargetKey, ScalableTarget>,
    /// Policies by target and name.
    pub policies: BTreeMap<(TargetKey, String), ScalingPolicy>,
    /// Activities, oldest first.
    pub activities: Vec<Activity>,
    /// Scheduled actions by target and name.
    pub scheduled: BTreeMap<(TargetKey, String), ScheduledAction>,
}

impl Region {
    /// An empty region.
    pub fn new(account: &str, region: &str) -> Self {
        Region {
            account: account.into(),
            region: region.into(),
            ..Region::default()
        }
    }

    /// Registers or updates a target. `min`/`max` left out keep the
    /// current values (they are required for a new target).
    pub fn register(
        &mut self,
        key: TargetKey,
        min: Option<u32>,
        max: Option<u32>,
        role_arn: Option<String>,
        suspended: Option<Suspended>,
        now: Secs,
    ) -> Result<&ScalableTarget, ScalingError> {
        let existing = self.targets.get(&key);
        let (min, max) = match (existing, min, max) {
            (_, Some(lo), Some(hi)) => (lo, hi),
            (Some(t), lo, hi) => (lo.unwrap_or(t.min), hi.unwrap_or(t.max)),
            (None, _, _) => {
                return Err(ScalingError::Validation(
                    "MinCapacity and MaxCapacity are required for registering a new scalable target"
                        .into(),
                ));
            }
        };
        if min > max {
            return Err(ScalingError::Validation(format!(
                "Minimum capacity cannot be greater than maximum capacity. Minimum capacity: {min}, maximum capacity: {max}"
            )));
        }
        let arn = existing.map(|t| t.arn.clone()).unwrap_or_else(|| {
            format!(
                "arn:aws:application-autoscaling:{}:{}:scalable-target/{}",
                self.region,
                self.account,
                uuid::Uuid::new_v4().simple()
            )
        });
        let target = ScalableTarget {
            min,
            max,
            role_arn: role_arn
                .or_else(|| existing.map(|t| t.role_arn.clone()))
                .unwrap_or_else(|| ecs_service_role(&self.account)),
            created: existing.map_or(now, |t| t.created),
            suspended: suspended
                .or(existing.map(|t| t.suspended))
                .unwrap_or_default(),
            cooldowns: existing.map(|t| t.cooldowns).unwrap_or_default(),
            arn,
            key: key.clone(),
        };
        self.targets.insert(key.clone(), target);
        Ok(&self.targets[&key])
    }

    /// Removes a target, its scheduled actions and its policies; returns
    /// the policies removed (their alarms go too).
    pub fn deregister(&mut self, key: &TargetKey) -> Result<Vec<ScalingPolicy>, ScalingError> {
        if self.targets.remove(key).is_none() {
            return Err(ScalingError::NotFound(format!(
                "No scalable target found for service namespace: {}, resource ID: {}, scalable dimension: {}",
                key.namespace, key.resource_id, key.dimension
            )));
        }
        self.scheduled.retain(|(k, _), _| k != key);
        let names: Vec<_> = self
            .policies
            .keys()
            .filter(|(k, _)| k == key)
            .cloned()
            .collect();
        Ok(names
            .into_iter()
            .filter_map(|n| self.policies.remove(&n))
            .collect())
    }

    /// Creates or replaces policy `name` of target `key`. A replaced
    /// policy keeps its ARN (as AWS does); its old alarms are returned so
    /// the caller deletes those the new policy no longer owns.
    pub fn put_policy(
        &mut self,
        key: &TargetKey,
        name: &str,
        config: PolicyConfig,
        alarms: Vec<TrackingAlarm>,
        now: Secs,
    ) -> Result<(&ScalingPolicy, Vec<TrackingAlarm>), ScalingError> {
        if !self.targets.contains_key(key) {
            return Err(ScalingError::no_target(
                &key.namespace,
                &key.resource_id,
                &key.dimension,
            ));
        }
        let id = (key.clone(), name.to_string());
        let old = self.policies.remove(&id);
        let arn = old.as_ref().map(|p| p.arn.clone()).unwrap_or_else(|| {
            format!(
                "arn:aws:autoscaling:{}:{}:scalingPolicy:{}:resource/{}/{}:policyName/{name}",
                self.region,
                self.account,
                uuid::Uuid::new_v4(),
                key.namespace,
                key.resource_id
            )
        });
        let replaced = old.map(|p| p.alarms).unwrap_or_default();
        let policy = ScalingPolicy {
            name: name.into(),
            key: key.clone(),
            arn,
            config,
            alarms,
            step_cooldown_until: 0.0,
            created: now,
        };
        self.policies.insert(id.clone(), policy);
        Ok((&self.policies[&id], replaced))
    }

    /// Deletes a policy; returns it (its alarms go too).
    pub fn delete_policy(
        &mut self,
        key: &TargetKey,
        name: &str,
    ) -> Result<ScalingPolicy, ScalingError> {
        self.policies
            .remove(&(key.clone(), name.to_string()))
            .ok_or_else(|| not_found("scaling policy", "policy name", key, name))
    }

    /// Creates or updates scheduled action `name` of target `key` (an
    /// update keeps the ARN and CreationTime); works out when it runs
    /// next, strictly after `now`.
    pub fn put_scheduled(
        &mut self,
        key: &TargetKey,
        name: &str,
        spec: ScheduledActionSpec,
        now: Secs,
    ) -> Result<&ScheduledAction, ScalingError> {
        if !self.targets.contains_key(key) {
            return Err(ScalingError::no_target(
                &key.namespace,
                &key.resource_id,
                &key.dimension,
            ));
        }
        let id = (key.clone(), name.to_string());
        let old = self.scheduled.get(&id);
        let schedule_text = spec
            .schedule
            .or_else(|| old.map(|a| a.schedule_text.clone()))
            .ok_or_else(|| ScalingError::missing("schedule"))?;
        let parsed = schedule::parse(&schedule_text)?;
        let timezone = spec
            .timezone
            .or_else(|| old.and_then(|a| a.timezone.clone()));
        let offset = timezone.as_deref().map_or(Ok(0), schedule::timezone)?;
        let (min, max) = spec
            .action
            .or_else(|| old.map(|a| (a.min, a.max)))
            .unwrap_or((None, None));
        if min.is_none() && max.is_none() {
            return Err(ScalingError::Validation(
                "At least one of minimum capacity and maximum capacity should be provided".into(),
            ));
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(ScalingError::Validation(format!(
                "Minimum capacity cannot be greater than maximum capacity. Minimum capacity: {lo}, maximum capacity: {hi}"
            )));
        }
        if let (Some(s), Some(e)) = (spec.start, spec.end)
            && s > e
        {
            return Err(ScalingError::Validation(
                "StartTime must be before EndTime".into(),
            ));
        }
        let arn = old.map(|a| a.arn.clone()).unwrap_or_else(|| {
            format!(
                "arn:aws:autoscaling:{}:{}:scheduledAction:{}:resource/{}/{}:scheduledActionName/{name}",
                self.region,
                self.account,
                uuid::Uuid::new_v4(),
                key.namespace,
                key.resource_id
            )
        });
        let anchor = spec.start.unwrap_or(now);
        let action = ScheduledAction {
            name: name.into(),
            key: key.clone(),
            arn,
            next: schedule::next_fire(&parsed, offset, spec.start, spec.end, anchor, now),
            schedule_text,
            schedule: parsed,
            timezone,
            offset,
            start: spec.start,
            end: spec.end,
            min,
            max,
            created: old.map_or(now, |a| a.created),
            anchor,
        };
        self.scheduled.insert(id.clone(), action);
        Ok(&self.scheduled[&id])
    }

    /// Deletes a scheduled action.
    pub fn delete_scheduled(
        &mut self,
        key: &TargetKey,
        name: &str,
    ) -> Result<ScheduledAction, ScalingError> {
        self.scheduled
            .remove(&(key.clone(), name.to_string()))
            .ok_or_else(|| not_found("scheduled action", "scheduled action name", key, name))
    }

    /// Runs the scheduled actions due at `now`: each sets its target's
    /// MinCapacity/MaxCapacity (unless the target's scheduled scaling is
    /// suspended) with an activity saying so, and is moved to its next
    /// run after `now` (runs missed while emul was not ticking are not
    /// replayed). Returns the targets whose bounds changed, for the caller
    /// to bring their capacity inside.
    pub fn run_due(&mut self, now: Secs) -> Vec<TargetKey> {
        let due: Vec<(TargetKey, String)> = self
            .scheduled
            .iter()
            .filter(|(_, a)| a.next.is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        let mut changed = Vec::new();
        for id in due {
            let Some(a) = self.scheduled.get_mut(&id) else {
                continue;
            };
            a.next = schedule::next_fire(&a.schedule, a.offset, a.start, a.end, a.anchor, now);
            let (key, name, action) = (a.key.clone(), a.name.clone(), (a.min, a.max));
            let Some(target) = self.targets.get_mut(&key) else {
                continue;
            };
            if target.suspended.scheduled {
                continue;
            }
            let (min, max) = (
                action.0.unwrap_or(target.min),
                action.1.unwrap_or(target.max),
            );
            let what = format!("min capacity to {min} and max capacity to {max}");
            let (status, message) = if min > max {
                (
                    "Failed",
                    format!(
                        "Failed to set {what}. Minimum capacity cannot be greater than maximum capacity."
                    ),
                )
            } else {
                target.min = min;
                target.max = max;
                changed.push(key.clone());
                ("Successful", format!("Successfully set {what}"))
            };
            self.record(Activity {
                id: uuid::Uuid::new_v4().to_string(),
                key,
                description: format!("Setting {what}"),
                cause: format!("scheduled action name {name} was triggered"),
                start: now,
                end: Some(now),
                status,
                status_message: message,
                not_scaled: None,
            });
        }
        changed
    }

    /// The policy whose ARN is `arn`.
    pub fn policy_by_arn(&self, arn: &str) -> Option<&ScalingPolicy> {
        self.policies.values().find(|p| p.arn == arn)
    }

    /// Records an activity, dropping the oldest beyond [`MAX_ACTIVITIES`].
    pub fn record(&mut self, activity: Activity) {
        if self.activities.len() >= MAX_ACTIVITIES {
            self.activities.remove(0);
        }
        self.activities.push(activity);
    }

    /// The ARN of alarm `name` in this region.
    pub fn alarm_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:cloudwatch:{}:{}:alarm:{name}",
            self.region, self.account
        )
    }
}

/// AWS's ObjectNotFoundException for a policy or a scheduled action of
/// target `key`.
fn not_found(what: &str, name_field: &str, key: &TargetKey, name: &str) -> ScalingError {
    ScalingError::NotFound(format!(
        "No {what} found for service namespace: {}, resource ID: {}, scalable dimension: {}, {name_field}: {name}",
        key.namespace, key.resource_id, key.dimension
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(resource: &str) -> TargetKey {
        TargetKey {
            namespace: "ecs".into(),
            resource_id: resource.into(),
            dimension: ECS_DESIRED_COUNT.into(),
        }
    }

    #[test]
    fn register_updates_in_place_and_checks_bounds() {
        let mut r = Region::new("123456789012", "us-east-1");
        let k = key("service/default/web");
        let arn = r
            .register(k.clone(), Some(1), Some(3), None, None, 1.0)
            .unwrap()
            .arn
            .clone();
        let t = r
            .register(k.clone(), None, Some(5), None, None, 2.0)
            .unwrap();
        assert_eq!((t.min, t.max, t.created), (1, 5, 1.0));
        assert_eq!(t.arn, arn);
        assert!(
            t.role_arn
                .ends_with("AWSServiceRoleForApplicationAutoScaling_ECSService")
        );
        let e = r
            .register(k.clone(), Some(4), Some(2), None, None, 3.0)
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Minimum capacity cannot be greater than maximum capacity")
        );
        let e = r
            .register(key("service/default/api"), None, Some(2), None, None, 3.0)
            .unwrap_err();
        assert_eq!(e.code(), "ValidationException");
        assert_eq!(k.ecs_service(), Some(("default", "web")));
        assert_eq!(key("service/web").ecs_service(), None);
    }

    #[test]
    fn policies_need_a_target_keep_their_arn_and_go_with_it() {
        let mut r = Region::new("123456789012", "us-east-1");
        let k = key("service/default/web");
        let cfg = PolicyConfig::Step(policy::StepConfig {
            adjustment_type: Some("ChangeInCapacity".into()),
            step_adjustments: vec![],
            min_adjustment_magnitude: None,
            cooldown: None,
            metric_aggregation_type: None,
        });
        let e = r
            .put_policy(&k, "up", cfg.clone(), vec![], 1.0)
            .unwrap_err();
        assert_eq!(e.code(), "ObjectNotFoundException");
        r.register(k.clone(), Some(1), Some(3), None, None, 1.0)
            .unwrap();
        let arn = r
            .put_policy(&k, "up", cfg.clone(), vec![], 1.0)
            .unwrap()
            .0
            .arn
            .clone();
        assert!(arn.starts_with("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:"));
        assert!(arn.ends_with(":resource/ecs/service/default/web:policyName/up"));
        assert_eq!(r.put_policy(&k, "up", cfg, vec![], 2.0).unwrap().0.arn, arn);
        assert_eq!(r.policy_by_arn(&arn).unwrap().name, "up");
        assert_eq!(r.deregister(&k).unwrap().len(), 1);
        assert!(r.policies.is_empty());
        assert_eq!(
            r.deregister(&k).unwrap_err().code(),
            "ObjectNotFoundException"
        );
    }

    fn spec(schedule: &str, min: Option<u32>, max: Option<u32>) -> ScheduledActionSpec {
        ScheduledActionSpec {
            schedule: Some(schedule.into()),
            action: Some((min, max)),
            ..ScheduledActionSpec::default()
        }
    }

    #[test]
    fn scheduled_actions_need_a_target_update_in_place_and_go_with_it() {
        let mut r = Region::new("123456789012", "us-east-1");
        let k = key("service/default/web");
        let e = r
            .put_scheduled(&k, "night", spec("rate(1 hour)", Some(1), None), 10.0)
            .unwrap_err();
        assert_eq!(e.code(), "ObjectNotFoundException");
        assert_eq!(
            e.to_string(),
            "No scalable target registered for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount"
        );
        r.register(k.clone(), Some(1), Some(3), None, None, 1.0)
            .unwrap();
        let a = r
            .put_scheduled(&k, "night", spec("rate(1 hour)", Some(1), None), 10.0)
            .unwrap();
        assert!(
            a.arn
                .starts_with("arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:")
        );
        assert!(
            a.arn
                .ends_with(":resource/ecs/service/default/web:scheduledActionName/night")
        );
        assert_eq!((a.next, a.created), (Some(3610.0), 10.0));
        let arn = a.arn.clone();
        // An update keeps the ARN, CreationTime and what it leaves out, and
        // clears StartTime/EndTime.
        r.scheduled
            .get_mut(&(k.clone(), "night".into()))
            .unwrap()
            .start = Some(5.0);
        let a = r
            .put_scheduled(
                &k,
                "night",
                ScheduledActionSpec {
                    timezone: Some("Asia/Tokyo".into()),
                    ..ScheduledActionSpec::default()
                },
                20.0,
            )
            .unwrap();
        assert_eq!(
            (
                a.arn.as_str(),
                a.created,
                a.schedule_text.as_str(),
                a.min,
                a.start
            ),
            (arn.as_str(), 10.0, "rate(1 hour)", Some(1), None)
        );
        assert_eq!(a.offset, 9 * 3600);
        // Bad input.
        for (sp, msg) in [
            (
                spec("rate(1 fortnight)", Some(1), None),
                "Schedule rate(1 fortnight) is not valid",
            ),
            (
                spec("rate(1 hour)", None, None),
                "At least one of minimum capacity",
            ),
            (
                spec("rate(1 hour)", Some(3), Some(2)),
                "Minimum capacity cannot be greater",
            ),
            (
                ScheduledActionSpec {
                    timezone: Some("Europe/Paris".into()),
                    ..spec("rate(1 hour)", Some(1), None)
                },
                "Timezone Europe/Paris is not supported",
            ),
        ] {
            let e = r.put_scheduled(&k, "other", sp, 30.0).unwrap_err();
            assert_eq!(e.code(), "ValidationException");
            assert!(e.to_string().starts_with(msg), "{e}");
        }
        let e = r
            .put_scheduled(&k, "other", ScheduledActionSpec::default(), 30.0)
            .unwrap_err();
        assert!(e.to_string().contains("at 'schedule'"), "{e}");
        // Delete, and deregistering takes the rest.
        r.put_scheduled(&k, "day", spec("cron(0 8 * * ? *)", None, Some(5)), 30.0)
            .unwrap();
        r.delete_scheduled(&k, "night").unwrap();
        let e = r.delete_scheduled(&k, "night").unwrap_err();
        assert_eq!(e.code(), "ObjectNotFoundException");
        assert_eq!(
            e.to_string(),
            "No scheduled action found for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount, scheduled action name: night"
        );
        assert_eq!(r.scheduled.len(), 1);
        r.deregister(&k).unwrap();
        assert!(r.scheduled.is_empty());
    }

    #[test]
    fn due_actions_set_the_bounds_with_an_activity_and_move_on() {
        let mut r = Region::new("123456789012", "us-east-1");
        let k = key("service/default/web");
        r.register(k.clone(), Some(1), Some(3), None, None, 1.0)
            .unwrap();
        r.put_scheduled(
            &k,
            "every-minute",
            spec("rate(1 minute)", Some(2), Some(6)),
            0.0,
        )
        .unwrap();
        r.put_scheduled(
            &k,
            "once",
            spec("at(1970-01-01T00:05:00)", None, Some(1)),
            0.0,
        )
        .unwrap();
        assert!(r.run_due(59.0).is_empty());
        assert_eq!(r.run_due(60.5), vec![k.clone()]);
        assert_eq!((r.targets[&k].min, r.targets[&k].max), (2, 6));
        let a = r.activities.last().unwrap();
        assert_eq!(
            a.description,
            "Setting min capacity to 2 and max capacity to 6"
        );
        assert_eq!(a.cause, "scheduled action name every-minute was triggered");
        assert_eq!(
            (a.status, a.status_message.as_str()),
            (
                "Successful",
                "Successfully set min capacity to 2 and max capacity to 6"
            )
        );
        // Late: runs once, and the next run stays on the minute grid.
        r.run_due(250.0);
        assert_eq!(r.activities.len(), 2);
        assert_eq!(
            r.scheduled[&(k.clone(), "every-minute".into())].next,
            Some(300.0)
        );
        // at() runs once; max 1 under min 2 fails with an activity.
        r.run_due(300.0);
        let once = r
            .activities
            .iter()
            .find(|a| a.cause.contains("once"))
            .unwrap();
        assert_eq!(once.status, "Failed");
        assert_eq!(r.scheduled[&(k.clone(), "once".into())].next, None);
        assert_eq!((r.targets[&k].min, r.targets[&k].max), (2, 6));
        // Suspended scheduled scaling: the run is skipped, not queued.
        r.targets.get_mut(&k).unwrap().suspended.scheduled = true;
        let before = r.activities.len();
        assert!(r.run_due(360.0).is_empty());
        assert_eq!(r.activities.len(), before);
        assert_eq!(
            r.scheduled[&(k.clone(), "every-minute".into())].next,
            Some(420.0)
        );
    }
}
