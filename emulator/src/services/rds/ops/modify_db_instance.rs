//! ModifyDBInstance, for the one change emul applies to a running server:
//! `MasterUserPassword` (`ALTER ROLE` on the primary, replicated to the
//! standby), effective when the call returns whatever `ApplyImmediately`
//! says (RDS applies a password change at once too). Other modifications
//! are refused rather than pretended.

use super::{flag, render, required};
use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;
use crate::services::rds::RdsService;
use crate::services::rds::errors::RdsError;

/// The parameters this ModifyDBInstance understands.
const UNDERSTOOD: &[&str] = &[
    "Action",
    "Version",
    "DBInstanceIdentifier",
    "MasterUserPassword",
    "ApplyImmediately",
];

/// Runs ModifyDBInstance.
pub fn run(svc: &RdsService, ctx: &RequestContext, p: &QueryParams) -> Result<String, AwsError> {
    let id = required(p, "DBInstanceIdentifier")?;
    flag(p, "ApplyImmediately")?;
    if let Some(other) = p.keys().find(|k| !UNDERSTOOD.contains(&k.as_str())) {
        let name = other.split('.').next().unwrap_or(other);
        return Err(RdsError::InvalidParameterCombination(format!(
            "emul's ModifyDBInstance changes MasterUserPassword only; {name} is not supported."
        ))
        .into());
    }
    let password = p.get("MasterUserPassword");
    svc.read(ctx, |m| m.instance(id).map(|_| ()))?;
    if let Some(password) = password {
        svc.write(ctx, |m| m.begin_password(id, password))?;
        svc.apply_password(id, password)?;
    }
    let shown = svc.read(ctx, |m| m.instance(id).cloned())?;
    Ok(render::single(&shown))
}
