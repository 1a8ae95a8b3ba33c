//! Capacity providers: the two AWS-managed ones (`FARGATE`, `FARGATE_SPOT`,
//! always there) and Auto Scaling group providers the caller creates.
//!
//! emul has no EC2 Auto Scaling: an ASG provider's `autoScalingGroupArn`
//! and its managed-scaling settings are recorded and echoed, nothing scales.
//! A task placed through an ASG provider is an EC2 task; one placed through
//! `FARGATE`/`FARGATE_SPOT` is a Fargate task.
//!
//! Also here: the capacity provider strategies of clusters (their default),
//! services and tasks, and which provider a task lands on.

use serde_json::{Value, json};

use super::{Region, Tag};
use crate::services::ecs::errors::EcsError;

/// The providers AWS manages; they exist in every account and region.
pub const FARGATE_PROVIDERS: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

/// One Auto Scaling group capacity provider.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityProvider {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The `autoScalingGroupProvider` with ECS's defaults filled in.
    pub asg_provider: Value,
    /// CREATE_COMPLETE or UPDATE_COMPLETE.
    pub update_status: String,
}

/// `arn:aws:ecs:<region>:<acct>:capacity-provider/<name>`.
pub fn arn(region: &Region, name: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:capacity-provider/{name}",
        region.scope.region, region.scope.account
    )
}

/// A capacity provider parameter (name or ARN) → the name.
pub fn name_of(param: &str) -> String {
    match super::arns::resource(param).and_then(|r| r.strip_prefix("capacity-provider/")) {
        Some(name) => name.to_string(),
        None => param.to_string(),
    }
}

/// Names: up to 255 letters, digits, `_` and `-`, not starting with
/// `aws`, `ecs` or `fargate` (AWS reserves those prefixes).
fn check_name(name: &str) -> Result<(), EcsError> {
    let lower = name.to_ascii_lowercase();
    if ["aws", "ecs", "fargate"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(EcsError::InvalidParameter(
            "The specified capacity provider name is invalid. Capacity provider names cannot be prefixed with \"aws\", \"ecs\", or \"fargate\".".into(),
        ));
    }
    if !super::cluster::valid_name(name) {
        return Err(EcsError::InvalidParameter(
            "The specified capacity provider name is invalid. Up to 255 characters are allowed, including letters (upper and lowercase), numbers, underscores, and hyphens.".into(),
        ));
    }
    Ok(())
}

/// `managedScaling` with ECS's defaults (status ENABLED, target 100 %,
/// steps 1..10000, warm-up 300 s) under the given members.
fn managed_scaling(given: Option<&Value>, base: Option<&Value>) -> Result<Value, EcsError> {
    let mut out = base.cloned().unwrap_or_else(|| {
        json!({
            "status": "ENABLED",
            "targetCapacity": 100,
            "minimumScalingStepSize": 1,
            "maximumScalingStepSize": 10000,
            "instanceWarmupPeriod": 300,
        })
    });
    if let Some(Value::Object(given)) = given {
        for (k, v) in given {
            out[k.as_str()] = v.clone();
        }
    }
    let target = out["targetCapacity"].as_i64().unwrap_or(100);
    if !(1..=100).contains(&target) {
        return Err(EcsError::InvalidParameter(
            "managedScaling.targetCapacity must be between 1 and 100.".into(),
        ));
    }
    for step in ["minimumScalingStepSize", "maximumScalingStepSize"] {
        if !(1..=10000).contains(&out[step].as_i64().unwrap_or(1)) {
            return Err(EcsError::InvalidParameter(format!(
                "managedScaling.{step} must be between 1 and 10000."
            )));
        }
    }
    if out["minimumScalingStepSize"].as_i64() > out["maximumScalingStepSize"].as_i64() {
        return Err(EcsError::InvalidParameter(
            "managedScaling.minimumScalingStepSize must be less than or equal to managedScaling.maximumScalingStepSize.".into(),
        ));
    }
    Ok(out)
}

/// Checks one enum member of an ASG provider.
fn check_enum(provider: &Value, member: &str) -> Result<(), EcsError> {
    match provider.get(member).and_then(Value::as_str) {
        None | Some("ENABLED") | Some("DISABLED") => Ok(()),
        Some(other) => Err(EcsError::InvalidParameter(format!(
            "{member} should be one of [ENABLED,DISABLED], got {other}."
        ))),
    }
}

impl Region {
    /// CreateCapacityProvider with an `autoScalingGroupProvider`.
    pub fn create_capacity_provider(
        &mut self,
        name: &str,
        asg: &Value,
        tags: Vec<Tag>,
    ) -> Result<&CapacityProvider, EcsError> {
        check_name(name)?;
        if self.capacity_providers.contains_key(name) {
            return Err(EcsError::Client(format!(
                "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider. ({name})"
            )));
        }
        let asg_arn = asg
            .get("autoScalingGroupArn")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| EcsError::missing("autoScalingGroupProvider.autoScalingGroupArn"))?;
        check_enum(asg, "managedTerminationProtection")?;
        check_enum(asg, "managedDraining")?;
        let mut provider = json!({
            "autoScalingGroupArn": asg_arn,
            "managedScaling": managed_scaling(asg.get("managedScaling"), None)?,
            "managedTerminationProtection": asg
                .get("managedTerminationProtection")
                .cloned()
                .unwrap_or_else(|| json!("DISABLED")),
        });
        if let Some(d) = asg.get("managedDraining") {
            provider["managedDraining"] = d.clone();
        }
        let arn = arn(self, name);
        self.tags.remove(&arn);
        self.merge_tags(&arn, tags);
        self.capacity_providers.insert(
            name.to_string(),
            CapacityProvider {
                name: name.to_string(),
                arn,
                asg_provider: provider,
                update_status: "CREATE_COMPLETE".into(),
            },
        );
        Ok(&self.capacity_providers[name])
    }

    /// UpdateCapacityProvider: merges the given ASG provider settings.
    pub fn update_capacity_provider(
        &mut self,
        param: &str,
        update: &Value,
    ) -> Result<&CapacityProvider, EcsError> {
        let name = name_of(param);
        check_enum(update, "managedTerminationProtection")?;
        check_enum(update, "managedDraining")?;
        let provider = self
            .capacity_providers
            .get_mut(&name)
            .ok_or_else(not_found)?;
        let scaling = managed_scaling(
            update.get("managedScaling"),
            provider.asg_provider.get("managedScaling"),
        )?;
        provider.asg_provider["managedScaling"] = scaling;
        for member in ["managedTerminationProtection", "managedDraining"] {
            if let Some(v) = update.get(member) {
                provider.asg_provider[member] = v.clone();
            }
        }
        provider.update_status = "UPDATE_COMPLETE".into();
        Ok(&self.capacity_providers[&name])
    }

    /// DeleteCapacityProvider: refused for the AWS-managed ones and while a
    /// cluster has it associated or a service's strategy names it. Returns
    /// the removed provider (AWS answers with it, status INACTIVE).
    pub fn delete_capacity_provider(&mut self, param: &str) -> Result<CapacityProvider, EcsError> {
        let name = name_of(param);
        if FARGATE_PROVIDERS.contains(&name.as_str()) {
            return Err(EcsError::InvalidParameter(
                "The specified capacity provider is reserved and cannot be deleted.".into(),
            ));
        }
        if !self.capacity_providers.contains_key(&name) {
            return Err(not_found());
        }
        let in_cluster = self
            .clusters
            .values()
            .any(|c| c.status == "ACTIVE" && c.capacity_providers.contains(&name));
        let in_service = self.services.values().any(|s| {
            s.status != "INACTIVE"
                && s.capacity_provider_strategy
                    .iter()
                    .any(|i| i["capacityProvider"] == name.as_str())
        });
        if in_cluster || in_service {
            return Err(EcsError::Client(
                "The specified capacity provider is in use and cannot be removed.".into(),
            ));
        }
        let provider = self.capacity_providers.remove(&name).expect("checked");
        Ok(provider)
    }

    /// Whether `name` is a provider of this account and region.
    pub fn capacity_provider_exists(&self, name: &str) -> bool {
        FARGATE_PROVIDERS.contains(&name) || self.capacity_providers.contains_key(name)
    }

    /// The wire `CapacityProvider` of `name` (a managed or created one).
    pub fn render_capacity_provider(&self, name: &str, tags: bool) -> Option<Value> {
        let mut out = if FARGATE_PROVIDERS.contains(&name) {
            json!({
                "capacityProviderArn": arn(self, name),
                "name": name,
                "status": "ACTIVE",
                "type": name,
            })
        } else {
            let p = self.capacity_providers.get(name)?;
            json!({
                "capacityProviderArn": p.arn,
                "name": p.name,
                "status": "ACTIVE",
                "autoScalingGroupProvider": p.asg_provider,
                "updateStatus": p.update_status,
                "type": "EC2_AUTOSCALING",
            })
        };
        if tags {
            out["tags"] = json!(self.tags_of(&arn(self, name)));
        }
        Some(out)
    }

    /// Checks a cluster's providers and default strategy
    /// (PutClusterCapacityProviders, CreateCluster): every provider exists,
    /// and the strategy names only providers of the list.
    pub fn check_cluster_providers(
        &self,
        providers: &[String],
        strategy: &[Value],
    ) -> Result<(), EcsError> {
        for p in providers {
            if !self.capacity_provider_exists(&name_of(p)) {
                return Err(EcsError::InvalidParameter(format!(
                    "The specified capacity provider '{p}' is not in an ACTIVE state. Specify a valid capacity provider and try again."
                )));
            }
        }
        let names: Vec<String> = providers.iter().map(|p| name_of(p)).collect();
        for item in strategy {
            let p = item["capacityProvider"].as_str().unwrap_or_default();
            if !names.iter().any(|n| n == p) {
                return Err(EcsError::InvalidParameter(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.".into(),
                ));
            }
        }
        Ok(())
    }

    /// The strategy a service or task of cluster `cluster` uses: the given
    /// one (checked), or the cluster's default when no launch type was given.
    /// Empty = launch-type placement.
    pub fn resolve_strategy(
        &self,
        cluster: &str,
        given: Option<&Value>,
        launch_type: Option<&str>,
    ) -> Result<Vec<Value>, EcsError> {
        let given = match given {
            Some(Value::Array(items)) if !items.is_empty() => Some(items),
            _ => None,
        };
        match (given, launch_type) {
            (Some(_), Some(_)) => Err(EcsError::InvalidParameter(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.".into(),
            )),
            (Some(items), None) => {
                let strategy = normalize_strategy(items)?;
                for item in &strategy {
                    let p = item["capacityProvider"].as_str().unwrap_or_default();
                    if !self.capacity_provider_exists(p) {
                        return Err(EcsError::InvalidParameter(format!(
                            "The specified capacity provider {p} was not found."
                        )));
                    }
                }
                Ok(strategy)
            }
            (None, Some(_)) => Ok(Vec::new()),
            (None, None) => Ok(self
                .clusters
                .get(cluster)
                .map(|c| c.default_strategy.clone())
                .unwrap_or_default()),
        }
    }
}

/// `launchType` must be one of AWS's values. ECS words the refusal as
/// "launch type should be one of [...]": RunTask answers
/// InvalidParameterException listing EC2, FARGATE and EXTERNAL, CreateService
/// and CreateTaskSet a ClientException listing EC2 and FARGATE.
pub fn check_launch_type(lt: &str, run_task: bool) -> Result<(), EcsError> {
    if ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"].contains(&lt) {
        Ok(())
    } else if run_task {
        Err(EcsError::InvalidParameter(
            "launch type should be one of [EC2,FARGATE,EXTERNAL]".into(),
        ))
    } else {
        Err(EcsError::Client(
            "launch type should be one of [EC2,FARGATE]".into(),
        ))
    }
}

/// A wire strategy with AWS's defaults (`weight` 0, `base` 0) filled in and
/// its bounds checked (weight 0..1000, base 0..100000, at most one base).
pub fn normalize_strategy(items: &[Value]) -> Result<Vec<Value>, EcsError> {
    if items.len() > 20 {
        return Err(EcsError::InvalidParameter(
            "capacityProviderStrategy can have at most 20 items.".into(),
        ));
    }
    let mut out = Vec::new();
    for item in items {
        let provider = item
            .get("capacityProvider")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| EcsError::missing("capacityProviderStrategy.capacityProvider"))?;
        let weight = item.get("weight").and_then(Value::as_i64).unwrap_or(0);
        let base = item.get("base").and_then(Value::as_i64).unwrap_or(0);
        if !(0..=1000).contains(&weight) {
            return Err(EcsError::InvalidParameter(
                "capacityProviderStrategy.weight must be between 0 and 1000.".into(),
            ));
        }
        if !(0..=100_000).contains(&base) {
            return Err(EcsError::InvalidParameter(
                "capacityProviderStrategy.base must be between 0 and 100000.".into(),
            ));
        }
        out.push(json!({"capacityProvider": name_of(provider), "weight": weight, "base": base}));
    }
    if out.iter().filter(|i| i["base"].as_i64() > Some(0)).count() > 1 {
        return Err(EcsError::InvalidParameter(
            "Only one capacity provider in a capacity provider strategy can have a base defined."
                .into(),
        ));
    }
    Ok(out)
}

/// The provider the `n`-th task (0-based) placed by `strategy` lands on:
/// the `base` tasks go to the provider with a base, the rest are spread by
/// weight (a deterministic round-robin over the weights).
pub fn pick_provider(strategy: &[Value], n: u64) -> Option<String> {
    let name = |i: &Value| i["capacityProvider"].as_str().map(String::from);
    let mut n = n;
    if let Some(b) = strategy.iter().find(|i| i["base"].as_u64() > Some(0)) {
        let base = b["base"].as_u64().unwrap_or(0);
        if n < base {
            return name(b);
        }
        n -= base;
    }
    let total: u64 = strategy.iter().filter_map(|i| i["weight"].as_u64()).sum();
    if total == 0 {
        return strategy.first().and_then(name);
    }
    let mut slot = n % total;
    for item in strategy {
        let w = item["weight"].as_u64().unwrap_or(0);
        if slot < w {
            return name(item);
        }
        slot -= w;
    }
    None
}

/// The launch type a provider's tasks run as.
pub fn launch_type_of(provider: &str) -> &'static str {
    if FARGATE_PROVIDERS.contains(&provider) {
        "FARGATE"
    } else {
        "EC2"
    }
}

fn not_found() -> EcsError {
    EcsError::InvalidParameter("The specified capacity provider does not exist.".into())
}
