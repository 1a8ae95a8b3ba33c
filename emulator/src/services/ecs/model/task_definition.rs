//! Task definitions: validation, ECS's defaults on container definitions,
//! families and revisions (revisions only grow, even across deregistration),
//! and resolving `family` / `family:revision` / ARN references.

use serde_json::{Map, Value, json};

use super::{Region, Secs, Tag, arns};
use crate::services::ecs::errors::EcsError;
use crate::topology::model::ecs::{TaskSize, task_size_units};

/// One registered revision.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDefinition {
    /// The family.
    pub family: String,
    /// The revision (1 for the first of a family).
    pub revision: u32,
    /// Its ARN.
    pub arn: String,
    /// `ACTIVE`, or `INACTIVE` once deregistered.
    pub status: String,
    /// The request's members, normalised (container defaults filled in),
    /// echoed back on every describe. Computed members are added on render.
    pub body: Map<String, Value>,
    /// When it was registered.
    pub registered_at: Secs,
    /// When it was deregistered.
    pub deregistered_at: Option<Secs>,
}

impl TaskDefinition {
    /// The container definitions (normalised).
    pub fn containers(&self) -> &[Value] {
        self.body
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// `networkMode`, `bridge` when not given (the EC2 default).
    pub fn network_mode(&self) -> &str {
        self.body
            .get("networkMode")
            .and_then(Value::as_str)
            .unwrap_or("bridge")
    }

    /// The wire form (`TaskDefinition` shape).
    pub fn render(&self) -> Value {
        let mut out = self.body.clone();
        out.remove("tags");
        out.insert("taskDefinitionArn".into(), json!(self.arn));
        out.insert("family".into(), json!(self.family));
        out.insert("revision".into(), json!(self.revision));
        out.insert("status".into(), json!(self.status));
        out.entry("volumes").or_insert_with(|| json!([]));
        out.entry("placementConstraints")
            .or_insert_with(|| json!([]));
        out.insert("compatibilities".into(), json!(self.compatibilities()));
        out.insert("registeredAt".into(), json!(self.registered_at));
        if let Some(at) = self.deregistered_at {
            out.insert("deregisteredAt".into(), json!(at));
        }
        Value::Object(out)
    }

    /// EC2 always; FARGATE when the definition satisfies Fargate's rules
    /// (awsvpc with task-level cpu and memory).
    fn compatibilities(&self) -> Vec<&'static str> {
        let fargate = self.network_mode() == "awsvpc"
            && self.body.contains_key("cpu")
            && self.body.contains_key("memory");
        if fargate {
            vec!["EC2", "FARGATE"]
        } else {
            vec!["EC2"]
        }
    }
}

/// Family names: up to 255 letters, digits, `_` and `-`.
fn valid_family(name: &str) -> bool {
    super::cluster::valid_name(name)
}

/// Task-level cpu/memory: `"1024"`, `"1 vCPU"` (cpu), `"1GB"` (memory) →
/// unit strings (`"1024"`), as ECS stores and returns them. The rule is
/// the topology's ([`task_size_units`]): one parser for both doors.
fn units(value: &Value, kind: TaskSize) -> Result<String, EcsError> {
    let member = kind.member();
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(EcsError::Serialization(format!(
                "{member} must be a string"
            )));
        }
    };
    task_size_units(&text, kind)
        .map(|u| u.to_string())
        .ok_or_else(|| {
            EcsError::InvalidParameter(format!("Invalid '{member}' setting for task: {text}"))
        })
}

/// Fills in ECS's defaults on one container definition and checks it.
fn normalise_container(
    mut c: Map<String, Value>,
    network_mode: &str,
    task_memory: bool,
) -> Result<Map<String, Value>, EcsError> {
    let name = c
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| EcsError::Client("Container.name should not be null or empty.".into()))?
        .to_string();
    if c.get("image")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(EcsError::Client(
            "Container.image should not be null or empty.".into(),
        ));
    }
    if !task_memory && !c.contains_key("memory") && !c.contains_key("memoryReservation") {
        return Err(EcsError::Client(format!(
            "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
        )));
    }
    if let (Some(hard), Some(soft)) = (
        c.get("memory").and_then(Value::as_u64),
        c.get("memoryReservation").and_then(Value::as_u64),
    ) && hard < soft
    {
        return Err(EcsError::Client(format!(
            "Invalid setting for container '{name}'. 'memory' must be greater than or equal to 'memoryReservation'."
        )));
    }
    c.entry("essential").or_insert(json!(true));
    for list in ["environment", "mountPoints", "portMappings", "volumesFrom"] {
        c.entry(list).or_insert_with(|| json!([]));
    }
    if let Some(Value::Array(mappings)) = c.get_mut("portMappings") {
        for m in mappings.iter_mut() {
            let Some(m) = m.as_object_mut() else {
                continue;
            };
            let container_port = m.get("containerPort").and_then(Value::as_u64);
            m.entry("protocol").or_insert(json!("tcp"));
            if network_mode == "awsvpc" || network_mode == "host" {
                match (container_port, m.get("hostPort").and_then(Value::as_u64)) {
                    (Some(cp), Some(hp)) if hp != cp && hp != 0 => {
                        return Err(EcsError::InvalidParameter(format!(
                            "The task definition is configured to use a dynamic host port, but the network mode is {network_mode}: container port {cp} must equal host port {hp}."
                        )));
                    }
                    (Some(cp), _) => {
                        m.insert("hostPort".into(), json!(cp));
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(Value::Object(hc)) = c.get_mut("healthCheck") {
        if hc
            .get("command")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            return Err(EcsError::Client(format!(
                "Container '{name}': healthCheck.command should not be null or empty."
            )));
        }
        hc.entry("interval").or_insert(json!(30));
        hc.entry("timeout").or_insert(json!(5));
        hc.entry("retries").or_insert(json!(3));
    }
    Ok(c)
}

impl Region {
    /// RegisterTaskDefinition: validates, normalises, assigns the next
    /// revision of the family. Returns the ARN.
    pub fn register_task_definition(
        &mut self,
        mut body: Map<String, Value>,
        now: Secs,
    ) -> Result<String, EcsError> {
        let family = body
            .get("family")
            .and_then(Value::as_str)
            .ok_or_else(|| EcsError::missing("family"))?
            .to_string();
        if !valid_family(&family) {
            return Err(EcsError::Client(
                "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.".into(),
            ));
        }
        let containers = match body.remove("containerDefinitions") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => {
                return Err(EcsError::Client("Container list cannot be empty.".into()));
            }
        };
        for kind in [TaskSize::Cpu, TaskSize::Memory] {
            if let Some(v) = body.get(kind.member()) {
                let converted = units(v, kind)?;
                body.insert(kind.member().into(), json!(converted));
            }
        }
        let network_mode = body
            .get("networkMode")
            .and_then(Value::as_str)
            .unwrap_or("bridge")
            .to_string();
        if !["bridge", "host", "awsvpc", "none"].contains(&network_mode.as_str()) {
            return Err(EcsError::InvalidParameter(format!(
                "Invalid networkMode: {network_mode}"
            )));
        }
        let fargate = body
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|x| x == "FARGATE"));
        if fargate && body.get("pidMode").and_then(Value::as_str) == Some("host") {
            return Err(EcsError::Client(
                "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.".into(),
            ));
        }
        // AWS records an EFS volume without rootDirectory as the root, "/".
        if let Some(Value::Array(volumes)) = body.get_mut("volumes") {
            for v in volumes {
                if let Some(Value::Object(efs)) = v.get_mut("efsVolumeConfiguration") {
                    efs.entry("rootDirectory").or_insert_with(|| json!("/"));
                }
            }
        }
        let task_memory = body.contains_key("memory");
        let mut normalised = Vec::with_capacity(containers.len());
        let mut names = std::collections::BTreeSet::new();
        for c in containers {
            let Value::Object(c) = c else {
                return Err(EcsError::Serialization(
                    "containerDefinitions members must be objects".into(),
                ));
            };
            let c = normalise_container(c, &network_mode, task_memory)?;
            let name = c["name"].as_str().unwrap_or_default().to_string();
            if !names.insert(name.clone()) {
                return Err(EcsError::Client(format!(
                    "Container names must be unique: {name}"
                )));
            }
            normalised.push(Value::Object(c));
        }
        if !normalised
            .iter()
            .any(|c| c.get("essential").and_then(Value::as_bool) == Some(true))
        {
            return Err(EcsError::Client(
                "Task definition must have at least one essential container.".into(),
            ));
        }
        body.insert("containerDefinitions".into(), Value::Array(normalised));
        let tags: Vec<Tag> = match body.get("tags") {
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| EcsError::Serialization(format!("tags: {e}")))?,
            None => Vec::new(),
        };
        let revisions = self.task_definitions.entry(family.clone()).or_default();
        let revision = revisions.len() as u32 + 1;
        let arn = arns::task_definition(&self.scope, &family, revision);
        revisions.push(TaskDefinition {
            family,
            revision,
            arn: arn.clone(),
            status: "ACTIVE".into(),
            body,
            registered_at: now,
            deregistered_at: None,
        });
        self.merge_tags(&arn, tags);
        Ok(arn)
    }

    /// Resolves `family` (latest ACTIVE), `family:revision` or an ARN.
    pub fn task_definition(&self, reference: &str) -> Result<&TaskDefinition, EcsError> {
        let reference = match arns::resource(reference) {
            Some(r) => r
                .strip_prefix("task-definition/")
                .ok_or(EcsError::TaskDefinitionNotFound)?,
            None => reference,
        };
        let (family, revision) = match reference.rsplit_once(':') {
            Some((f, r)) => (
                f,
                Some(
                    r.parse::<u32>()
                        .map_err(|_| EcsError::TaskDefinitionNotFound)?,
                ),
            ),
            None => (reference, None),
        };
        let revisions = self
            .task_definitions
            .get(family)
            .ok_or(EcsError::TaskDefinitionNotFound)?;
        match revision {
            Some(r) => revisions
                .get((r as usize).wrapping_sub(1))
                .ok_or(EcsError::TaskDefinitionNotFound),
            None => revisions
                .iter()
                .rev()
                .find(|t| t.status == "ACTIVE")
                .ok_or(EcsError::TaskDefinitionNotFound),
        }
    }

    /// A reference usable for new tasks/services: must be ACTIVE.
    pub fn active_task_definition(&self, reference: &str) -> Result<&TaskDefinition, EcsError> {
        let td = self.task_definition(reference)?;
        if td.status != "ACTIVE" {
            return Err(EcsError::TaskDefinitionInactive);
        }
        Ok(td)
    }

    /// DeregisterTaskDefinition: `family:revision` or ARN → INACTIVE.
    pub fn deregister_task_definition(
        &mut self,
        reference: &str,
        now: Secs,
    ) -> Result<String, EcsError> {
        let bare = arns::resource(reference)
            .and_then(|r| r.strip_prefix("task-definition/"))
            .unwrap_or(reference);
        // AWS's three refusals: no revision, a revision that is not a
        // number, a definition it does not have.
        match bare.rsplit_once(':') {
            None => return Err(EcsError::Client("Revision is missing.".into())),
            Some((_, r)) if r.parse::<u32>().is_err() => {
                return Err(EcsError::Client(format!(
                    "Invalid revision number. Number: {r}"
                )));
            }
            Some(_) => {}
        }
        let (family, revision) = {
            let td = self.task_definition(reference)?;
            (td.family.clone(), td.revision)
        };
        let td = &mut self
            .task_definitions
            .get_mut(&family)
            .expect("resolved above")[revision as usize - 1];
        if td.status == "ACTIVE" {
            td.status = "INACTIVE".into();
            td.deregistered_at = Some(now);
        }
        Ok(td.arn.clone())
    }

    /// DeleteTaskDefinitions, one reference: a deregistered (INACTIVE)
    /// revision goes to DELETE_IN_PROGRESS (AWS removes it once nothing
    /// uses it; emul keeps it describable). Err is the failure's reason.
    pub fn delete_task_definition(&mut self, reference: &str) -> Result<String, String> {
        let bare = arns::resource(reference)
            .and_then(|r| r.strip_prefix("task-definition/"))
            .unwrap_or(reference);
        if !bare.contains(':') {
            return Err("The specified task definition identifier is invalid. Specify a valid name or ARN and try again.".into());
        }
        let Ok(td) = self.task_definition(reference) else {
            return Err("The specified task definition does not exist. Specify a valid account, family, revision and try again.".into());
        };
        if td.status == "ACTIVE" {
            return Err("The specified task definition is still in ACTIVE status. Please deregister the target and try again.".into());
        }
        let (family, revision) = (td.family.clone(), td.revision);
        let td = &mut self
            .task_definitions
            .get_mut(&family)
            .expect("resolved above")[revision as usize - 1];
        td.status = "DELETE_IN_PROGRESS".into();
        Ok(td.arn.clone())
    }
}
