//! ECS account settings (PutAccountSetting, PutAccountSettingDefault,
//! ListAccountSettings, DeleteAccountSetting). Pure.
//!
//! emul has no IAM principals: every call acts as the account's root, so a
//! setting for the caller and the account default are the same record,
//! shown with the root principal (`arn:aws:iam::<account>:root`). The
//! settings are recorded and listed; none changes what emul does (its
//! ARNs are always the long format, which AWS made mandatory in 2021).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::services::ecs::errors::EcsError;

/// The setting names AWS accepts, with the value an account has when it
/// never set one (`effectiveSettings`).
pub const SETTINGS: &[(&str, &str)] = &[
    ("serviceLongArnFormat", "enabled"),
    ("taskLongArnFormat", "enabled"),
    ("containerInstanceLongArnFormat", "enabled"),
    ("awsvpcTrunking", "disabled"),
    ("containerInsights", "disabled"),
    ("dualStackIPv6", "disabled"),
    ("fargateFIPSMode", "disabled"),
    ("tagResourceAuthorization", "on"),
    ("fargateTaskRetirementWaitPeriod", "7"),
    ("guardDutyActivate", "off"),
    ("defaultLogDriverMode", "blocking"),
];

/// `name` must be one AWS knows.
pub fn check_name(name: &str) -> Result<(), EcsError> {
    if SETTINGS.iter().any(|(n, _)| *n == name) {
        return Ok(());
    }
    let names: Vec<&str> = SETTINGS.iter().map(|(n, _)| *n).collect();
    Err(EcsError::InvalidParameter(format!(
        "{name} should be one of [{}]",
        names.join(",")
    )))
}

/// The settings of one account and region: name → value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettings {
    /// What was put, by name.
    pub values: BTreeMap<String, String>,
}

/// A setting as the API shows it.
pub fn render(account: &str, name: &str, value: &str) -> Value {
    json!({
        "name": name,
        "value": value,
        "principalArn": format!("arn:aws:iam::{account}:root"),
        "type": "user",
    })
}

impl AccountSettings {
    /// PutAccountSetting / PutAccountSettingDefault.
    pub fn put(&mut self, name: &str, value: &str) -> Result<(), EcsError> {
        check_name(name)?;
        if value.is_empty() {
            return Err(EcsError::missing("value"));
        }
        self.values.insert(name.to_string(), value.to_string());
        Ok(())
    }

    /// DeleteAccountSetting: the setting falls back to its default; the
    /// answer shows what was deleted (or the default when nothing was set).
    pub fn delete(&mut self, name: &str) -> Result<String, EcsError> {
        check_name(name)?;
        Ok(self
            .values
            .remove(name)
            .unwrap_or_else(|| default_of(name).to_string()))
    }

    /// ListAccountSettings: the settings put (with `effective`, every
    /// setting with its default filled in), filtered by name and value.
    pub fn list(
        &self,
        name: Option<&str>,
        value: Option<&str>,
        effective: bool,
    ) -> Result<Vec<(String, String)>, EcsError> {
        if let Some(n) = name {
            check_name(n)?;
        }
        let all: Vec<(String, String)> = if effective {
            SETTINGS
                .iter()
                .map(|(n, d)| {
                    let v = self.values.get(*n).map_or(*d, String::as_str);
                    (n.to_string(), v.to_string())
                })
                .collect()
        } else {
            self.values
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect()
        };
        Ok(all
            .into_iter()
            .filter(|(n, _)| name.is_none_or(|x| x == n))
            .filter(|(_, v)| value.is_none_or(|x| x == v))
            .collect())
    }
}

fn default_of(name: &str) -> &'static str {
    SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_list_delete_and_effective_defaults() {
        let mut s = AccountSettings::default();
        assert!(s.list(None, None, false).unwrap().is_empty());
        s.put("serviceLongArnFormat", "disabled").unwrap();
        s.put("containerInsights", "enabled").unwrap();
        assert_eq!(s.list(None, Some("enabled"), false).unwrap().len(), 1);
        let effective = s.list(None, None, true).unwrap();
        assert_eq!(effective.len(), SETTINGS.len());
        assert!(effective.contains(&("taskLongArnFormat".into(), "enabled".into())));
        assert_eq!(s.delete("serviceLongArnFormat").unwrap(), "disabled");
        assert_eq!(s.list(None, None, false).unwrap().len(), 1);
        let err = s.put("unknown", "enabled").unwrap_err();
        assert!(
            matches!(err, EcsError::InvalidParameter(m) if m.starts_with("unknown should be one of [serviceLongArnFormat,"))
        );
    }
}
