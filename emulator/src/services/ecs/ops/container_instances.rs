//! The container instance operations (the EC2 launch type's capacity,
//! [`crate::services::ecs::model::container_instance`]):
//! RegisterContainerInstance, DeregisterContainerInstance,
//! ListContainerInstances, DescribeContainerInstances,
//! UpdateContainerInstancesState, and DiscoverPollEndpoint (the agent's
//! first call; emul runs no agent endpoint and answers with AWS's names).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{includes, paginate, parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::container_instance::{self, Attribute, Registration};
use crate::services::ecs::model::placement::Query;
use crate::services::ecs::model::{Scope, Tag};
use crate::services::ecs::service::{Ecs, now};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterRequest {
    cluster: Option<String>,
    instance_identity_document: Option<String>,
    total_resources: Option<Vec<Value>>,
    version_info: Option<Value>,
    container_instance_arn: Option<String>,
    #[serde(default)]
    attributes: Vec<Attribute>,
    #[serde(default)]
    tags: Vec<Tag>,
}

pub(super) fn register(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: RegisterRequest = parse(body)?;
    let document = required(
        req.instance_identity_document.filter(|d| !d.is_empty()),
        "instanceIdentityDocument",
    )?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let id = region.register_container_instance(
            Registration {
                cluster,
                identity_document: document,
                total_resources: req.total_resources,
                version_info: req.version_info,
                attributes: req.attributes,
                container_instance_arn: req.container_instance_arn,
                tags: req.tags,
            },
            now(),
        )?;
        let ci = &region.container_instances[&id];
        Ok(json!({"containerInstance": region.render_container_instance(ci, true)}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeregisterRequest {
    cluster: Option<String>,
    container_instance: Option<String>,
    force: Option<bool>,
}

pub(super) fn deregister(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DeregisterRequest = parse(body)?;
    let param = required(req.container_instance, "containerInstance")?;
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let id =
            region.deregister_container_instance(&cluster, &param, req.force.unwrap_or(false))?;
        let ci = &region.container_instances[&id];
        Ok(json!({"containerInstance": region.render_container_instance(ci, false)}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListRequest {
    cluster: Option<String>,
    filter: Option<String>,
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) fn list(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: ListRequest = parse(body)?;
    let query = match req.filter.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => Some(Query::parse(f)?),
        _ => None,
    };
    let arns = ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        Ok::<_, EcsError>(
            region
                .container_instances_of(&cluster)
                .filter(|ci| req.status.as_deref().is_none_or(|s| ci.status == s))
                .filter(|ci| query.as_ref().is_none_or(|q| q.matches(region, ci)))
                .map(|ci| ci.arn.clone())
                .collect::<Vec<_>>(),
        )
    })?;
    let (page, token) = paginate(arns, req.next_token.as_deref(), req.max_results)?;
    let mut out = json!({"containerInstanceArns": page});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    cluster: Option<String>,
    container_instances: Option<Vec<String>>,
    include: Option<Vec<String>>,
}

/// A MISSING failure for container instance `param` of `cluster`.
fn missing(scope: &Scope, cluster: &str, param: &str) -> Value {
    json!({
        "arn": format!(
            "arn:aws:ecs:{}:{}:container-instance/{cluster}/{}",
            scope.region,
            scope.account,
            container_instance::id_of(param)
        ),
        "reason": "MISSING",
    })
}

pub(super) fn describe(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: DescribeRequest = parse(body)?;
    let tags = includes(&req.include, "TAGS");
    ecs.read(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let wanted = req.container_instances.clone().unwrap_or_default();
        if wanted.is_empty() {
            return Err(EcsError::Client(
                "Container Instances cannot be empty.".into(),
            ));
        }
        if wanted.len() > 100 {
            return Err(EcsError::InvalidParameter(
                "containerInstances can have at most 100 items.".into(),
            ));
        }
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for param in &wanted {
            match region.container_instance_in(&cluster, param) {
                Some(ci) => found.push(region.render_container_instance(ci, tags)),
                None => failures.push(missing(scope, &cluster, param)),
            }
        }
        Ok(json!({"containerInstances": found, "failures": failures}))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateStateRequest {
    cluster: Option<String>,
    container_instances: Option<Vec<String>>,
    status: Option<String>,
}

pub(super) fn update_state(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: UpdateStateRequest = parse(body)?;
    let wanted = required(req.container_instances, "containerInstances")?;
    let status = required(req.status, "status")?;
    if !matches!(status.as_str(), "ACTIVE" | "DRAINING") {
        return Err(EcsError::InvalidParameter(
            "Container instance status should be one of [ACTIVE, DRAINING]".into(),
        ));
    }
    if wanted.is_empty() || wanted.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "containerInstances can have between 1 and 10 items.".into(),
        ));
    }
    ecs.write(scope, |region| {
        let cluster = region.active_cluster(req.cluster.as_deref())?.name.clone();
        let mut ids = Vec::new();
        let mut failures = Vec::new();
        for param in &wanted {
            match region
                .container_instance_in(&cluster, param)
                .filter(|ci| ci.is_registered())
            {
                Some(ci) => ids.push(ci.id.clone()),
                None => failures.push(missing(scope, &cluster, param)),
            }
        }
        for id in &ids {
            region.set_container_instance_status(id, &status);
        }
        let rendered: Vec<Value> = ids
            .iter()
            .map(|id| region.render_container_instance(&region.container_instances[id], false))
            .collect();
        Ok(json!({"containerInstances": rendered, "failures": failures}))
    })
}

/// DiscoverPollEndpoint: the endpoints the agent would connect to. emul
/// serves neither; the names are AWS's for the region.
pub(super) fn discover_poll_endpoint(
    _ecs: &Ecs,
    scope: &Scope,
    _body: Value,
) -> Result<Value, EcsError> {
    let r = &scope.region;
    Ok(json!({
        "endpoint": format!("https://ecs-a-1.{r}.amazonaws.com/"),
        "telemetryEndpoint": format!("https://ecs-t-1.{r}.amazonaws.com/"),
        "serviceConnectEndpoint": format!("https://ecs-sc.{r}.api.aws"),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::services::ecs::model::Scope;
    use crate::services::ecs::service::Ecs;

    fn call(ecs: &Ecs, op: &str, body: Value) -> Result<Value, crate::gateway::AwsError> {
        super::super::dispatch(ecs, &Scope::test(), op, body)
    }

    fn ok(ecs: &Ecs, op: &str, body: Value) -> Value {
        call(ecs, op, body).unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
    }

    fn register(ecs: &Ecs, instance: &str, zone: &str) -> String {
        let doc = json!({"instanceId": instance, "instanceType": "t3.medium",
                         "availabilityZone": zone, "imageId": "ami-12c6146b"});
        let r = ok(
            ecs,
            "RegisterContainerInstance",
            json!({"cluster": "c", "instanceIdentityDocument": doc.to_string()}),
        );
        r["containerInstance"]["containerInstanceArn"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn resource(ci: &Value, which: &str, name: &str) -> Value {
        ci[which]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    }

    fn describe(ecs: &Ecs, arn: &str) -> Value {
        ok(
            ecs,
            "DescribeContainerInstances",
            json!({"cluster": "c", "containerInstances": [arn]}),
        )["containerInstances"][0]
            .clone()
    }

    fn setup() -> Ecs {
        let ecs = Ecs::new();
        ok(&ecs, "CreateCluster", json!({"clusterName": "c"}));
        ok(
            &ecs,
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{
                "name": "app", "image": "nginx", "cpu": 1024, "memory": 1000,
                "portMappings": [{"containerPort": 80, "hostPort": 8080}]}]}),
        );
        ecs
    }

    #[test]
    fn run_task_reserves_on_an_instance_and_stop_task_gives_it_back() {
        let ecs = setup();
        let arn = register(&ecs, "i-0123456789abcdef0", "us-east-1b");
        let cluster = &ok(&ecs, "DescribeClusters", json!({"clusters": ["c"]}))["clusters"][0];
        assert_eq!(cluster["registeredContainerInstancesCount"], 1);

        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "web", "count": 2}),
        );
        // 2048 CPU units on a t3.medium, but one host port 8080.
        assert_eq!(run["tasks"].as_array().unwrap().len(), 1);
        assert_eq!(
            run["failures"],
            json!([{"arn": arn, "reason": "RESOURCE:PORTS"}])
        );
        let task = &run["tasks"][0];
        assert_eq!(task["containerInstanceArn"], arn);
        assert_eq!(task["launchType"], "EC2");
        assert_eq!(task["availabilityZone"], "us-east-1b");

        let ci = describe(&ecs, &arn);
        assert_eq!(
            resource(&ci, "remainingResources", "CPU")["integerValue"],
            1024
        );
        assert_eq!(
            resource(&ci, "remainingResources", "MEMORY")["integerValue"],
            4096 - 1000
        );
        let ports = resource(&ci, "remainingResources", "PORTS")["stringSetValue"].clone();
        assert!(
            ports.as_array().unwrap().contains(&json!("8080")),
            "{ports}"
        );
        assert_eq!(ci["pendingTasksCount"], 1);

        let listed = ok(
            &ecs,
            "ListTasks",
            json!({"cluster": "c", "containerInstance": arn}),
        );
        assert_eq!(listed["taskArns"].as_array().unwrap().len(), 1);

        let err = call(
            &ecs,
            "DeregisterContainerInstance",
            json!({"cluster": "c", "containerInstance": arn}),
        )
        .unwrap_err();
        assert_eq!(err.message, "Found running tasks on the instance.");

        ok(
            &ecs,
            "StopTask",
            json!({"cluster": "c", "task": task["taskArn"]}),
        );
        let ci = describe(&ecs, &arn);
        assert_eq!(
            resource(&ci, "remainingResources", "CPU"),
            resource(&ci, "registeredResources", "CPU")
        );
        assert_eq!(ci["pendingTasksCount"], 0);

        let gone = ok(
            &ecs,
            "DeregisterContainerInstance",
            json!({"cluster": "c", "containerInstance": arn}),
        );
        assert_eq!(gone["containerInstance"]["status"], "INACTIVE");
        let listed = ok(&ecs, "ListContainerInstances", json!({"cluster": "c"}));
        assert_eq!(listed["containerInstanceArns"], json!([]));
        let err = call(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "web", "launchType": "EC2"}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "No Container Instances were found in your cluster."
        );
    }

    #[test]
    fn constraints_and_strategies_choose_the_instance() {
        let ecs = setup();
        let a = register(&ecs, "i-0000000000000000a", "us-east-1a");
        let b = register(&ecs, "i-0000000000000000b", "us-east-1b");
        ok(
            &ecs,
            "RegisterTaskDefinition",
            json!({"family": "small", "containerDefinitions": [{
                "name": "app", "image": "nginx", "cpu": 128, "memory": 128}]}),
        );
        // memberOf on an attribute: all go to b.
        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small", "count": 3, "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1b"}]}),
        );
        let on: Vec<&Value> = run["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["containerInstanceArn"])
            .collect();
        assert_eq!(on, [&json!(b), &json!(b), &json!(b)]);
        // distinctInstance: one per instance, the third fails on both.
        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small", "count": 3, "group": "solo",
                   "placementConstraints": [{"type": "distinctInstance"}]}),
        );
        assert_eq!(run["tasks"].as_array().unwrap().len(), 2);
        assert_eq!(run["failures"].as_array().unwrap().len(), 2);
        assert_eq!(
            run["failures"][0]["reason"],
            "DistinctInstance placement constraint unsatisfied"
        );
        // binpack on memory: the fuller instance (b) first.
        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small",
                   "placementStrategy": [{"type": "binpack", "field": "memory"}]}),
        );
        assert_eq!(run["tasks"][0]["containerInstanceArn"], json!(b));
        // spread over instances: the emptier one (a) first.
        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small", "group": "family:small",
                   "placementStrategy": [{"type": "spread", "field": "instanceId"}]}),
        );
        assert_eq!(run["tasks"][0]["containerInstanceArn"], json!(a));
        // A draining instance takes nothing.
        ok(
            &ecs,
            "UpdateContainerInstancesState",
            json!({"cluster": "c", "containerInstances": [a], "status": "DRAINING"}),
        );
        let run = ok(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small",
                   "placementStrategy": [{"type": "spread", "field": "instanceId"}]}),
        );
        assert_eq!(run["tasks"][0]["containerInstanceArn"], json!(b));
        let filtered = ok(
            &ecs,
            "ListContainerInstances",
            json!({"cluster": "c", "filter": "attribute:ecs.availability-zone in [us-east-1a]"}),
        );
        assert_eq!(filtered["containerInstanceArns"], json!([a]));
        let err = call(
            &ecs,
            "RunTask",
            json!({"cluster": "c", "taskDefinition": "small", "placementConstraints": [
                {"type": "memberOf", "expression": "nonsense =="}]}),
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidParameterException");
    }

    #[test]
    fn start_task_attributes_and_cluster_deletion() {
        let ecs = setup();
        let arn = register(&ecs, "i-0123456789abcdef0", "us-east-1a");
        let id = arn.rsplit('/').next().unwrap().to_string();
        let started = ok(
            &ecs,
            "StartTask",
            json!({"cluster": "c", "taskDefinition": "web",
                   "containerInstances": [id, "0123456789abcdef0123456789abcdef"]}),
        );
        assert_eq!(started["tasks"][0]["containerInstanceArn"], arn);
        assert_eq!(started["failures"][0]["reason"], "MISSING");

        ok(
            &ecs,
            "PutAttributes",
            json!({"cluster": "c", "attributes": [
                {"name": "stack", "value": "prod", "targetId": arn},
                {"name": "flag", "targetId": id, "targetType": "container-instance"}]}),
        );
        let listed = ok(
            &ecs,
            "ListAttributes",
            json!({"cluster": "c", "targetType": "container-instance", "attributeName": "stack"}),
        );
        assert_eq!(
            listed["attributes"],
            json!([{"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": arn}])
        );
        let all = ok(
            &ecs,
            "ListAttributes",
            json!({"cluster": "c", "targetType": "container-instance"}),
        );
        assert_eq!(all["attributes"].as_array().unwrap().len(), 4 + 2);
        let err = call(
            &ecs,
            "PutAttributes",
            json!({"cluster": "c", "attributes": [{"name": "x", "targetId": "nope", "targetType": "container-instance"}]}),
        )
        .unwrap_err();
        assert_eq!(err.code, "TargetNotFoundException");
        ok(
            &ecs,
            "DeleteAttributes",
            json!({"cluster": "c", "attributes": [{"name": "stack", "targetId": arn}]}),
        );
        let ci = describe(&ecs, &arn);
        assert!(
            ci["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["name"] != "stack")
        );

        let err = call(&ecs, "DeleteCluster", json!({"cluster": "c"})).unwrap_err();
        assert_eq!(err.code, "ClusterContainsTasksException");
        let task = started["tasks"][0]["taskArn"].clone();
        ok(&ecs, "StopTask", json!({"cluster": "c", "task": task}));
        let err = call(&ecs, "DeleteCluster", json!({"cluster": "c"})).unwrap_err();
        assert_eq!(err.code, "ClusterContainsContainerInstancesException");
        ok(
            &ecs,
            "DeregisterContainerInstance",
            json!({"cluster": "c", "containerInstance": arn}),
        );
        ok(&ecs, "DeleteCluster", json!({"cluster": "c"}));
    }
}
