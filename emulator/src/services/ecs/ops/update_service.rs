//! UpdateService: `service`, `cluster`, `desiredCount`, `taskDefinition`,
//! `forceNewDeployment`, `deploymentConfiguration`, `networkConfiguration`,
//! `loadBalancers`, `healthCheckGracePeriodSeconds` → `service`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::model::service::{ServiceUpdate, check_az_rebalancing};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    service: Option<String>,
    cluster: Option<String>,
    desired_count: Option<i64>,
    task_definition: Option<String>,
    #[serde(default)]
    force_new_deployment: bool,
    deployment_configuration: Option<Value>,
    network_configuration: Option<Value>,
    load_balancers: Option<Value>,
    health_check_grace_period_seconds: Option<i64>,
    capacity_provider_strategy: Option<Vec<Value>>,
    availability_zone_rebalancing: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let service = required(req.service, "service")?;
    if req.desired_count.is_some_and(|n| n < 0) {
        return Err(EcsError::InvalidParameter(
            "desiredCount must be greater than or equal to 0.".into(),
        ));
    }
    if let Some(az) = &req.availability_zone_rebalancing {
        check_az_rebalancing(az)?;
    }
    ecs.check_network(scope, req.network_configuration.as_ref())?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let strategy = match req.capacity_provider_strategy.filter(|s| !s.is_empty()) {
            Some(items) => {
                Some(region.resolve_strategy(&cluster, Some(&Value::Array(items)), None)?)
            }
            None => None,
        };
        let name = region.update_service(
            &cluster,
            &service,
            ServiceUpdate {
                desired_count: req.desired_count.map(|n| n as u32),
                task_definition: req.task_definition,
                force_new_deployment: req.force_new_deployment,
                deployment_configuration: req.deployment_configuration,
                network_configuration: req.network_configuration,
                load_balancers: req.load_balancers,
                health_check_grace_period: req
                    .health_check_grace_period_seconds
                    .map(|n| n.clamp(0, i64::from(i32::MAX)) as u32),
                capacity_provider_strategy: strategy,
            },
            now(),
        )?;
        // Not a deployment: only recorded.
        if let Some(az) = req.availability_zone_rebalancing
            && let Some(s) = region.service_mut(&cluster, &name)
        {
            s.availability_zone_rebalancing = az;
        }
        let s = region.service(&cluster, &name).expect("exists");
        Ok(json!({"service": region.render_service(s, false)}))
    })
}
