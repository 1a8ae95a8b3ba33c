//! DeleteLifecyclePolicy: removes the stored text and returns it.

use serde_json::{Value, json};

use super::get_lifecycle_policy::Request;
use super::{parse, registry, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::{Ecr, now_secs};

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let text = ecr.write(&account, &ctx.region, |r| {
        r.repository_mut(&name, &account)?
            .lifecycle_policy
            .take()
            .ok_or_else(|| EcrError::LifecyclePolicyNotFound {
                name: name.clone(),
                registry: account.clone(),
            })
    })?;
    Ok(json!({"registryId": account, "repositoryName": name,
              "lifecyclePolicyText": text, "lastEvaluatedAt": now_secs()}))
}
