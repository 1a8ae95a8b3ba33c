//! Events in and out: PutLogEvents' rules (as AWS applies them today) and
//! the GetLogEvents / FilterLogEvents queries with their tokens.
//!
//! PutLogEvents: sequence tokens are accepted and ignored; 1–10,000 events
//! of at most 1,048,576 bytes together (message UTF-8 bytes + 26 each);
//! timestamps in chronological order and spanning at most 24 hours, or the
//! whole call fails. Events more than 14 days old (or older than the
//! group's retention) or more than 2 hours ahead are not stored and are
//! reported in `rejectedLogEventsInfo`; the rest are.
//!
//! Tokens point at an event key `(timestamp, seq)`, which never changes,
//! so a token stays valid while events are added, dropped or expire:
//! GetLogEvents' `f/<key>` means "after this event", `b/<key>` "before
//! it"; both are `f/`/`b/` + 40 digits (AWS's are opaque digit strings
//! too). At either end of the stream the same token comes back.

use super::pattern::Pattern;
use super::{DAY_MS, Event, LogGroup, LogStream, Millis};
use crate::services::logs::errors::LogsError;

/// The most events one PutLogEvents call may carry.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// The most bytes one PutLogEvents call may carry (26 per event counted).
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Events older than this are refused (`tooOldLogEventEndIndex`).
pub const MAX_AGE_MS: Millis = 14 * DAY_MS;
/// Events further ahead than this are refused (`tooNewLogEventStartIndex`).
pub const MAX_AHEAD_MS: Millis = 2 * 60 * 60 * 1000;

/// An event as sent in PutLogEvents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputEvent {
    /// `timestamp`.
    pub timestamp: Millis,
    /// `message`.
    pub message: String,
}

/// `rejectedLogEventsInfo`: indexes into the request's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rejected {
    /// The first index of the events too far in the future.
    pub too_new_start: Option<usize>,
    /// The last index of the events older than 14 days.
    pub too_old_end: Option<usize>,
    /// The last index of the events older than the group's retention.
    pub expired_end: Option<usize>,
}

impl Rejected {
    /// Whether anything was rejected (the member is then present).
    pub fn any(&self) -> bool {
        self.too_new_start.is_some() || self.too_old_end.is_some() || self.expired_end.is_some()
    }
}

/// Checks a PutLogEvents batch for group `group` at `now`; returns the
/// events to store (sequence numbers from the group's counter) and what
/// was rejected.
pub fn accept(
    group: &LogGroup,
    input: &[InputEvent],
    now: Millis,
) -> Result<(Vec<Event>, Rejected), LogsError> {
    if input.is_empty() || input.len() > MAX_BATCH_EVENTS {
        return Err(LogsError::Validation(format!(
            "1 validation error detected: Value '[...]' at 'logEvents' failed to satisfy constraint: Member must have length {} {}",
            if input.is_empty() {
                "greater than or equal to"
            } else {
                "less than or equal to"
            },
            if input.is_empty() {
                1
            } else {
                MAX_BATCH_EVENTS
            }
        )));
    }
    let size: usize = input
        .iter()
        .map(|e| e.message.len() + super::EVENT_OVERHEAD)
        .sum();
    if size > MAX_BATCH_BYTES {
        return Err(LogsError::UploadTooLarge(size));
    }
    if let Some(i) = input.iter().position(|e| e.message.is_empty()) {
        return Err(LogsError::Validation(format!(
            "1 validation error detected: Value '' at 'logEvents.{}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
            i + 1
        )));
    }
    if input.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(LogsError::NotChronological);
    }
    let (first, last) = (input[0].timestamp, input[input.len() - 1].timestamp);
    if last - first > DAY_MS {
        return Err(LogsError::SpanTooLong);
    }
    let too_old_before = now - MAX_AGE_MS;
    let expired_before = group.retained_from(now);
    let too_new_after = now + MAX_AHEAD_MS;
    let mut rejected = Rejected::default();
    let mut accepted = Vec::new();
    let mut seq = group.next_seq;
    for (i, e) in input.iter().enumerate() {
        if e.timestamp > too_new_after {
            rejected.too_new_start.get_or_insert(i);
        } else if expired_before.is_some_and(|from| e.timestamp < from) {
            rejected.expired_end = Some(i);
        } else if e.timestamp < too_old_before {
            rejected.too_old_end = Some(i);
        } else {
            accepted.push(Event {
                timestamp: e.timestamp,
                ingested: now,
                seq,
                message: e.message.clone(),
            });
            seq += 1;
        }
    }
    Ok((accepted, rejected))
}

/// A key `(timestamp, seq)` as 40 digits.
fn key_text((t, s): (Millis, u64)) -> String {
    format!("{:020}{:020}", t.max(0), s)
}

fn parse_key(digits: &str) -> Option<(Millis, u64)> {
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits[..20].parse().ok()?, digits[20..].parse().ok()?))
}

/// A GetLogEvents token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// `f/…`: events after this key.
    Forward((Millis, u64)),
    /// `b/…`: events before this key.
    Backward((Millis, u64)),
}

impl Token {
    /// Parses `f/…` / `b/…`.
    pub fn parse(text: &str) -> Result<Token, LogsError> {
        if let Some(k) = text.strip_prefix("f/").and_then(parse_key) {
            Ok(Token::Forward(k))
        } else if let Some(k) = text.strip_prefix("b/").and_then(parse_key) {
            Ok(Token::Backward(k))
        } else {
            Err(LogsError::InvalidParameter(format!(
                "The specified nextToken is invalid: '{text}'"
            )))
        }
    }

    /// The wire form.
    pub fn text(&self) -> String {
        match self {
            Token::Forward(k) => format!("f/{}", key_text(*k)),
            Token::Backward(k) => format!("b/{}", key_text(*k)),
        }
    }
}

/// GetLogEvents' inputs.
#[derive(Debug, Clone, Default)]
pub struct GetQuery {
    /// `startTime` (inclusive).
    pub start: Option<Millis>,
    /// `endTime` (exclusive).
    pub end: Option<Millis>,
    /// `limit` (1–10,000; default 10,000).
    pub limit: usize,
    /// `startFromHead` (default false: the newest events).
    pub from_head: bool,
    /// `nextToken`.
    pub token: Option<Token>,
}

/// GetLogEvents' result.
#[derive(Debug, Clone)]
pub struct GetPage<'a> {
    /// The events, oldest first.
    pub events: Vec<&'a Event>,
    /// `nextForwardToken`.
    pub forward: String,
    /// `nextBackwardToken`.
    pub backward: String,
}

/// Runs GetLogEvents on `stream` at `now` (`retained_from`: the group's
/// retention cut-off, events before it are gone).
pub fn get<'a>(stream: &'a LogStream, q: &GetQuery, retained_from: Option<Millis>) -> GetPage<'a> {
    let lo = q
        .start
        .unwrap_or(Millis::MIN)
        .max(retained_from.unwrap_or(Millis::MIN));
    let hi = q.end.unwrap_or(Millis::MAX);
    let visible: Vec<&Event> = stream
        .events
        .iter()
        .filter(|e| e.timestamp >= lo && e.timestamp < hi)
        .collect();
    let limit = q.limit.max(1);
    let events: Vec<&Event> = match q.token {
        Some(Token::Forward(k)) => visible
            .into_iter()
            .filter(|e| e.key() > k)
            .take(limit)
            .collect(),
        Some(Token::Backward(k)) => {
            let before: Vec<&Event> = visible.into_iter().filter(|e| e.key() < k).collect();
            let skip = before.len().saturating_sub(limit);
            before[skip..].to_vec()
        }
        None if q.from_head => visible.into_iter().take(limit).collect(),
        None => {
            let skip = visible.len().saturating_sub(limit);
            visible[skip..].to_vec()
        }
    };
    let (forward, backward) = match (events.first(), events.last()) {
        (Some(first), Some(last)) => (
            Token::Forward(last.key()).text(),
            Token::Backward(first.key()).text(),
        ),
        _ => match q.token {
            // At either end: the same token back, as AWS does.
            Some(t @ Token::Forward(k)) => (t.text(), Token::Backward((k.0, k.1 + 1)).text()),
            Some(t @ Token::Backward(k)) => (
                Token::Forward((k.0, k.1.saturating_sub(1))).text(),
                t.text(),
            ),
            None => {
                // An empty result: follow from the start of the window.
                let start = (lo.max(0), 0);
                (Token::Forward(start).text(), Token::Backward(start).text())
            }
        },
    };
    GetPage {
        events,
        forward,
        backward,
    }
}

/// FilterLogEvents' inputs.
#[derive(Debug, Clone)]
pub struct FilterQuery {
    /// `startTime` (inclusive).
    pub start: Option<Millis>,
    /// `endTime` (exclusive).
    pub end: Option<Millis>,
    /// `limit` (1–10,000; default 10,000).
    pub limit: usize,
    /// `filterPattern`, parsed.
    pub pattern: Pattern,
    /// Where the previous page ended: `(timestamp, seq)`.
    pub after: Option<(Millis, u64)>,
}

/// FilterLogEvents' result.
#[derive(Debug, Clone)]
pub struct FilterPage<'a> {
    /// (stream name, event), oldest first.
    pub events: Vec<(&'a str, &'a Event)>,
    /// The `nextToken`, when more events match.
    pub next: Option<String>,
}

/// Encodes a FilterLogEvents `nextToken`.
pub fn filter_token(key: (Millis, u64)) -> String {
    key_text(key)
}

/// Decodes a FilterLogEvents `nextToken`.
pub fn parse_filter_token(text: &str) -> Result<(Millis, u64), LogsError> {
    parse_key(text).ok_or(LogsError::InvalidNextToken)
}

/// Runs FilterLogEvents over `streams` of `group` at `now`.
pub fn filter<'a>(
    group: &'a LogGroup,
    streams: &[&'a LogStream],
    q: &FilterQuery,
    now: Millis,
) -> FilterPage<'a> {
    let lo = q
        .start
        .unwrap_or(Millis::MIN)
        .max(group.retained_from(now).unwrap_or(Millis::MIN));
    let hi = q.end.unwrap_or(Millis::MAX);
    let mut hits: Vec<(&str, &Event)> = streams
        .iter()
        .flat_map(|s| s.events.iter().map(move |e| (s.name.as_str(), e)))
        .filter(|(_, e)| {
            e.timestamp >= lo
                && e.timestamp < hi
                && q.after.is_none_or(|k| e.key() > k)
                && q.pattern.matches(&e.message)
        })
        .collect();
    hits.sort_by_key(|(_, e)| e.key());
    let limit = q.limit.max(1);
    let next = (hits.len() > limit).then(|| filter_token(hits[limit - 1].1.key()));
    hits.truncate(limit);
    FilterPage { events: hits, next }
}
