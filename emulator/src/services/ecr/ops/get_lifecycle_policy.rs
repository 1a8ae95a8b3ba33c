//! GetLifecyclePolicy: the stored text, or LifecyclePolicyNotFoundException.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, registry, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::{Ecr, now_secs};

/// The request members (also DeleteLifecyclePolicy's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    /// `registryId`.
    pub(super) registry_id: Option<String>,
    /// `repositoryName`.
    pub(super) repository_name: Option<String>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let text = ecr.read(&account, &ctx.region, |r| {
        r.repository(&name, &account)?
            .lifecycle_policy
            .clone()
            .ok_or_else(|| EcrError::LifecyclePolicyNotFound {
                name: name.clone(),
                registry: account.clone(),
            })
    })?;
    Ok(json!({"registryId": account, "repositoryName": name,
              "lifecyclePolicyText": text, "lastEvaluatedAt": now_secs()}))
}
