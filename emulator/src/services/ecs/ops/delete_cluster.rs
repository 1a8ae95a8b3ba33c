//! DeleteCluster: `cluster` → the cluster, now INACTIVE. Refused while
//! services or tasks are active.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_cluster, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
struct Request {
    cluster: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let cluster = required(req.cluster, "cluster")?;
    ecs.write(scope, |region| {
        let name = region.delete_cluster(&cluster)?;
        Ok(json!({"cluster": render_cluster(region, &region.clusters[&name], &None)}))
    })
}
