//! CreateTargetGroup, CreateLoadBalancer and CreateListener, so SDK tests
//! (and scripts) can build resources without a topology. A listener created
//! in the data plane's account and region is bound at once.

use super::parse::{actions, boolean, int, required, strings};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::NewTargetGroup;
use crate::services::elbv2::model::health::Matcher;
use crate::services::elbv2::model::network::IP_ADDRESS_TYPES;
use crate::services::elbv2::model::target_group::HealthCheck;
use crate::services::elbv2::service::{Elbv2Service, now_ms};

fn port(p: &QueryParams, name: &str) -> Result<Option<u16>, ElbError> {
    int(p, name)?
        .map(|v| {
            u16::try_from(v).ok().filter(|p| *p >= 1).ok_or_else(|| {
                ElbError::Validation(format!("{name} must be between 1 and 65535, but was {v}"))
            })
        })
        .transpose()
}

/// The protocols AWS's listener validation knows (a gateway listener has
/// none): anything else fails the enum check before the load balancer's
/// type is looked at.
/// (The model's enum; AWS's message lists the first six.)
const LISTENER_PROTOCOLS: &[&str] = &[
    "HTTP", "HTTPS", "UDP", "TCP", "TLS", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC",
];

/// An application load balancer's listener protocols.
pub fn check_listener_protocol(protocol: &str) -> Result<(), ElbError> {
    match protocol {
        "HTTP" | "HTTPS" => Ok(()),
        other if !LISTENER_PROTOCOLS.contains(&other) => {
            Err(enum_error(other, "protocol", &LISTENER_PROTOCOLS[..6]))
        }
        other => Err(ElbError::Validation(format!(
            "Listener protocol '{other}' must be one of 'HTTP, HTTPS'"
        ))),
    }
}

/// An HTTPS listener without a certificate.
pub fn no_certificate() -> ElbError {
    ElbError::InvalidConfigurationRequest(
        "You must provide a list containing exactly one certificate if the listener protocol is HTTPS."
            .into(),
    )
}

/// The protocols a target group and its health check may name.
const TARGET_PROTOCOLS: &[&str] = &["HTTPS", "HTTP", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

/// `TargetType` values (the model's enum).
const TARGET_TYPES: &[&str] = &["instance", "ip", "lambda", "alb"];

/// Every target type but Lambda is reached in a VPC at a port.
fn needs_port_and_vpc(target_type: &str) -> bool {
    target_type != "lambda"
}

/// `Value X at 'member' failed to satisfy constraint: ... enum value set`.
pub fn enum_error(value: &str, member: &str, set: &[&str]) -> ElbError {
    ElbError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        set.join(", ")
    ))
}

/// A target group's or load balancer's name: 1 to 32 alphanumerics or
/// hyphens, not starting or ending with a hyphen, no two in a row.
fn check_name(kind: &str, name: &str) -> Result<(), ElbError> {
    if name.chars().count() > 32 {
        return Err(ElbError::Validation(format!(
            "{kind} name '{name}' cannot be longer than '32' characters"
        )));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ElbError::Validation(format!(
            "{kind} name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
        )));
    }
    // A leading, trailing or doubled hyphen fails the name's pattern, and
    // AWS answers with the pattern itself for target groups.
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(ElbError::Validation(if kind == "Target group" {
            format!(
                "1 validation error detected: Value '{name}' at 'targetGroup.targetGroupArn.targetGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!.*--)(?!^-)(?!.*-$)^[A-Za-z0-9-]+$"
            )
        } else {
            format!("{kind} name '{name}' cannot begin or end with '-'")
        }));
    }
    Ok(())
}

/// CreateTargetGroup.
pub fn target_group(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    check_name("Target group", required(p, "Name")?)?;
    for member in ["Protocol", "HealthCheckProtocol"] {
        if let Some(v) = p.get(member).filter(|v| !TARGET_PROTOCOLS.contains(v)) {
            let mut m = member.to_string();
            m[..1].make_ascii_lowercase();
            return Err(enum_error(v, &m, TARGET_PROTOCOLS));
        }
    }
    let mut hc = HealthCheck::defaults();
    if let Some(v) = p.get("HealthCheckProtocol") {
        hc.protocol = v.into();
    }
    if let Some(v) = p.get("HealthCheckPath") {
        hc.path = v.into();
    }
    if let Some(v) = p.get("HealthCheckPort") {
        hc.port = if v == "traffic-port" {
            None
        } else {
            Some(v.parse().map_err(|_| {
                ElbError::Validation(format!("Health check port '{v}' is not valid"))
            })?)
        };
    }
    if let Some(v) = boolean(p, "HealthCheckEnabled")? {
        hc.enabled = v;
    }
    let num = |name: &str, d: u32| -> Result<u32, ElbError> {
        Ok(int(p, name)?.map_or(d, |v| v.clamp(0, i64::from(u32::MAX)) as u32))
    };
    hc.interval_s = num("HealthCheckIntervalSeconds", hc.interval_s)?;
    hc.timeout_s = num("HealthCheckTimeoutSeconds", hc.timeout_s)?;
    hc.healthy_threshold = num("HealthyThresholdCount", hc.healthy_threshold)?;
    hc.unhealthy_threshold = num("UnhealthyThresholdCount", hc.unhealthy_threshold)?;
    if let Some(m) = p.get("Matcher.HttpCode") {
        hc.matcher = Matcher::parse(m)?;
    }
    let target_type = p.get("TargetType").unwrap_or("instance").to_string();
    if !TARGET_TYPES.contains(&target_type.as_str()) {
        return Err(enum_error(&target_type, "targetType", TARGET_TYPES));
    }
    let new = NewTargetGroup {
        name: required(p, "Name")?.to_string(),
        protocol: p.get("Protocol").unwrap_or("HTTP").to_string(),
        // A Lambda target group has neither (emul refuses that type in
        // the model).
        port: match port(p, "Port")? {
            Some(port) => port,
            None if needs_port_and_vpc(&target_type) => {
                return Err(ElbError::Validation("A port must be specified".into()));
            }
            None => 0,
        },
        vpc_id: match p.get("VpcId") {
            Some(v) => v.to_string(),
            None if needs_port_and_vpc(&target_type) => {
                return Err(ElbError::Validation("A VPC ID must be specified".into()));
            }
            None => String::new(),
        },
        target_type,
        health_check: hc,
    };
    let tags = super::tags::parse(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        let arn = m.create_target_group(new)?;
        if !tags.is_empty() {
            m.tags.insert(arn.clone(), tags);
        }
        let tg = m.target_group(&arn)?;
        let mut w = XmlWriter::new();
        w.list("TargetGroups", &[tg], |x, tg| {
            render::target_group(x, m, tg)
        });
        Ok(w.finish())
    })
}

/// CreateLoadBalancer.
pub fn load_balancer(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let name = required(p, "Name")?.to_string();
    check_name("Load balancer", &name)?;
    if name.starts_with("internal-") {
        return Err(ElbError::Validation(format!(
            "Load balancer name '{name}' cannot begin with 'internal-'"
        )));
    }
    let ip_type = p.get("IpAddressType").unwrap_or("ipv4").to_string();
    if !IP_ADDRESS_TYPES.contains(&ip_type.as_str()) {
        return Err(enum_error(&ip_type, "ipAddressType", IP_ADDRESS_TYPES));
    }
    if let Some(s) = p
        .get("Scheme")
        .filter(|s| !["internet-facing", "internal"].contains(s))
    {
        return Err(enum_error(s, "scheme", &["internet-facing", "internal"]));
    }
    if let Some(t) = p.get("Type")
        && t != "application"
    {
        return Err(ElbError::Validation(format!(
            "Load balancer type '{t}' is not supported by emul (application)"
        )));
    }
    let internal = p.get("Scheme") == Some("internal");
    let subnets = super::load_balancers::subnets(p)?;
    let groups = strings(p, "SecurityGroups")?;
    let tags = super::tags::parse(p)?;
    let placed = svc.place_subnets(&ctx.region, &subnets)?;
    svc.check_groups(&ctx.region, &groups)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        let placement = placed.unwrap_or_else(|| m.unplaced(&subnets));
        let arn = m.create_load_balancer(&name, internal, placement, groups, &ip_type, now_ms())?;
        if !tags.is_empty() {
            m.tags.insert(arn.clone(), tags);
        }
        let lb = &m.load_balancers[&arn];
        let mut w = XmlWriter::new();
        w.list("LoadBalancers", &[lb], |x, lb| render::load_balancer(x, lb));
        Ok(w.finish())
    })
}

/// CreateListener.
pub fn listener(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let lb = required(p, "LoadBalancerArn")?.to_string();
    // An application load balancer's listener needs both, and speaks HTTP
    // or HTTPS only.
    let protocol = p
        .get("Protocol")
        .ok_or_else(|| ElbError::Validation("A listener protocol must be specified".into()))?
        .to_string();
    check_listener_protocol(&protocol)?;
    let port = port(p, "Port")?
        .ok_or_else(|| ElbError::Validation("A listener port must be specified".into()))?;
    let action = actions(p, "DefaultActions")?.ok_or_else(|| {
        ElbError::Validation(
            "1 validation error detected: Value null at 'defaultActions' failed to satisfy constraint: Member must not be null".into(),
        )
    })?;
    let tags = super::tags::parse(p)?;
    let certificate_arns = super::listeners::certificates(p)?.unwrap_or_default();
    if protocol == "HTTPS" && certificate_arns.is_empty() {
        return Err(no_certificate());
    }
    let ssl_policy = p.get("SslPolicy").map(str::to_string);
    svc.write(&ctx.account, &ctx.region, |m| {
        let arn = m.create_listener(&lb, &protocol, port, action)?;
        // After the load balancer's own checks; a failure drops the listener.
        svc.check_certificates(&ctx.account, &ctx.region, &certificate_arns)?;
        if protocol == "HTTPS"
            && let Some(l) = m.listeners.get_mut(&arn)
        {
            l.certificate_arns = certificate_arns;
            l.ssl_policy = ssl_policy;
        }
        if !tags.is_empty() {
            m.tags.insert(arn.clone(), tags);
        }
        let l = m.listener(&arn)?;
        let mut w = XmlWriter::new();
        w.list("Listeners", &[l], |x, l| render::listener(x, m, l));
        Ok(w.finish())
    })
}
