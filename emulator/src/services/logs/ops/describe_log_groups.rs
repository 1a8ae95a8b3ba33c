//! DescribeLogGroups: groups by prefix or name pattern, a page at a time.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{parse, render_group};
use crate::services::logs::errors::LogsError;
use crate::services::logs::model::Scope;
use crate::services::logs::model::listing::{self, GroupQuery};
use crate::services::logs::service::CloudWatchLogs;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    /// Only groups whose names start with it.
    log_group_name_prefix: Option<String>,
    /// Only groups whose names contain it.
    log_group_name_pattern: Option<String>,
    /// Page size (1–50).
    limit: Option<i64>,
    /// Where the previous page ended.
    next_token: Option<String>,
}

/// Parse → apply → render.
pub fn run(logs: &CloudWatchLogs, scope: &Scope, body: Value) -> Result<Value, LogsError> {
    let req: Request = parse(body)?;
    let q = GroupQuery {
        prefix: req.log_group_name_prefix,
        pattern: req.log_group_name_pattern,
        limit: listing::page_limit(req.limit)?,
        token: req.next_token,
    };
    logs.read(scope, |r| {
        let (page, next) = listing::groups(r, &q)?;
        let mut out = Map::new();
        out.insert(
            "logGroups".into(),
            page.iter().map(|g| render_group(scope, g)).collect(),
        );
        if let Some(t) = next {
            out.insert("nextToken".into(), t.into());
        }
        Ok(Value::Object(out))
    })
}
