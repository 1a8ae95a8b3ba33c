//! PutAccountSetting, PutAccountSettingDefault, ListAccountSettings and
//! DeleteAccountSetting (the model: `model::account_settings`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required};
use crate::services::ecs::errors::EcsError;
use crate::services::ecs::model::Scope;
use crate::services::ecs::model::account_settings::render;
use crate::services::ecs::service::Ecs;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Put {
    name: Option<String>,
    value: Option<String>,
}

/// PutAccountSetting and PutAccountSettingDefault (the same record here:
/// every caller is the account's root).
pub(super) fn put(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Put = parse(body)?;
    let name = required(req.name, "name")?;
    let value = required(req.value, "value")?;
    ecs.write(scope, |region| region.account_settings.put(&name, &value))?;
    Ok(json!({"setting": render(&scope.account, &name, &value)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delete {
    name: Option<String>,
}

/// DeleteAccountSetting.
pub(super) fn delete(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: Delete = parse(body)?;
    let name = required(req.name, "name")?;
    let value = ecs.write(scope, |region| region.account_settings.delete(&name))?;
    Ok(json!({"setting": render(&scope.account, &name, &value)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct List {
    name: Option<String>,
    value: Option<String>,
    effective_settings: Option<bool>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// ListAccountSettings.
pub(super) fn list(ecs: &Ecs, scope: &Scope, body: Value) -> Result<Value, EcsError> {
    let req: List = parse(body)?;
    let settings = ecs.read(scope, |region| {
        region.account_settings.list(
            req.name.as_deref(),
            req.value.as_deref(),
            req.effective_settings.unwrap_or(false),
        )
    })?;
    let names: Vec<String> = settings.iter().map(|(n, _)| n.clone()).collect();
    let (page, token) = super::paginate(names, req.next_token.as_deref(), req.max_results)?;
    let shown: Vec<Value> = settings
        .iter()
        .filter(|(n, _)| page.contains(n))
        .map(|(n, v)| render(&scope.account, n, v))
        .collect();
    let mut out = json!({"settings": shown});
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
