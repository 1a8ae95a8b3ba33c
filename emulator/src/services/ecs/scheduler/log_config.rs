//! A container definition's `logConfiguration` with the `awslogs` driver →
//! the CloudWatch Logs stream ECS writes its output to (pure).
//!
//! Options, as ECS reads them (aws-reference.md §ECS log drivers):
//! `awslogs-group` (required), `awslogs-region` (the task's region when
//! absent), `awslogs-stream-prefix` (stream `<prefix>/<container-name>/<task-id>`,
//! as ECS names it), `awslogs-create-group` (`"true"` creates a missing
//! group; otherwise the task stops with the agent's
//! ResourceInitializationError). Without a prefix, ECS on EC2 names the
//! stream after the Docker container id, which changes on every start;
//! emul uses `<container-name>/<task-id>` instead so the name is known
//! before the container exists. Other drivers keep their output in the
//! task's files only.

use serde_json::Value;

use crate::services::ecs::model::Scope;
use crate::wiring::LogDestination;

/// The destination of container `def` of task `task_id`: `None` when it
/// does not use awslogs, `Err(reason)` for options ECS would refuse.
pub fn awslogs(
    def: &Value,
    scope: &Scope,
    task_id: &str,
) -> Option<Result<LogDestination, String>> {
    let config = def.get("logConfiguration")?;
    if config.get("logDriver").and_then(Value::as_str) != Some("awslogs") {
        return None;
    }
    let options = config.get("options");
    let option = |k: &str| options.and_then(|o| o.get(k)).and_then(Value::as_str);
    let container = def.get("name").and_then(Value::as_str).unwrap_or_default();
    let Some(group) = option("awslogs-group") else {
        return Some(Err(format!(
            "ResourceInitializationError: failed to validate logger args: container {container}: the awslogs log driver needs the awslogs-group option"
        )));
    };
    let stream = match option("awslogs-stream-prefix") {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/{container}/{task_id}"),
        _ => format!("{container}/{task_id}"),
    };
    Some(Ok(LogDestination {
        account: scope.account.clone(),
        region: option("awslogs-region")
            .unwrap_or(&scope.region)
            .to_string(),
        group: group.to_string(),
        stream,
        create_group: option("awslogs-create-group") == Some("true"),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn ecs_stream_names_and_options() {
        let id = "8f03e41243824aea923aca126495f665";
        let def = json!({"name": "web", "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/prod", "awslogs-stream-prefix": "ecs",
            "awslogs-region": "us-west-2", "awslogs-create-group": "true"}}});
        assert_eq!(
            awslogs(&def, &scope(), id).unwrap().unwrap(),
            LogDestination {
                account: "111122223333".into(),
                region: "us-west-2".into(),
                group: "/ecs/prod".into(),
                stream: format!("ecs/web/{id}"),
                create_group: true,
            }
        );
        let bare = json!({"name": "web", "logConfiguration": {"logDriver": "awslogs",
            "options": {"awslogs-group": "g", "awslogs-create-group": "TRUE"}}});
        let d = awslogs(&bare, &scope(), id).unwrap().unwrap();
        assert_eq!(
            (d.region.as_str(), d.stream.as_str(), d.create_group),
            ("eu-west-1", &*format!("web/{id}"), false)
        );
        assert!(awslogs(&json!({"name": "web"}), &scope(), id).is_none());
        let other = json!({"name": "web", "logConfiguration": {"logDriver": "json-file"}});
        assert!(awslogs(&other, &scope(), id).is_none());
        let no_group =
            json!({"name": "web", "logConfiguration": {"logDriver": "awslogs", "options": {}}});
        assert!(
            awslogs(&no_group, &scope(), id)
                .unwrap()
                .unwrap_err()
                .contains("awslogs-group")
        );
    }
}
