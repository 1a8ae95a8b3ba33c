//! ModifyTargetGroup (health-check settings),
//! ModifyTargetGroupAttributes (returns the full current attribute set) and
//! DeleteTargetGroup (refused while an action forwards to it).

use super::parse::{boolean, int, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::health::Matcher;
use crate::services::elbv2::service::Elbv2Service;

fn u32_of(p: &QueryParams, name: &str) -> Result<Option<u32>, ElbError> {
    int(p, name)?
        .map(|v| {
            u32::try_from(v).map_err(|_| {
                ElbError::Validation(format!("'{name}' must be positive, but was {v}"))
            })
        })
        .transpose()
}

/// ModifyTargetGroup.
pub fn modify(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "TargetGroupArn")?.to_string();
    let protocol = p.get("HealthCheckProtocol").map(str::to_string);
    let port = p.get("HealthCheckPort").map(str::to_string);
    let path = p.get("HealthCheckPath").map(str::to_string);
    let enabled = boolean(p, "HealthCheckEnabled")?;
    let interval = u32_of(p, "HealthCheckIntervalSeconds")?;
    let timeout = u32_of(p, "HealthCheckTimeoutSeconds")?;
    let healthy = u32_of(p, "HealthyThresholdCount")?;
    let unhealthy = u32_of(p, "UnhealthyThresholdCount")?;
    let matcher = p.get("Matcher.HttpCode").map(Matcher::parse).transpose()?;
    if p.contains("Matcher.GrpcCode") {
        return Err(ElbError::Validation(
            "GrpcCode matchers need a gRPC target group; emul's are HTTP1".into(),
        ));
    }
    svc.write(&ctx.account, &ctx.region, |m| {
        let tg = m
            .target_groups
            .get_mut(&arn)
            .ok_or_else(ElbError::target_groups_not_found)?;
        let mut hc = tg.health_check.clone();
        if let Some(v) = protocol {
            if v != "HTTP" && v != "HTTPS" {
                return Err(ElbError::Validation(format!(
                    "Health check protocol '{v}' must be HTTP or HTTPS"
                )));
            }
            hc.protocol = v;
        }
        if let Some(v) = port {
            hc.port = if v == "traffic-port" {
                None
            } else {
                Some(v.parse::<u16>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    ElbError::Validation(format!(
                        "Health check port '{v}' must be 'traffic-port' or between 1 and 65535"
                    ))
                })?)
            };
        }
        if let Some(v) = path {
            hc.path = v;
        }
        if let Some(v) = enabled {
            if !v && tg.target_type != "lambda" {
                return Err(ElbError::InvalidConfigurationRequest(
                    "Health checks cannot be disabled for target groups with target type 'ip' or 'instance'".into(),
                ));
            }
            hc.enabled = v;
        }
        hc.interval_s = interval.unwrap_or(hc.interval_s);
        hc.timeout_s = timeout.unwrap_or(hc.timeout_s);
        hc.healthy_threshold = healthy.unwrap_or(hc.healthy_threshold);
        hc.unhealthy_threshold = unhealthy.unwrap_or(hc.unhealthy_threshold);
        if let Some(mm) = matcher {
            hc.matcher = mm;
        }
        hc.validate()?;
        tg.health_check = hc;
        let tg = &m.target_groups[&arn];
        let mut w = XmlWriter::new();
        w.list("TargetGroups", &[tg], |x, tg| render::target_group(x, m, tg));
        Ok(w.finish())
    })
}

/// DeleteTargetGroup.
pub fn delete(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, "TargetGroupArn")?.to_string();
    svc.write(&ctx.account, &ctx.region, |m| m.delete_target_group(&arn))?;
    Ok(String::new())
}
