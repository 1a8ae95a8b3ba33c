//! RebootDBInstance: the instance becomes `rebooting` at once; the primary
//! restarts, or with `ForceFailover=true` (Multi-AZ only) the standby takes
//! over, in the background, and the instance is `available` again after.

use super::{flag, render, required};
use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;
use crate::services::rds::RdsService;
use crate::services::rds::service::now_ms;

/// Runs RebootDBInstance.
pub fn run(svc: &RdsService, ctx: &RequestContext, p: &QueryParams) -> Result<String, AwsError> {
    let id = required(p, "DBInstanceIdentifier")?;
    let failover = flag(p, "ForceFailover")?;
    let shown = svc.write(ctx, |m| m.begin_reboot(id, failover, now_ms()))?;
    svc.run_reboot(id, failover);
    Ok(render::single(&shown))
}
