//! The task metadata endpoint v4 and the container credentials endpoint
//! (aws-reference.md §2.8), served by emul on a listener created inside the
//! task's network namespace at 169.254.170.2:80 — the address the ECS agent
//! uses — so only the task's own containers can reach it and nothing new
//! listens on the host.
//!
//! Paths: `/v4/<id>` (this container), `/v4/<id>/task`,
//! `/v4/<id>/taskWithTags`, and `/v2/credentials/<uuid>`. The `<id>` is
//! `<task-id>-<10-digit container index>`, the Fargate shape. Docker stats
//! (`/stats`, `/task/stats`) are not served (404 with a message).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::services::ecs::model::{Region, Scope, Task};
use crate::services::ecs::service::Ecs;

/// The link-local address the agent serves on.
pub(super) const ADDRESS: &str = "169.254.170.2";

/// The metadata id of container `index` of `task_id`.
pub(super) fn container_id(task_id: &str, index: usize) -> String {
    format!("{task_id}-{index:010}")
}

/// What one task's endpoint serves.
#[derive(Clone)]
pub(super) struct Endpoint {
    /// The ECS service (model reads).
    pub ecs: Arc<Ecs>,
    /// The task's region.
    pub scope: Scope,
    /// The task id.
    pub task_id: String,
    /// The credentials id in `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    pub credentials_id: String,
    /// The VPC subnet CIDR of the ENI (for `IPv4SubnetCIDRBlock`).
    pub subnet_cidr: String,
}

/// Serves connections until the listener's task is aborted.
pub(super) async fn serve(endpoint: Endpoint, listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let endpoint = endpoint.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(answer(&endpoint, req.uri().path())) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn not_found(what: &str) -> Response<Full<Bytes>> {
    reply(
        StatusCode::NOT_FOUND,
        json!({"code": "NotFound", "message": what}),
    )
}

fn answer(e: &Endpoint, path: &str) -> Response<Full<Bytes>> {
    if let Some(id) = path.strip_prefix("/v2/credentials/") {
        if id != e.credentials_id {
            return not_found("Credentials for the given id were not found");
        }
        return reply(StatusCode::OK, credentials(e));
    }
    let Some(rest) = path.strip_prefix("/v4/") else {
        return not_found("emul serves /v4/<id>[/task|/taskWithTags] and /v2/credentials/<id>");
    };
    let (cid, sub) = rest.split_once('/').unwrap_or((rest, ""));
    let index = cid
        .strip_prefix(&format!("{}-", e.task_id))
        .and_then(|n| n.parse::<usize>().ok());
    let Some(index) = index else {
        return not_found("Unknown container metadata id");
    };
    e.ecs.read(&e.scope, |region| {
        let Some(task) = region.tasks.get(&e.task_id) else {
            return not_found("The task is gone");
        };
        match sub {
            "" => match container_json(region, task, index, &e.subnet_cidr) {
                Some(c) => reply(StatusCode::OK, c),
                None => not_found("Unknown container"),
            },
            "task" | "taskWithTags" => {
                let mut t = task_json(region, task, &e.subnet_cidr);
                if sub == "taskWithTags" {
                    t["TaskTags"] = region
                        .tags_of(&task.arn)
                        .into_iter()
                        .map(|t| (t.key, Value::String(t.value)))
                        .collect::<serde_json::Map<_, _>>()
                        .into();
                }
                reply(StatusCode::OK, t)
            }
            _ => not_found("Docker stats are not served by emul"),
        }
    })
}

fn rfc3339(secs: Option<f64>) -> Value {
    secs.and_then(|s| {
        time::OffsetDateTime::from_unix_timestamp_nanos((s * 1e9) as i128)
            .ok()?
            .format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .map(Value::String)
    .unwrap_or(Value::Null)
}

fn container_json(region: &Region, task: &Task, index: usize, cidr: &str) -> Option<Value> {
    let c = task.containers.get(index)?;
    let (family, revision) = task
        .task_definition_arn
        .rsplit_once("task-definition/")
        .and_then(|(_, r)| r.rsplit_once(':'))
        .unwrap_or(("", ""));
    let networks: Vec<Value> = task
        .eni
        .iter()
        .map(|eni| {
            json!({
                "NetworkMode": "awsvpc",
                "IPv4Addresses": [eni.ip.to_string()],
                "AttachmentIndex": 0,
                "MACAddress": eni.mac,
                "IPv4SubnetCIDRBlock": cidr,
                "PrivateDNSName": format!("ip-{}.{}.compute.internal", eni.ip.to_string().replace('.', "-"), region.scope.region),
            })
        })
        .collect();
    Some(json!({
        "DockerId": c.runtime_id.clone().unwrap_or_default(),
        "Name": c.name,
        "DockerName": c.name,
        "Image": c.image,
        "ImageID": "",
        "Labels": {
            "com.amazonaws.ecs.cluster": format!("arn:aws:ecs:{}:{}:cluster/{}", region.scope.region, region.scope.account, task.cluster),
            "com.amazonaws.ecs.container-name": c.name,
            "com.amazonaws.ecs.task-arn": task.arn,
            "com.amazonaws.ecs.task-definition-family": family,
            "com.amazonaws.ecs.task-definition-version": revision,
        },
        "DesiredStatus": task.desired_status.as_str(),
        "KnownStatus": c.last_status.as_str(),
        "Limits": {
            "CPU": c.cpu.as_deref().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0),
            "Memory": c.memory.as_deref().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0),
        },
        "CreatedAt": rfc3339(Some(task.created_at)),
        "StartedAt": rfc3339(task.started_at),
        "Type": "NORMAL",
        "ContainerARN": c.arn,
        "Networks": networks,
    }))
}

fn task_json(region: &Region, task: &Task, cidr: &str) -> Value {
    let (family, revision) = task
        .task_definition_arn
        .rsplit_once("task-definition/")
        .and_then(|(_, r)| r.rsplit_once(':'))
        .unwrap_or(("", ""));
    let containers: Vec<Value> = (0..task.containers.len())
        .filter_map(|i| container_json(region, task, i, cidr))
        .collect();
    let cpu = task
        .cpu
        .as_deref()
        .and_then(|v| v.parse::<f64>().ok())
        .map(|units| units / 1024.0);
    json!({
        "Cluster": format!("arn:aws:ecs:{}:{}:cluster/{}", region.scope.region, region.scope.account, task.cluster),
        "TaskARN": task.arn,
        "Family": family,
        "Revision": revision,
        "ServiceName": task.service,
        "DesiredStatus": task.desired_status.as_str(),
        "KnownStatus": task.last_status.as_str(),
        "Limits": {"CPU": cpu, "Memory": task.memory.as_deref().and_then(|v| v.parse::<u64>().ok())},
        "PullStartedAt": rfc3339(Some(task.created_at)),
        "PullStoppedAt": rfc3339(task.started_at.or(Some(task.created_at))),
        "AvailabilityZone": format!("{}a", region.scope.region),
        "LaunchType": task.launch_type,
        "Containers": containers,
    })
}

/// Task-role credentials. emul's gateway accepts any credentials unless
/// `--strict-auth`; these are fixed per task and valid for 6 hours.
fn credentials(e: &Endpoint) -> Value {
    let expiration = time::OffsetDateTime::now_utc() + time::Duration::hours(6);
    let short = &e.task_id[..16];
    json!({
        "AccessKeyId": format!("ASIAEMUL{}", short.to_uppercase()),
        "SecretAccessKey": format!("emul-task-secret-{}", e.task_id),
        "Token": format!("emul-task-token-{}", e.credentials_id),
        "Expiration": expiration
            .replace_nanosecond(0)
            .unwrap_or(expiration)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "RoleArn": format!("arn:aws:iam::{}:role/ecs-task", e.scope.account),
    })
}
