//! [`ProjectScoped`]: the state of a service that exists for one project's
//! account and region only (RDS and ElastiCache: the topology's data
//! stores), behind a lock shared with background operations, plus the
//! runtime that operates them under `emul up`. A caller in another account
//! or region sees an empty model.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::gateway::registry::RequestContext;
use crate::wiring::DatastoreRuntime;

/// One project's model of a service, and what operates it.
pub struct ProjectScoped<M> {
    /// The project's account and region.
    scope: (String, String),
    /// The model (shared with background operations).
    pub model: Arc<Mutex<M>>,
    /// The running data stores and the reactor to drive them on (`emul up`).
    pub runtime: Option<(Arc<dyn DatastoreRuntime>, tokio::runtime::Handle)>,
}

/// The model, even if a panic poisoned its lock.
pub fn lock<M>(model: &Mutex<M>) -> MutexGuard<'_, M> {
    model.lock().unwrap_or_else(|p| p.into_inner())
}

impl<M: Default> ProjectScoped<M> {
    /// Nothing to operate (`emul serve`).
    pub fn empty(account: &str, region: &str) -> Self {
        ProjectScoped {
            scope: (account.to_string(), region.to_string()),
            model: Arc::new(Mutex::new(M::default())),
            runtime: None,
        }
    }

    /// A running project's `model`, operated through `runtime`; must be
    /// called inside the Tokio runtime background operations run on.
    pub fn live(account: &str, region: &str, model: M, runtime: Arc<dyn DatastoreRuntime>) -> Self {
        ProjectScoped {
            scope: (account.to_string(), region.to_string()),
            model: Arc::new(Mutex::new(model)),
            runtime: Some((runtime, tokio::runtime::Handle::current())),
        }
    }

    fn in_scope(&self, ctx: &RequestContext) -> bool {
        self.scope.0 == ctx.account && self.scope.1 == ctx.region
    }

    /// Reads the model of the caller's account and region.
    pub fn read<T>(&self, ctx: &RequestContext, f: impl FnOnce(&M) -> T) -> T {
        if !self.in_scope(ctx) {
            return f(&M::default());
        }
        f(&lock(&self.model))
    }

    /// Changes the model of the caller's account and region (none exists
    /// elsewhere: what the caller names there is not found).
    pub fn write<T, E>(
        &self,
        ctx: &RequestContext,
        f: impl FnOnce(&mut M) -> Result<T, E>,
    ) -> Result<T, E> {
        if !self.in_scope(ctx) {
            return f(&mut M::default());
        }
        f(&mut lock(&self.model))
    }
}
