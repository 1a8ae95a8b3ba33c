//! DescribeLogGroups and DescribeLogStreams: which groups/streams, in
//! which order, one page at a time.
//!
//! Groups: `logGroupNamePrefix` or `logGroupNamePattern` (a case-sensitive
//! substring; not both), name order, `limit` 1–50 (default 50).
//! Streams: `logStreamNamePrefix`, `orderBy` `LogStreamName` (default) or
//! `LastEventTime` (streams without events first; refused together with a
//! prefix, as AWS does), `descending`, `limit` 1–50 (default 50).
//!
//! Tokens: by name, `n/<last name>` (stable while groups come and go); by
//! last event time, `o/<offset>`.

use super::{LogGroup, LogStream, Region};
use crate::services::logs::errors::LogsError;

/// The most items one Describe page holds.
pub const MAX_PAGE: usize = 50;

/// Checks a Describe `limit`.
pub fn page_limit(limit: Option<i64>) -> Result<usize, LogsError> {
    match limit {
        None => Ok(MAX_PAGE),
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => Ok(n as usize),
        Some(n) => Err(LogsError::range("limit", n, 1, MAX_PAGE as i64)),
    }
}

/// Where a page continues.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    /// After this name.
    After(String),
    /// From this offset.
    Offset(usize),
}

fn parse_cursor(token: Option<&str>) -> Result<Option<Cursor>, LogsError> {
    let Some(t) = token else { return Ok(None) };
    if let Some(name) = t.strip_prefix("n/") {
        return Ok(Some(Cursor::After(name.to_string())));
    }
    t.strip_prefix("o/")
        .and_then(|o| o.parse().ok())
        .map(|o| Some(Cursor::Offset(o)))
        .ok_or(LogsError::InvalidNextToken)
}

/// DescribeLogGroups' selection.
#[derive(Debug, Clone, Default)]
pub struct GroupQuery {
    /// `logGroupNamePrefix`.
    pub prefix: Option<String>,
    /// `logGroupNamePattern`.
    pub pattern: Option<String>,
    /// `limit`.
    pub limit: usize,
    /// `nextToken`.
    pub token: Option<String>,
}

/// One page of groups and the token of the next.
pub fn groups<'a>(
    region: &'a Region,
    q: &GroupQuery,
) -> Result<(Vec<&'a LogGroup>, Option<String>), LogsError> {
    if q.prefix.is_some() && q.pattern.is_some() {
        return Err(LogsError::InvalidParameter(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
                .into(),
        ));
    }
    let after = match parse_cursor(q.token.as_deref())? {
        Some(Cursor::After(n)) => Some(n),
        None => None,
        Some(Cursor::Offset(_)) => return Err(LogsError::InvalidNextToken),
    };
    let mut page: Vec<&LogGroup> = region
        .groups
        .values()
        .filter(|g| after.as_ref().is_none_or(|a| g.name > *a))
        .filter(|g| {
            q.prefix
                .as_ref()
                .is_none_or(|p| g.name.starts_with(p.as_str()))
        })
        .filter(|g| {
            q.pattern
                .as_ref()
                .is_none_or(|p| g.name.contains(p.as_str()))
        })
        .take(q.limit + 1)
        .collect();
    let next = (page.len() > q.limit).then(|| format!("n/{}", page[q.limit - 1].name));
    page.truncate(q.limit);
    Ok((page, next))
}

/// DescribeLogStreams' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamOrder {
    /// `LogStreamName` (default).
    #[default]
    Name,
    /// `LastEventTime`.
    LastEventTime,
}

/// DescribeLogStreams' selection.
#[derive(Debug, Clone, Default)]
pub struct StreamQuery {
    /// `logStreamNamePrefix`.
    pub prefix: Option<String>,
    /// `orderBy`.
    pub order: StreamOrder,
    /// `descending`.
    pub descending: bool,
    /// `limit`.
    pub limit: usize,
    /// `nextToken`.
    pub token: Option<String>,
}

/// One page of a group's streams and the token of the next.
pub fn streams<'a>(
    group: &'a LogGroup,
    q: &StreamQuery,
) -> Result<(Vec<&'a LogStream>, Option<String>), LogsError> {
    if q.order == StreamOrder::LastEventTime && q.prefix.is_some() {
        return Err(LogsError::InvalidParameter(
            "Cannot order by LastEventTime with a logStreamNamePrefix.".into(),
        ));
    }
    let mut all: Vec<&LogStream> = group
        .streams
        .values()
        .filter(|s| {
            q.prefix
                .as_ref()
                .is_none_or(|p| s.name.starts_with(p.as_str()))
        })
        .collect();
    if q.order == StreamOrder::LastEventTime {
        all.sort_by(|a, b| (a.last_event(), &a.name).cmp(&(b.last_event(), &b.name)));
    }
    if q.descending {
        all.reverse();
    }
    let start = match parse_cursor(q.token.as_deref())? {
        None => 0,
        Some(Cursor::Offset(o)) => o.min(all.len()),
        Some(Cursor::After(name)) => all
            .iter()
            .position(|s| {
                if q.descending {
                    s.name < name
                } else {
                    s.name > name
                }
            })
            .unwrap_or(all.len()),
    };
    let end = (start + q.limit).min(all.len());
    let page = all[start..end].to_vec();
    let next = (end < all.len()).then(|| match q.order {
        StreamOrder::Name => format!("n/{}", page[page.len() - 1].name),
        StreamOrder::LastEventTime => format!("o/{end}"),
    });
    Ok((page, next))
}
