//! CreateService: `serviceName`, `cluster`, `taskDefinition`,
//! `desiredCount`, `launchType`, `networkConfiguration`, `loadBalancers`,
//! `deploymentConfiguration`, `healthCheckGracePeriodSeconds`, … → `service`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::capacity_provider::check_launch_type;
use crate::services::ecs::model::service::{NewService, check_az_rebalancing};
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    service_name: Option<String>,
    cluster: Option<String>,
    task_definition: Option<String>,
    desired_count: Option<i64>,
    launch_type: Option<String>,
    deployment_configuration: Option<Value>,
    network_configuration: Option<Value>,
    load_balancers: Option<Value>,
    service_registries: Option<Value>,
    health_check_grace_period_seconds: Option<i64>,
    scheduling_strategy: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(rename = "enableECSManagedTags", default)]
    enable_ecs_managed_tags: bool,
    propagate_tags: Option<String>,
    #[serde(default)]
    enable_execute_command: bool,
    capacity_provider_strategy: Option<Value>,
    deployment_controller: Option<Value>,
    role: Option<String>,
    availability_zone_rebalancing: Option<String>,
}

pub(super) fn run(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let name = required(req.service_name, "serviceName")?;
    let controller = match &req.deployment_controller {
        None => None,
        Some(c) => match c.get("type").and_then(Value::as_str) {
            Some(t @ ("ECS" | "CODE_DEPLOY" | "EXTERNAL")) => Some(t.to_string()),
            _ => {
                return Err(EcsError::InvalidParameter(
                    "deploymentController.type should be one of [ECS,CODE_DEPLOY,EXTERNAL]".into(),
                ));
            }
        },
    };
    // An EXTERNAL service's task definition comes from its task sets
    // (the model refuses the omission for other controllers).
    let task_definition = req.task_definition.unwrap_or_default();
    if let Some(lt) = &req.launch_type {
        check_launch_type(lt, false)?;
    }
    let daemon = req.scheduling_strategy.as_deref() == Some("DAEMON");
    let desired = match req.desired_count {
        Some(n) if n < 0 => {
            return Err(EcsError::InvalidParameter(
                "desiredCount must be greater than or equal to 0.".into(),
            ));
        }
        Some(n) => n as u32,
        None if daemon => 1,
        None => {
            return Err(EcsError::InvalidParameter(
                "The desiredCount parameter is required for services using the REPLICA scheduling strategy.".into(),
            ));
        }
    };
    let grace = match req.health_check_grace_period_seconds {
        Some(n) if !(0..=i64::from(i32::MAX)).contains(&n) => {
            return Err(EcsError::InvalidParameter(
                "healthCheckGracePeriodSeconds must be between 0 and 2147483647.".into(),
            ));
        }
        other => other.map(|n| n as u32),
    };
    if let Some(az) = &req.availability_zone_rebalancing {
        check_az_rebalancing(az)?;
    }
    ecs.check_network(scope, req.network_configuration.as_ref())?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let strategy = region.resolve_strategy(
            &cluster,
            req.capacity_provider_strategy.as_ref(),
            req.launch_type.as_deref(),
        )?;
        let name = region.create_service(
            &cluster,
            NewService {
                name,
                task_definition,
                desired_count: desired,
                launch_type: req.launch_type,
                deployment_configuration: req.deployment_configuration,
                network_configuration: req.network_configuration,
                load_balancers: req.load_balancers,
                service_registries: req.service_registries,
                health_check_grace_period: grace,
                scheduling_strategy: req.scheduling_strategy,
                tags: req.tags,
                enable_ecs_managed_tags: req.enable_ecs_managed_tags,
                propagate_tags: req.propagate_tags,
                enable_execute_command: req.enable_execute_command,
                capacity_provider_strategy: strategy,
                deployment_controller: controller,
                role_arn: req.role,
            },
            now(),
        )?;
        if let Some(az) = req.availability_zone_rebalancing
            && let Some(s) = region.service_mut(&cluster, &name)
        {
            s.availability_zone_rebalancing = az;
        }
        let service = region.service(&cluster, &name).expect("just created");
        Ok(json!({"service": region.render_service(service, false)}))
    })
}
