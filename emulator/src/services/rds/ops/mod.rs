//! The wire operations: each `run(svc, ctx, params) -> XML` parses the
//! query parameters, applies them to the model through
//! [`RdsService::read`]/[`RdsService::write`], and renders the inner XML of
//! `<{Op}Result>`; [`render`] holds the shared `DBInstance` rendering.

pub mod describe_db_instances;
pub mod describe_events;
pub mod modify_db_instance;
pub mod reboot_db_instance;
pub mod render;
#[cfg(test)]
mod tests;

use super::errors::RdsError;
use super::service::RdsService;
use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "DescribeDBInstances",
    "DescribeEvents",
    "ModifyDBInstance",
    "RebootDBInstance",
];

/// Runs `operation`.
pub fn dispatch(
    svc: &RdsService,
    ctx: &RequestContext,
    operation: &str,
    p: &QueryParams,
) -> Result<String, AwsError> {
    match operation {
        "DescribeDBInstances" => describe_db_instances::run(svc, ctx, p),
        "DescribeEvents" => describe_events::run(svc, ctx, p),
        "ModifyDBInstance" => modify_db_instance::run(svc, ctx, p),
        "RebootDBInstance" => reboot_db_instance::run(svc, ctx, p),
        other => Err(AwsError::invalid_action(other)),
    }
}

/// A required string parameter.
pub fn required<'a>(p: &'a QueryParams, name: &str) -> Result<&'a str, RdsError> {
    p.get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| RdsError::missing(name))
}

/// A boolean parameter (`true`/`false`, AWS accepts any case); absent is `false`.
pub fn flag(p: &QueryParams, name: &str) -> Result<bool, RdsError> {
    match p.get(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(RdsError::InvalidParameterValue(format!(
            "Value '{v}' for parameter {name} is invalid. Must be a boolean."
        ))),
    }
}
