//! `emul serve`: the AWS-compatible endpoint on its own, without a topology
//! and without Docker, listening until SIGTERM or Ctrl-C.
//!
//! Contract (fixed with the sdk-tests helper): once the listener is bound,
//! exactly one line `emul ready: http://<addr>:<port>` goes to stdout;
//! logs go to stderr; SIGTERM/Ctrl-C stops accepting, finishes in-flight
//! requests and exits 0. With `--registry-port`, the ECR image registry
//! listens on loopback too. State lives under `<state-dir>/secretsmanager/`,
//! `<state-dir>/ecr/` and `<state-dir>/cloudwatchlogs/`.
//! CloudWatch (metrics, alarms) is in memory; its alarms are evaluated every
//! second and their actions only logged.
//!
//! The EC2 networking API answers over a fresh account's default VPC in
//! every region, or with `--topology FILE` over that topology's VPC,
//! subnets and security groups (`services::ec2`), so scripts and Terraform
//! can read ids without Docker; VPCs, subnets and groups may be made
//! through it (nothing runs in them).
//!
//! ECS is served as a control plane only (no Docker here): every operation
//! works, but no task is launched — RunTask's tasks stay PROVISIONING and
//! services keep runningCount 0 (see `services::ecs` and
//! docs/decisions/0008-ecs-control-plane-and-scheduler.md). ECS state is in
//! memory.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::gateway::{self, Gateway, GatewayConfig, Registry};
use crate::services::ecs::Ecs;
use crate::services::secretsmanager::SecretsManager;

/// Arguments of `emul serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind. Loopback by default: nothing listens on other
    /// interfaces unless asked.
    #[arg(long, env = "EMUL_BIND", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Port of the AWS endpoint (4566 is what LocalStack-era tooling assumes;
    /// 0 lets the OS pick one, announced on the ready line).
    #[arg(long, short = 'p', env = "EMUL_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Where durable state (secrets) is kept.
    #[arg(long, env = "EMUL_STATE_DIR", default_value = ".emul/serve")]
    pub state_dir: PathBuf,
    /// The AWS account id that owns every resource.
    #[arg(long, env = "EMUL_ACCOUNT", default_value = "000000000000")]
    pub account: String,
    /// Verify SigV4 signatures against --credentials and reject bad ones as
    /// AWS does (by default any credentials are accepted).
    #[arg(long)]
    pub strict_auth: bool,
    /// Accepted credentials for --strict-auth: AKID:SECRET[,AKID:SECRET...].
    #[arg(long, env = "EMUL_CREDENTIALS", hide_env_values = true)]
    pub credentials: Option<String>,
    /// Also serve the ECR image registry on 127.0.0.1:<port> (0: any free
    /// port; GetAuthorizationToken's `proxyEndpoint` names it).
    #[arg(long, env = "EMUL_REGISTRY_PORT")]
    pub registry_port: Option<u16>,
    /// Serve the EC2 networking API over this topology's VPC, subnets and
    /// security groups instead of a default VPC; nothing is run.
    #[arg(long)]
    pub topology: Option<PathBuf>,
    /// Seconds of AWS time per real second for CloudWatch alarm periods
    /// and scaling cooldowns (1–3600). With 60, a 60-second alarm period
    /// lasts one second, so a test sees a policy act in seconds.
    #[arg(long, env = "EMUL_TIME_SCALE", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub time_scale: u32,
}

/// Runs the verb and returns its exit code.
pub fn run(args: Args) -> u8 {
    init_logging();
    if args.account.len() != 12 || !args.account.bytes().all(|b| b.is_ascii_digit()) {
        eprintln!(
            "emul serve: --account must be 12 digits, got '{}'",
            args.account
        );
        return super::exit::INVALID_INPUT;
    }
    let credentials = match (args.strict_auth, &args.credentials) {
        (true, Some(spec)) => match gateway::parse_credentials(spec) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("emul serve: {e}");
                return super::exit::INVALID_INPUT;
            }
        },
        (true, None) => {
            eprintln!(
                "emul serve: --strict-auth needs --credentials AKID:SECRET[,AKID:SECRET...] (or EMUL_CREDENTIALS)"
            );
            return super::exit::INVALID_INPUT;
        }
        (false, Some(_)) => {
            tracing::warn!(
                "--credentials has no effect without --strict-auth; accepting any credentials"
            );
            None
        }
        (false, None) => None,
    };
    let secrets = match SecretsManager::open(&args.state_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("emul serve: cannot load state: {e}");
            return super::exit::FAILURE;
        }
    };
    let logs = match crate::services::logs::CloudWatchLogs::open(&args.state_dir) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("emul serve: cannot load state: {e}");
            return super::exit::FAILURE;
        }
    };
    let ecr = match crate::services::ecr::Ecr::open(
        &args.state_dir,
        &args.account,
        crate::gateway::DEFAULT_REGION,
    ) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            eprintln!("emul serve: cannot load the ECR state: {e}");
            return super::exit::FAILURE;
        }
    };
    let ec2 = match &args.topology {
        Some(file) => match crate::topology::load(file) {
            Ok(t) => Arc::new(crate::services::ec2::Ec2::from_topology(&t)),
            Err(e) => {
                eprint!("{}", e.render());
                return match e {
                    crate::topology::LoadError::Io { .. } => super::exit::FAILURE,
                    crate::topology::LoadError::Invalid { .. } => super::exit::INVALID_INPUT,
                };
            }
        },
        None => Arc::new(crate::services::ec2::Ec2::account(&args.account)),
    };
    let mut registry = Registry::new();
    registry.register(secrets);
    registry.register(ec2.clone());
    registry.register(ecr.clone());
    registry.register(logs);
    let time_scale = f64::from(args.time_scale);
    let cloudwatch = Arc::new(crate::services::cloudwatch::CloudWatch::new(&args.account));
    cloudwatch.set_time_scale(time_scale);
    registry.register(cloudwatch.clone());
    let ecs = Arc::new(Ecs::new());
    // RunTask/CreateService check their subnets and groups against EC2.
    ecs.attach_network(ec2.clone());
    registry.register(ecs.clone());
    // Application Auto Scaling over the control-plane ECS: alarms invoke
    // policies, which change services' desired counts (no tasks run).
    let scaling = Arc::new(crate::services::autoscaling::ApplicationAutoScaling::new(
        cloudwatch.clone(),
        ecs,
    ));
    scaling.set_time_scale(time_scale);
    registry.register(scaling.clone());
    // ELBv2 without a topology: an empty API (Describe* list nothing, lookups
    // by ARN/name fail with AWS's NotFound codes).
    let elbv2 = Arc::new(crate::services::elbv2::Elbv2Service::empty(
        &args.account,
        crate::gateway::DEFAULT_REGION,
    ));
    // ACM: certificates issued by the machine's local CA (`emul ca`) or
    // imported; listeners must name ones it has.
    let acm = match crate::services::acm::Acm::open(&args.state_dir) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("emul serve: cannot load the ACM state: {e}");
            return super::exit::FAILURE;
        }
    };
    acm.set_issuer(Arc::new(crate::dataplane::alb::tls::LazyCa::new(
        crate::dataplane::alb::tls::default_ca_dir(),
    )));
    acm.pair_with(&elbv2);
    // Load balancers' subnets and groups are EC2's.
    elbv2.set_network(ec2);
    registry.register(elbv2);
    registry.register(acm);
    // RDS and ElastiCache without data stores: Describe* list nothing,
    // operations on an instance or group fail with AWS's NotFound codes.
    registry.register(Arc::new(crate::services::rds::RdsService::empty(
        &args.account,
        crate::gateway::DEFAULT_REGION,
    )));
    registry.register(Arc::new(
        crate::services::elasticache::ElastiCacheService::empty(
            &args.account,
            crate::gateway::DEFAULT_REGION,
        ),
    ));
    let config = GatewayConfig {
        account: args.account.clone(),
        credentials,
        ..GatewayConfig::default()
    };
    let gateway = Arc::new(Gateway::new(config, registry));

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("emul serve: cannot start the async runtime: {e}");
            return super::exit::FAILURE;
        }
    };
    runtime.block_on(async move {
        let addr = std::net::SocketAddr::new(args.bind, args.port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("emul serve: cannot listen on {addr}: {e}");
                return super::exit::FAILURE;
            }
        };
        let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| addr.to_string());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let registry = match args.registry_port {
            Some(port) => match crate::services::ecr::registry::bind(&ecr, port).await {
                Ok(l) => {
                    tracing::info!(registry = %ecr.registry_host().unwrap_or_default(), "ECR registry listening");
                    let mut rx = stopped.clone();
                    Some(tokio::spawn(crate::services::ecr::registry::serve(
                        l,
                        crate::services::ecr::registry::Registry::new(ecr.clone()),
                        async move {
                            let _ = rx.changed().await;
                        },
                    )))
                }
                Err(e) => {
                    eprintln!("emul serve: cannot listen on 127.0.0.1:{port} for the ECR registry: {e}");
                    return super::exit::FAILURE;
                }
            },
            None => None,
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "emul ready: http://{local}");
            let _ = out.flush();
        }
        tracing::info!(address = %local, state_dir = %args.state_dir.display(), "emul serve listening");
        let alarm_driver = tokio::spawn(crate::services::autoscaling::driver::run(
            cloudwatch,
            scaling,
            args.account.clone(),
            crate::services::autoscaling::driver::evaluation_period(time_scale.max(60.0)),
            stopped.clone(),
        ));
        gateway::server::serve(listener, gateway, shutdown_signal()).await;
        alarm_driver.abort();
        let _ = stop.send(true);
        if let Some(r) = registry {
            let _ = r.await;
        }
        tracing::info!("emul serve stopped");
        super::exit::SUCCESS
    })
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops emul serve");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr; `EMUL_LOG` (or `RUST_LOG`) sets the filter, `info` by default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMUL_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .try_init();
}
