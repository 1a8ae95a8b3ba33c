//! The task metadata endpoint v4 and the container credentials endpoint
//! (aws-reference.md §2.8). A task asks 169.254.170.2:80, the address the
//! ECS agent uses; its ENI's agent DNATs that to this server on the VPC
//! gateway (`runtime::vpc_services`), one listener for every task, which
//! tells tasks apart by the connection's source: the task's ENI address.
//! A connection from any other address gets 404s.
//!
//! Paths: `/v4/<id>` (this container), `/v4/<id>/task`,
//! `/v4/<id>/taskWithTags`, `/v4/<id>/stats` (this container's Docker
//! stats), `/v4/<id>/task/stats` (every container's, keyed by Docker id),
//! and `/v2/credentials/<uuid>`. The `<id>` is
//! `<task-id>-<10-digit container index>`, the Fargate shape.
//!
//! Stats are one sample of the engine's stats API, in Docker's JSON shape,
//! which is what the ECS agent returns (`read`, `preread`, `cpu_stats`,
//! `precpu_stats`, `memory_stats`, `blkio_stats`, `pids_stats`, `networks`,
//! `name`, `id`). Task containers share the ENI's namespace, so Docker has
//! no network figures for them; as the agent does for awsvpc tasks, the
//! task's (the pause container's) `networks` are reported in each one.
//! A container that has not started (or is gone) is `null` in
//! `/task/stats`, and 404 on its own `/stats`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::runtime::Engine;
use crate::services::ecs::model::{Region, Scope, Task};
use crate::services::ecs::service::Ecs;

/// The link-local address tasks ask (what `ECS_CONTAINER_METADATA_URI_V4`
/// names).
pub(super) const ADDRESS: &str = "169.254.170.2";

/// Every running task's endpoint, by its ENI address.
pub(super) type Endpoints = Arc<std::sync::Mutex<HashMap<Ipv4Addr, Endpoint>>>;

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
    /// The engine, for stats.
    pub engine: Engine,
    /// The task's pause container: its stats carry the task's network figures.
    pub pause_id: String,
}

/// Serves connections until the listener's task is aborted; each is
/// answered as the task whose ENI address it comes from.
pub(super) async fn serve(endpoints: Endpoints, listener: tokio::net::TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "metadata endpoint: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let endpoint = match peer.ip() {
            std::net::IpAddr::V4(ip) => endpoints
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&ip)
                .cloned(),
            std::net::IpAddr::V6(_) => None,
        };
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let endpoint = endpoint.clone();
                async move {
                    Ok::<_, Infallible>(match &endpoint {
                        Some(e) => answer(e, req.uri().path()).await,
                        None => reply(
                            StatusCode::NOT_FOUND,
                            json!({"error": "no task of this project has this address"}),
                        ),
                    })
                }
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

async fn answer(e: &Endpoint, path: &str) -> Response<Full<Bytes>> {
    if let Some(id) = path.strip_prefix("/v2/credentials/") {
        if id != e.credentials_id {
            return not_found("Credentials for the given id were not found");
        }
        return reply(StatusCode::OK, credentials(e));
    }
    let Some(rest) = path.strip_prefix("/v4/") else {
        return not_found(
            "emul serves /v4/<id>[/task|/taskWithTags|/stats|/task/stats] and /v2/credentials/<id>",
        );
    };
    let (cid, sub) = rest.split_once('/').unwrap_or((rest, ""));
    let index = cid
        .strip_prefix(&format!("{}-", e.task_id))
        .and_then(|n| n.parse::<usize>().ok());
    let Some(index) = index else {
        return not_found("Unknown container metadata id");
    };
    match sub {
        "stats" => return container_stats(e, index).await,
        "task/stats" => return task_stats(e).await,
        _ => {}
    }
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
            _ => not_found("Unknown metadata path"),
        }
    })
}

/// The Docker ids of the task's containers, in definition order (`None`
/// for one not created yet).
fn docker_ids(e: &Endpoint) -> Vec<Option<String>> {
    e.ecs.read(&e.scope, |region| {
        region
            .tasks
            .get(&e.task_id)
            .map(|t| t.containers.iter().map(|c| c.runtime_id.clone()).collect())
            .unwrap_or_default()
    })
}

/// One stats sample of container `id` (`None` when it is gone).
async fn fetch(e: &Endpoint, id: &str) -> Option<Value> {
    match e.engine.stats(id).await {
        Ok(s) => s,
        Err(err) => {
            tracing::debug!(container = id, error = %err, "stats failed");
            None
        }
    }
}

/// The pause container's `networks` (the task's interface counters).
async fn task_networks(e: &Endpoint) -> Option<Value> {
    let stats = fetch(e, &e.pause_id).await?;
    stats.get("networks").filter(|n| !n.is_null()).cloned()
}

/// A container's sample with the task's network figures filled in when
/// Docker has none of its own (a container in the ENI's namespace).
fn with_networks(mut stats: Value, networks: &Option<Value>) -> Value {
    if stats.get("networks").is_none_or(Value::is_null)
        && let Some(n) = networks
    {
        stats["networks"] = n.clone();
    }
    stats
}

async fn container_stats(e: &Endpoint, index: usize) -> Response<Full<Bytes>> {
    let Some(Some(id)) = docker_ids(e).get(index).cloned() else {
        return not_found("The container has not started");
    };
    let (networks, stats) = futures::join!(task_networks(e), fetch(e, &id));
    match stats {
        Some(stats) => reply(StatusCode::OK, with_networks(stats, &networks)),
        None => not_found("The container is not running"),
    }
}

async fn task_stats(e: &Endpoint) -> Response<Full<Bytes>> {
    let ids: Vec<String> = docker_ids(e).into_iter().flatten().collect();
    let (networks, samples) = futures::join!(
        task_networks(e),
        futures::future::join_all(ids.iter().map(|id| fetch(e, id)))
    );
    let by_id: serde_json::Map<String, Value> = ids
        .into_iter()
        .zip(samples)
        .map(|(id, s)| (id, s.map_or(Value::Null, |s| with_networks(s, &networks))))
        .collect();
    reply(StatusCode::OK, Value::Object(by_id))
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
                "PrivateDNSName": crate::services::ec2::model::private_dns_name(&region.scope.region, eni.ip),
            })
        })
        .collect();
    let mut out = json!({
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
    });
    if let Some((driver, options)) = log_driver(region, task, &c.name) {
        out["LogDriver"] = driver;
        out["LogOptions"] = options;
    }
    Some(out)
}

/// `LogDriver` and `LogOptions` as the agent reports them: the container
/// definition's `logConfiguration`, with `awslogs-stream` added for awslogs
/// (the stream the task's lines go to, `super::log_config`).
fn log_driver(region: &Region, task: &Task, container: &str) -> Option<(Value, Value)> {
    let td = region.task_definition(&task.task_definition_arn).ok()?;
    let def = td
        .body
        .get("containerDefinitions")?
        .as_array()?
        .iter()
        .find(|d| d["name"] == container)?;
    let config = def.get("logConfiguration")?;
    let mut options = config.get("options").cloned().unwrap_or_else(|| json!({}));
    let task_id = task.arn.rsplit('/').next().unwrap_or_default();
    if let Some(Ok(dest)) = super::log_config::awslogs(def, &region.scope, task_id)
        && let Some(o) = options.as_object_mut()
    {
        o.insert("awslogs-stream".into(), dest.stream.into());
    }
    Some((
        config.get("logDriver").cloned().unwrap_or(Value::Null),
        options,
    ))
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

/// The task's role: RunTask's `overrides.taskRoleArn`, else the task
/// definition's `taskRoleArn` (a bare role name becomes the account's role
/// ARN), else emul's stand-in `role/ecs-task` for a task without one.
fn role_arn(e: &Endpoint) -> String {
    let role = e.ecs.read(&e.scope, |region| {
        let task = region.tasks.get(&e.task_id)?;
        let named = |v: &Value| v.get("taskRoleArn")?.as_str().map(String::from);
        named(&task.overrides).or_else(|| {
            let td = region.task_definition(&task.task_definition_arn).ok()?;
            td.body.get("taskRoleArn")?.as_str().map(String::from)
        })
    });
    match role {
        Some(arn) if arn.starts_with("arn:") => arn,
        Some(name) => format!("arn:aws:iam::{}:role/{name}", e.scope.account),
        None => format!("arn:aws:iam::{}:role/ecs-task", e.scope.account),
    }
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
        "RoleArn": role_arn(e),
    })
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A connection from an address no running task has (another container
    /// of the VPC, the host) learns nothing: every path is a 404.
    #[tokio::test]
    async fn an_unknown_source_gets_404_for_every_path() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let endpoints: Endpoints = Arc::default();
        let server = tokio::spawn(serve(endpoints, listener));
        for path in ["/v4/abc-0000000000/task", "/v2/credentials/some-id"] {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
            assert!(
                answer.contains("no task of this project has this address"),
                "{answer}"
            );
        }
        server.abort();
    }
}
