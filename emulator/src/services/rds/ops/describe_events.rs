//! DescribeEvents: the events of the last `Duration` minutes (60 by
//! default) or of `StartTime`..`EndTime`, by `SourceIdentifier`,
//! `SourceType` and `EventCategories`.

use super::render::named_list;
use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter, iso8601};
use crate::gateway::registry::RequestContext;
use crate::services::rds::RdsService;
use crate::services::rds::errors::RdsError;
use crate::services::rds::model::EventQuery;
use crate::services::rds::service::now_ms;

/// The time window of a DescribeEvents call (RDS's and ElastiCache's
/// rules are the same): `StartTime`/`EndTime` (ISO 8601), else the last
/// `Duration` minutes (default 60). Errors are `InvalidParameterValue`.
pub fn window(p: &QueryParams, now: i64) -> Result<(i64, i64), String> {
    let time = |name: &str| -> Result<Option<i64>, String> {
        p.get(name)
            .map(|v| {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
                    .map_err(|_| format!("Invalid value for parameter {name}: {v}"))
            })
            .transpose()
    };
    let duration = match p.get("Duration") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|m| *m >= 0)
                .ok_or_else(|| format!("Invalid value for parameter Duration: {v}"))?,
        ),
    };
    let (start, end) = (time("StartTime")?, time("EndTime")?);
    let end = end.unwrap_or(now);
    let start = match (start, duration) {
        (Some(s), _) => s,
        (None, Some(minutes)) => end - minutes * 60_000,
        (None, None) => end - 60 * 60_000,
    };
    Ok((start, end))
}

/// Runs DescribeEvents.
pub fn run(svc: &RdsService, ctx: &RequestContext, p: &QueryParams) -> Result<String, AwsError> {
    let (start_ms, end_ms) = window(p, now_ms()).map_err(RdsError::InvalidParameterValue)?;
    let categories: Vec<String> = (1..)
        .map_while(|n| p.get(&format!("EventCategories.EventCategory.{n}")))
        .map(str::to_string)
        .collect();
    let q = EventQuery {
        source_id: p.get("SourceIdentifier").map(str::to_string),
        source_type: p.get("SourceType").map(str::to_string),
        categories,
        start_ms,
        end_ms,
    };
    let events = svc.read(ctx, |m| m.events(&q));
    let mut w = XmlWriter::new();
    named_list(&mut w, "Events", "Event", &events, |m, e| {
        m.leaf("SourceIdentifier", &e.source_id)
            .leaf("SourceType", e.source_type)
            .leaf("Message", e.message);
        m.node("EventCategories", |c| {
            for cat in e.categories {
                c.leaf("EventCategory", cat);
            }
        });
        m.leaf("Date", &iso8601(e.date_ms))
            .leaf("SourceArn", &e.source_arn);
    });
    Ok(w.finish())
}
