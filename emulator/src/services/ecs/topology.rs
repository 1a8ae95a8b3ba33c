//! The topology's ECS resources → the ECS model, at `up`: the cluster, one
//! task definition per service (revision 1 of its family) and the services,
//! exactly as if a user had called CreateCluster, RegisterTaskDefinition and
//! CreateService. The daemon calls [`seed`] after [`super::EcsRuntime::start`].
//!
//! What the topology names but only other parts can turn into AWS
//! identifiers comes in through [`SeedNames`]: secret ARNs (Secrets Manager
//! creates the topology's secrets), target group ARNs (ELBv2) and the data
//! stores' endpoints that `${rds.db.address}` references in environment
//! values stand for (the registered task definition holds the resolved text,
//! as a Terraform-rendered one does).
//!
//! A load balancer attachment without `container_port` registers the target
//! group's port (the topology's documented default; ECS itself requires the
//! port, so it is filled in here).

use serde_json::{Value, json};

use super::errors::EcsError;
use super::model::Scope;
use super::model::service::NewService;
use super::service::{Ecs, now};
use crate::topology::Topology;
use crate::topology::model::references::Reference;
use crate::topology::model::secrets::ValueFrom;

/// How topology names become AWS identifiers.
pub struct SeedNames<'a> {
    /// A topology `value_from` → the Secrets Manager `valueFrom` ARN the agent
    /// resolves (`arn:…:secret:<name>-AbCdEf[:key:stage:version]`).
    pub secret_value_from: &'a dyn Fn(&ValueFrom) -> Option<String>,
    /// A topology target group name → its ARN.
    pub target_group_arn: &'a dyn Fn(&str) -> Option<String>,
    /// An endpoint reference in an environment value → its text
    /// (`project::references::resolve`).
    pub reference: &'a dyn Fn(&Reference) -> Option<String>,
}

/// Creates the topology's cluster, task definitions and services in `ecs`.
/// Idempotent for the cluster; a service that already exists is an error
/// (as CreateService would say).
pub fn seed(ecs: &Ecs, scope: &Scope, topo: &Topology, names: &SeedNames) -> Result<(), EcsError> {
    let Some(cluster) = &topo.ecs_cluster else {
        return Ok(());
    };
    let namespace = topo
        .service_discovery_namespace
        .as_ref()
        .map(|n| n.name.value.clone());
    ecs.write(scope, |region| {
        let cluster_name = region.create_cluster(
            Some(cluster.name.value.clone()),
            vec![],
            json!([]),
            None,
            now(),
        )?;
        for s in &cluster.services {
            let td = &s.task_definition;
            let containers: Vec<Value> = td
                .container_definitions
                .iter()
                .map(|c| -> Result<Value, EcsError> {
                    let environment = c
                        .environment
                        .iter()
                        .map(|(k, v)| {
                            let value = v.resolve(names.reference).map_err(|r| {
                                EcsError::Client(format!(
                                    "container {}: environment variable {}: nothing answers the reference ${{{}}}",
                                    c.name.value,
                                    k.value,
                                    r.path()
                                ))
                            })?;
                            Ok(json!({"name": k.value, "value": value}))
                        })
                        .collect::<Result<Vec<Value>, EcsError>>()?;
                    let image = c.image.resolve(names.reference).map_err(|r| {
                        EcsError::Client(format!(
                            "container {}: image: nothing answers the reference ${{{}}}",
                            c.name.value,
                            r.path()
                        ))
                    })?;
                    let mut o = json!({
                        "name": c.name.value,
                        "image": image,
                        "essential": c.essential.value,
                        "environment": environment,
                        "portMappings": c.port_mappings.iter()
                            .map(|p| json!({"containerPort": p.container_port.value, "protocol": p.protocol.as_str()}))
                            .collect::<Vec<_>>(),
                        "secrets": c.secrets.iter()
                            .map(|sec| json!({"name": sec.name.value,
                                "valueFrom": (names.secret_value_from)(&sec.value_from.value)
                                    .unwrap_or_else(|| sec.value_from.value.raw.clone())}))
                            .collect::<Vec<_>>(),
                        "dependsOn": c.depends_on.iter()
                            .map(|d| json!({"containerName": d.container_name.value, "condition": d.condition.value.as_str()}))
                            .collect::<Vec<_>>(),
                    });
                    let m = o.as_object_mut().expect("object");
                    let mut set = |k: &str, v: Option<Value>| {
                        if let Some(v) = v {
                            m.insert(k.into(), v);
                        }
                    };
                    set("command", c.command.as_ref().map(|v| json!(v)));
                    set("entryPoint", c.entry_point.as_ref().map(|v| json!(v)));
                    set("workingDirectory", c.working_directory.as_ref().map(|v| json!(v)));
                    set("user", c.user.as_ref().map(|v| json!(v)));
                    set("cpu", c.cpu.as_ref().map(|v| json!(v.value)));
                    set("memory", c.memory.as_ref().map(|v| json!(v.value)));
                    set("memoryReservation", c.memory_reservation.as_ref().map(|v| json!(v.value)));
                    set("stopTimeout", c.stop_timeout.as_ref().map(|v| json!(v.value)));
                    // `log_group`: the awslogs driver as ECS task definitions
                    // spell it (the topology declares the group, so it is
                    // created when missing).
                    set(
                        "logConfiguration",
                        c.log_group.as_ref().map(|g| {
                            json!({"logDriver": "awslogs", "options": {
                                "awslogs-group": g,
                                "awslogs-region": scope.region,
                                "awslogs-stream-prefix": "ecs",
                                "awslogs-create-group": "true",
                            }})
                        }),
                    );
                    set(
                        "healthCheck",
                        c.health_check.as_ref().map(|h| {
                            json!({"command": h.command.value, "interval": h.interval.value,
                                   "timeout": h.timeout.value, "retries": h.retries.value,
                                   "startPeriod": h.start_period.value})
                        }),
                    );
                    Ok(o)
                })
                .collect::<Result<_, EcsError>>()?;
            let mut body = json!({
                "family": td.family.value,
                "networkMode": "awsvpc",
                "requiresCompatibilities": [s.launch_type.value.as_str()],
                "containerDefinitions": containers,
            });
            if let Some(cpu) = &td.cpu {
                body["cpu"] = json!(cpu.value.to_string());
            }
            if let Some(mem) = &td.memory {
                body["memory"] = json!(mem.value.to_string());
            }
            if let Some(role) = &td.task_role_arn {
                body["taskRoleArn"] = json!(role.value);
            }
            if let Some(role) = &td.execution_role_arn {
                body["executionRoleArn"] = json!(role.value);
            }
            let Value::Object(body) = body else {
                unreachable!("built as an object")
            };
            let td_arn = region.register_task_definition(body, now())?;
            let load_balancers: Vec<Value> = s
                .load_balancers
                .iter()
                .map(|lb| {
                    json!({
                        "targetGroupArn": (names.target_group_arn)(&lb.target_group.value)
                            .unwrap_or_else(|| lb.target_group.value.clone()),
                        "containerName": lb.container_name.value,
                        "containerPort": lb.container_port.as_ref().map(|p| p.value)
                            .or_else(|| topo.target_group(&lb.target_group).map(|tg| tg.port.value)),
                    })
                })
                .collect();
            // Only a service with a `service_discovery_name` is registered
            // (as on AWS, where a service without a Cloud Map registry has no
            // name in the namespace).
            let registries: Vec<Value> = namespace
                .iter()
                .filter_map(|ns| {
                    let name = &s.service_discovery_name.as_ref()?.value;
                    Some(json!({"emulName": format!("{name}.{ns}")}))
                })
                .collect();
            let mut config = json!({
                "minimumHealthyPercent": s.deployment_minimum_healthy_percent.value,
                "maximumPercent": s.deployment_maximum_percent.value,
            });
            if let Some(cb) = &s.deployment_circuit_breaker {
                config["deploymentCircuitBreaker"] = json!({"enable": cb.enable, "rollback": cb.rollback});
            }
            region.create_service(
                &cluster_name,
                NewService {
                    name: s.name.value.clone(),
                    task_definition: td_arn,
                    desired_count: u32::try_from(s.desired_count.value).unwrap_or(0),
                    launch_type: Some(s.launch_type.value.as_str().to_string()),
                    deployment_configuration: Some(config),
                    network_configuration: Some(json!({"awsvpcConfiguration": {
                        "subnets": s.subnets.iter().map(|x| x.value.clone()).collect::<Vec<_>>(),
                        "securityGroups": s.security_groups.iter().map(|x| x.value.clone()).collect::<Vec<_>>(),
                        "assignPublicIp": if s.assign_public_ip { "ENABLED" } else { "DISABLED" },
                    }})),
                    load_balancers: Some(Value::Array(load_balancers)),
                    service_registries: Some(Value::Array(registries)),
                    health_check_grace_period: s
                        .health_check_grace_period_seconds
                        .as_ref()
                        .and_then(|g| u32::try_from(g.value).ok()),
                    ..NewService::default()
                },
                now(),
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_fixture_with_ecs_seeds_cleanly() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies");
        let mut seeded = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            // Only the fixtures (a project's `.emul/` state may sit beside them).
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let topo = match crate::topology::load(&path) {
                Ok(t) => t,
                Err(e) => panic!("{}: {e:?}", path.display()),
            };
            let Some(cluster) = &topo.ecs_cluster else {
                continue;
            };
            let ecs = Ecs::new();
            let scope = Scope {
                account: topo.account_id.value.clone(),
                region: topo.region.value.clone(),
            };
            let names = SeedNames {
                secret_value_from: &|vf: &ValueFrom| {
                    Some(format!(
                        "arn:aws:secretsmanager:us-east-1:000000000000:secret:{}-AbCdEf",
                        vf.secret
                    ))
                },
                target_group_arn: &|name: &str| {
                    Some(format!(
                        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/{name}/0123456789abcdef"
                    ))
                },
                reference: &|r: &Reference| Some(format!("<{}>", r.path())),
            };
            seed(&ecs, &scope, &topo, &names).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let services = ecs.read(&scope, |r| r.services.len());
            assert_eq!(services, cluster.services.len(), "{}", path.display());
            ecs.read(&scope, |r| {
                for s in r.services.values() {
                    assert_eq!(s.deployments.len(), 1);
                    assert_eq!(s.status, "ACTIVE");
                    // A discovery name only where the topology gives one.
                    let declared = cluster
                        .services
                        .iter()
                        .find(|d| d.name.value == s.name)
                        .unwrap();
                    let expected: Vec<Value> = match (
                        &declared.service_discovery_name,
                        &topo.service_discovery_namespace,
                    ) {
                        (Some(n), Some(ns)) => {
                            vec![json!({"emulName": format!("{}.{}", n.value, ns.name.value)})]
                        }
                        _ => vec![],
                    };
                    assert_eq!(
                        s.service_registries,
                        Value::Array(expected),
                        "{}: {}",
                        path.display(),
                        s.name
                    );
                    // `log_group` → the awslogs driver, as ECS spells it.
                    let td = r.task_definition(&s.task_definition).unwrap();
                    for c in &declared.task_definition.container_definitions {
                        let def = td.body["containerDefinitions"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|d| d["name"] == c.name.value.as_str())
                            .unwrap();
                        let expected = c.log_group.as_ref().map(|g| {
                            json!({"logDriver": "awslogs", "options": {
                                "awslogs-group": g, "awslogs-region": scope.region,
                                "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}})
                        });
                        assert_eq!(def.get("logConfiguration"), expected.as_ref());
                    }
                }
            });
            seeded += 1;
        }
        assert!(
            seeded >= 3,
            "the seed fixtures with an ECS cluster were seeded"
        );
    }

    /// The complete example of docs/topology.md: its `frontend` attachment
    /// has no `container_port` (the target group's port is registered, as
    /// documented) and its environment holds endpoint references (the task
    /// definition holds the resolved text).
    #[test]
    fn the_documented_example_seeds_with_the_port_default_and_resolved_references() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/topology.md"),
        )
        .unwrap();
        let example = doc
            .split("<!-- example:complete -->\n```yaml\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .expect("the complete example");
        let topo = crate::topology::parse_str(example).unwrap();
        let frontend = topo.service("frontend").unwrap();
        assert!(
            frontend.load_balancers[0].container_port.is_none(),
            "the example relies on the default"
        );
        let ecs = Ecs::new();
        let scope = Scope {
            account: topo.account_id.value.clone(),
            region: topo.region.value.clone(),
        };
        let names = SeedNames {
            secret_value_from: &|vf: &ValueFrom| Some(vf.raw.clone()),
            target_group_arn: &|name: &str| Some(format!("tg/{name}")),
            reference: &|r: &Reference| Some(format!("<{}>", r.path())),
        };
        seed(&ecs, &scope, &topo, &names).unwrap();
        ecs.read(&scope, |r| {
            let svc = r
                .services
                .values()
                .find(|s| s.name == "frontend")
                .unwrap();
            assert_eq!(
                svc.load_balancers,
                json!([{"targetGroupArn": "tg/frontend-tg", "containerName": "web", "containerPort": 8080}])
            );
            let backend = &r.task_definitions["shop-backend"][0];
            let env = &backend.containers()[0]["environment"];
            let value = |name: &str| {
                env.as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["name"] == name)
                    .map(|e| e["value"].clone())
            };
            assert_eq!(value("DB_HOST"), Some(json!("<rds.shop-db.address>")));
            assert_eq!(
                value("REDIS_HOST"),
                Some(json!("<elasticache.shop-cache.primary_endpoint_address>"))
            );
        });
        // A reference nothing answers stops the seeding, naming it.
        let ecs = Ecs::new();
        let err = seed(
            &ecs,
            &scope,
            &topo,
            &SeedNames {
                reference: &|_: &Reference| None,
                ..names
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(
                "environment variable DB_HOST: nothing answers the reference ${rds.shop-db.address}"
            ),
            "{err}"
        );
    }
}
