//! ListServices: `cluster`, `launchType`, `schedulingStrategy`, paging →
//! `serviceArns` (ACTIVE services only; DRAINING ones are hidden).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{paginate, parse};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    cluster: Option<String>,
    launch_type: Option<String>,
    scheduling_strategy: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let arns: Vec<String> = ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        Ok::<_, EcsError>(
            region
                .services
                .values()
                .filter(|s| s.cluster == cluster && s.status == "ACTIVE")
                .filter(|s| {
                    req.launch_type
                        .as_deref()
                        .is_none_or(|l| s.launch_type == l)
                })
                .filter(|s| {
                    req.scheduling_strategy
                        .as_deref()
                        .is_none_or(|l| s.scheduling_strategy == l)
                })
                .map(|s| s.arn.clone())
                .collect(),
        )
    })?;
    let (page, token) = paginate(arns, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"serviceArns": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
