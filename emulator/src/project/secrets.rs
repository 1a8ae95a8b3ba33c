//! The topology's secrets in emul's Secrets Manager store.
//!
//! `emul up` calls [`ensure_all`] before anything else: every secret the
//! topology declares exists from then on, and a generated value is generated
//! once and then kept across restarts (the store is durable under the state
//! directory; [`SecretsManager::ensure_secret`] never overwrites).
//!
//! RDS-managed credentials (`rds_managed: <instance>`) live under AWS's
//! name `rds!db-<uuid>` with the `{"username","password"}` content. The uuid
//! is derived from the account, region, project and instance, so the same
//! secret is found again on every `up` without any extra bookkeeping. In the
//! topology file (ECS `value_from`) the secret is referred to by its
//! topology `name`; [`SecretNames`] maps that to the real one.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::Project;
use crate::services::secretsmanager::model::SecretValue;
use crate::services::secretsmanager::model::password::PasswordSpec;
use crate::services::secretsmanager::value_from::go_format;
use crate::services::secretsmanager::{EnsureValue, EnsuredSecret, SecretsManager};
use crate::topology::model::secrets::{GenerateSecretString, SecretSource, ValueFrom};

/// Characters RDS never puts in a managed master password (`/`, `@`, `"`,
/// space) and the backslash and quote, which trip shells.
const RDS_EXCLUDED: &str = "/@\" '\\";

/// Topology secret name → the secret as it exists in the store.
pub type SecretNames = BTreeMap<String, EnsuredSecret>;

/// A secret the store refused or a reference that does not resolve.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `ensure_secret` failed (e.g. a secret of that name is scheduled for deletion).
    #[error("secret {name}: {message}")]
    Ensure {
        /// The topology name.
        name: String,
        /// The store's message.
        message: String,
    },
    /// A `value_from` reference could not be resolved.
    #[error("{reference}: {message}")]
    Resolve {
        /// The reference as written.
        reference: String,
        /// What went wrong.
        message: String,
    },
}

/// The Secrets Manager name of an instance's RDS-managed secret:
/// `rds!db-<uuid>`, stable for (account, region, project, instance).
pub fn rds_managed_name(project: &Project, instance: &str) -> String {
    let d = Sha256::digest(
        format!(
            "{}/{}/{}/{instance}",
            project.account(),
            project.region(),
            project.name
        )
        .as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&d[..16]);
    format!(
        "rds!db-{}",
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    )
}

fn spec_of(g: &GenerateSecretString) -> PasswordSpec {
    PasswordSpec {
        length: *g.password_length,
        exclude_characters: g.exclude_characters.clone(),
        exclude_numbers: g.exclude_numbers,
        exclude_punctuation: g.exclude_punctuation,
        exclude_uppercase: g.exclude_uppercase,
        exclude_lowercase: g.exclude_lowercase,
        include_space: g.include_space,
        ..PasswordSpec::default()
    }
}

/// The real name, the first value and the description of each topology
/// secret, in file order (pure; [`ensure_all`] applies it).
pub fn desired(project: &Project) -> Vec<(String, String, EnsureValue, Option<String>)> {
    let t = &project.topology;
    let mut out = Vec::new();
    for s in &t.secrets {
        let (real, value, description) = match &s.source {
            SecretSource::String(v) => (
                s.name.value.clone(),
                EnsureValue::Literal(v.value.clone()),
                None,
            ),
            SecretSource::Json(obj) => (
                s.name.value.clone(),
                EnsureValue::Literal(serde_json::to_string(&obj.value).unwrap_or_default()),
                None,
            ),
            SecretSource::Generated(g) => {
                let value = match &g.generate_string_key {
                    Some(key) => EnsureValue::GeneratedJson {
                        template: g
                            .secret_string_template
                            .as_ref()
                            .map(|t| serde_json::to_string(&t.value).unwrap_or_default())
                            .unwrap_or_else(|| "{}".into()),
                        key: key.value.clone(),
                        spec: spec_of(g),
                    },
                    None => EnsureValue::GeneratedPassword(spec_of(g)),
                };
                (s.name.value.clone(), value, None)
            }
            SecretSource::RdsManaged(instance) => {
                let username = t
                    .rds_instance(instance)
                    .map(|d| d.username.value.clone())
                    .unwrap_or_default();
                let value = EnsureValue::GeneratedJson {
                    template: serde_json::json!({ "username": username }).to_string(),
                    key: "password".into(),
                    spec: PasswordSpec {
                        exclude_characters: RDS_EXCLUDED.into(),
                        ..PasswordSpec::default()
                    },
                };
                let description = format!(
                    "Secret associated with primary RDS DB instance: arn:aws:rds:{}:{}:db:{}",
                    project.region(),
                    project.account(),
                    instance.value
                );
                (
                    rds_managed_name(project, instance),
                    value,
                    Some(description),
                )
            }
            SecretSource::Missing => continue,
        };
        let description = s.description.clone().or(description);
        out.push((s.name.value.clone(), real, value, description));
    }
    out
}

/// Ensures every topology secret exists in `sm`; returns where each one is.
pub fn ensure_all(project: &Project, sm: &SecretsManager) -> Result<SecretNames, SecretError> {
    let mut names = SecretNames::new();
    for (name, real, value, description) in desired(project) {
        let owner = real.starts_with("rds!").then_some("rds");
        let ensured = sm
            .ensure_service_secret(
                project.account(),
                project.region(),
                &real,
                value,
                description,
                owner,
            )
            .map_err(|e| SecretError::Ensure {
                name: name.clone(),
                message: e.to_string(),
            })?;
        names.insert(name, ensured);
    }
    Ok(names)
}

/// The text a `value_from` reference denotes, as ECS would inject it: the
/// whole `SecretString`, or one JSON key of it (Go's `%v` formatting).
pub fn resolve(
    project: &Project,
    sm: &SecretsManager,
    names: &SecretNames,
    reference: &ValueFrom,
) -> Result<String, SecretError> {
    let err = |message: String| SecretError::Resolve {
        reference: reference.raw.clone(),
        message,
    };
    let secret = project
        .topology
        .resolve_secret(reference)
        .ok_or_else(|| err("names no secret of the topology".into()))?;
    let real = names
        .get(&*secret.name)
        .ok_or_else(|| err(format!("secret {} was not created", *secret.name)))?;
    let (_, value) = sm
        .get_value(
            project.account(),
            project.region(),
            &real.name,
            reference.version_id.as_deref(),
            reference.version_stage.as_deref(),
        )
        .map_err(|e| err(e.to_string()))?;
    let SecretValue::String(text) = value else {
        return Err(err("the secret holds a binary value".into()));
    };
    let Some(key) = &reference.json_key else {
        return Ok(text);
    };
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|_| err(format!("the secret is not JSON, so it has no key {key}")))?;
    map.get(key)
        .map(go_format)
        .ok_or_else(|| err(format!("the secret has no JSON key {key}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::project::fixture;
    use std::path::PathBuf;

    #[test]
    fn generated_secrets_are_kept_and_references_resolve() {
        let p = fixture("wechat.yaml");
        let sm = SecretsManager::in_memory();
        let names = ensure_all(&p, &sm).unwrap();
        assert!(names["wechat/database"].created);
        let vf = p.topology.rds_instances[0]
            .master_password_secret
            .clone()
            .unwrap();
        let pw = resolve(&p, &sm, &names, &vf).unwrap();
        assert_eq!(pw.len(), 32);
        assert!(
            pw.chars().all(|c| c.is_ascii_alphanumeric()),
            "exclude_punctuation"
        );
        // A second ensure keeps the value.
        let again = ensure_all(&p, &sm).unwrap();
        assert!(!again["wechat/database"].created);
        assert_eq!(resolve(&p, &sm, &again, &vf).unwrap(), pw);
        let user = ValueFrom::parse("wechat/database:username::").unwrap();
        assert_eq!(resolve(&p, &sm, &names, &user).unwrap(), "wechat_admin");
    }

    #[test]
    fn rds_managed_secrets_use_the_aws_name_and_shape() {
        let p = managed_fixture();
        let managed: Vec<_> = desired(&p)
            .into_iter()
            .filter(|(_, real, _, _)| real.starts_with("rds!db-"))
            .collect();
        assert_eq!(managed.len(), 1);
        let sm = SecretsManager::in_memory();
        let names = ensure_all(&p, &sm).unwrap();
        let (name, real, _, _) = &managed[0];
        assert_eq!(name, "wechat/db-managed");
        assert_eq!(&names[name].name, real);
        assert_eq!(real.len(), "rds!db-".len() + 36);
        let (_, v) = sm
            .get_value(p.account(), p.region(), real, None, None)
            .unwrap();
        let SecretValue::String(text) = v else {
            panic!("binary")
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["username"], "wechat_admin");
        assert!(json["password"].as_str().unwrap().len() >= 16);
        assert_eq!(rds_managed_name(&p, "x"), rds_managed_name(&p, "x"));
        assert_ne!(rds_managed_name(&p, "x"), rds_managed_name(&p, "y"));
    }

    /// wechat.yaml with RDS-managed master credentials.
    pub(crate) fn managed_fixture() -> Project {
        let file =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies/wechat.yaml");
        let src = std::fs::read_to_string(&file)
            .unwrap()
            .replace(
                "    master_password_secret: \"wechat/database:password::\"\n",
                "    manage_master_user_password: true\n",
            )
            .replace(
                "\nsecrets:\n",
                "\nsecrets:\n  - name: wechat/db-managed\n    rds_managed: wechat-db\n",
            );
        let t = crate::topology::parse_str(&src).unwrap();
        Project::from_topology(t, &file, None).unwrap()
    }
}
