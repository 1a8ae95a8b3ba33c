//! BatchGetSecretValue: AWSCURRENT values of up to 20 secrets, by id list
//! or by filters; per-secret failures go into `Errors`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{WireFilter, filters_from_wire, parse, put_value, secs};
use crate::services::secretsmanager::errors::SmError;
use crate::services::secretsmanager::model::listing::{self, SortBy, decode_token, page};
use crate::services::secretsmanager::model::{Region, Scope};
use crate::services::secretsmanager::service::{SecretsManager, now_ms};

/// The request members.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    /// `SecretIdList`: the secrets to read (xor Filters).
    secret_id_list: Option<Vec<String>>,
    /// `Filters`: ANDed filters, values ORed.
    filters: Option<Vec<WireFilter>>,
    /// `MaxResults`: page size.
    max_results: Option<i64>,
    /// `NextToken`: where the previous page stopped.
    next_token: Option<String>,
}

/// The value entry for one secret, or its error entry.
fn entry(r: &Region, id: &str, now: i64) -> Result<Value, Value> {
    match r.get_value(id, None, None, now) {
        Ok((secret, vid)) => {
            let v = &secret.versions[&vid];
            let mut m = Map::new();
            m.insert("ARN".into(), secret.arn.clone().into());
            m.insert("Name".into(), secret.name.clone().into());
            m.insert("VersionId".into(), v.id.clone().into());
            put_value(&mut m, &v.value);
            m.insert(
                "VersionStages".into(),
                v.stages.iter().cloned().collect::<Vec<_>>().into(),
            );
            m.insert("CreatedDate".into(), secs(v.created));
            Ok(Value::Object(m))
        }
        Err(e) => Err(json!({"SecretId": id, "ErrorCode": e.code(), "Message": e.to_string()})),
    }
}

/// Parse → apply → render.
pub fn run(sm: &SecretsManager, scope: &Scope, body: Value) -> Result<Value, SmError> {
    let req: Request = parse(body)?;
    let now = now_ms();
    let (values, errors, next) = match (req.secret_id_list, req.filters) {
        (Some(ids), None) => {
            if req.max_results.is_some() {
                return Err(SmError::MaxResultsWithoutFilters);
            }
            if ids.is_empty() || ids.len() > 20 {
                return Err(SmError::Validation(
                    "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length between 1 and 20".into(),
                ));
            }
            sm.read(scope, |r| {
                let (ok, err): (Vec<_>, Vec<_>) = ids
                    .iter()
                    .map(|id| entry(r, id, now))
                    .partition(Result::is_ok);
                Ok((
                    ok.into_iter().map(|x| x.unwrap()).collect::<Vec<_>>(),
                    err.into_iter().map(|x| x.unwrap_err()).collect::<Vec<_>>(),
                    None,
                ))
            })?
        }
        (None, Some(filters)) => {
            let filters = filters_from_wire(filters)?;
            let max = match req.max_results {
                None => 20,
                Some(n) if (1..=20).contains(&n) => n as usize,
                Some(n) => {
                    return Err(SmError::Validation(format!(
                        "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 20"
                    )));
                }
            };
            let offset = req
                .next_token
                .as_deref()
                .map(decode_token)
                .transpose()?
                .unwrap_or(0);
            sm.read(scope, |r| {
                let mut matching: Vec<_> = r
                    .secrets
                    .values()
                    .filter(|s| !s.is_scheduled_for_deletion())
                    .filter(|s| listing::matches(s, &scope.region, &filters))
                    .cloned()
                    .collect();
                listing::sort(&mut matching, SortBy::CreatedDate, false);
                let (items, next) = page(&matching, offset, max);
                let (ok, err): (Vec<_>, Vec<_>) = items
                    .iter()
                    .map(|s| entry(r, &s.arn, now))
                    .partition(Result::is_ok);
                Ok((
                    ok.into_iter().map(|x| x.unwrap()).collect::<Vec<_>>(),
                    err.into_iter().map(|x| x.unwrap_err()).collect::<Vec<_>>(),
                    next,
                ))
            })?
        }
        _ => return Err(SmError::BatchListXorFilters),
    };
    let mut out = Map::new();
    out.insert("SecretValues".into(), values.into());
    out.insert("Errors".into(), errors.into());
    if let Some(n) = next {
        out.insert("NextToken".into(), n.into());
    }
    Ok(Value::Object(out))
}
