//! DescribeDBInstances: every instance, or the one `DBInstanceIdentifier`
//! names (`DBInstanceNotFound` otherwise).

use super::render::{db_instance, named_list};
use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::rds::RdsService;

/// Runs DescribeDBInstances.
pub fn run(svc: &RdsService, ctx: &RequestContext, p: &QueryParams) -> Result<String, AwsError> {
    let id = p.get("DBInstanceIdentifier").filter(|v| !v.is_empty());
    let instances = svc.read(ctx, |m| m.describe(id))?;
    let mut w = XmlWriter::new();
    named_list(&mut w, "DBInstances", "DBInstance", &instances, |m, db| {
        db_instance(m, db)
    });
    Ok(w.finish())
}
