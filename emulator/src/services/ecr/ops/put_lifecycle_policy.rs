//! PutLifecyclePolicy: the policy text (must be a JSON object with `rules`)
//! is stored; emul does not expire images by it.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, registry, required};
use crate::gateway::registry::RequestContext;
use crate::services::ecr::errors::EcrError;
use crate::services::ecr::service::Ecr;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// `registryId`.
    registry_id: Option<String>,
    /// `repositoryName`.
    repository_name: Option<String>,
    /// `lifecyclePolicyText`.
    lifecycle_policy_text: Option<String>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let text = required(req.lifecycle_policy_text, "lifecyclePolicyText")?;
    let valid = serde_json::from_str::<Value>(&text)
        .ok()
        .is_some_and(|v| v.get("rules").is_some_and(Value::is_array));
    if !valid {
        return Err(EcrError::InvalidParameter(
            "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: a JSON object with a \"rules\" array is required'"
                .into(),
        ));
    }
    ecr.write(&account, &ctx.region, |r| {
        r.repository_mut(&name, &account)?.lifecycle_policy = Some(text.clone());
        Ok(())
    })?;
    Ok(json!({"registryId": account, "repositoryName": name, "lifecyclePolicyText": text}))
}
