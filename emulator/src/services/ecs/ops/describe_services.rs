//! DescribeServices: `cluster`, `services[]` (≤10 names or ARNs),
//! `include[]` → `services[]`, `failures[]` (`MISSING`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::{Scope, arns};
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
struct Request {
    cluster: Option<String>,
    services: Option<Vec<String>>,
    include: Option<Vec<String>>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let wanted = required(req.services, "services")?;
    if wanted.is_empty() || wanted.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "services can have between 1 and 10 items.".into(),
        ));
    }
    let tags = includes(&req.include, "TAGS");
    ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let mut services = Vec::new();
        let mut failures = Vec::new();
        for param in &wanted {
            match region.service(&cluster, param) {
                Some(s) => services.push(region.render_service(s, tags)),
                // AWS names a missing service by the ARN it was given, or
                // by `service/<name>` (no cluster) for a bare name.
                None => failures.push(json!({
                    "arn": if arns::resource(param).is_some() {
                        param.clone()
                    } else {
                        format!("arn:aws:ecs:{}:{}:service/{param}", scope.region, scope.account)
                    },
                    "reason": "MISSING",
                })),
            }
        }
        Ok(json!({"services": services, "failures": failures}))
    })
}
