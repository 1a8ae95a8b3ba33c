//! Application Auto Scaling's state and rules, per account and region: the
//! scalable targets, their policies and the scaling activities. Pure: no
//! I/O, no clock reads (callers pass `now`, epoch seconds).
//!
//! Only ECS services can be scaled (`ecs` / `ecs:service:DesiredCount`):
//! the other namespaces name resources emul does not run.

pub mod decide;
pub mod policy;

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

    /// Removes a target and its policies; returns the policies removed (their
    /// alarms go too).
    pub fn deregister(&mut self, key: &TargetKey) -> Result<Vec<ScalingPolicy>, ScalingError> {
        if self.targets.remove(key).is_none() {
            return Err(ScalingError::NotFound(format!(
                "No scalable target found for service namespace: {}, resource ID: {}, scalable dimension: {}",
                key.namespace, key.resource_id, key.dimension
            )));
        }
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
            .ok_or_else(|| {
                ScalingError::NotFound(format!(
                    "No scaling policy found for service namespace: {}, resource ID: {}, scalable dimension: {}, policy name: {name}",
                    key.namespace, key.resource_id, key.dimension
                ))
            })
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
}
