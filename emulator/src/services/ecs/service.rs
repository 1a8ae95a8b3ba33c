//! [`Ecs`]: the model behind a lock, plugged into the gateway.
//!
//! ECS state is in memory: tasks are processes of this emul run, and the
//! topology's clusters, task definitions and services are re-created from
//! the topology at every `up`, so nothing here needs to survive a restart.
//!
//! Writers bump a [`tokio::sync::Notify`] so the scheduler (when one is
//! attached, see [`super::EcsRuntime`]) reacts at once instead of waiting
//! for its next tick.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::EcsError;
use super::model::awsvpc::AwsVpc;
use super::model::{Region, Scope, Secs};
use super::ops;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::wiring::NetworkNames;

/// The awsJson1_1 target prefix.
pub const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113";

/// The current time as ECS puts it on the wire (fractional epoch seconds,
/// millisecond precision).
pub fn now() -> Secs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_millis() as f64) / 1000.0)
        .unwrap_or(0.0)
}

/// The ECS service.
pub struct Ecs {
    /// Every region's state.
    regions: RwLock<HashMap<Scope, Region>>,
    /// Woken on every write, so the scheduler reconciles at once.
    changed: Arc<tokio::sync::Notify>,
    /// Set once a scheduler is attached: tasks then really run. Without
    /// one (`emul serve`), tasks are recorded but nothing launches them.
    runtime_attached: AtomicBool,
    /// EC2's subnets and groups, once attached: a network configuration
    /// naming ones that do not exist is refused, as AWS does. Without it
    /// (the scheduler's own tests) any names are taken.
    network: OnceLock<Arc<dyn NetworkNames>>,
}

impl Default for Ecs {
    fn default() -> Self {
        Self::new()
    }
}

impl Ecs {
    /// An empty service.
    pub fn new() -> Self {
        Ecs {
            regions: RwLock::default(),
            changed: Arc::new(tokio::sync::Notify::new()),
            runtime_attached: AtomicBool::new(false),
            network: OnceLock::new(),
        }
    }

    /// Attaches EC2's view of the VPCs (once; later calls are ignored).
    pub fn attach_network(&self, network: Arc<dyn NetworkNames>) {
        let _ = self.network.set(network);
    }

    /// Refuses a `networkConfiguration` whose subnets or security groups
    /// the region's EC2 does not have (nothing to check before a network
    /// is attached).
    pub fn check_network(&self, scope: &Scope, config: Option<&Value>) -> Result<(), EcsError> {
        match (AwsVpc::of(config)?, self.network.get()) {
            (Some(vpc), Some(network)) => vpc.check_exists(network.as_ref(), &scope.region),
            _ => Ok(()),
        }
    }

    /// Reads one region (an empty one when it has no state yet).
    pub fn read<T>(&self, scope: &Scope, f: impl FnOnce(&Region) -> T) -> T {
        let regions = self.regions.read().unwrap_or_else(|p| p.into_inner());
        match regions.get(scope) {
            Some(r) => f(r),
            None => f(&Region::new(scope.clone())),
        }
    }

    /// Changes one region and wakes the scheduler.
    pub fn write<T>(&self, scope: &Scope, f: impl FnOnce(&mut Region) -> T) -> T {
        let out = {
            let mut regions = self.regions.write().unwrap_or_else(|p| p.into_inner());
            let region = regions
                .entry(scope.clone())
                .or_insert_with(|| Region::new(scope.clone()));
            let out = f(region);
            if !self.runtime_attached.load(Ordering::Acquire) {
                settle_without_runtime(region, now());
            }
            out
        };
        self.changed.notify_one();
        out
    }

    /// Changes one region without waking the scheduler: for the scheduler's
    /// own bookkeeping, which would otherwise wake itself forever.
    pub fn write_quiet<T>(&self, scope: &Scope, f: impl FnOnce(&mut Region) -> T) -> T {
        let mut regions = self.regions.write().unwrap_or_else(|p| p.into_inner());
        let region = regions
            .entry(scope.clone())
            .or_insert_with(|| Region::new(scope.clone()));
        f(region)
    }

    /// Every scope with state (the scheduler walks them).
    pub fn scopes(&self) -> Vec<Scope> {
        let regions = self.regions.read().unwrap_or_else(|p| p.into_inner());
        regions.keys().cloned().collect()
    }

    /// The notifier woken by every write.
    pub fn changed(&self) -> Arc<tokio::sync::Notify> {
        self.changed.clone()
    }

    /// Marks a scheduler as attached (tasks launch from now on).
    pub fn attach_runtime(&self) {
        self.runtime_attached.store(true, Ordering::Release);
    }

    /// Whether a scheduler runs tasks.
    pub fn has_runtime(&self) -> bool {
        self.runtime_attached.load(Ordering::Acquire)
    }
}

/// Without a runtime nothing runs, so asked-for stops complete at once and
/// deleted services become INACTIVE; tasks that were never launched stay
/// PROVISIONING (the truth: nothing provisions them).
fn settle_without_runtime(region: &mut Region, now: Secs) {
    for task in region.tasks.values_mut() {
        if task.desired_status == super::model::TaskStatus::Stopped {
            task.advance(super::model::TaskStatus::Stopped, now);
        }
    }
    region.finish_draining(now);
}

impl AwsService for Ecs {
    fn name(&self) -> &'static str {
        "ecs"
    }

    fn signing_name(&self) -> &'static str {
        "ecs"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: TARGET_PREFIX,
            message_key: "message",
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
        let scope = Scope {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
        };
        tracing::debug!(request_id = %ctx.request_id, operation, "ecs call");
        ops::dispatch(self, &scope, operation, body).map(Output::Json)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, _operation: &str) -> bool {
        // Everything is in memory behind a short lock.
        true
    }
}

impl From<EcsError> for AwsError {
    fn from(e: EcsError) -> Self {
        e.to_aws()
    }
}
