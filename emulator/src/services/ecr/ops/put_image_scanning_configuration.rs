//! PutImageScanningConfiguration: `scanOnPush`, stored (emul scans nothing).

use serde::Deserialize;
use serde_json::{Value, json};

use super::create_repository::Scanning;
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
    /// `imageScanningConfiguration`.
    image_scanning_configuration: Option<Scanning>,
}

/// Parse → apply → render.
pub fn run(ecr: &Ecr, ctx: &RequestContext, body: Value) -> Result<Value, EcrError> {
    let req: Request = parse(body)?;
    let account = registry(ctx, req.registry_id);
    let name = required(req.repository_name, "repositoryName")?;
    let scan = required(
        req.image_scanning_configuration,
        "imageScanningConfiguration",
    )?
    .scan_on_push
    .unwrap_or(false);
    ecr.write(&account, &ctx.region, |r| {
        r.repository_mut(&name, &account)?.scan_on_push = scan;
        Ok(())
    })?;
    Ok(json!({"registryId": account, "repositoryName": name,
              "imageScanningConfiguration": {"scanOnPush": scan}}))
}
