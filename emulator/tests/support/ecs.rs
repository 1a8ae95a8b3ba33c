//! In-process harness for the ECS Docker tests: a VPC network made with the
//! Docker CLI, Secrets Manager in memory, the ECS service with its
//! scheduler attached, and simple doubles for the wiring seams (a
//! NetworkPolicy that records attach/detach in order, a TargetRegistry that
//! reports `healthy` a fixed time after registration).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use emul::dataplane::dns::{BoundResolver, VpcResolver, Zone};
use emul::runtime::Engine;
use emul::runtime::vpc_services::{RESOLVER_PORT, VpcServices};
use emul::services::ecs::model::Scope;
use emul::services::ecs::{Ecs, EcsDeps, EcsHandle, EcsRuntime, ops};
use emul::services::secretsmanager::SecretsManager;
use emul::wiring::{
    BoxFuture, EniInfo, NetworkPolicy, Target, TargetRegistry, TargetState, WiringError,
};
use serde_json::{Value, json};

/// The service-discovery namespace of every world: a service created with
/// `serviceRegistries: [{"emulName": "<name>.test.local"}]` is answered there.
pub const NAMESPACE: &str = "test.local";

/// The VPC resolver on `gateway:53` answering from `ecs` (nothing is
/// forwarded: the tests only ask discovery names). A resolver just dropped
/// releases its port once the runtime has polled its aborted tasks, so the
/// bind is retried briefly.
async fn start_resolver(gateway: Ipv4Addr, ecs: &Arc<Ecs>) -> VpcResolver {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match BoundResolver::bind(gateway, RESOLVER_PORT).await {
            Ok(b) => return b.serve(Zone::new(ecs.clone(), [NAMESPACE.to_string()]), vec![]),
            Err(e) if Instant::now() > deadline => {
                panic!("the VPC resolver on {gateway}:{RESOLVER_PORT}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Runs the docker CLI; panics with stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Records every ENI attach/detach, in order.
#[derive(Default)]
pub struct RecordingPolicy {
    /// `attach <id> <ip>` / `detach <id>` lines.
    pub log: Mutex<Vec<String>>,
}

impl NetworkPolicy for RecordingPolicy {
    fn eni_attached<'a>(&'a self, eni: &'a EniInfo) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            self.log
                .lock()
                .unwrap()
                .push(format!("attach {} {}", eni.id, eni.ip));
            Ok(())
        })
    }
    fn eni_detached<'a>(&'a self, eni_id: &'a str) -> BoxFuture<'a, Result<(), WiringError>> {
        Box::pin(async move {
            self.log.lock().unwrap().push(format!("detach {eni_id}"));
            Ok(())
        })
    }
}

/// Targets turn healthy `after` their registration.
pub struct DelayedHealthy {
    /// Time to healthy.
    pub after: Duration,
    /// Registration times (removed on deregister).
    pub registered: Mutex<HashMap<(String, Target), Instant>>,
    /// Deregistration delay reported (a test may lengthen it to watch a
    /// stopped task drain).
    pub delay: Mutex<Duration>,
    /// Target addresses the test declared unhealthy.
    pub unhealthy: Mutex<BTreeSet<std::net::Ipv4Addr>>,
}

impl TargetRegistry for DelayedHealthy {
    fn register(&self, tg: &str, target: Target) -> Result<(), WiringError> {
        self.registered
            .lock()
            .unwrap()
            .insert((tg.to_string(), target), Instant::now());
        Ok(())
    }
    fn deregister(&self, tg: &str, target: Target) -> Result<(), WiringError> {
        self.registered
            .lock()
            .unwrap()
            .remove(&(tg.to_string(), target));
        Ok(())
    }
    fn state(&self, tg: &str, target: Target) -> TargetState {
        if self.unhealthy.lock().unwrap().contains(&target.ip) {
            return TargetState::Unhealthy;
        }
        match self
            .registered
            .lock()
            .unwrap()
            .get(&(tg.to_string(), target))
        {
            Some(at) if at.elapsed() >= self.after => TargetState::Healthy,
            Some(_) => TargetState::Initial,
            None => TargetState::Unused,
        }
    }
    fn deregistration_delay(&self, _tg: &str) -> Duration {
        *self.delay.lock().unwrap()
    }
}

/// One test's world. Dropping it removes every Docker object it made.
pub struct EcsWorld {
    /// The project name (unique per test).
    pub project: String,
    /// The ECS service.
    pub ecs: Arc<Ecs>,
    /// Secrets Manager.
    pub secrets: Arc<SecretsManager>,
    /// The scheduler (taken by `shutdown`).
    pub handle: Option<EcsHandle>,
    /// The policy double.
    pub policy: Arc<RecordingPolicy>,
    /// The target registry double.
    pub targets: Arc<DelayedHealthy>,
    /// The Docker network name.
    pub network: String,
    /// Region scope of every call.
    pub scope: Scope,
    /// The state directory task logs go to (`<state>/logs/ecs/...`).
    pub state_dir: tempfile::TempDir,
    /// What the scheduler was started with (for a restart).
    pub deps: EcsDeps,
    /// The VPC resolver on the network's gateway, `RESOLVER_PORT` (where
    /// each task's agent sends its DNS server, the VPC base + 2; answering
    /// discovery names from `ecs`).
    pub resolver: Option<VpcResolver>,
}

impl EcsWorld {
    /// A VPC network `10.<octet>.0.0/24` named after `project`, a cluster
    /// `prod`, and the scheduler with short timings.
    pub async fn start(project: &str, octet: u8) -> EcsWorld {
        Self::start_with(project, octet, |_| {}).await
    }

    /// [`EcsWorld::start`] with the scheduler's dependencies adjusted by
    /// `configure` first (e.g. a CloudWatch Logs sink).
    pub async fn start_with(
        project: &str,
        octet: u8,
        configure: impl FnOnce(&mut EcsDeps),
    ) -> EcsWorld {
        let network = format!("emul-{project}-vpc");
        cleanup(project, &network);
        let cidr = format!("10.{octet}.0.0/24");
        let gateway = Ipv4Addr::new(10, octet, 0, 1);
        docker(&[
            "network",
            "create",
            "--label",
            "io.emul.test=1",
            "--subnet",
            &cidr,
            &network,
        ]);
        let engine = Engine::connect().await.expect("docker");
        let state_dir = tempfile::tempdir().expect("state dir");
        let secrets = Arc::new(SecretsManager::in_memory());
        let policy = Arc::new(RecordingPolicy::default());
        let targets = Arc::new(DelayedHealthy {
            after: Duration::from_secs(2),
            registered: Mutex::default(),
            delay: Mutex::new(Duration::from_secs(1)),
            unhealthy: Mutex::default(),
        });
        let mut deps = EcsDeps {
            engine,
            secrets: secrets.clone(),
            project: project.to_string(),
            network: network.clone(),
            subnets: BTreeMap::from([("private-a".to_string(), cidr.parse().unwrap())]),
            reserved_ips: BTreeSet::new(),
            network_policy: policy.clone(),
            targets: targets.clone(),
            gateway_url: format!("http://10.{octet}.0.1:4566"),
            vpc: VpcServices::of_vpc(
                cidr.parse().unwrap(),
                &emul::runtime::placement::Placement::Host,
            ),
            extra_labels: HashMap::from([("io.emul.test".to_string(), "1".to_string())]),
            healthy_after_running: Duration::from_secs(1),
            tick: Duration::from_millis(300),
            default_stop_timeout: Duration::from_secs(2),
            log_dir: Some(emul::runtime::task_logs::root(state_dir.path())),
            images: None,
            log_sink: None,
            network_names: None,
            metrics: None,
        };
        configure(&mut deps);
        let (ecs, handle) = EcsRuntime::start(deps.clone());
        let resolver = Some(start_resolver(gateway, &ecs).await);
        let world = EcsWorld {
            resolver,
            project: project.to_string(),
            ecs,
            secrets,
            handle: Some(handle),
            policy,
            targets,
            network,
            scope: Scope {
                account: "000000000000".into(),
                region: "us-east-1".into(),
            },
            state_dir,
            deps,
        };
        world.call("CreateCluster", serde_json::json!({"clusterName": "prod"}));
        world
    }

    /// Registers the test app as task definition `web` and creates service
    /// `web` in cluster `prod` with `desired` tasks in the world's subnets,
    /// plus the CreateService fields in `extra` (load balancers, deployment
    /// configuration, grace period…).
    pub fn web_service(&self, desired: u32, extra: Value) {
        self.call(
            "RegisterTaskDefinition",
            testapp_task_definition("web", json!([])),
        );
        let mut body = json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web",
                              "desiredCount": desired,
                              "networkConfiguration": network_configuration()});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.call("CreateService", body);
    }

    /// One ECS API call (panics on an error).
    pub fn call(&self, op: &str, body: Value) -> Value {
        ops::dispatch(&self.ecs, &self.scope, op, body)
            .unwrap_or_else(|e| panic!("{op} failed: {e}"))
    }

    /// DescribeServices for one service of `prod`.
    pub fn service(&self, name: &str) -> Value {
        self.call(
            "DescribeServices",
            serde_json::json!({"cluster": "prod", "services": [name]}),
        )["services"][0]
            .clone()
    }

    /// Waits until `f` holds (polling every 200 ms) or panics after `timeout`.
    pub async fn wait_for(&self, what: &str, timeout: Duration, f: impl Fn(&EcsWorld) -> bool) {
        let deadline = Instant::now() + timeout;
        while !f(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Tasks of `prod` with the given desired status.
    pub fn task_arns(&self, desired: &str) -> Vec<String> {
        self.call(
            "ListTasks",
            serde_json::json!({"cluster": "prod", "desiredStatus": desired}),
        )["taskArns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// DescribeTasks of one task.
    pub fn task(&self, arn: &str) -> Value {
        self.call(
            "DescribeTasks",
            serde_json::json!({"cluster": "prod", "tasks": [arn]}),
        )["tasks"][0]
            .clone()
    }

    /// Running workload containers of this project (not pause).
    pub fn workload_containers(&self) -> Vec<String> {
        docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=io.emul.project={}", self.project),
            "--filter",
            "label=io.emul.kind=task",
        ])
        .lines()
        .map(String::from)
        .collect()
    }

    /// A daemon crash and the next `up`: the scheduler stops without
    /// touching its tasks, and a fresh one (new, empty ECS model, cluster
    /// `prod` created again) starts for the same project.
    pub async fn restart_after_crash(&mut self) {
        if let Some(h) = self.handle.take() {
            h.abandon().await;
        }
        let (ecs, handle) = EcsRuntime::start(self.deps.clone());
        let gateway = self.deps.vpc.expect("the world has VPC services").host;
        self.resolver = None;
        self.resolver = Some(start_resolver(gateway, &ecs).await);
        self.ecs = ecs;
        self.handle = Some(handle);
        self.call("CreateCluster", serde_json::json!({"clusterName": "prod"}));
    }

    /// Stops the scheduler (removing its tasks) and the network.
    pub async fn shutdown(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

impl Drop for EcsWorld {
    fn drop(&mut self) {
        cleanup(&self.project, &self.network);
    }
}

fn cleanup(project: &str, network: &str) {
    let ids = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.emul.project={project}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    for id in ids.lines() {
        let _ = Command::new("docker").args(["rm", "-f", id]).output();
    }
    let _ = Command::new("docker")
        .args(["network", "rm", network])
        .output();
}

/// The testapp task definition used by most tests.
pub fn testapp_task_definition(family: &str, extra_env: Value) -> Value {
    let mut env = vec![serde_json::json!({"name": "PORT", "value": "8080"})];
    if let Value::Array(more) = extra_env {
        env.extend(more);
    }
    serde_json::json!({
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "emul/testapp:latest",
            "essential": true,
            "environment": env,
            "portMappings": [{"containerPort": 8080}],
        }]
    })
}

/// `awsvpcConfiguration` in the harness's subnet.
pub fn network_configuration() -> Value {
    serde_json::json!({"awsvpcConfiguration": {"subnets": ["private-a"], "securityGroups": ["app"]}})
}
