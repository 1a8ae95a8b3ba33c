//! DeleteService: `service`, `cluster`, `force` → `service` (DRAINING, or
//! INACTIVE once no task is left).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
struct Request {
    service: Option<String>,
    cluster: Option<String>,
    #[serde(default)]
    force: bool,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let service = required(req.service, "service")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let name = region.delete_service(&cluster, &service, req.force, now())?;
        let s = region.service(&cluster, &name).expect("exists");
        Ok(json!({"service": region.render_service(s, false)}))
    })
}
