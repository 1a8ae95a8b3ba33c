//! ListCertificates: summaries filtered by status and key type. Without
//! `Includes.keyTypes` only `RSA_2048` certificates are listed, as AWS
//! documents. `NextToken` is the ARN to resume from.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, render_summary, status};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::{self, Scope};
use crate::services::acm::service::now_secs;

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// Only certificates in these statuses.
    certificate_statuses: Option<Vec<String>>,
    /// Other filters.
    includes: Option<Includes>,
    /// Where the previous page stopped.
    next_token: Option<String>,
    /// Page size, 1–1000.
    max_items: Option<i64>,
}

/// `Filters`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Includes {
    /// Key algorithms (`RSA_2048`, `EC_prime256v1`, ...).
    key_types: Option<Vec<String>>,
}

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let req: Request = parse(body)?;
    let limit = match req.max_items {
        None => usize::MAX,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(n) => {
            return Err(AcmError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value {}",
                if n < 1 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 1000"
                }
            )));
        }
    };
    let key_types = req
        .includes
        .and_then(|i| i.key_types)
        .unwrap_or_else(|| vec!["RSA_2048".into()]);
    let statuses = req.certificate_statuses.unwrap_or_default();
    let now = now_secs();
    let matching: Vec<_> = acm.read(|c| {
        c.scope(scope)
            .map(|s| {
                s.values()
                    .filter(|cert| key_types.contains(&model::key_type(cert)))
                    .filter(|cert| {
                        statuses.is_empty() || statuses.iter().any(|st| st == status(cert, now))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    });
    let start = match &req.next_token {
        None => 0,
        Some(t) => matching
            .iter()
            .position(|c| &c.arn == t)
            .ok_or(AcmError::InvalidNextToken)?,
    };
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| render_summary(c, !acm.users_of(scope, &c.arn).is_empty()))
        .collect();
    let mut out = json!({ "CertificateSummaryList": page });
    if let Some(next) = matching.get(start.saturating_add(limit)) {
        out["NextToken"] = json!(next.arn);
    }
    Ok(out)
}
