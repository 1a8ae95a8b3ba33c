//! The Describe* operations: DescribeLoadBalancers, DescribeListeners,
//! DescribeRules, DescribeTargetGroups, DescribeTargetHealth and
//! DescribeTags (the attributes are in `attributes`). Each parses its
//! filters, reads a model snapshot and renders; lists page with
//! `Marker`/`PageSize` (1–400).

use super::parse::{codec, int, required, strings};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::target_group::TargetKey;
use crate::services::elbv2::service::Elbv2Service;

/// Slices `items` by `Marker` (an index) and `PageSize`; returns the page
/// and the next marker.
pub(super) fn page<T: Clone>(
    items: Vec<T>,
    p: &QueryParams,
) -> Result<(Vec<T>, Option<String>), ElbError> {
    let size = match int(p, "PageSize")? {
        Some(n) if !(1..=400).contains(&n) => {
            return Err(ElbError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400"
            )));
        }
        Some(n) => n as usize,
        None => 400,
    };
    let start = match p.get("Marker") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|i| *i <= items.len())
            .ok_or_else(|| ElbError::Validation(format!("Invalid marker '{m}'")))?,
        None => 0,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

pub(super) fn next_marker(w: &mut XmlWriter, next: Option<String>) {
    if let Some(n) = next {
        w.leaf("NextMarker", &n);
    }
}

/// DescribeLoadBalancers.
pub fn load_balancers(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arns = strings(p, "LoadBalancerArns")?;
    let names = strings(p, "Names")?;
    svc.read(&ctx.account, &ctx.region, |m| {
        let mut out = Vec::new();
        if !arns.is_empty() {
            for a in &arns {
                out.push(
                    m.load_balancers
                        .get(a)
                        .ok_or_else(|| ElbError::load_balancer_not_found(a))?,
                );
            }
        } else if !names.is_empty() {
            let missing: Vec<&String> = names
                .iter()
                .filter(|n| !m.load_balancers.values().any(|lb| &lb.name == *n))
                .collect();
            if !missing.is_empty() {
                let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                return Err(ElbError::LoadBalancerNotFound(format!(
                    "Load balancers '[{}]' not found",
                    list.join(", ")
                )));
            }
            out.extend(
                m.load_balancers
                    .values()
                    .filter(|lb| names.contains(&lb.name)),
            );
        } else {
            out.extend(m.load_balancers.values());
        }
        let (items, next) = page(out, p)?;
        let mut w = XmlWriter::new();
        w.list("LoadBalancers", &items, |x, lb| {
            render::load_balancer(x, lb)
        });
        next_marker(&mut w, next);
        Ok(w.finish())
    })
}

/// DescribeListeners.
pub fn listeners(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arns = strings(p, "ListenerArns")?;
    let lb = p.get("LoadBalancerArn");
    svc.read(&ctx.account, &ctx.region, |m| {
        let items = match (lb, arns.is_empty()) {
            (Some(lb), _) => {
                if !m.load_balancers.contains_key(lb) {
                    return Err(ElbError::load_balancer_not_found(lb));
                }
                m.listeners
                    .values()
                    .filter(|l| l.load_balancer_arn == lb)
                    .collect::<Vec<_>>()
            }
            (None, false) => arns
                .iter()
                .map(|a| m.listener(a))
                .collect::<Result<Vec<_>, _>>()?,
            (None, true) => {
                return Err(ElbError::Validation(
                    "You must specify either listener ARNs or a load balancer ARN".into(),
                ));
            }
        };
        let (items, next) = page(items, p)?;
        let mut w = XmlWriter::new();
        w.list("Listeners", &items, |x, l| render::listener(x, m, l));
        next_marker(&mut w, next);
        Ok(w.finish())
    })
}

/// DescribeRules (the default rule last, as `Priority` `default`).
pub fn rules(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arns = strings(p, "RuleArns")?;
    let listener = p.get("ListenerArn");
    svc.read(&ctx.account, &ctx.region, |m| {
        let mut items = match (listener, arns.is_empty()) {
            (Some(l), _) => {
                m.listener(l)?;
                m.listener_rules(l)
            }
            (None, false) => arns
                .iter()
                .map(|a| m.rule(a))
                .collect::<Result<Vec<_>, _>>()?,
            (None, true) => {
                return Err(ElbError::Validation(
                    "You must specify either a listener or rules".into(),
                ));
            }
        };
        if listener.is_some() {
            items.sort_by_key(|r| r.priority.unwrap_or(u32::MAX));
        }
        let (items, next) = page(items, p)?;
        let mut w = XmlWriter::new();
        w.list("Rules", &items, |x, r| render::rule(x, r));
        next_marker(&mut w, next);
        Ok(w.finish())
    })
}

/// DescribeTargetGroups.
pub fn target_groups(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arns = strings(p, "TargetGroupArns")?;
    let names = strings(p, "Names")?;
    let lb = p.get("LoadBalancerArn");
    svc.read(&ctx.account, &ctx.region, |m| {
        let items: Vec<_> = if let Some(lb) = lb {
            if !m.load_balancers.contains_key(lb) {
                return Err(ElbError::load_balancer_not_found(lb));
            }
            m.target_groups
                .values()
                .filter(|tg| {
                    m.load_balancers_of_target_group(&tg.arn)
                        .iter()
                        .any(|a| a == lb)
                })
                .collect()
        } else if !arns.is_empty() {
            arns.iter()
                .map(|a| m.target_group(a))
                .collect::<Result<_, _>>()?
        } else if !names.is_empty() {
            names
                .iter()
                .map(|n| {
                    m.target_groups
                        .values()
                        .find(|tg| &tg.name == n)
                        .ok_or_else(ElbError::target_groups_not_found)
                })
                .collect::<Result<_, _>>()?
        } else {
            m.target_groups.values().collect()
        };
        let (items, next) = page(items, p)?;
        let mut w = XmlWriter::new();
        w.list("TargetGroups", &items, |x, tg| {
            render::target_group(x, m, tg)
        });
        next_marker(&mut w, next);
        Ok(w.finish())
    })
}

/// DescribeTargetHealth: registered targets (or the ones asked about,
/// unregistered ones as `unused`/`Target.NotRegistered`).
pub fn target_health(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "TargetGroupArn")?.to_string();
    let asked = p.members("Targets").map_err(codec)?.unwrap_or_default();
    let now = crate::services::elbv2::service::now_ms();
    svc.read(&ctx.account, &ctx.region, |m| {
        let tg = m.target_group(&arn)?;
        let keys: Vec<TargetKey> = if asked.is_empty() {
            tg.targets
                .iter()
                .filter(|(_, t)| !matches!(t.tracker.health, crate::services::elbv2::model::health::Health::Draining { until_ms } if until_ms <= now))
                .map(|(k, _)| k.clone())
                .collect()
        } else {
            asked
                .iter()
                .map(|t| {
                    Ok(TargetKey {
                        id: required(t, "Id")?.to_string(),
                        port: int(t, "Port")?.map_or(tg.port, |v| v.clamp(0, 65535) as u16),
                    })
                })
                .collect::<Result<_, ElbError>>()?
        };
        let mut w = XmlWriter::new();
        w.list("TargetHealthDescriptions", &keys, |x, k| {
            let (state, reason) = m.target_health(tg, k);
            x.node("Target", |t| {
                t.leaf("Id", &k.id).leaf("Port", &k.port.to_string());
            });
            let hc_port = tg.health_check.port.unwrap_or(k.port);
            x.leaf("HealthCheckPort", &hc_port.to_string());
            x.node("TargetHealth", |h| {
                h.leaf("State", state);
                if let Some(r) = reason {
                    h.leaf("Reason", r.code()).leaf("Description", &r.description());
                }
            });
        });
        Ok(w.finish())
    })
}

/// DescribeTags (≤ 20 ARNs).
pub fn tags(svc: &Elbv2Service, ctx: &RequestContext, p: &QueryParams) -> Result<String, ElbError> {
    let arns = super::tags::resource_arns(p)?;
    svc.read(&ctx.account, &ctx.region, |m| {
        let found = arns
            .iter()
            .map(|a| m.tags_of(a).map(|t| (a.clone(), t)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = XmlWriter::new();
        w.list("TagDescriptions", &found, |x, (arn, tags)| {
            x.leaf("ResourceArn", arn);
            x.list("Tags", tags, |t, (k, v)| {
                t.leaf("Key", k).leaf("Value", v);
            });
        });
        Ok(w.finish())
    })
}
