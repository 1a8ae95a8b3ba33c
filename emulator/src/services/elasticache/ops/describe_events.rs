//! DescribeEvents: the events of the last `Duration` minutes (60 by
//! default) or of `StartTime`..`EndTime`, by `SourceIdentifier` and
//! `SourceType`.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter, iso8601};
use crate::gateway::registry::RequestContext;
use crate::services::elasticache::ElastiCacheService;
use crate::services::elasticache::errors::CacheError;
use crate::services::elasticache::model::SOURCE_TYPES;
use crate::services::rds::ops::describe_events::window;
use crate::services::rds::ops::render::named_list;
use crate::services::rds::service::now_ms;

/// Runs DescribeEvents.
pub fn run(
    svc: &ElastiCacheService,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, AwsError> {
    let span = window(p, now_ms()).map_err(CacheError::InvalidParameterValue)?;
    let source_type = p.get("SourceType");
    if let Some(t) = source_type.filter(|t| !SOURCE_TYPES.contains(t)) {
        return Err(CacheError::InvalidParameterValue(format!(
            "Invalid value for parameter SourceType: {t}"
        ))
        .into());
    }
    let events = svc.read(ctx, |m| {
        m.events(p.get("SourceIdentifier"), source_type, span)
    });
    let mut w = XmlWriter::new();
    named_list(&mut w, "Events", "Event", &events, |m, e| {
        m.leaf("SourceIdentifier", &e.source_id)
            .leaf("SourceType", e.source_type)
            .leaf("Message", &e.message)
            .leaf("Date", &iso8601(e.date_ms));
    });
    Ok(w.finish())
}
