//! PutAttributes, ListAttributes, DeleteAttributes: attributes on
//! container instances (the only `targetType` ECS has). A `targetId` is
//! the container instance's ARN, or its id with `targetType`
//! `container-instance`; every attribute names its target.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{paginate, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::container_instance::Attribute;
use crate::services::ecs::model::{Region, Scope};
use crate::services::ecs::service::Ecs;

/// The only target type.
const TARGET_TYPE: &str = "container-instance";

/// The custom attributes a resource may have.
const MAX_CUSTOM: usize = 10;

/// An attribute as PutAttributes/DeleteAttributes carry it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Targeted {
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_id: Option<String>,
}

#[derive(Deserialize)]
struct Request {
    cluster: Option<String>,
    attributes: Option<Vec<Targeted>>,
}

/// A name: 1–128 letters, digits, `-`, `_`, `/`, `\` or `.`.
fn check_name(name: &str) -> Result<(), EcsError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '\\' | '.'));
    if ok {
        Ok(())
    } else {
        Err(EcsError::InvalidParameter(format!(
            "The attribute name {name} is invalid. It can have 1 to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, forward slashes, back slashes or periods."
        )))
    }
}

/// A value: 1–128 characters, letters, digits, `-_.@/\:` and inner spaces.
fn check_value(value: &str) -> Result<(), EcsError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '/' | '\\' | ':' | ' ')
        });
    if ok {
        Ok(())
    } else {
        Err(EcsError::InvalidParameter(format!(
            "The attribute value {value} is invalid. It can have 1 to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, periods, at signs, forward slashes, back slashes, colons or spaces, and can not start or end with a space."
        )))
    }
}

/// The id of the container instance `a` targets in `cluster`.
fn target(region: &Region, cluster: &str, a: &Targeted) -> Result<String, EcsError> {
    let id = a
        .target_id
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| EcsError::missing("targetId"))?;
    match a.target_type.as_deref() {
        Some(TARGET_TYPE) => {}
        Some(other) => {
            return Err(EcsError::InvalidParameter(format!(
                "targetType should be one of [{TARGET_TYPE}]: {other}"
            )));
        }
        None if !id.starts_with("arn:") => {
            return Err(EcsError::InvalidParameter(
                "targetType is required when targetId is not an ARN.".into(),
            ));
        }
        None => {}
    }
    region
        .container_instance_in(cluster, id)
        .filter(|ci| ci.is_registered())
        .map(|ci| ci.id.clone())
        .ok_or_else(|| EcsError::TargetNotFound(id.to_string()))
}

/// The request's attributes (1–10), each checked and resolved to its
/// target; nothing changes unless all are.
fn resolve(
    region: &Region,
    cluster: &str,
    attributes: &[Targeted],
    with_values: bool,
) -> Result<Vec<(String, Attribute)>, EcsError> {
    if attributes.is_empty() || attributes.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "attributes can have between 1 and 10 items.".into(),
        ));
    }
    attributes
        .iter()
        .map(|a| {
            let name = a.name.clone().unwrap_or_default();
            check_name(&name)?;
            if with_values && let Some(v) = &a.value {
                check_value(v)?;
            }
            let id = target(region, cluster, a)?;
            Ok((
                id,
                Attribute {
                    name,
                    value: a.value.clone(),
                },
            ))
        })
        .collect()
}

pub(super) fn put(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let attributes = required(req.attributes, "attributes")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let resolved = resolve(region, &cluster, &attributes, true)?;
        let mut next = region.container_instances.clone();
        for (id, a) in resolved {
            let ci = next.get_mut(&id).expect("resolved");
            match ci.attributes.iter_mut().find(|x| x.name == a.name) {
                Some(x) => x.value = a.value,
                None => ci.attributes.push(a),
            }
            let custom = ci
                .attributes
                .iter()
                .filter(|x| !x.name.starts_with("ecs."))
                .count();
            if custom > MAX_CUSTOM {
                return Err(EcsError::AttributeLimitExceeded);
            }
            ci.version += 1;
        }
        region.container_instances = next;
        Ok(json!({"attributes": attributes}))
    })
}

pub(super) fn delete(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Request = parse(body)?;
    let attributes = required(req.attributes, "attributes")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let resolved = resolve(region, &cluster, &attributes, false)?;
        for (id, a) in resolved {
            let ci = region.container_instances.get_mut(&id).expect("resolved");
            let before = ci.attributes.len();
            ci.attributes.retain(|x| x.name != a.name);
            if ci.attributes.len() != before {
                ci.version += 1;
            }
        }
        Ok(json!({"attributes": attributes}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListRequest {
    cluster: Option<String>,
    target_type: Option<String>,
    attribute_name: Option<String>,
    attribute_value: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn list(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: ListRequest = parse(body)?;
    let target_type = required(req.target_type, "targetType")?;
    if target_type != TARGET_TYPE {
        return Err(EcsError::InvalidParameter(format!(
            "targetType should be one of [{TARGET_TYPE}]: {target_type}"
        )));
    }
    if req.attribute_value.is_some() && req.attribute_name.is_none() {
        return Err(EcsError::InvalidParameter(
            "attributeName must be specified when attributeValue is.".into(),
        ));
    }
    let all: Vec<Value> = ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let mut out = Vec::new();
        for ci in region.container_instances_of(&cluster) {
            for a in &ci.attributes {
                if req.attribute_name.as_deref().is_some_and(|n| n != a.name)
                    || req
                        .attribute_value
                        .as_deref()
                        .is_some_and(|v| a.value.as_deref() != Some(v))
                {
                    continue;
                }
                let mut v = json!({"name": a.name, "targetType": TARGET_TYPE, "targetId": ci.arn});
                if let Some(value) = &a.value {
                    v["value"] = json!(value);
                }
                out.push(v);
            }
        }
        Ok::<_, EcsError>(out)
    })?;
    // Page over the rendered attributes by their position.
    let positions: Vec<String> = (0..all.len()).map(|i| i.to_string()).collect();
    let (page, token) = paginate(positions, req.next_token.as_deref(), req.max_results)?;
    let shown: Vec<&Value> = page
        .iter()
        .filter_map(|i| i.parse::<usize>().ok().and_then(|i| all.get(i)))
        .collect();
    let mut out = json!({"attributes": shown});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
