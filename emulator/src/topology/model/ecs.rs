//! The ECS cluster, its services and their task definitions
//! (`aws_ecs_cluster`, `aws_ecs_service`, `aws_ecs_task_definition`,
//! `aws_appautoscaling_*`), plus the EFS file systems and the service
//! discovery namespace that tasks use.

use super::references::EnvValue;
use super::secrets::ValueFrom;
use crate::string_enum;
use crate::topology::decode::{Cx, Decode};
use crate::topology::span::{Span, Spanned};
use crate::topology::yaml::{Node, NodeKind};

string_enum! {
    /// Where tasks run. Both run as containers locally; `FARGATE` adds
    /// Fargate's cpu/memory rules.
    pub enum LaunchType: "launch type" {
        /// Fargate (default).
        Fargate = ["FARGATE"],
        /// EC2 container instances.
        Ec2 = ["EC2"],
    }
}

string_enum! {
    /// The service metric a step-scaling rule watches.
    pub enum StepMetric: "step-scaling metric" {
        /// `AWS/ECS` `CPUUtilization`.
        Cpu = ["cpu"],
        /// `AWS/ECS` `MemoryUtilization`.
        Memory = ["memory"],
    }
}

string_enum! {
    /// Task networking. Only `awsvpc` (one ENI per task) is emulated.
    pub enum NetworkMode: "network mode" {
        /// One ENI per task.
        Awsvpc = ["awsvpc"],
    }
}

string_enum! {
    /// Transport protocol of a port mapping.
    pub enum TransportProtocol: "port mapping protocol" {
        /// TCP (default).
        Tcp = ["tcp"],
        /// UDP.
        Udp = ["udp"],
    }
}

string_enum! {
    /// Application protocol of a port mapping (Service Connect hint).
    pub enum AppProtocol: "app protocol" {
        /// HTTP/1.1.
        Http = ["http"],
        /// HTTP/2.
        Http2 = ["http2"],
        /// gRPC.
        Grpc = ["grpc"],
    }
}

string_enum! {
    /// `dependsOn` condition.
    pub enum DependencyCondition: "depends_on condition" {
        /// The dependency has started.
        Start = ["START"],
        /// The dependency exited (any code).
        Complete = ["COMPLETE"],
        /// The dependency exited 0.
        Success = ["SUCCESS"],
        /// The dependency's health check passed.
        Healthy = ["HEALTHY"],
    }
}

/// An EFS file system: a named volume that survives tasks.
#[derive(Debug, Clone, Default)]
pub struct EfsFileSystem {
    /// How task volumes refer to it.
    pub name: Spanned<String>,
    /// Where the mapping starts.
    pub span: Span,
}

/// The private DNS namespace services register in.
#[derive(Debug, Clone, Default)]
pub struct ServiceDiscoveryNamespace {
    /// `prod.local`.
    pub name: Spanned<String>,
    /// Where the mapping starts.
    pub span: Span,
}

/// The ECS cluster.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Cluster name.
    pub name: Spanned<String>,
    /// The services.
    pub services: Vec<Service>,
    /// Where the mapping starts.
    pub span: Span,
}

/// One ECS service and its task definition.
#[derive(Debug, Clone, Default)]
pub struct Service {
    /// Service name.
    pub name: Spanned<String>,
    /// Fargate or EC2.
    pub launch_type: Spanned<LaunchType>,
    /// Tasks to keep running.
    pub desired_count: Spanned<i64>,
    /// `minimumHealthyPercent` (0..100).
    pub deployment_minimum_healthy_percent: Spanned<i64>,
    /// `maximumPercent` (100..200).
    pub deployment_maximum_percent: Spanned<i64>,
    /// Deployment circuit breaker, if configured.
    pub deployment_circuit_breaker: Option<CircuitBreaker>,
    /// Seconds unhealthy LB checks are ignored after a task starts.
    pub health_check_grace_period_seconds: Option<Spanned<i64>>,
    /// Subnet names the tasks' ENIs go in.
    pub subnets: Vec<Spanned<String>>,
    /// Security group names of the tasks' ENIs.
    pub security_groups: Vec<Spanned<String>>,
    /// `assignPublicIp`.
    pub assign_public_ip: bool,
    /// Target group attachments.
    pub load_balancers: Vec<LbAttachment>,
    /// Registers tasks as `<name>.<namespace>`.
    pub service_discovery_name: Option<Spanned<String>>,
    /// Application Auto Scaling bounds and targets.
    pub autoscaling: Option<Autoscaling>,
    /// The task definition.
    pub task_definition: TaskDefinition,
    /// Where the mapping starts.
    pub span: Span,
}

/// `deploymentCircuitBreaker`.
#[derive(Debug, Clone, Default)]
pub struct CircuitBreaker {
    /// Stop a failing deployment.
    pub enable: bool,
    /// Roll back to the last completed deployment.
    pub rollback: bool,
}

/// A `load_balancer` block of a service.
#[derive(Debug, Clone, Default)]
pub struct LbAttachment {
    /// Target group name.
    pub target_group: Spanned<String>,
    /// Container whose port is registered.
    pub container_name: Spanned<String>,
    /// Port registered; `None` means the target group's port.
    pub container_port: Option<Spanned<u16>>,
    /// Where the mapping starts.
    pub span: Span,
}

/// Application Auto Scaling for a service.
#[derive(Debug, Clone, Default)]
pub struct Autoscaling {
    /// Lower bound of the desired count.
    pub min_capacity: Spanned<i64>,
    /// Upper bound of the desired count.
    pub max_capacity: Spanned<i64>,
    /// Target tracking on average CPU (%).
    pub target_cpu_utilization: Option<Spanned<i64>>,
    /// Target tracking on average memory (%).
    pub target_memory_utilization: Option<Spanned<i64>>,
    /// Target tracking on ALB requests per target.
    pub target_requests_per_target: Option<Spanned<i64>>,
    /// Seconds between scale-in steps.
    pub scale_in_cooldown: Spanned<i64>,
    /// Seconds between scale-out steps.
    pub scale_out_cooldown: Spanned<i64>,
    /// Step-scaling rules ("> 70 % +1, < 30 % -1"): each an alarm on the
    /// service's metric and a step policy it invokes.
    pub step_scaling: Vec<StepRule>,
    /// Where the mapping starts.
    pub span: Span,
}

/// One step-scaling rule: when the service's `metric` is `above` (or
/// `below`) a threshold for `periods` minutes, change the desired count by
/// `adjustment`.
#[derive(Debug, Clone)]
pub struct StepRule {
    /// What is watched.
    pub metric: StepMetric,
    /// Breaching above this percentage (exactly one of above/below).
    pub above: Option<Spanned<i64>>,
    /// Breaching below this percentage.
    pub below: Option<Spanned<i64>>,
    /// Tasks added (positive) or removed (negative).
    pub adjustment: Spanned<i64>,
    /// One-minute periods the alarm evaluates (all must breach).
    pub periods: Spanned<i64>,
    /// Seconds after a step before the rule acts again.
    pub cooldown: Spanned<i64>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A task definition.
#[derive(Debug, Clone, Default)]
pub struct TaskDefinition {
    /// Family; defaults to the service name.
    pub family: Spanned<String>,
    /// Task CPU units, normalised as RegisterTaskDefinition does: written
    /// as `256`, `"256"` or `"0.25 vCPU"` (see [`task_size_units`]).
    pub cpu: Option<Spanned<i64>>,
    /// Task memory (MiB), normalised: `512`, `"512"`, `"0.5 GB"`, `"2GB"`.
    pub memory: Option<Spanned<i64>>,
    /// `taskRoleArn`: the role the task's containers get credentials for
    /// (the credentials endpoint's `RoleArn`), shown by DescribeTaskDefinition.
    pub task_role_arn: Option<Spanned<String>>,
    /// `executionRoleArn`: the role the agent pulls images and reads secrets
    /// with; informational locally, shown by DescribeTaskDefinition.
    pub execution_role_arn: Option<Spanned<String>>,
    /// Always awsvpc.
    pub network_mode: NetworkMode,
    /// Volumes the containers mount.
    pub volumes: Vec<Volume>,
    /// The containers.
    pub container_definitions: Vec<ContainerDefinition>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A task volume.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    /// Name mount points use.
    pub name: Spanned<String>,
    /// Backed by an EFS file system (else task-scoped).
    pub efs_file_system: Option<Spanned<String>>,
    /// Directory inside the file system.
    pub root_directory: String,
    /// Where the mapping starts.
    pub span: Span,
}

/// A container definition.
#[derive(Debug, Clone, Default)]
pub struct ContainerDefinition {
    /// Name, unique in the task.
    pub name: Spanned<String>,
    /// Docker image; may reference an ECR repository of the topology
    /// (`${ecr.app.repository_url}:v1`), resolved at `up`.
    pub image: EnvValue,
    /// CMD override.
    pub command: Option<Vec<String>>,
    /// ENTRYPOINT override.
    pub entry_point: Option<Vec<String>>,
    /// Working directory.
    pub working_directory: Option<String>,
    /// User.
    pub user: Option<String>,
    /// If it stops, the task stops.
    pub essential: Spanned<bool>,
    /// CPU units.
    pub cpu: Option<Spanned<i64>>,
    /// Hard memory limit (MiB).
    pub memory: Option<Spanned<i64>>,
    /// Soft memory limit (MiB).
    pub memory_reservation: Option<Spanned<i64>>,
    /// Exposed ports.
    pub port_mappings: Vec<PortMapping>,
    /// Plain environment variables, in order; values may hold endpoint
    /// references (`${rds.db.address}`), resolved when the task definition
    /// is registered.
    pub environment: Vec<(Spanned<String>, EnvValue)>,
    /// Secrets injected as environment variables.
    pub secrets: Vec<ContainerSecret>,
    /// Docker health check.
    pub health_check: Option<ContainerHealthCheck>,
    /// Start-order dependencies.
    pub depends_on: Vec<ContainerDependency>,
    /// Volume mounts.
    pub mount_points: Vec<MountPoint>,
    /// awslogs group.
    pub log_group: Option<String>,
    /// Seconds between SIGTERM and SIGKILL.
    pub stop_timeout: Option<Spanned<i64>>,
    /// Where the mapping starts.
    pub span: Span,
}

/// A port mapping.
#[derive(Debug, Clone, Default)]
pub struct PortMapping {
    /// The container port (awsvpc: also the host port).
    pub container_port: Spanned<u16>,
    /// tcp/udp.
    pub protocol: TransportProtocol,
    /// Optional name.
    pub name: Option<String>,
    /// Optional application protocol.
    pub app_protocol: Option<AppProtocol>,
    /// Where the mapping starts.
    pub span: Span,
}

/// `secrets: [{name, value_from}]`.
#[derive(Debug, Clone, Default)]
pub struct ContainerSecret {
    /// Environment variable name.
    pub name: Spanned<String>,
    /// The secret reference.
    pub value_from: Spanned<ValueFrom>,
}

/// Container `healthCheck`.
#[derive(Debug, Clone, Default)]
pub struct ContainerHealthCheck {
    /// `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    pub command: Spanned<Vec<String>>,
    /// Seconds between checks (5..300).
    pub interval: Spanned<i64>,
    /// Seconds before a check fails (2..60).
    pub timeout: Spanned<i64>,
    /// Failures before unhealthy (1..10).
    pub retries: Spanned<i64>,
    /// Grace at start (0..300).
    pub start_period: Spanned<i64>,
    /// Where the mapping starts.
    pub span: Span,
}

/// `dependsOn` entry.
#[derive(Debug, Clone, Default)]
pub struct ContainerDependency {
    /// The container waited for.
    pub container_name: Spanned<String>,
    /// What to wait for.
    pub condition: Spanned<DependencyCondition>,
}

/// A mount point.
#[derive(Debug, Clone, Default)]
pub struct MountPoint {
    /// A task volume name.
    pub source_volume: Spanned<String>,
    /// Path inside the container.
    pub container_path: Spanned<String>,
    /// Mount read-only.
    pub read_only: bool,
}

impl Decode for EfsFileSystem {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "an EFS file system");
        let f = EfsFileSystem {
            name: m.req(cx, "name"),
            span: node.span,
        };
        m.finish(cx);
        f
    }
}

impl Decode for ServiceDiscoveryNamespace {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "the service discovery namespace");
        let n = ServiceDiscoveryNamespace {
            name: m.req(cx, "name"),
            span: node.span,
        };
        m.finish(cx);
        n
    }
}

impl Decode for Cluster {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "the ECS cluster");
        let c = Cluster {
            name: m.req(cx, "name"),
            services: m.or(cx, "services", Vec::new()),
            span: node.span,
        };
        m.finish(cx);
        c
    }
}

impl Decode for Service {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "an ECS service");
        let s = node.span;
        let name: Spanned<String> = m.req(cx, "name");
        let mut svc = Service {
            launch_type: m.or(cx, "launch_type", Spanned::new(LaunchType::Fargate, s)),
            desired_count: m.or(cx, "desired_count", Spanned::new(1, s)),
            deployment_minimum_healthy_percent: m.or(
                cx,
                "deployment_minimum_healthy_percent",
                Spanned::new(100, s),
            ),
            deployment_maximum_percent: m.or(
                cx,
                "deployment_maximum_percent",
                Spanned::new(200, s),
            ),
            deployment_circuit_breaker: m.opt(cx, "deployment_circuit_breaker"),
            health_check_grace_period_seconds: m.opt(cx, "health_check_grace_period_seconds"),
            subnets: m.req(cx, "subnets"),
            security_groups: m.or(cx, "security_groups", Vec::new()),
            assign_public_ip: m.or(cx, "assign_public_ip", false),
            load_balancers: m.or(cx, "load_balancers", Vec::new()),
            service_discovery_name: m.opt(cx, "service_discovery_name"),
            autoscaling: m.opt(cx, "autoscaling"),
            task_definition: m.req(cx, "task_definition"),
            name,
            span: s,
        };
        if svc.task_definition.family.is_empty() {
            svc.task_definition.family = svc.name.clone();
        }
        m.finish(cx);
        svc
    }
}

impl Decode for CircuitBreaker {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "`deployment_circuit_breaker`");
        let c = CircuitBreaker {
            enable: m.req(cx, "enable"),
            rollback: m.req(cx, "rollback"),
        };
        m.finish(cx);
        c
    }
}

impl Decode for LbAttachment {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a service load balancer attachment");
        let a = LbAttachment {
            target_group: m.req(cx, "target_group"),
            container_name: m.req(cx, "container_name"),
            container_port: m.opt(cx, "container_port"),
            span: node.span,
        };
        m.finish(cx);
        a
    }
}

impl Decode for Autoscaling {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "`autoscaling`");
        let s = node.span;
        let a = Autoscaling {
            min_capacity: m.req(cx, "min_capacity"),
            max_capacity: m.req(cx, "max_capacity"),
            target_cpu_utilization: m.opt(cx, "target_cpu_utilization"),
            target_memory_utilization: m.opt(cx, "target_memory_utilization"),
            target_requests_per_target: m.opt(cx, "target_requests_per_target"),
            scale_in_cooldown: m.or(cx, "scale_in_cooldown", Spanned::new(300, s)),
            scale_out_cooldown: m.or(cx, "scale_out_cooldown", Spanned::new(300, s)),
            step_scaling: m.or(cx, "step_scaling", Vec::new()),
            span: s,
        };
        m.finish(cx);
        a
    }
}

impl Decode for StepRule {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a step-scaling rule");
        let s = node.span;
        let r = StepRule {
            metric: m.req(cx, "metric"),
            above: m.opt(cx, "above"),
            below: m.opt(cx, "below"),
            adjustment: m.req(cx, "adjustment"),
            periods: m.or(cx, "periods", Spanned::new(1, s)),
            cooldown: m.or(cx, "cooldown", Spanned::new(300, s)),
            span: s,
        };
        m.finish(cx);
        r
    }
}

impl Decode for TaskDefinition {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a task definition");
        let t = TaskDefinition {
            family: m.or(cx, "family", Spanned::new(String::new(), node.span)),
            cpu: m.node("cpu").map(|n| task_size(n, cx, TaskSize::Cpu)),
            memory: m.node("memory").map(|n| task_size(n, cx, TaskSize::Memory)),
            task_role_arn: m.opt(cx, "task_role_arn"),
            execution_role_arn: m.opt(cx, "execution_role_arn"),
            network_mode: m.or(cx, "network_mode", NetworkMode::Awsvpc),
            volumes: m.or(cx, "volumes", Vec::new()),
            container_definitions: m.req(cx, "container_definitions"),
            span: node.span,
        };
        m.finish(cx);
        t
    }
}

/// Which task-level size a value is: it decides the unit word AWS accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSize {
    /// `cpu`: CPU units, or vCPUs (`"1 vCPU"` = 1024).
    Cpu,
    /// `memory`: MiB, or GB (`"1 GB"` = 1024).
    Memory,
}

impl TaskSize {
    /// The member name, as in the topology and the API.
    pub fn member(self) -> &'static str {
        match self {
            TaskSize::Cpu => "cpu",
            TaskSize::Memory => "memory",
        }
    }

    /// The unit word (case-insensitive) that scales by 1024.
    fn unit(self) -> &'static str {
        match self {
            TaskSize::Cpu => "vcpu",
            TaskSize::Memory => "gb",
        }
    }
}

/// A task-level `cpu`/`memory` as ECS's RegisterTaskDefinition reads it:
/// a positive integer in units (`"1024"`), or a number followed by the
/// member's unit word, with or without a space (`"0.25 vCPU"`, `"1 vcpu"`;
/// `"0.5 GB"`, `"2GB"`), scaled by 1024. `None` when it is neither.
pub fn task_size_units(text: &str, kind: TaskSize) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    match lower.strip_suffix(kind.unit()) {
        Some(n) => n
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)
            .map(|n| (n * 1024.0).round() as i64)
            .filter(|u| *u > 0),
        None => lower.parse::<i64>().ok().filter(|n| *n > 0),
    }
}

/// Decodes a task-level `cpu`/`memory` written as a number or a string.
fn task_size(node: &Node, cx: &mut Cx, kind: TaskSize) -> Spanned<i64> {
    let before = cx.diags.len();
    let text = String::decode(node, cx);
    if cx.diags.len() > before {
        return Spanned::new(0, crate::topology::span::Span::default());
    }
    match task_size_units(&text, kind) {
        Some(v) => Spanned::new(v, node.span),
        None => {
            let hint = match kind {
                TaskSize::Cpu => {
                    "write CPU units (256, \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\")"
                }
                TaskSize::Memory => "write MiB (512, \"2048\") or GB (\"0.5 GB\", \"2GB\")",
            };
            cx.error(
                node.span,
                format!("invalid task {} `{text}`", kind.member()),
                hint,
            );
            Spanned::new(0, crate::topology::span::Span::default())
        }
    }
}

impl Decode for Volume {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a task volume");
        let name = m.req(cx, "name");
        let (efs_file_system, root_directory) = match m.node("efs_volume_configuration") {
            Some(n) => {
                let mut e = cx.map(n, "`efs_volume_configuration`");
                let fs = e.req(cx, "file_system");
                let root = e.or(cx, "root_directory", "/".to_string());
                e.finish(cx);
                (Some(fs), root)
            }
            None => (None, "/".to_string()),
        };
        m.finish(cx);
        Volume {
            name,
            efs_file_system,
            root_directory,
            span: node.span,
        }
    }
}

impl Decode for ContainerDefinition {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a container definition");
        let c = ContainerDefinition {
            name: m.req(cx, "name"),
            image: m.req(cx, "image"),
            command: m.opt(cx, "command"),
            entry_point: m.opt(cx, "entry_point"),
            working_directory: m.opt(cx, "working_directory"),
            user: m.opt(cx, "user"),
            essential: m.or(cx, "essential", Spanned::new(true, node.span)),
            cpu: m.opt(cx, "cpu"),
            memory: m.opt(cx, "memory"),
            memory_reservation: m.opt(cx, "memory_reservation"),
            port_mappings: m.or(cx, "port_mappings", Vec::new()),
            environment: m
                .node("environment")
                .map(|n| environment(n, cx))
                .unwrap_or_default(),
            secrets: m.or(cx, "secrets", Vec::new()),
            health_check: m.opt(cx, "health_check"),
            depends_on: m.or(cx, "depends_on", Vec::new()),
            mount_points: m.or(cx, "mount_points", Vec::new()),
            log_group: m.opt(cx, "log_group"),
            stop_timeout: m.opt(cx, "stop_timeout"),
            span: node.span,
        };
        m.finish(cx);
        c
    }
}

/// `environment` as ECS writes it (`[{name, value}]`) or as a mapping.
fn environment(node: &Node, cx: &mut Cx) -> Vec<(Spanned<String>, EnvValue)> {
    match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (Spanned::decode(k, cx), EnvValue::decode(v, cx)))
            .collect(),
        NodeKind::Seq(items) => items
            .iter()
            .map(|item| {
                let mut m = cx.map(item, "an environment variable");
                let name = m.req(cx, "name");
                let value = m.req(cx, "value");
                m.finish(cx);
                (name, value)
            })
            .collect(),
        _ => {
            cx.error(
                node.span,
                format!(
                    "expected a list or a mapping for `environment`, found {}",
                    node.describe()
                ),
                "write `- {name: KEY, value: \"v\"}` items or `KEY: value` lines",
            );
            Vec::new()
        }
    }
}

impl Decode for PortMapping {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a port mapping");
        let p = PortMapping {
            container_port: m.req(cx, "container_port"),
            protocol: m.or(cx, "protocol", TransportProtocol::Tcp),
            name: m.opt(cx, "name"),
            app_protocol: m.opt(cx, "app_protocol"),
            span: node.span,
        };
        if m.has("host_port")
            && let Some(n) = m.node("host_port")
        {
            let hp: u16 = Decode::decode(n, cx);
            if hp != *p.container_port {
                cx.error(
                        n.span,
                        format!("host_port {hp} differs from container_port {}", *p.container_port),
                        "with awsvpc networking the host port is the container port: remove `host_port`",
                    );
            }
        }
        m.finish(cx);
        p
    }
}

impl Decode for ContainerSecret {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a container secret");
        let s = ContainerSecret {
            name: m.req(cx, "name"),
            value_from: m.req(cx, "value_from"),
        };
        m.finish(cx);
        s
    }
}

impl Decode for ContainerHealthCheck {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a container health check");
        let s = node.span;
        let h = ContainerHealthCheck {
            command: m.req(cx, "command"),
            interval: m.or(cx, "interval", Spanned::new(30, s)),
            timeout: m.or(cx, "timeout", Spanned::new(5, s)),
            retries: m.or(cx, "retries", Spanned::new(3, s)),
            start_period: m.or(cx, "start_period", Spanned::new(0, s)),
            span: s,
        };
        m.finish(cx);
        h
    }
}

impl Decode for ContainerDependency {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a `depends_on` entry");
        let d = ContainerDependency {
            container_name: m.req(cx, "container_name"),
            condition: m.req(cx, "condition"),
        };
        m.finish(cx);
        d
    }
}

impl Decode for MountPoint {
    fn decode(node: &Node, cx: &mut Cx) -> Self {
        let mut m = cx.map(node, "a mount point");
        let p = MountPoint {
            source_volume: m.req(cx, "source_volume"),
            container_path: m.req(cx, "container_path"),
            read_only: m.or(cx, "read_only", false),
        };
        m.finish(cx);
        p
    }
}
