//! The awsvpc pattern: an ENI is one container, the ENI agent (`emul/agent`,
//! which replaced the former "pause" container), that owns a network
//! namespace on the VPC network, with the ENI's fixed IP and DNS aliases;
//! workload containers join that namespace (`network_mode:
//! container:<agent-id>`) and get no network identity of their own.
//!
//! Why: security-group rules are loaded into that namespace by the agent
//! itself (it alone gets NET_ADMIN, and serves the daemon on `<ip>:7411`
//! with the project token: [`super::agent`]), so they survive workload
//! restarts, and workloads never get extra capabilities (they could
//! otherwise flush the rules). The agent also keeps the IP while a workload
//! is replaced. Docker labels keep calling its role `pause`
//! (`io.emul.kind=pause`), the namespace holder.
//!
//! Pure: these functions build [`ContainerCreate`] values; `reconcile` sends them.

use std::collections::HashMap;
use std::time::Duration;

use super::agent;
use super::docker::{Attach, ContainerCreate, Healthcheck, Limits};
use super::images::ResolvedImage;
use super::naming;
use super::plan::{ContainerSpec, EniSpec, Kind, LogConfig, Plan};

/// The image of every ENI container (the agent).
pub const PAUSE_IMAGE: &str = agent::AGENT_IMAGE;

/// A [`LogConfig`] as the engine takes it (driver, options).
pub(super) fn log_parts(log: &LogConfig) -> (String, HashMap<String, String>) {
    (
        log.driver.clone(),
        log.options
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// The agent container owning `eni`; `token` is the project's agent token
/// ([`agent::project_token`]).
pub fn pause_container(
    plan: &Plan,
    eni: &EniSpec,
    pause_image: &str,
    token: &str,
    hash: &str,
) -> ContainerCreate {
    // Docker also answers a container's hostname as a name on its
    // network. A data-store node's must not be an endpoint name (a
    // failover moves those to another node) nor a bare `standby`/`001`
    // shared by every instance: it is its whole resource path.
    let hostname = match eni.id.strip_prefix("eni/") {
        Some(rest) if rest.starts_with("rds/") || rest.starts_with("elasticache/") => {
            rest.replace('/', "-")
        }
        _ => eni.id.rsplit('/').next().unwrap_or(&eni.id).to_string(),
    }
    .chars()
    .take(63)
    .collect::<String>();
    let mut env = agent::agent_env(token, eni.ip);
    let mut volumes = vec![];
    if let (Some((_, inside)), Some(share)) = (plan.broker_socket(eni), &plan.agent_share) {
        env.push(format!("{}={inside}", agent::BROKER_SOCKET_ENV));
        volumes.push((
            share.mount_source.clone(),
            super::placement::AGENT_MOUNT.to_string(),
        ));
    }
    ContainerCreate {
        name: naming::object_name(&plan.project, &eni.id),
        image: pause_image.to_string(),
        env,
        entrypoint: None,
        cmd: None,
        labels: plan.labels(&eni.id, Kind::Pause, hash),
        attach: Attach::Endpoint {
            network: naming::object_name(&plan.project, &eni.network),
            ip: eni.ip.to_string(),
            aliases: eni.aliases.clone(),
            dns: vec![],
        },
        user: None,
        hostname: Some(hostname),
        volumes,
        health: None,
        limits: Limits::default(),
        log: log_parts(&LogConfig::default()),
        cap_add: vec![agent::AGENT_CAPABILITY.to_string()],
    }
}

/// A workload container joining its ENI's pause container `pause_id`.
pub fn workload_container(
    plan: &Plan,
    c: &ContainerSpec,
    image: &ResolvedImage,
    pause_id: &str,
    hash: &str,
) -> ContainerCreate {
    let (entrypoint, cmd) = match &c.prelude {
        // sh -c '<prelude>; exec "$@"' sh <image entrypoint> <cmd or image CMD>
        Some(prelude) => {
            let mut args = image.defaults.entrypoint.clone();
            if c.cmd.is_empty() {
                args.extend(image.defaults.cmd.iter().cloned());
            } else {
                args.extend(c.cmd.iter().cloned());
            }
            let script = format!("{prelude}\nexec \"$@\"");
            let mut cmd = vec!["sh".to_string()];
            cmd.extend(args);
            (Some(vec!["/bin/sh".into(), "-c".into(), script]), Some(cmd))
        }
        None => (
            c.entrypoint.clone(),
            (!c.cmd.is_empty()).then(|| c.cmd.clone()),
        ),
    };
    ContainerCreate {
        name: naming::object_name(&plan.project, &c.id),
        image: image.reference.clone(),
        env: c.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        entrypoint,
        cmd,
        labels: plan.labels(&c.id, c.kind, hash),
        attach: Attach::JoinNamespace {
            container_id: pause_id.to_string(),
        },
        user: c.user.clone(),
        hostname: None,
        volumes: c
            .volumes
            .iter()
            .map(|m| {
                (
                    naming::object_name(&plan.project, &m.volume),
                    m.target.clone(),
                )
            })
            .collect(),
        // Timeout and start period: Docker's defaults, as before.
        health: c.health.as_ref().map(|h| Healthcheck {
            test: h.test.clone(),
            interval: Duration::from_secs(h.interval_secs.into()),
            timeout: Duration::ZERO,
            retries: h.retries,
            start_period: Duration::ZERO,
        }),
        limits: Limits {
            nano_cpus: c.resources.nano_cpus,
            memory_bytes: c.resources.memory_bytes,
            ..Limits::default()
        },
        log: log_parts(&c.log),
        cap_add: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::docker::ImageDefaults;
    use crate::runtime::plan::tests::sample;

    fn img() -> ResolvedImage {
        ResolvedImage {
            reference: "postgres:15".into(),
            defaults: ImageDefaults {
                entrypoint: vec!["docker-entrypoint.sh".into()],
                cmd: vec!["postgres".into()],
            },
            warning: None,
        }
    }

    #[test]
    fn pause_owns_ip_and_aliases() {
        let p = sample();
        let c = pause_container(&p, &p.enis[0], PAUSE_IMAGE, "tok", "h");
        assert_eq!(c.name, "emul-demo-eni.a");
        assert_eq!(
            c.attach,
            Attach::Endpoint {
                network: "emul-demo-vpc.main".into(),
                ip: p.enis[0].ip.to_string(),
                aliases: vec!["a.internal".into()],
                dns: vec![],
            }
        );
        assert_eq!(c.labels[naming::LABEL_KIND], "pause");
        assert_eq!(c.labels[naming::LABEL_RESOURCE], "eni/a");
        assert_eq!(c.image, "emul/agent:latest");
        assert_eq!(
            c.cap_add,
            ["NET_ADMIN"],
            "the agent applies its own ruleset"
        );
        assert_eq!(
            c.env,
            [
                "EMUL_AGENT_TOKEN=tok".to_string(),
                format!("EMUL_AGENT_LISTEN={}:7411", p.enis[0].ip)
            ]
        );
    }

    #[test]
    fn workload_joins_namespace_without_identity() {
        let p = sample();
        let c = workload_container(&p, &p.containers[0], &img(), "abc123", "h");
        assert_eq!(
            c.attach,
            Attach::JoinNamespace {
                container_id: "abc123".into()
            }
        );
        assert_eq!(c.hostname, None);
        assert!(c.cap_add.is_empty(), "workloads get no capability");
        assert_eq!(c.entrypoint, None);
        assert_eq!(c.cmd, None, "empty cmd keeps the image's CMD");
    }

    #[test]
    fn prelude_wraps_the_image_entrypoint() {
        let p = sample();
        let mut spec = p.containers[0].clone();
        spec.prelude = Some("echo hi".into());
        spec.cmd = vec!["postgres".into(), "-c".into(), "a=b".into()];
        let c = workload_container(&p, &spec, &img(), "abc", "h");
        assert_eq!(
            c.entrypoint.unwrap(),
            vec!["/bin/sh", "-c", "echo hi\nexec \"$@\""]
        );
        assert_eq!(
            c.cmd.unwrap(),
            vec!["sh", "docker-entrypoint.sh", "postgres", "-c", "a=b"]
        );
    }
}
