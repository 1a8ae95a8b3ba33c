//! ListSecrets: filtered, sorted, paginated secret metadata.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::list_secret_version_ids::max_results;
use super::{WireFilter, describe, filters_from_wire, parse};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::listing::{self, SortBy, decode_token, page};
use crate::services::secretsmanager::model::{Scope, Secret};
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `IncludePlannedDeletion`: also list secrets scheduled for deletion.
    include_planned_deletion: Option<bool>,
    /// `MaxResults`: page size.
    max_results: Option<i64>,
    /// `NextToken`: where the previous page stopped.
    next_token: Option<String>,
    /// `Filters`: ANDed filters, values ORed.
    filters: Option<Vec<WireFilter>>,
    /// `SortOrder`: asc (default) or desc.
    sort_order: Option<String>,
    /// `SortBy`: created-date (default), last-accessed-date, last-changed-date or name.
    sort_by: Option<String>,
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let max = max_results(req.max_results)?;
    let offset = req
        .next_token
        .as_deref()
        .map(decode_token)
        .transpose()?
        .unwrap_or(0);
    let filters = filters_from_wire(req.filters.unwrap_or_default())?;
    let descending = match req.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"
            )));
        }
    };
    let sort_by = req
        .sort_by
        .as_deref()
        .map(SortBy::parse)
        .transpose()?
        .unwrap_or_default();
    let include_planned = req.include_planned_deletion.unwrap_or(false);
    let now = now_ms();
    let mut secrets: Vec<Arc<Secret>> = sm.read(scope, |r| {
        Ok(r.secrets
            .values()
            .filter(|s| s.deletion_date.is_none_or(|d| d > now))
            .filter(|s| include_planned || !s.is_scheduled_for_deletion())
            .filter(|s| listing::matches(s, &scope.region, &filters))
            .cloned()
            .collect())
    })?;
    listing::sort(&mut secrets, sort_by, descending);
    let (items, next) = page(&secrets, offset, max);
    let list: Vec<Value> = items
        .iter()
        .map(|s| describe(s, &scope.region, "SecretVersionsToStages"))
        .collect();
    let mut out = Map::new();
    out.insert("SecretList".into(), list.into());
    if let Some(n) = next {
        out.insert("NextToken".into(), n.into());
    }
    Ok(Value::Object(out))
}
