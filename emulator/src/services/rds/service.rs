//! [`RdsService`]: the RDS model behind the gateway, and the runtime it
//! acts on.
//!
//! One model, the project's account and region; a request for another
//! account or region sees no instances. Writes take the one mutex for a
//! moment (never across Docker work): a reboot marks the instance
//! `rebooting`, answers, and finishes in the background (the runtime's
//! work, then `available` and the events); a new password is applied
//! before the answer, so it works as soon as ModifyDBInstance returns.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::RdsError;
use super::model::Rds;
use super::ops;
use crate::gateway::registry::{Input, Output, Protocol, RequestContext, ServiceHealth};
use crate::gateway::{AwsError, AwsService};
use crate::services::project_scoped::{ProjectScoped, lock};
use crate::wiring::DatastoreRuntime;

/// The XML namespace of every RDS response.
pub const XML_NAMESPACE: &str = "http://rds.amazonaws.com/doc/2014-10-31/";

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The RDS service: the project's instances, and what operates them.
pub struct RdsService {
    /// The model and the runtime, for the project's account and region.
    store: ProjectScoped<Rds>,
}

impl RdsService {
    /// A service with no instances (`emul serve`).
    pub fn empty(account: &str, region: &str) -> Self {
        RdsService {
            store: ProjectScoped::empty(account, region),
        }
    }

    /// The instances of a running project, operated through `runtime`; must
    /// be called inside the Tokio runtime background work runs on.
    pub fn live(
        account: &str,
        region: &str,
        model: Rds,
        runtime: Arc<dyn DatastoreRuntime>,
    ) -> Self {
        RdsService {
            store: ProjectScoped::live(account, region, model, runtime),
        }
    }

    /// Reads the model of the caller's account and region.
    pub fn read<T>(&self, ctx: &RequestContext, f: impl FnOnce(&Rds) -> T) -> T {
        self.store.read(ctx, f)
    }

    /// Changes the model of the caller's account and region (none exists
    /// elsewhere: what the caller names there is not found).
    pub fn write<T>(
        &self,
        ctx: &RequestContext,
        f: impl FnOnce(&mut Rds) -> Result<T, RdsError>,
    ) -> Result<T, RdsError> {
        self.store.write(ctx, f)
    }

    /// Starts the reboot the model accepted: the runtime's work in the
    /// background, then the model's end of it.
    pub fn run_reboot(&self, id: &str, failover: bool) {
        let model = self.store.model.clone();
        let id = id.to_string();
        let Some((runtime, handle)) = &self.store.runtime else {
            // Nothing runs behind the model: the reboot cannot happen.
            lock(&model).finish_reboot(&id, failover, false, now_ms());
            return;
        };
        let runtime = runtime.clone();
        handle.spawn(async move {
            let ok = match runtime.reboot_db(&id, failover).await {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("emul: rds: reboot of {id} failed: {e}");
                    false
                }
            };
            lock(&model).finish_reboot(&id, failover, ok, now_ms());
        });
    }

    /// Applies a new master password the model accepted; returns once the
    /// server uses it.
    pub fn apply_password(&self, id: &str, password: &str) -> Result<(), AwsError> {
        let result = match &self.store.runtime {
            Some((runtime, handle)) => handle
                .block_on(runtime.set_db_password(id, password))
                .map_err(|e| e.to_string()),
            None => Err("no running instance".to_string()),
        };
        lock(&self.store.model).finish_password(id, result.is_ok(), now_ms());
        result.map_err(|e| {
            // The runtime's message never carries the password.
            eprintln!("emul: rds: new master password of {id} not applied: {e}");
            AwsError::server(
                "InternalFailure",
                format!("The master password of {id} could not be applied."),
            )
        })
    }
}

impl AwsService for RdsService {
    fn name(&self) -> &'static str {
        "rds"
    }

    fn signing_name(&self) -> &'static str {
        "rds"
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
            return Err(AwsError::serialization("RDS speaks the query protocol"));
        };
        ops::dispatch(self, ctx, operation, &params).map(Output::QueryXml)
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        operation != "ModifyDBInstance"
    }
}
