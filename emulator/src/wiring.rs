//! The seams between the parts of a running project.
//!
//! The ECS scheduler starts and stops tasks; the ALB routes to them and
//! health-checks them; the security-group enforcer admits or refuses their
//! traffic. None of these should know the others' internals, so they meet
//! through the traits here, and the project daemon (`emul up`) plugs the
//! real implementations together:
//!
//! ```text
//!   ECS scheduler ──eni_attached/eni_detached──▶ NetworkPolicy   (netpolicy)
//!        │
//!        ├──────register/deregister/health─────▶ TargetRegistry  (ELBv2 + ALB data plane)
//!        │
//!        ├──open (awslogs), then the runtime's──▶ TaskLogSink     (CloudWatch Logs)
//!        │     log copies put each line
//!        │
//!        └──CPU/memory of running tasks─────────▶ MetricSink      (CloudWatch metrics)
//!
//!   Application Auto Scaling ──desired/set_desired──▶ ScalableResources (ECS services)
//!
//!   RDS / ElastiCache APIs ──reboot, failover, password──▶ DatastoreRuntime (the containers)
//! ```
//!
//! Ordering promises, which the implementations rely on:
//! - `NetworkPolicy::eni_attached` is awaited after an ENI's namespace exists
//!   and BEFORE any workload starts in it or the ENI is registered as a target,
//!   so a new task never receives (or sends) traffic its groups do not allow.
//! - `NetworkPolicy::eni_detached` is awaited after the ENI's workloads have
//!   stopped, so a stopped task's address is no longer allowed anywhere.
//! - `TargetRegistry::deregister` starts draining and returns at once; the
//!   caller waits `deregistration_delay` before stopping the task.

use std::future::Future;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, so the traits stay object-safe (`Arc<dyn NetworkPolicy>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An error crossing a seam: which side failed and why, as text for the
/// caller's report (each side keeps its own typed errors internally).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WiringError(pub String);

/// One elastic network interface, as the other parts need to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniInfo {
    /// Logical id, also the `io.emul.resource` label of its pause container
    /// (e.g. `eni/ecs/backend/3f2a…`, `eni/rds/main-db`).
    pub id: String,
    /// Its fixed private address in its subnet.
    pub ip: Ipv4Addr,
    /// The topology name of its subnet.
    pub subnet: String,
    /// The topology names of its security groups: rules are the union.
    pub security_groups: Vec<String>,
}

/// The security-group enforcer, as the scheduler and runtime see it.
pub trait NetworkPolicy: Send + Sync {
    /// Installs this ENI's ruleset and adds it to the membership of its
    /// groups everywhere rules refer to them. Awaited before the ENI's
    /// workloads start.
    fn eni_attached<'a>(&'a self, eni: &'a EniInfo) -> BoxFuture<'a, Result<(), WiringError>>;
    /// Removes the ENI from every group membership. Awaited after its
    /// workloads stopped.
    fn eni_detached<'a>(&'a self, eni_id: &'a str) -> BoxFuture<'a, Result<(), WiringError>>;
}

/// A load-balancer target: an ENI address and the port traffic goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// The task's ENI address (target type `ip`).
    pub ip: Ipv4Addr,
    /// The container port from the service's load-balancer attachment.
    pub port: u16,
}

/// ELBv2's target states (`TargetHealth.State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetState {
    /// Registered, health checks not yet passed (`initial`).
    Initial,
    /// Passed the healthy threshold (`healthy`).
    Healthy,
    /// Failed the unhealthy threshold (`unhealthy`).
    Unhealthy,
    /// Not registered, or its group serves no listener (`unused`).
    Unused,
    /// Deregistering, in-flight requests finishing (`draining`).
    Draining,
    /// Health checks are disabled for the group (`unavailable`).
    Unavailable,
}

/// The target groups, as the ECS scheduler sees them.
pub trait TargetRegistry: Send + Sync {
    /// Registers `target` in the group with ARN `target_group_arn`; health
    /// checks start at once (state `initial`).
    fn register(&self, target_group_arn: &str, target: Target) -> Result<(), WiringError>;
    /// Starts draining `target`: no new requests, in-flight ones finish.
    fn deregister(&self, target_group_arn: &str, target: Target) -> Result<(), WiringError>;
    /// The target's current state in that group.
    fn state(&self, target_group_arn: &str, target: Target) -> TargetState;
    /// The group's deregistration delay (`deregistration_delay.timeout_seconds`).
    fn deregistration_delay(&self, target_group_arn: &str) -> Duration;
}

/// How the task launcher pulls an image from emul's registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPull {
    /// The name Docker pulls (`127.0.0.1:<port>/<repo>:<tag>` or `@sha256:…`).
    pub reference: String,
    /// The registry user (`AWS`).
    pub username: String,
    /// The registry password (GetAuthorizationToken's).
    pub password: String,
    /// The registry host (`127.0.0.1:<port>`), the credentials' server address.
    pub server: String,
}

/// Images the task launcher pulls from emul's ECR registry (implemented by
/// `services::ecr`): an ECR image URI or a name on the loopback registry.
pub trait ImageSource: Send + Sync {
    /// `None`: not an image of emul's registry (run it as Docker would).
    /// `Some(Err(reason))`: ECS's stopped reason (`CannotPullContainerError: …`).
    fn locate(&self, image: &str) -> Option<Result<RegistryPull, String>>;
}

/// Where one container's output goes instead of a file under the state
/// directory: a CloudWatch Logs stream (the `awslogs` log driver). Kept in
/// the task's `task.json` so `emul logs` finds the stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogDestination {
    /// The account that owns the group (the task's).
    pub account: String,
    /// `awslogs-region` (the task's region when absent).
    pub region: String,
    /// `awslogs-group`.
    pub group: String,
    /// `<prefix>/<container-name>/<task-id>`, as ECS names it.
    pub stream: String,
    /// `awslogs-create-group: "true"`: a missing group is created rather
    /// than failing the task.
    pub create_group: bool,
}

/// The running VPC's security groups as other services use them: ELBv2's
/// SetSecurityGroups resolves the ids it is given and moves its load
/// balancer's ENI through it (implemented by `services::ec2`).
pub trait VpcGroups: Send + Sync {
    /// `(id, name)` of group `id_or_name` of the running VPC.
    fn group(&self, id_or_name: &str) -> Option<(String, String)>;
    /// Puts ENI `logical` in groups `names` (replacing its own): enforced
    /// and kept before this returns. An ENI that does not run has nothing
    /// to enforce.
    fn set_eni_groups(&self, logical: &str, names: Vec<String>) -> Result<(), String>;
}

/// The VPC's EC2 ids (`subnet-…`, `sg-…`), as a RunTask or a service's
/// `awsvpcConfiguration` may name subnets and groups after reading them
/// from the EC2 API, turned into the topology names the runtime places and
/// enforces by.
pub trait NetworkNames: Send + Sync {
    /// The name of subnet or group `id_or_name`; unchanged when it is
    /// already a name or no such id exists.
    fn name_of(&self, id_or_name: &str) -> String;
    /// The first of `subnets` (ids, or topology names) that `region` does
    /// not have: ECS refuses such a network configuration as AWS does.
    fn missing_subnet(&self, region: &str, subnets: &[String]) -> Option<String>;
    /// The first of `groups` (ids, or names of the running VPC's groups)
    /// that `region` does not have.
    fn missing_group(&self, region: &str, groups: &[String]) -> Option<String>;
    /// `(Availability Zone, VPC id)` of subnet `id_or_name` of `region`,
    /// when it exists: a load balancer serves its subnets' zones.
    fn subnet_placement(&self, region: &str, id_or_name: &str) -> Option<(String, String)>;
}

/// The CloudWatch Logs side of task output, as the ECS scheduler and the
/// runtime's log copies see it (implemented by `services::logs`).
/// Both calls may block on an fsync: callers run them off the reactor.
pub trait TaskLogSink: Send + Sync {
    /// Makes the destination ready before the container starts: the
    /// stream is created, the group too when `create_group`. An error is
    /// the reason text the task stops with.
    fn open(&self, dest: &LogDestination) -> Result<(), WiringError>;
    /// Stores lines of output, each `(timestamp ms, text without its
    /// newline)`, in order.
    fn put(&self, dest: &LogDestination, lines: Vec<(i64, String)>) -> Result<(), WiringError>;
}

/// One metric datapoint a part of emul measured (the ECS scheduler's task
/// CPU and memory, the ALB's request counts), as CloudWatch records it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDatum {
    /// `AWS/ECS`, `AWS/ApplicationELB`.
    pub namespace: &'static str,
    /// `CPUUtilization`, `RequestCount`, ...
    pub name: &'static str,
    /// Name/value pairs, in AWS's order (`ClusterName`, `ServiceName`).
    pub dimensions: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// CloudWatch's unit (`Percent`, `Count`, `Seconds`).
    pub unit: &'static str,
    /// When it was measured.
    pub timestamp: std::time::SystemTime,
}

/// Where measured metrics go (implemented by `services::cloudwatch`).
pub trait MetricSink: Send + Sync {
    /// Records datapoints of `account` in `region`. Never blocks on I/O.
    fn put(&self, account: &str, region: &str, data: Vec<MetricDatum>);
}

/// Resources Application Auto Scaling changes the capacity of
/// (implemented by `services::ecs` for `service/<cluster>/<service>`).
pub trait ScalableResources: Send + Sync {
    /// The desired count of ECS service `service` of `cluster`; `None`
    /// when there is no such ACTIVE service.
    fn desired(&self, account: &str, region: &str, cluster: &str, service: &str) -> Option<u32>;
    /// Sets it, with `cause` recorded in the service's events; the
    /// scheduler starts or stops tasks to match.
    fn set_desired(
        &self,
        account: &str,
        region: &str,
        cluster: &str,
        service: &str,
        count: u32,
        cause: &str,
    ) -> Result<(), WiringError>;
}

/// The running data stores, as the RDS and ElastiCache control planes act
/// on them (implemented by `project::datastore_runtime` over Docker).
/// Each call returns once the change is in effect.
pub trait DatastoreRuntime: Send + Sync {
    /// Reboots RDS instance `id`: restarts its primary, or with
    /// `failover` (Multi-AZ) promotes the standby once it has replayed all
    /// the primary's WAL, moves the endpoint name to it and re-seeds the
    /// old primary as the new standby.
    fn reboot_db<'a>(
        &'a self,
        id: &'a str,
        failover: bool,
    ) -> BoxFuture<'a, Result<(), WiringError>>;
    /// Sets the master user's password of RDS instance `id` on the
    /// running server (`ALTER ROLE`).
    fn set_db_password<'a>(
        &'a self,
        id: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>>;
    /// Promotes node `node` (`<group>-00N`) of ElastiCache replication
    /// group `group` once it has caught up with the primary; the other
    /// nodes replicate from it and the primary endpoint name follows it.
    fn redis_failover<'a>(
        &'a self,
        group: &'a str,
        node: &'a str,
    ) -> BoxFuture<'a, Result<(), WiringError>>;
}

/// A certificate the local CA issued: PEM leaf, chain and key.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The leaf certificate.
    pub certificate_pem: String,
    /// The chain above it (the local CA).
    pub chain_pem: String,
    /// The leaf's private key.
    pub private_key_pem: String,
}

impl std::fmt::Debug for IssuedCertificate {
    // Never print the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate").finish_non_exhaustive()
    }
}

/// Issues certificates for ACM's RequestCertificate (implemented by the
/// ALB's local CA, `dataplane::alb::tls`).
pub trait CertificateIssuer: Send + Sync {
    /// A leaf for `names` with a new key of `key_algorithm` (`RSA_2048`,
    /// `EC_prime256v1`, `EC_secp384r1`).
    fn issue(
        &self,
        names: &[String],
        key_algorithm: &str,
    ) -> Result<IssuedCertificate, WiringError>;
}

/// A certificate an HTTPS listener presents, resolved from its ARN.
#[derive(Clone, PartialEq, Eq)]
pub struct ServedCertificate {
    /// Its ARN.
    pub arn: String,
    /// The names it covers (its domain name and alternative names), for SNI.
    pub names: Vec<String>,
    /// The leaf then the chain, PEM.
    pub chain_pem: String,
    /// The leaf's private key, PEM.
    pub private_key_pem: String,
}

impl std::fmt::Debug for ServedCertificate {
    // Never print the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedCertificate")
            .field("arn", &self.arn)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// ACM's certificates as ELBv2 and the ALB use them (implemented by
/// `services::acm`).
pub trait CertificateStore: Send + Sync {
    /// Whether `account`/`region` has certificate `arn` (CreateListener and
    /// its kin refuse one it does not, as AWS does).
    fn has(&self, account: &str, region: &str, arn: &str) -> bool;
    /// What to present for `arn`, when ACM has it.
    fn served(&self, account: &str, region: &str, arn: &str) -> Option<ServedCertificate>;
}

/// Who presents a certificate: ACM's `InUseBy`, and what makes
/// DeleteCertificate refuse (implemented by `services::elbv2`).
pub trait CertificateUsers: Send + Sync {
    /// The ARNs of the load balancers whose listeners use `arn`.
    fn users(&self, account: &str, region: &str, arn: &str) -> Vec<String>;
}
