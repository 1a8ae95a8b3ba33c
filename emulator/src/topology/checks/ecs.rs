//! ECS checks: names, Fargate cpu/memory pairs, containers (essential,
//! cpu/memory vs the task, port mappings, health checks, `depends_on`,
//! mount points, secrets), volumes, deployment percentages, autoscaling
//! bounds, the grace period, load-balancer attachments, service discovery,
//! subnets and security groups.

use super::{dangling, duplicates, name_syntax, range};
use crate::topology::model::ecs::{
    ContainerDefinition, DependencyCondition, LaunchType, Service, TaskDefinition,
    TransportProtocol,
};
use crate::topology::model::elbv2::{Action, TargetType};
use crate::topology::{Diagnostic, Topology};

/// The task memory values (MiB) Fargate accepts for a task CPU value, or
/// `None` when the CPU value itself is not a Fargate size
/// (aws-reference.md §2.4).
pub fn fargate_memory_options(cpu: i64) -> Option<Vec<i64>> {
    let steps = |from: i64, to: i64, step: i64| (from..=to).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => steps(1024, 4096, 1024),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122880, 8192),
        _ => return None,
    })
}

/// What is wrong with a Fargate task size, if anything.
pub fn fargate_problem(cpu: i64, memory: i64) -> Option<(String, String)> {
    let Some(options) = fargate_memory_options(cpu) else {
        return Some((
            format!("cpu {cpu} is not a Fargate task size"),
            "use 256, 512, 1024, 2048, 4096, 8192 or 16384".into(),
        ));
    };
    if options.contains(&memory) {
        return None;
    }
    let shown: Vec<String> = if options.len() > 8 {
        vec![
            options[0].to_string(),
            "...".into(),
            options[options.len() - 1].to_string(),
            format!("(steps of {})", options[1] - options[0]),
        ]
    } else {
        options.iter().map(i64::to_string).collect()
    };
    Some((
        format!("memory {memory} is not valid with cpu {cpu} on Fargate"),
        format!("with cpu {cpu} Fargate accepts memory {}", shown.join(" ")),
    ))
}

/// True when a rolling deployment can neither start an extra task nor stop
/// one (ECS: "unable to stop or start tasks during a deployment").
pub fn deployment_stuck(desired: i64, min_healthy: i64, max_percent: i64) -> bool {
    if desired <= 0 {
        return false;
    }
    let max_tasks = desired * max_percent / 100; // floor
    let min_tasks = (desired * min_healthy + 99) / 100; // ceil
    max_tasks <= desired && min_tasks >= desired
}

/// DNS label rule for service discovery names.
pub fn dns_label_ok(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn ecs_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Runs the ECS checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates(
        "EFS file system",
        t.efs_file_systems.iter().map(|f| &f.name),
        out,
    );
    if let Some(ns) = &t.service_discovery_namespace
        && ns.name.split('.').any(|l| !dns_label_ok(l))
    {
        out.push(Diagnostic::new(
            ns.name.span,
            format!("invalid namespace name `{}`", *ns.name),
            "use DNS labels separated by dots, e.g. prod.local",
        ));
    }
    let Some(cluster) = &t.ecs_cluster else {
        return;
    };
    name_syntax(
        "ECS cluster",
        &cluster.name,
        255,
        ecs_name_char,
        "letters, digits, `_` and `-`",
        out,
    );
    duplicates("ECS service", cluster.services.iter().map(|s| &s.name), out);
    for s in &cluster.services {
        service(t, s, out);
    }
}

fn service(t: &Topology, s: &Service, out: &mut Vec<Diagnostic>) {
    name_syntax(
        "ECS service",
        &s.name,
        255,
        ecs_name_char,
        "letters, digits, `_` and `-`",
        out,
    );
    range("desired_count", &s.desired_count, 0, 5000, out);
    let min_ok = range(
        "deployment_minimum_healthy_percent",
        &s.deployment_minimum_healthy_percent,
        0,
        100,
        out,
    );
    let max_ok = range(
        "deployment_maximum_percent",
        &s.deployment_maximum_percent,
        100,
        2000,
        out,
    );
    if min_ok
        && max_ok
        && deployment_stuck(
            *s.desired_count,
            *s.deployment_minimum_healthy_percent,
            *s.deployment_maximum_percent,
        )
    {
        out.push(Diagnostic::new(
            s.deployment_maximum_percent.span,
            format!(
                "with desired_count {}, minimum healthy {}% and maximum {}% a deployment can neither start nor stop a task",
                *s.desired_count, *s.deployment_minimum_healthy_percent, *s.deployment_maximum_percent
            ),
            "raise deployment_maximum_percent or lower deployment_minimum_healthy_percent",
        ));
    }
    if let Some(g) = &s.health_check_grace_period_seconds {
        range(
            "health_check_grace_period_seconds",
            g,
            0,
            2_147_483_647,
            out,
        );
        if s.load_balancers.is_empty() {
            out.push(Diagnostic::new(
                g.span,
                "health_check_grace_period_seconds is only valid for services with load_balancers",
                "attach the service to a target group, or remove the grace period",
            ));
        }
    }
    if s.subnets.is_empty() {
        out.push(Diagnostic::new(
            s.span,
            format!("service `{}` has no subnets", *s.name),
            "list at least one subnet under `subnets`",
        ));
    }
    if s.subnets.len() > 16 {
        out.push(Diagnostic::new(
            s.subnets[16].span,
            "a service can use at most 16 subnets",
            "remove subnets",
        ));
    }
    if s.security_groups.len() > 5 {
        out.push(Diagnostic::new(
            s.security_groups[5].span,
            "a service can use at most 5 security groups",
            "remove security groups",
        ));
    }
    super::rds::check_refs(t, &s.subnets, &s.security_groups, out);
    if let Some(name) = &s.service_discovery_name {
        if t.service_discovery_namespace.is_none() {
            out.push(Diagnostic::new(
                name.span,
                "service_discovery_name needs a `service_discovery_namespace`",
                "add `service_discovery_namespace: { name: prod.local }` at the top level",
            ));
        }
        if !dns_label_ok(name) {
            out.push(Diagnostic::new(
                name.span,
                format!("invalid service discovery name `{}`", **name),
                "use one DNS label: letters, digits and hyphens",
            ));
        }
    }
    if let Some(a) = &s.autoscaling {
        let min_ok = range("min_capacity", &a.min_capacity, 0, 5000, out);
        let max_ok = range("max_capacity", &a.max_capacity, 1, 5000, out);
        if !min_ok || !max_ok || s.desired_count.is_placeholder() {
            // Compared only when both bounds are real and in range.
        } else if *a.min_capacity > *a.max_capacity {
            out.push(Diagnostic::new(
                a.min_capacity.span,
                format!(
                    "min_capacity {} is greater than max_capacity {}",
                    *a.min_capacity, *a.max_capacity
                ),
                "make min_capacity ≤ max_capacity",
            ));
        } else if !(*a.min_capacity..=*a.max_capacity).contains(&*s.desired_count) {
            out.push(Diagnostic::new(
                s.desired_count.span,
                format!(
                    "desired_count {} is outside the autoscaling range {}..{}",
                    *s.desired_count, *a.min_capacity, *a.max_capacity
                ),
                "set desired_count between min_capacity and max_capacity",
            ));
        }
        for (what, v) in [
            ("target_cpu_utilization", &a.target_cpu_utilization),
            ("target_memory_utilization", &a.target_memory_utilization),
        ] {
            if let Some(v) = v {
                range(what, v, 1, 100, out);
            }
        }
        if let Some(r) = &a.target_requests_per_target {
            range("target_requests_per_target", r, 1, 1_000_000, out);
            if s.load_balancers.is_empty() {
                out.push(Diagnostic::new(
                    r.span,
                    "target_requests_per_target needs load_balancers",
                    "attach the service to a target group or remove this target",
                ));
            }
        }
        range("scale_in_cooldown", &a.scale_in_cooldown, 0, 86400, out);
        range("scale_out_cooldown", &a.scale_out_cooldown, 0, 86400, out);
        for rule in &a.step_scaling {
            match (&rule.above, &rule.below) {
                (Some(v), None) | (None, Some(v)) => {
                    range("the threshold", v, 0, 100, out);
                }
                _ => out.push(Diagnostic::new(
                    rule.span,
                    "a step-scaling rule needs exactly one of `above` and `below`",
                    "write e.g. `{ metric: cpu, above: 70, adjustment: 1 }`",
                )),
            }
            if *rule.adjustment == 0 {
                out.push(Diagnostic::new(
                    rule.adjustment.span,
                    "adjustment 0 changes nothing",
                    "add tasks with a positive adjustment, remove them with a negative one",
                ));
            }
            range("periods", &rule.periods, 1, 1440, out);
            range("cooldown", &rule.cooldown, 0, 86400, out);
        }
    }
    task_definition(t, s, &s.task_definition, out);
    attachments(t, s, out);
}

/// An IAM role reference as RegisterTaskDefinition takes it: a role ARN
/// (`arn:<partition>:iam::<12 digits>:role/[path/]name`) or a bare role
/// name (1..64 of `[A-Za-z0-9+=,.@_-]`).
pub fn role_ok(v: &str) -> bool {
    let name_ok = |n: &str| {
        (1..=64).contains(&n.len())
            && n.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+=,.@_-".contains(&c))
    };
    let Some(rest) = v.strip_prefix("arn:") else {
        return name_ok(v);
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    match parts.as_slice() {
        [partition, "iam", "", account, resource] => {
            partition.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|c| c.is_ascii_digit())
                && resource
                    .strip_prefix("role/")
                    .and_then(|r| r.rsplit('/').next())
                    .is_some_and(name_ok)
        }
        _ => false,
    }
}

fn task_definition(t: &Topology, s: &Service, td: &TaskDefinition, out: &mut Vec<Diagnostic>) {
    for (key, role) in [
        ("task_role_arn", &td.task_role_arn),
        ("execution_role_arn", &td.execution_role_arn),
    ] {
        if let Some(r) = role
            && !role_ok(r)
        {
            out.push(Diagnostic::new(
                r.span,
                format!("invalid {key} `{}`", **r),
                "write an IAM role ARN (arn:aws:iam::123456789012:role/name) or a role name",
            ));
        }
    }
    name_syntax(
        "task definition family",
        &td.family,
        255,
        ecs_name_char,
        "letters, digits, `_` and `-`",
        out,
    );
    if *s.launch_type == LaunchType::Fargate {
        match (&td.cpu, &td.memory) {
            (Some(cpu), Some(mem)) if cpu.is_placeholder() || mem.is_placeholder() => {}
            (Some(cpu), Some(mem)) => {
                if let Some((msg, hint)) = fargate_problem(**cpu, **mem) {
                    let span = if fargate_memory_options(**cpu).is_some() {
                        mem.span
                    } else {
                        cpu.span
                    };
                    out.push(Diagnostic::new(span, msg, hint));
                }
            }
            _ => out.push(Diagnostic::new(
                td.span,
                "a Fargate task definition needs task-level `cpu` and `memory`",
                "add e.g. `cpu: 256` and `memory: 512`",
            )),
        }
    } else {
        for v in [&td.cpu, &td.memory].into_iter().flatten() {
            range("task size", v, 128, 196_608, out);
        }
    }
    if td.container_definitions.is_empty() {
        out.push(Diagnostic::new(
            td.span,
            "a task definition needs at least one container",
            "add a container under `container_definitions`",
        ));
        return;
    }
    if !td.container_definitions.iter().any(|c| *c.essential) {
        out.push(Diagnostic::new(
            td.container_definitions[0].span,
            "no container in the task is essential",
            "ECS requires at least one container with `essential: true` (the default)",
        ));
    }
    duplicates(
        "container",
        td.container_definitions.iter().map(|c| &c.name),
        out,
    );
    duplicates("volume", td.volumes.iter().map(|v| &v.name), out);
    let efs: Vec<&str> = t.efs_file_systems.iter().map(|f| f.name.as_str()).collect();
    for v in &td.volumes {
        if let Some(fs) = &v.efs_file_system {
            dangling("EFS file system", fs, &efs, out);
        }
    }
    if let Some(cpu) = td.cpu.as_ref().filter(|c| !c.is_placeholder()) {
        let sum: i64 = td
            .container_definitions
            .iter()
            .filter_map(|c| c.cpu.as_ref())
            .map(|c| **c)
            .sum();
        if sum > **cpu {
            let first = td
                .container_definitions
                .iter()
                .find_map(|c| c.cpu.as_ref())
                .map_or(td.span, |c| c.span);
            out.push(Diagnostic::new(
                first,
                format!(
                    "the containers' cpu adds up to {sum}, more than the task's {}",
                    **cpu
                ),
                "lower the containers' cpu or raise the task's",
            ));
        }
    }
    let mut ports: Vec<(u16, &str)> = Vec::new();
    for c in &td.container_definitions {
        container(
            t,
            *s.launch_type == LaunchType::Fargate,
            td,
            c,
            &mut ports,
            out,
        );
    }
}

fn container<'a>(
    t: &Topology,
    fargate: bool,
    td: &'a TaskDefinition,
    c: &'a ContainerDefinition,
    ports: &mut Vec<(u16, &'a str)>,
    out: &mut Vec<Diagnostic>,
) {
    if c.image.raw.trim().is_empty() {
        out.push(Diagnostic::new(
            c.image.raw.span,
            format!("container `{}` has an empty image", *c.name),
            "set `image` to a Docker image reference",
        ));
    }
    if let (Some(mem), Some(task)) = (&c.memory, &td.memory)
        && !task.is_placeholder()
        && **mem > **task
    {
        out.push(Diagnostic::new(
            mem.span,
            format!(
                "container memory {} is more than the task's {}",
                **mem, **task
            ),
            "lower the container's memory or raise the task's",
        ));
    }
    if let (Some(mem), Some(res)) = (&c.memory, &c.memory_reservation)
        && !mem.is_placeholder()
        && **res >= **mem
    {
        out.push(Diagnostic::new(
            res.span,
            format!(
                "memory_reservation {} must be less than memory {}",
                **res, **mem
            ),
            "the soft limit must be below the hard limit",
        ));
    }
    // On Fargate the missing task memory is already reported for the task.
    if !fargate && td.memory.is_none() && c.memory.is_none() && c.memory_reservation.is_none() {
        out.push(Diagnostic::new(
            c.span,
            format!("Invalid setting for container '{}'. At least one of 'memory' or 'memoryReservation' must be specified.", *c.name),
            "set task-level `memory`, or `memory`/`memory_reservation` on the container",
        ));
    }
    for m in &c.port_mappings {
        if *m.container_port == 0 {
            out.push(Diagnostic::new(
                m.container_port.span,
                "container_port 0 is not a port",
                "use a port from 1 to 65535",
            ));
        } else if *m.container_port == crate::runtime::agent::CONTROL_PORT
            && m.protocol == TransportProtocol::Tcp
        {
            // Not an AWS rule: every ENI's agent listens there (its control
            // API), so the container could not bind it.
            out.push(Diagnostic::new(
                m.container_port.span,
                format!(
                    "container_port {} is taken in every ENI by emul's ENI agent",
                    *m.container_port
                ),
                "listen on another port (emul reserves tcp/7411 of each ENI for its agent)",
            ));
        } else if m.protocol == TransportProtocol::Tcp || m.protocol == TransportProtocol::Udp {
            if let Some((_, other)) = ports.iter().find(|(p, _)| *p == *m.container_port) {
                out.push(Diagnostic::new(
                    m.container_port.span,
                    format!("port {} is mapped twice in the task (also by container `{other}`)", *m.container_port),
                    "with awsvpc every container shares the task's ENI: each port can be mapped once",
                ));
            } else {
                ports.push((*m.container_port, c.name.as_str()));
            }
        }
    }
    if let Some(h) = &c.health_check {
        match h.command.first().map(String::as_str) {
            Some("CMD") | Some("CMD-SHELL") if h.command.len() >= 2 => {}
            _ => out.push(Diagnostic::new(
                h.command.span,
                "health check command must start with `CMD` or `CMD-SHELL` followed by the command",
                "e.g. [CMD-SHELL, \"curl -f http://localhost/health || exit 1\"]",
            )),
        }
        range("health check interval", &h.interval, 5, 300, out);
        range("health check timeout", &h.timeout, 2, 60, out);
        range("health check retries", &h.retries, 1, 10, out);
        range("health check start_period", &h.start_period, 0, 300, out);
    }
    if let Some(st) = &c.stop_timeout {
        range("stop_timeout", st, 2, 120, out);
    }
    let names: Vec<&str> = td
        .container_definitions
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    for d in &c.depends_on {
        dangling("container", &d.container_name, &names, out);
        if *d.container_name == *c.name {
            out.push(Diagnostic::new(
                d.container_name.span,
                format!("container `{}` depends on itself", *c.name),
                "remove this dependency",
            ));
            continue;
        }
        let Some(target) = td
            .container_definitions
            .iter()
            .find(|x| *x.name == *d.container_name)
        else {
            continue;
        };
        match *d.condition {
            DependencyCondition::Complete | DependencyCondition::Success if *target.essential => {
                out.push(Diagnostic::new(
                    d.condition.span,
                    format!(
                        "condition {} cannot target the essential container `{}`",
                        *d.condition, *target.name
                    ),
                    format!(
                        "set `essential: false` on `{}` or use START/HEALTHY",
                        *target.name
                    ),
                ))
            }
            DependencyCondition::Healthy if target.health_check.is_none() => {
                out.push(Diagnostic::new(
                    d.condition.span,
                    format!(
                        "condition HEALTHY needs a health_check on container `{}`",
                        *target.name
                    ),
                    format!("add a `health_check` to `{}` or use START", *target.name),
                ))
            }
            _ => {}
        }
    }
    let volumes: Vec<&str> = td.volumes.iter().map(|v| v.name.as_str()).collect();
    for m in &c.mount_points {
        dangling("volume", &m.source_volume, &volumes, out);
        if !m.container_path.starts_with('/') {
            out.push(Diagnostic::new(
                m.container_path.span,
                format!("container_path `{}` is not absolute", *m.container_path),
                "start the path with `/`",
            ));
        }
    }
    let mut env_names = Vec::new();
    for (k, _) in &c.environment {
        env_names.push(k);
    }
    for sec in &c.secrets {
        env_names.push(&sec.name);
        super::secrets::check_reference(t, &sec.value_from, out);
    }
    duplicates("environment variable", env_names, out);
}

fn attachments(t: &Topology, s: &Service, out: &mut Vec<Diagnostic>) {
    if s.load_balancers.len() > 5 {
        out.push(Diagnostic::new(
            s.load_balancers[5].span,
            "a service can attach at most 5 target groups",
            "remove attachments",
        ));
    }
    let tgs: Vec<&str> = t.target_groups.iter().map(|g| g.name.as_str()).collect();
    let containers: Vec<&str> = s
        .task_definition
        .container_definitions
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    for a in &s.load_balancers {
        dangling("target group", &a.target_group, &tgs, out);
        dangling("container", &a.container_name, &containers, out);
        let Some(tg) = t.target_group(&a.target_group) else {
            continue;
        };
        if !tg.target_type.is_placeholder() && *tg.target_type != TargetType::Ip {
            out.push(Diagnostic::new(
                a.target_group.span,
                format!(
                    "target group `{}` has target_type {}, but awsvpc tasks register by IP",
                    *tg.name, *tg.target_type
                ),
                format!("set `target_type: ip` on target group `{}`", *tg.name),
            ));
        }
        if !target_group_in_use(t, &tg.name) {
            out.push(Diagnostic::new(
                a.target_group.span,
                format!("target group `{}` is not used by any load balancer listener", *tg.name),
                "AWS requires the target group to be attached to a load balancer (a listener's default action or a rule) before a service uses it",
            ));
        }
        let Some(c) = s
            .task_definition
            .container_definitions
            .iter()
            .find(|c| *c.name == *a.container_name)
        else {
            continue;
        };
        if a.container_port.is_none() && tg.port.is_placeholder() {
            continue;
        }
        let port = a.container_port.as_ref().map_or(*tg.port, |p| **p);
        let span = a.container_port.as_ref().map_or(a.span, |p| p.span);
        if !c
            .port_mappings
            .iter()
            .any(|m| *m.container_port == port && m.protocol == TransportProtocol::Tcp)
        {
            let mapped: Vec<String> = c
                .port_mappings
                .iter()
                .map(|m| m.container_port.to_string())
                .collect();
            let origin = if a.container_port.is_some() {
                "container_port"
            } else {
                "the target group's port"
            };
            out.push(Diagnostic::new(
                span,
                format!("port {port} ({origin}) is not in the port mappings of container `{}`", *c.name),
                if mapped.is_empty() {
                    format!("add `port_mappings: [{{ container_port: {port} }}]` to container `{}`", *c.name)
                } else {
                    format!("container `{}` maps {}; set `container_port` to one of them or add a mapping for {port}", *c.name, mapped.join(", "))
                },
            ));
        }
    }
}

/// True when some listener (default action or rule) forwards to the group.
pub fn target_group_in_use(t: &Topology, name: &str) -> bool {
    let uses = |a: &Action| matches!(a, Action::Forward { target_groups, .. } if target_groups.iter().any(|g| *g.name == name));
    t.load_balancers
        .iter()
        .flat_map(|lb| &lb.listeners)
        .any(|l| uses(&l.default_action) || l.rules.iter().any(|r| uses(&r.action)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    #[test]
    fn fargate_table() {
        let ok = [
            (256, 512),
            (256, 2048),
            (512, 4096),
            (1024, 2048),
            (1024, 8192),
            (2048, 16384),
            (4096, 30720),
            (8192, 16384),
            (8192, 61440),
            (16384, 122880),
        ];
        for (c, m) in ok {
            assert!(fargate_problem(c, m).is_none(), "{c}/{m}");
        }
        let bad = [
            (256, 4096, "not valid"),
            (512, 512, "not valid"),
            (1024, 1024, "not valid"),
            (8192, 20000, "not valid"),
            (16384, 40000, "not valid"),
            (300, 1024, "not a Fargate task size"),
            (4096, 31744, "not valid"),
        ];
        for (c, m, want) in bad {
            assert!(
                fargate_problem(c, m).is_some_and(|(msg, _)| msg.contains(want)),
                "{c}/{m}"
            );
        }
    }

    #[test]
    fn task_size_units_follow_register_task_definition() {
        use crate::topology::model::ecs::{TaskSize::*, task_size_units};
        for (text, kind, want) in [
            ("256", Cpu, Some(256)),
            ("1024", Memory, Some(1024)),
            ("0.25 vCPU", Cpu, Some(256)),
            ("1 vCPU", Cpu, Some(1024)),
            ("1 vcpu", Cpu, Some(1024)),
            ("2vCPU", Cpu, Some(2048)),
            ("0.5 GB", Memory, Some(512)),
            ("2GB", Memory, Some(2048)),
            ("1 gb", Memory, Some(1024)),
            (" 512 ", Memory, Some(512)),
            ("1 GB", Cpu, None),
            ("1 vCPU", Memory, None),
            ("0", Cpu, None),
            ("-256", Cpu, None),
            ("vCPU", Cpu, None),
            ("0 GB", Memory, None),
            ("512MB", Memory, None),
        ] {
            assert_eq!(task_size_units(text, kind), want, "{text:?} {kind:?}");
        }
    }

    #[test]
    fn role_references_table() {
        for (v, ok) in [
            ("arn:aws:iam::123456789012:role/app", true),
            ("arn:aws:iam::123456789012:role/service-role/app", true),
            ("arn:aws-cn:iam::123456789012:role/app", true),
            ("ecsTaskExecutionRole", true),
            ("arn:aws:iam::123456789012:user/app", false),
            ("arn:aws:iam::12345:role/app", false),
            ("arn:aws:iam::123456789012:role/", false),
            ("bad name", false),
            ("", false),
        ] {
            assert_eq!(role_ok(v), ok, "{v}");
        }
    }

    #[test]
    fn deployment_arithmetic_table() {
        for (d, min, max, stuck) in [
            (2, 100, 200, false),
            (1, 100, 100, true),
            (3, 100, 125, true),
            (3, 50, 125, false),
            (0, 100, 100, false),
            (4, 75, 100, false),
            (2, 75, 100, true),
        ] {
            assert_eq!(deployment_stuck(d, min, max), stuck, "{d} {min} {max}");
        }
    }

    fn svc(body: &str) -> String {
        format!(
            "target_groups:\n  - {{ name: tg, port: 8080, target_type: ip }}\nload_balancers:\n  - name: lb\n    subnets: [a, b]\n    listeners:\n      - {{ port: 80, default_action: {{ forward: {{ target_group: tg }} }} }}\necs_cluster:\n  name: c\n  services:\n{body}"
        )
    }

    const S: &str = "    - name: web\n      desired_count: 2\n      subnets: [a]\n      security_groups: [sg]\n      load_balancers: [{ target_group: tg, container_name: app }]\n      task_definition:\n        cpu: 256\n        memory: 512\n        container_definitions:\n          - name: app\n            image: img\n            port_mappings: [{ container_port: 8080 }]\n";

    #[test]
    fn service_table() {
        let cases = [
            (S.to_string(), ""),
            (S.replace("memory: 512", "memory: 4096"), "memory 4096 is not valid with cpu 256"),
            (S.replace("        cpu: 256\n", ""), "needs task-level `cpu` and `memory`"),
            (S.replace("container_port: 8080", "container_port: 3000"), "port 8080 (the target group's port) is not in the port mappings"),
            (S.replace("container_name: app }", "container_name: app, container_port: 9000 }"), "port 9000 (container_port)"),
            (S.replace("target_group: tg,", "target_group: tgx,"), "unknown target group `tgx`"),
            (S.replace("container_name: app", "container_name: ap"), "unknown container `ap`"),
            (S.replace("desired_count: 2", "desired_count: 2\n      autoscaling: { min_capacity: 3, max_capacity: 10 }"), "desired_count 2 is outside the autoscaling range 3..10"),
            (S.replace("desired_count: 2", "desired_count: 2\n      autoscaling: { min_capacity: 5, max_capacity: 1 }"), "min_capacity 5 is greater than max_capacity 1"),
            (S.replace("desired_count: 2", "desired_count: 2\n      deployment_minimum_healthy_percent: 150"), "deployment_minimum_healthy_percent 150 is out of range"),
            (S.replace("desired_count: 2", "desired_count: 2\n      deployment_maximum_percent: 50"), "deployment_maximum_percent 50 is out of range"),
            (S.replace("desired_count: 2", "desired_count: 1\n      deployment_maximum_percent: 100"), "can neither start nor stop"),
            (S.replace("image: img", "image: img\n            essential: false"), "no container in the task is essential"),
            (S.replace("image: img", "image: img\n            secrets: [{ name: X, value_from: nope }]"), "unknown secret `nope`"),
            (S.replace("image: img", "image: img\n            secrets: [{ name: X, value_from: 'nope:key' }]"), "ECS expects none or exactly three"),
            (S.replace("image: img", "image: img\n            depends_on: [{ container_name: app, condition: START }]"), "depends on itself"),
            (S.replace("image: img", "image: img\n            health_check: { command: [curl] }"), "must start with `CMD`"),
            (S.replace("image: img", "image: img\n            health_check: { command: [CMD, x], interval: 3 }"), "health check interval 3 is out of range (5..300)"),
            (S.replace("image: img", "image: img\n            health_check: { command: [CMD, x], timeout: 61 }"), "health check timeout 61 is out of range (2..60)"),
            (S.replace("image: img", "image: img\n            mount_points: [{ source_volume: data, container_path: /d }]"), "unknown volume `data`"),
            (S.replace("subnets: [a]", "subnets: [z]"), "unknown subnet `z`"),
            (S.replace("[sg]", "[zz]"), "unknown security group `zz`"),
            (S.replace("desired_count: 2", "desired_count: 2\n      service_discovery_name: web"), "needs a `service_discovery_namespace`"),
            (S.replace("target_type: ip", "target_type: instance"), ""),
            (format!("{S}{S}"), "duplicate ECS service name `web`"),
            (S.replace("desired_count: 2", "desird_count: 2"), "did you mean `desired_count`"),
            // Task sizes as strings and in AWS's unit forms are normalised
            // before the Fargate pairs are checked.
            (S.replace("cpu: 256\n        memory: 512", "cpu: \"256\"\n        memory: \"512\""), ""),
            (S.replace("cpu: 256\n        memory: 512", "cpu: 0.25 vCPU\n        memory: \"0.5 GB\""), ""),
            (S.replace("cpu: 256\n        memory: 512", "cpu: \"1 vCPU\"\n        memory: 2GB"), ""),
            (S.replace("cpu: 256\n        memory: 512", "cpu: \"0.25 vCPU\"\n        memory: \"4 GB\""), "memory 4096 is not valid with cpu 256"),
            (S.replace("cpu: 256", "cpu: \"1 GB\""), "invalid task cpu `1 GB`"),
            (S.replace("memory: 512", "memory: 1 vCPU"), "invalid task memory `1 vCPU`"),
            (S.replace("cpu: 256", "cpu: lots"), "invalid task cpu `lots`"),
            (S.replace("cpu: 256", "cpu: 256\n        task_role_arn: arn:aws:iam::123456789012:role/app-task\n        execution_role_arn: ecsTaskExecutionRole"), ""),
            (S.replace("cpu: 256", "cpu: 256\n        task_role_arn: arn:aws:iam::123456789012:role/service-role/app"), ""),
            (S.replace("cpu: 256", "cpu: 256\n        task_role_arn: arn:aws:iam::1234:role/app"), "invalid task_role_arn `arn:aws:iam::1234:role/app`"),
            (S.replace("cpu: 256", "cpu: 256\n        execution_role_arn: arn:aws:s3:::bucket"), "invalid execution_role_arn"),
        ];
        for (body, want) in cases {
            if body.contains("target_type: instance") {
                continue; // Covered below: the replacement targets the wrapper.
            }
            expect(&svc(&body), want);
        }
        let instance = svc(S).replace("target_type: ip", "target_type: instance");
        expect(&instance, "has target_type instance");
        let unused = svc(S).replace(
            "forward: { target_group: tg }",
            "fixed_response: { status_code: \"404\" }",
        );
        expect(&unused, "is not used by any load balancer listener");
    }

    #[test]
    fn dependency_conditions_table() {
        let two = |cond: &str, essential: &str, hc: &str| {
            S.replace(
                "            port_mappings: [{ container_port: 8080 }]\n",
                &format!("            port_mappings: [{{ container_port: 8080 }}]\n            depends_on: [{{ container_name: side, condition: {cond} }}]\n          - name: side\n            image: img\n            essential: {essential}\n{hc}"),
            )
        };
        let hc = "            health_check: { command: [CMD, 'true'] }\n";
        for (cond, essential, health, want) in [
            ("START", "true", "", ""),
            ("SUCCESS", "false", "", ""),
            (
                "SUCCESS",
                "true",
                "",
                "cannot target the essential container",
            ),
            (
                "COMPLETE",
                "true",
                "",
                "cannot target the essential container",
            ),
            ("HEALTHY", "true", "", "needs a health_check"),
            ("HEALTHY", "true", hc, ""),
            ("READY", "true", "", "unknown depends_on condition `READY`"),
        ] {
            expect(&svc(&two(cond, essential, health)), want);
        }
    }
}
