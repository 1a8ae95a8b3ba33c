//! [`ElastiCacheService`]: the ElastiCache model behind the gateway, and
//! the runtime it acts on.
//!
//! One model, the project's account and region (another sees no groups).
//! TestFailover marks the group `modifying`, answers, and runs the
//! failover in the background; the group is `available` again after.

use std::sync::Arc;

use super::errors::CacheError;
use super::model::{ElastiCache, FailoverPlan};
use super::ops;
use crate::gateway::registry::{Input, Output, Protocol, RequestContext, ServiceHealth};
use crate::gateway::{AwsError, AwsService};
use crate::services::project_scoped::{ProjectScoped, lock};
use crate::services::rds::service::now_ms;
use crate::wiring::DatastoreRuntime;

/// The XML namespace of every ElastiCache response.
pub const XML_NAMESPACE: &str = "http://elasticache.amazonaws.com/doc/2015-02-02/";

/// The ElastiCache service: the project's groups, and what operates them.
pub struct ElastiCacheService {
    /// The model and the runtime, for the project's account and region.
    store: ProjectScoped<ElastiCache>,
}

impl ElastiCacheService {
    /// A service with no groups (`emul serve`).
    pub fn empty(account: &str, region: &str) -> Self {
        ElastiCacheService {
            store: ProjectScoped::empty(account, region),
        }
    }

    /// The groups of a running project, operated through `runtime`; must
    /// be called inside the Tokio runtime background work runs on.
    pub fn live(
        account: &str,
        region: &str,
        model: ElastiCache,
        runtime: Arc<dyn DatastoreRuntime>,
    ) -> Self {
        ElastiCacheService {
            store: ProjectScoped::live(account, region, model, runtime),
        }
    }

    /// Reads the model of the caller's account and region.
    pub fn read<T>(&self, ctx: &RequestContext, f: impl FnOnce(&ElastiCache) -> T) -> T {
        self.store.read(ctx, f)
    }

    /// Changes the model of the caller's account and region (none exists
    /// elsewhere: what the caller names there is not found).
    pub fn write<T>(
        &self,
        ctx: &RequestContext,
        f: impl FnOnce(&mut ElastiCache) -> Result<T, CacheError>,
    ) -> Result<T, CacheError> {
        self.store.write(ctx, f)
    }

    /// Runs the failover the model accepted in the background, then the
    /// model's end of it.
    pub fn run_failover(&self, plan: FailoverPlan) {
        let model = self.store.model.clone();
        let Some((runtime, handle)) = &self.store.runtime else {
            lock(&model).finish_test_failover(&plan, false, now_ms());
            return;
        };
        let runtime = runtime.clone();
        handle.spawn(async move {
            let ok = match runtime.redis_failover(&plan.group, &plan.to).await {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("emul: elasticache: failover of {} failed: {e}", plan.group);
                    false
                }
            };
            lock(&model).finish_test_failover(&plan, ok, now_ms());
        });
    }
}

impl AwsService for ElastiCacheService {
    fn name(&self) -> &'static str {
        "elasticache"
    }

    fn signing_name(&self) -> &'static str {
        "elasticache"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsQuery {
            xml_namespace: XML_NAMESPACE,
        }
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Query(params) = input else {
            return Err(AwsError::serialization(
                "ElastiCache speaks the query protocol",
            ));
        };
        ops::dispatch(self, ctx, operation, &params).map(Output::QueryXml)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, _operation: &str) -> bool {
        // Every operation only takes the model's lock for a moment.
        true
    }
}
