//! Container instances, the EC2 launch type's capacity: an EC2 instance
//! registered into a cluster (RegisterContainerInstance, normally the ECS
//! agent's call), its resources and attributes, ACTIVE/DRAINING, and
//! deregistration (INACTIVE, still describable). Pure.
//!
//! emul runs no agent and no VM: a container instance is the bookkeeping
//! that placement works on ([`super::placement`]). The agent's part is
//! played here: the instance counts as connected (`agentConnected`), and a
//! registration without `totalResources` gets what the agent would report
//! on the instance type of the identity document (CPU = vCPUs × 1024, the
//! type's memory in MiB, the agent's reserved ports 22, 2375, 2376, 51678
//! and 51679). Under `emul up` a task placed on one runs as every task runs
//! (its own ENI and containers); the instance only lends it resources.
//!
//! Resources are registered once; what is left (`remainingResources`) is
//! derived from the tasks on the instance that have not STOPPED, each
//! holding the [`Reservation`] it was placed with.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Region, Secs, Tag, TaskStatus, arns};
use crate::services::ec2::instance_types;
use crate::services::ecs::errors::EcsError;

/// The ports the ECS agent reserves on every instance.
pub const AGENT_RESERVED_PORTS: &[&str] = &["22", "2376", "2375", "51678", "51679"];

/// A container instance attribute (`name`, optional `value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The name (`ecs.instance-type`, or a custom one).
    pub name: String,
    /// The value, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// What a task holds on its container instance while it has not stopped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reservation {
    /// CPU units.
    pub cpu: i64,
    /// Memory, MiB.
    pub memory: i64,
    /// TCP host ports.
    pub ports: Vec<String>,
    /// UDP host ports.
    pub ports_udp: Vec<String>,
}

/// Where a task of the EC2 launch type was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The container instance's ARN.
    pub container_instance_arn: String,
    /// Its zone (the task's `availabilityZone`).
    pub availability_zone: Option<String>,
    /// What the task holds there.
    pub reserved: Reservation,
}

/// One container instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInstance {
    /// The 32-hex id.
    pub id: String,
    /// `arn:aws:ecs:<region>:<acct>:container-instance/<cluster>/<id>`.
    pub arn: String,
    /// The cluster name.
    pub cluster: String,
    /// The EC2 instance (`i-…`) of the identity document.
    pub ec2_instance_id: String,
    /// ACTIVE, DRAINING, or INACTIVE once deregistered.
    pub status: String,
    /// `registeredResources` (wire `Resource` objects).
    pub registered: Vec<Value>,
    /// Its attributes: the built-in ones, the agent's, then custom ones.
    pub attributes: Vec<Attribute>,
    /// `versionInfo` as registered.
    pub version_info: Value,
    /// When it registered.
    pub registered_at: Secs,
    /// The zone of the identity document.
    pub availability_zone: Option<String>,
    /// Incremented on every change.
    pub version: u64,
}

/// What RegisterContainerInstance carries.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// The cluster name.
    pub cluster: String,
    /// `instanceIdentityDocument` (JSON text).
    pub identity_document: String,
    /// `totalResources`, when the caller sent them.
    pub total_resources: Option<Vec<Value>>,
    /// `versionInfo`.
    pub version_info: Option<Value>,
    /// `attributes` (the agent's).
    pub attributes: Vec<Attribute>,
    /// `containerInstanceArn`: re-registration of an existing one.
    pub container_instance_arn: Option<String>,
    /// `tags`.
    pub tags: Vec<Tag>,
}

/// A `Resource` with every member AWS shows (`doubleValue`, `longValue`,
/// `integerValue` 0 unless set; `stringSetValue` for STRINGSET).
fn resource(name: &str, kind: &str, integer: i64, set: Option<Vec<String>>) -> Value {
    let mut r = json!({
        "name": name,
        "type": kind,
        "doubleValue": 0.0,
        "longValue": 0,
        "integerValue": integer,
    });
    if let Some(set) = set {
        r["stringSetValue"] = json!(set);
    }
    r
}

/// A registered `Resource` as sent, with the members AWS fills in.
fn normalize(r: &Value) -> Result<Value, EcsError> {
    let name = r
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| EcsError::missing("totalResources.name"))?;
    let kind = r.get("type").and_then(Value::as_str).unwrap_or("INTEGER");
    if !matches!(kind, "INTEGER" | "DOUBLE" | "LONG" | "STRINGSET") {
        return Err(EcsError::InvalidParameter(format!(
            "Resource type should be one of [INTEGER, DOUBLE, LONG, STRINGSET]: {kind}"
        )));
    }
    let mut out = json!({
        "name": name,
        "type": kind,
        "doubleValue": r.get("doubleValue").and_then(Value::as_f64).unwrap_or(0.0),
        "longValue": r.get("longValue").and_then(Value::as_i64).unwrap_or(0),
        "integerValue": r.get("integerValue").and_then(Value::as_i64).unwrap_or(0),
    });
    if kind == "STRINGSET" {
        out["stringSetValue"] = r.get("stringSetValue").cloned().unwrap_or(json!([]));
    }
    Ok(out)
}

/// What the agent registers on `instance_type`.
fn agent_resources(instance_type: &str) -> Vec<Value> {
    let (cpu, memory) = instance_types::lookup(instance_type)
        .map_or((0, 0), |t| (i64::from(t.vcpus) * 1024, t.memory_mib as i64));
    vec![
        resource("CPU", "INTEGER", cpu, None),
        resource("MEMORY", "INTEGER", memory, None),
        resource(
            "PORTS",
            "STRINGSET",
            0,
            Some(AGENT_RESERVED_PORTS.iter().map(|p| p.to_string()).collect()),
        ),
        resource("PORTS_UDP", "STRINGSET", 0, Some(vec![])),
    ]
}

/// The integer value of resource `name` in `list` (0 when absent).
fn integer_of(list: &[Value], name: &str) -> i64 {
    list.iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["integerValue"].as_i64())
        .unwrap_or(0)
}

/// The string set of resource `name` in `list`.
fn set_of(list: &[Value], name: &str) -> Vec<String> {
    list.iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["stringSetValue"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The id a container instance parameter names: the last segment of an
/// ARN (`container-instance/<id>` or `…/<cluster>/<id>`), or the id.
pub fn id_of(param: &str) -> String {
    match arns::resource(param).and_then(|r| r.strip_prefix("container-instance/")) {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest).to_string(),
        None => param.to_string(),
    }
}

/// `arn:…:container-instance/<cluster>/<id>` (the long format, which AWS
/// made the only one).
pub fn arn(region: &Region, cluster: &str, id: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:container-instance/{cluster}/{id}",
        region.scope.region, region.scope.account
    )
}

impl ContainerInstance {
    /// Whether placement and the counters see it (ACTIVE or DRAINING).
    pub fn is_registered(&self) -> bool {
        self.status != "INACTIVE"
    }

    /// The value of attribute `name` (`Some(None)`: present without value).
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_deref())
    }
}

impl Region {
    /// The container instance `param` (id or ARN) names in `cluster`,
    /// deregistered ones included.
    pub fn container_instance_in(&self, cluster: &str, param: &str) -> Option<&ContainerInstance> {
        self.container_instances
            .get(&id_of(param))
            .filter(|ci| ci.cluster == cluster)
    }

    /// The registered (ACTIVE or DRAINING) container instances of
    /// `cluster`, in registration order.
    pub fn container_instances_of<'a>(
        &'a self,
        cluster: &'a str,
    ) -> impl Iterator<Item = &'a ContainerInstance> + 'a {
        let mut all: Vec<&ContainerInstance> = self
            .container_instances
            .values()
            .filter(|ci| ci.cluster == cluster && ci.is_registered())
            .collect();
        all.sort_by(|a, b| {
            a.registered_at
                .total_cmp(&b.registered_at)
                .then(a.id.cmp(&b.id))
        });
        all.into_iter()
    }

    /// RegisterContainerInstance. Returns the container instance's id.
    pub fn register_container_instance(
        &mut self,
        reg: Registration,
        now: Secs,
    ) -> Result<String, EcsError> {
        let doc: Value = serde_json::from_str(&reg.identity_document).map_err(|_| {
            EcsError::InvalidParameter("instanceIdentityDocument is not valid JSON.".into())
        })?;
        let field = |k: &str| doc.get(k).and_then(Value::as_str).map(String::from);
        let ec2_instance_id = field("instanceId").ok_or_else(|| {
            EcsError::InvalidParameter("instanceIdentityDocument has no instanceId.".into())
        })?;
        let instance_type = field("instanceType");
        let zone = field("availabilityZone");
        let registered = match &reg.total_resources {
            Some(list) if !list.is_empty() => {
                list.iter().map(normalize).collect::<Result<Vec<_>, _>>()?
            }
            _ => agent_resources(instance_type.as_deref().unwrap_or(instance_types::DEFAULT)),
        };
        // The attributes ECS derives from the identity document.
        let mut attributes: Vec<Attribute> = [
            ("ecs.ami-id", field("imageId")),
            ("ecs.availability-zone", zone.clone()),
            ("ecs.instance-type", instance_type.clone()),
            ("ecs.os-type", Some("linux".to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value.map(|v| Attribute {
                name: name.into(),
                value: Some(v),
            })
        })
        .collect();
        for a in reg.attributes {
            match attributes.iter_mut().find(|x| x.name == a.name) {
                Some(x) => x.value = a.value,
                None => attributes.push(a),
            }
        }
        let existing = reg
            .container_instance_arn
            .as_deref()
            .map(id_of)
            .filter(|id| {
                self.container_instances
                    .get(id)
                    .is_some_and(|ci| ci.cluster == reg.cluster && ci.is_registered())
            });
        let id = existing.unwrap_or_else(arns::new_task_id);
        let arn = arn(self, &reg.cluster, &id);
        let version = self
            .container_instances
            .get(&id)
            .map_or(1, |ci| ci.version + 1);
        // A re-registration keeps the custom attributes put on it.
        if let Some(old) = self.container_instances.get(&id) {
            for a in &old.attributes {
                if !a.name.starts_with("ecs.") && !attributes.iter().any(|x| x.name == a.name) {
                    attributes.push(a.clone());
                }
            }
        }
        let registered_at = self
            .container_instances
            .get(&id)
            .map_or(now, |ci| ci.registered_at);
        self.merge_tags(&arn, reg.tags);
        self.container_instances.insert(
            id.clone(),
            ContainerInstance {
                id: id.clone(),
                arn,
                cluster: reg.cluster,
                ec2_instance_id,
                status: "ACTIVE".into(),
                registered,
                attributes,
                version_info: reg.version_info.unwrap_or_else(|| json!({})),
                registered_at,
                availability_zone: zone,
                version,
            },
        );
        Ok(id)
    }

    /// The tasks placed on container instance `arn` that have not STOPPED.
    pub fn tasks_on<'a>(&'a self, arn: &'a str) -> impl Iterator<Item = &'a super::Task> + 'a {
        self.tasks.values().filter(move |t| {
            t.last_status != TaskStatus::Stopped
                && t.placement
                    .as_ref()
                    .is_some_and(|p| p.container_instance_arn == arn)
        })
    }

    /// What the tasks on `ci` hold now.
    pub fn used_on(&self, ci: &ContainerInstance) -> Reservation {
        let mut used = Reservation::default();
        for t in self.tasks_on(&ci.arn) {
            let r = &t
                .placement
                .as_ref()
                .expect("tasks_on has placements")
                .reserved;
            used.cpu += r.cpu;
            used.memory += r.memory;
            used.ports.extend(r.ports.iter().cloned());
            used.ports_udp.extend(r.ports_udp.iter().cloned());
        }
        used
    }

    /// `remainingResources`: the registered ones less what the tasks hold
    /// (their host ports join the reserved ones, as AWS lists them).
    pub fn remaining_on(&self, ci: &ContainerInstance) -> Vec<Value> {
        let used = self.used_on(ci);
        ci.registered
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let add = |r: &mut Value, ports: &[String]| {
                    let mut set = r["stringSetValue"].as_array().cloned().unwrap_or_default();
                    for p in ports {
                        if !set.iter().any(|x| x == p) {
                            set.push(json!(p));
                        }
                    }
                    r["stringSetValue"] = json!(set);
                };
                match r["name"].as_str() {
                    Some("CPU") => {
                        r["integerValue"] =
                            json!(r["integerValue"].as_i64().unwrap_or(0) - used.cpu)
                    }
                    Some("MEMORY") => {
                        r["integerValue"] =
                            json!(r["integerValue"].as_i64().unwrap_or(0) - used.memory)
                    }
                    Some("PORTS") => add(&mut r, &used.ports),
                    Some("PORTS_UDP") => add(&mut r, &used.ports_udp),
                    _ => {}
                }
                r
            })
            .collect()
    }

    /// Whether `wanted` fits on `ci` now; the failure reason AWS gives
    /// when it does not (`RESOURCE:CPU`, `RESOURCE:MEMORY`,
    /// `RESOURCE:PORTS`, `RESOURCE:PORTS_UDP`).
    pub fn fits(&self, ci: &ContainerInstance, wanted: &Reservation) -> Result<(), &'static str> {
        let left = self.remaining_on(ci);
        if wanted.cpu > integer_of(&left, "CPU") {
            return Err("RESOURCE:CPU");
        }
        if wanted.memory > integer_of(&left, "MEMORY") {
            return Err("RESOURCE:MEMORY");
        }
        let taken = set_of(&left, "PORTS");
        if wanted.ports.iter().any(|p| taken.contains(p)) {
            return Err("RESOURCE:PORTS");
        }
        let taken = set_of(&left, "PORTS_UDP");
        if wanted.ports_udp.iter().any(|p| taken.contains(p)) {
            return Err("RESOURCE:PORTS_UDP");
        }
        Ok(())
    }

    /// DeregisterContainerInstance: INACTIVE (still describable). Refused
    /// while tasks run on it, unless `force` (they then run on, orphaned).
    pub fn deregister_container_instance(
        &mut self,
        cluster: &str,
        param: &str,
        force: bool,
    ) -> Result<String, EcsError> {
        let ci = self
            .container_instance_in(cluster, param)
            .filter(|ci| ci.is_registered())
            .ok_or(EcsError::ContainerInstanceNotFound)?;
        if !force && self.tasks_on(&ci.arn).next().is_some() {
            return Err(EcsError::InvalidParameter(
                "Found running tasks on the instance.".into(),
            ));
        }
        let id = ci.id.clone();
        let ci = self.container_instances.get_mut(&id).expect("found above");
        ci.status = "INACTIVE".into();
        ci.version += 1;
        Ok(id)
    }

    /// UpdateContainerInstancesState on one instance: ACTIVE or DRAINING.
    pub fn set_container_instance_status(&mut self, id: &str, status: &str) {
        if let Some(ci) = self.container_instances.get_mut(id)
            && ci.status != status
        {
            ci.status = status.to_string();
            ci.version += 1;
        }
    }

    /// The wire `ContainerInstance`.
    pub fn render_container_instance(&self, ci: &ContainerInstance, tags: bool) -> Value {
        let (mut running, mut pending) = (0, 0);
        for t in self.tasks_on(&ci.arn) {
            if t.last_status == TaskStatus::Running {
                running += 1;
            } else if t.last_status.is_pending() {
                pending += 1;
            }
        }
        let mut out = json!({
            "containerInstanceArn": ci.arn,
            "ec2InstanceId": ci.ec2_instance_id,
            "version": ci.version,
            "versionInfo": ci.version_info,
            "remainingResources": self.remaining_on(ci),
            "registeredResources": ci.registered,
            "status": ci.status,
            "agentConnected": ci.is_registered(),
            "runningTasksCount": running,
            "pendingTasksCount": pending,
            "attributes": ci.attributes,
            "registeredAt": ci.registered_at,
            "attachments": [],
        });
        if tags {
            out["tags"] = json!(self.tags_of(&ci.arn));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ecs::model::Scope;

    fn region() -> Region {
        let mut r = Region::new(Scope::test());
        r.create_cluster(Some("c".into()), vec![], json!([]), None, 0.0)
            .unwrap();
        r
    }

    fn doc(instance_type: &str) -> String {
        json!({"instanceId": "i-0123456789abcdef0", "instanceType": instance_type,
               "availabilityZone": "us-east-1b", "imageId": "ami-12c6146b", "region": "us-east-1"})
        .to_string()
    }

    #[test]
    fn registration_without_resources_gets_the_instance_types() {
        let mut r = region();
        let id = r
            .register_container_instance(
                Registration {
                    cluster: "c".into(),
                    identity_document: doc("t3.medium"),
                    ..Registration::default()
                },
                1.0,
            )
            .unwrap();
        let ci = &r.container_instances[&id];
        assert_eq!(id.len(), 32);
        assert_eq!(
            ci.arn,
            format!("arn:aws:ecs:us-east-1:123456789012:container-instance/c/{id}")
        );
        assert_eq!(integer_of(&ci.registered, "CPU"), 2048);
        assert_eq!(integer_of(&ci.registered, "MEMORY"), 4096);
        assert_eq!(set_of(&ci.registered, "PORTS").len(), 5);
        assert_eq!(ci.attribute("ecs.instance-type"), Some(Some("t3.medium")));
        assert_eq!(
            ci.attribute("ecs.availability-zone"),
            Some(Some("us-east-1b"))
        );
        assert_eq!(
            r.container_instance_in("c", &ci.arn.clone()).unwrap().id,
            id
        );
    }

    #[test]
    fn sent_resources_are_kept_and_reservations_come_off_them() {
        let mut r = region();
        let id = r
            .register_container_instance(
                Registration {
                    cluster: "c".into(),
                    identity_document: doc("m5.large"),
                    total_resources: Some(vec![
                        json!({"name": "CPU", "type": "INTEGER", "integerValue": 512}),
                        json!({"name": "MEMORY", "type": "INTEGER", "integerValue": 1000}),
                        json!({"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22"]}),
                    ]),
                    ..Registration::default()
                },
                1.0,
            )
            .unwrap();
        let ci = r.container_instances[&id].clone();
        let small = Reservation {
            cpu: 256,
            memory: 500,
            ports: vec!["80".into()],
            ports_udp: vec![],
        };
        assert_eq!(r.fits(&ci, &small), Ok(()));
        let big = Reservation {
            cpu: 1024,
            ..Reservation::default()
        };
        assert_eq!(r.fits(&ci, &big), Err("RESOURCE:CPU"));
        let ssh = Reservation {
            ports: vec!["22".into()],
            ..Reservation::default()
        };
        assert_eq!(r.fits(&ci, &ssh), Err("RESOURCE:PORTS"));
    }
}
