//! ECS ARNs and ids (aws-reference.md §2.2): building them, and reading the
//! short name back out of "name or ARN" parameters.

use rand::Rng;
use sha2::{Digest, Sha256};

use super::Scope;

/// `arn:aws:ecs:<region>:<acct>:cluster/<name>`.
pub fn cluster(scope: &Scope, name: &str) -> String {
    format!("{}cluster/{name}", prefix(scope))
}

/// `arn:aws:ecs:<region>:<acct>:service/<cluster>/<name>`.
pub fn service(scope: &Scope, cluster: &str, name: &str) -> String {
    format!("{}service/{cluster}/{name}", prefix(scope))
}

/// `arn:aws:ecs:<region>:<acct>:task/<cluster>/<id>`.
pub fn task(scope: &Scope, cluster: &str, id: &str) -> String {
    format!("{}task/{cluster}/{id}", prefix(scope))
}

/// `arn:aws:ecs:<region>:<acct>:container/<cluster>/<task-id>/<uuid>`.
pub fn container(scope: &Scope, cluster: &str, task_id: &str, uuid: &str) -> String {
    format!("{}container/{cluster}/{task_id}/{uuid}", prefix(scope))
}

/// `arn:aws:ecs:<region>:<acct>:task-definition/<family>:<revision>`.
pub fn task_definition(scope: &Scope, family: &str, revision: u32) -> String {
    format!("{}task-definition/{family}:{revision}", prefix(scope))
}

/// `arn:aws:servicediscovery:<region>:<acct>:service/srv-<16 hex>`: the
/// Cloud Map service behind a discovery name, its id derived from the name
/// so it is the same on every run.
pub fn service_registry(scope: &Scope, discovery_name: &str) -> String {
    let digest = Sha256::digest(discovery_name.as_bytes());
    format!(
        "arn:aws:servicediscovery:{}:{}:service/srv-{}",
        scope.region,
        scope.account,
        hex::encode(&digest[..8])
    )
}

fn prefix(scope: &Scope) -> String {
    format!("arn:aws:ecs:{}:{}:", scope.region, scope.account)
}

/// The resource part after `arn:aws:ecs:<region>:<acct>:`, if `s` is an ECS ARN.
pub fn resource(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next()?;
    if parts.next()? != "ecs" {
        return None;
    }
    let _region = parts.next()?;
    let _account = parts.next()?;
    parts.next()
}

/// A cluster parameter (name or ARN) → the cluster name.
pub fn cluster_name(param: &str) -> String {
    match resource(param).and_then(|r| r.strip_prefix("cluster/")) {
        Some(name) => name.to_string(),
        None => param.to_string(),
    }
}

/// A service parameter (name, `service/<cluster>/<name>` or the old
/// `service/<name>` ARN) → the service name.
pub fn service_name(param: &str) -> String {
    match resource(param).and_then(|r| r.strip_prefix("service/")) {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest).to_string(),
        None => param.to_string(),
    }
}

/// A task parameter (id or ARN) → the task id.
pub fn task_id(param: &str) -> String {
    match resource(param).and_then(|r| r.strip_prefix("task/")) {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest).to_string(),
        None => param.to_string(),
    }
}

/// A new task id: 32 lowercase hex characters (the current ARN format).
pub fn new_task_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A new deployment id: `ecs-svc/` and 19 digits.
pub fn new_deployment_id() -> String {
    let n: u64 = rand::rng().random_range(1_000_000_000_000_000_000..=9_223_372_036_854_775_807);
    format!("ecs-svc/{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_have_the_current_long_format() {
        assert_eq!(
            task(&Scope::test(), "c", "abc"),
            "arn:aws:ecs:us-east-1:123456789012:task/c/abc"
        );
        assert_eq!(
            service(&Scope::test(), "c", "web"),
            "arn:aws:ecs:us-east-1:123456789012:service/c/web"
        );
        assert_eq!(
            task_definition(&Scope::test(), "web", 3),
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
        );
    }

    #[test]
    fn names_come_back_out_of_arns() {
        assert_eq!(cluster_name("arn:aws:ecs:us-east-1:1:cluster/prod"), "prod");
        assert_eq!(cluster_name("prod"), "prod");
        assert_eq!(
            service_name("arn:aws:ecs:us-east-1:1:service/prod/web"),
            "web"
        );
        assert_eq!(service_name("arn:aws:ecs:us-east-1:1:service/web"), "web");
        assert_eq!(task_id("arn:aws:ecs:us-east-1:1:task/prod/0123"), "0123");
        assert_eq!(task_id("0123"), "0123");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = new_task_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let d = new_deployment_id();
        let digits = d.strip_prefix("ecs-svc/").unwrap();
        assert_eq!(digits.len(), 19);
        assert!(digits.chars().all(|c| c.is_ascii_digit()));
    }
}
