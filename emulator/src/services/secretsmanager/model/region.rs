//! The secrets of one account and region, and the rules of every operation
//! that reads or changes them. Pure: time and randomness come in as
//! arguments; nothing here does I/O.
//!
//! Secrets are held as `Arc<Secret>` so the service can clone a whole
//! region cheaply, apply an operation to the clone, persist exactly the
//! secrets whose `Arc` changed ([`Region::diff`]), and only then publish it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::super::errors::SmError;
use super::names::{self, SecretRef};
use super::secret::{AWSCURRENT, Millis, Secret, SecretValue, Tag, Version};
use super::validate::{
    check_description, check_stages, check_tags, check_value, dedup_tags, validate_token,
};

/// Which account and region a [`Region`] belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// The account id.
    pub account: String,
    /// The region name.
    pub region: String,
}

/// One persisted change, produced by [`Region::diff`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// The secret now looks like this, with all its versions (a new
    /// secret, a re-created one, or a compaction snapshot).
    Upsert(Scope, Box<Secret>),
    /// An existing secret changed: its metadata is now `meta` (whose
    /// `versions` is empty), `versions` were added or relabelled, `removed`
    /// were pruned. Keeps a write proportional to what changed, not to the
    /// secret's whole history.
    Patch {
        /// Whose secret.
        scope: Scope,
        /// Everything but the versions.
        meta: Box<Secret>,
        /// New versions (with their values).
        versions: Vec<Version>,
        /// Existing versions whose labels changed: id → the labels now.
        #[serde(default)]
        relabelled: Vec<(String, BTreeSet<String>)>,
        /// Ids of versions that are gone.
        removed: Vec<String>,
    },
    /// The secret with this name is gone.
    Remove(Scope, String),
}

impl Change {
    /// The scope the change belongs to.
    pub fn scope(&self) -> &Scope {
        match self {
            Change::Upsert(s, _) | Change::Remove(s, _) | Change::Patch { scope: s, .. } => s,
        }
    }
}

/// The secrets of one scope, by name.
#[derive(Debug, Clone)]
pub struct Region {
    /// Whose secrets these are (ARNs are built from it).
    pub scope: Scope,
    /// Secrets by name (one live-or-scheduled secret per name).
    pub secrets: BTreeMap<String, Arc<Secret>>,
}

/// What CreateSecret asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// Name.
    pub name: String,
    /// ClientRequestToken (becomes the VersionId).
    pub token: Option<String>,
    /// SecretString or SecretBinary.
    pub value: Option<SecretValue>,
    /// Description.
    pub description: Option<String>,
    /// KmsKeyId.
    pub kms_key_id: Option<String>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Type.
    pub secret_type: Option<String>,
    /// OwningService (set by emul for service-managed secrets, never by API).
    pub owning_service: Option<String>,
}

/// ARN, name and (when a version was created or matched) its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteResult {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// VersionId of the new (or idempotently matched) version.
    pub version_id: Option<String>,
    /// The labels now on that version (PutSecretValue's VersionStages).
    pub version_stages: Vec<String>,
}

/// The outcome of RotateSecret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateResult {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
}
impl Region {
    /// An empty region.
    pub fn new(scope: Scope) -> Self {
        Region {
            scope,
            secrets: BTreeMap::new(),
        }
    }

    /// The changes that turn `before` into `self`.
    pub fn diff(&self, before: &Region) -> Vec<Change> {
        let mut changes = Vec::new();
        for (name, secret) in &self.secrets {
            match before.secrets.get(name) {
                Some(old) if Arc::ptr_eq(old, secret) => {}
                Some(old) if old.arn == secret.arn => changes.push(patch(&self.scope, old, secret)),
                _ => changes.push(Change::Upsert(
                    self.scope.clone(),
                    Box::new((**secret).clone()),
                )),
            }
        }
        for name in before.secrets.keys() {
            if !self.secrets.contains_key(name) {
                changes.push(Change::Remove(self.scope.clone(), name.clone()));
            }
        }
        changes
    }

    /// Applies a persisted change (log replay). A patch of a secret that
    /// does not exist means the log is inconsistent: an error, never a guess.
    pub fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::Upsert(_, secret) => {
                self.secrets.insert(secret.name.clone(), Arc::new(*secret));
            }
            Change::Patch {
                meta,
                versions,
                relabelled,
                removed,
                ..
            } => {
                let mut secret = *meta;
                let old = self
                    .secrets
                    .get(&secret.name)
                    .filter(|old| old.arn == secret.arn)
                    .ok_or_else(|| {
                        format!("a change to secret {} that does not exist", secret.arn)
                    })?;
                secret.versions = old.versions.clone();
                for id in removed {
                    secret.versions.remove(&id);
                }
                for v in versions {
                    secret.versions.insert(v.id.clone(), v);
                }
                for (id, stages) in relabelled {
                    let v = secret.versions.get_mut(&id).ok_or_else(|| {
                        format!(
                            "a label change to version {id} of {}, which does not exist",
                            secret.arn
                        )
                    })?;
                    v.stages = stages;
                }
                self.secrets.insert(secret.name.clone(), Arc::new(secret));
            }
            Change::Remove(_, name) => {
                self.secrets.remove(&name);
            }
        }
        Ok(())
    }

    /// `true` when a scheduled secret's recovery window has passed.
    fn expired(secret: &Secret, now: Millis) -> bool {
        secret.deletion_date.is_some_and(|d| d <= now)
    }

    /// Resolves a SecretId (name, full ARN, partial ARN) to a secret's name.
    pub fn resolve(&self, id: &str, now: Millis) -> Result<String, SmError> {
        let found = match names::parse_secret_id(id)? {
            SecretRef::Name(name) => self.secrets.get(&name),
            SecretRef::FullArn(arn) => names::name_of_full_arn(&arn)
                .and_then(|name| self.secrets.get(name))
                .filter(|s| s.arn == arn),
            SecretRef::PartialArn {
                name,
                region,
                account,
            } => self
                .secrets
                .get(&name)
                .filter(|_| region == self.scope.region && account == self.scope.account),
        };
        match found {
            Some(s) if !Self::expired(s, now) => Ok(s.name.clone()),
            _ => Err(SmError::SecretNotFound),
        }
    }

    /// The secret a SecretId names.
    pub fn get(&self, id: &str, now: Millis) -> Result<&Arc<Secret>, SmError> {
        let name = self.resolve(id, now)?;
        Ok(&self.secrets[&name])
    }

    /// The secret a SecretId names, for changing; fails on a secret
    /// scheduled for deletion.
    pub(super) fn get_mut_active(&mut self, id: &str, now: Millis) -> Result<&mut Secret, SmError> {
        let name = self.resolve(id, now)?;
        let secret = self.secrets.get_mut(&name).expect("resolved names exist");
        if secret.is_scheduled_for_deletion() {
            return Err(SmError::MarkedForDeletion);
        }
        Ok(Arc::make_mut(secret))
    }

    /// Drops secrets whose recovery window has passed.
    pub fn purge_expired(&mut self, now: Millis) {
        self.secrets.retain(|_, s| !Self::expired(s, now));
    }

    /// CreateSecret.
    pub fn create(
        &mut self,
        req: CreateRequest,
        now: Millis,
        rng: &mut impl Rng,
    ) -> Result<WriteResult, SmError> {
        // Service-managed secrets (RDS's `rds!db-…`) may use `!`, which
        // the API refuses in names it is asked to create.
        if req.owning_service.is_some() {
            names::validate_secret_id(&req.name)?;
        } else {
            names::validate_name(&req.name)?;
        }
        check_description(req.description.as_deref())?;
        if let Some(value) = &req.value {
            check_value(value)?;
        }
        if let Some(tags) = &req.tags {
            check_tags(tags)?;
        }
        let token = match (&req.token, &req.value) {
            (Some(t), _) => {
                validate_token(t)?;
                Some(t.clone())
            }
            (None, Some(_)) => return Err(SmError::MissingToken { rotate: false }),
            (None, None) => None,
        };
        self.purge_expired(now);
        if let Some(existing) = self.secrets.get(&req.name) {
            if existing.is_scheduled_for_deletion() {
                return Err(SmError::NameScheduledForDeletion);
            }
            if let (Some(t), Some(v)) = (
                &token,
                &existing.versions.get(token.as_deref().unwrap_or_default()),
            ) {
                if Some(&*v.value) == req.value.as_ref() {
                    return Ok(WriteResult {
                        arn: existing.arn.clone(),
                        name: existing.name.clone(),
                        version_id: Some(t.clone()),
                        version_stages: v.stages.iter().cloned().collect(),
                    });
                }
                return Err(SmError::TokenInUse {
                    token: t.clone(),
                    arn: existing.arn.clone(),
                });
            }
            return Err(SmError::SecretExists(req.name));
        }
        let suffix = names::random_suffix(rng);
        let arn = names::secret_arn(&self.scope.region, &self.scope.account, &req.name, &suffix);
        let mut secret = Secret::new(arn.clone(), req.name.clone(), now);
        secret.description = req.description;
        secret.kms_key_id = req
            .kms_key_id
            .filter(|k| !k.is_empty() && k != "alias/aws/secretsmanager");
        secret.secret_type = req.secret_type;
        secret.owning_service = req.owning_service;
        secret.tags = req.tags.map(dedup_tags);
        let mut version_id = None;
        let mut version_stages = Vec::new();
        if let (Some(value), Some(token)) = (req.value, token) {
            secret.add_version(
                token.clone(),
                value,
                &BTreeSet::from([AWSCURRENT.to_string()]),
                now,
            );
            version_stages = vec![AWSCURRENT.to_string()];
            version_id = Some(token);
        }
        self.secrets.insert(req.name.clone(), Arc::new(secret));
        Ok(WriteResult {
            arn,
            name: req.name,
            version_id,
            version_stages,
        })
    }

    /// PutSecretValue.
    pub fn put_value(
        &mut self,
        id: &str,
        token: Option<&str>,
        value: Option<SecretValue>,
        stages: Option<Vec<String>>,
        now: Millis,
    ) -> Result<WriteResult, SmError> {
        let value = value.ok_or(SmError::NoValue)?;
        check_value(&value)?;
        let token = token.ok_or(SmError::MissingToken { rotate: false })?;
        validate_token(token)?;
        let stages = match stages {
            Some(s) => check_stages(s)?,
            None => BTreeSet::from([AWSCURRENT.to_string()]),
        };
        let secret = self.get_mut_active(id, now)?;
        if let Some(v) = secret.versions.get(token) {
            if *v.value == value {
                let stages = v.stages.iter().cloned().collect();
                return Ok(result(secret, Some(token.to_string()), stages));
            }
            return Err(SmError::TokenInUse {
                token: token.to_string(),
                arn: secret.arn.clone(),
            });
        }
        secret.add_version(token.to_string(), value, &stages, now);
        let on_version = secret.versions[token].stages.iter().cloned().collect();
        Ok(result(secret, Some(token.to_string()), on_version))
    }

    /// UpdateSecret.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &mut self,
        id: &str,
        token: Option<&str>,
        value: Option<SecretValue>,
        description: Option<String>,
        kms_key_id: Option<String>,
        secret_type: Option<String>,
        now: Millis,
    ) -> Result<WriteResult, SmError> {
        check_description(description.as_deref())?;
        if let Some(v) = &value {
            check_value(v)?;
        }
        let token = match (token, &value) {
            (Some(t), _) => {
                validate_token(t)?;
                Some(t)
            }
            (None, Some(_)) => return Err(SmError::MissingToken { rotate: false }),
            (None, None) => None,
        };
        let secret = self.get_mut_active(id, now)?;
        if let Some(d) = description {
            secret.description = Some(d);
        }
        if let Some(k) = kms_key_id {
            // An empty string means "back to aws/secretsmanager".
            secret.kms_key_id = (!k.is_empty() && k != "alias/aws/secretsmanager").then_some(k);
        }
        if let Some(t) = secret_type {
            secret.secret_type = Some(t);
        }
        secret.last_changed = now;
        let mut version_id = None;
        let mut stages = Vec::new();
        if let (Some(value), Some(token)) = (value, token) {
            if let Some(v) = secret.versions.get(token) {
                if *v.value != value {
                    return Err(SmError::TokenInUse {
                        token: token.to_string(),
                        arn: secret.arn.clone(),
                    });
                }
                stages = v.stages.iter().cloned().collect();
            } else {
                secret.add_version(
                    token.to_string(),
                    value,
                    &BTreeSet::from([AWSCURRENT.to_string()]),
                    now,
                );
                stages = vec![AWSCURRENT.to_string()];
            }
            version_id = Some(token.to_string());
        }
        Ok(result(secret, version_id, stages))
    }

    /// UpdateSecretVersionStage.
    pub fn update_version_stage(
        &mut self,
        id: &str,
        label: &str,
        remove_from: Option<&str>,
        move_to: Option<&str>,
        now: Millis,
    ) -> Result<(String, String), SmError> {
        if label.is_empty() || label.len() > 256 {
            return Err(SmError::InvalidParameter(
                "Staging labels must be 1-256 characters long.".into(),
            ));
        }
        let secret = self.get_mut_active(id, now)?;
        for v in [remove_from, move_to].into_iter().flatten() {
            if !secret.versions.contains_key(v) {
                return Err(SmError::NotAValidVersion(v.to_string()));
            }
        }
        let holder = secret.holder_of(label);
        match (move_to, remove_from) {
            (Some(to), _)
                if holder.as_deref() == Some(to) && remove_from.is_none_or(|r| r == to) => {}
            (Some(to), _) => {
                if let Some(h) = &holder {
                    match remove_from {
                        None => {
                            return Err(SmError::RemoveFromRequired {
                                label: label.into(),
                                holder: h.clone(),
                            });
                        }
                        Some(r) if r != h => {
                            return Err(SmError::StageNotOnVersion {
                                label: label.into(),
                                version: r.into(),
                            });
                        }
                        Some(_) => {}
                    }
                } else if let Some(r) = remove_from {
                    return Err(SmError::StageNotOnVersion {
                        label: label.into(),
                        version: r.into(),
                    });
                }
                if secret.versions[to].stages.len() >= 20
                    && !secret.versions[to].stages.contains(label)
                {
                    return Err(SmError::InvalidParameter(
                        "A version can have at most 20 staging labels.".into(),
                    ));
                }
                secret.attach_label(label, to);
            }
            (None, Some(from)) => {
                if holder.as_deref() != Some(from) {
                    return Err(SmError::StageNotOnVersion {
                        label: label.into(),
                        version: from.into(),
                    });
                }
                if label == AWSCURRENT {
                    return Err(SmError::InvalidParameter(
                        "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.".into(),
                    ));
                }
                secret.detach_label(label, from);
            }
            (None, None) => {
                return Err(SmError::InvalidParameter(
                    "You must specify at least one of RemoveFromVersionId and MoveToVersionId."
                        .into(),
                ));
            }
        }
        secret.last_changed = now;
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// Selects the version GetSecretValue returns (and marks it accessed).
    pub fn get_value(
        &self,
        id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
        now: Millis,
    ) -> Result<(Arc<Secret>, String), SmError> {
        let secret = self.get(id, now)?;
        if secret.is_scheduled_for_deletion() {
            return Err(SmError::MarkedForDeletion);
        }
        let version = match (version_id, stage) {
            (Some(vid), Some(st)) => {
                let v = secret
                    .versions
                    .get(vid)
                    .ok_or_else(|| SmError::VersionNotFound(vid.into()))?;
                if !v.stages.contains(st) {
                    return Err(SmError::StageVersionMismatch);
                }
                v
            }
            (Some(vid), None) => secret
                .versions
                .get(vid)
                .ok_or_else(|| SmError::VersionNotFound(vid.into()))?,
            (None, st) => {
                let st = st.unwrap_or(AWSCURRENT);
                secret
                    .version_with_label(st)
                    .ok_or_else(|| SmError::LabelNotFound(st.into()))?
            }
        };
        secret.last_accessed.touch(now);
        version.last_accessed.touch(now);
        Ok((Arc::clone(secret), version.id.clone()))
    }
}

/// The [`Change::Patch`] from `old` to `new` (same secret).
fn patch(scope: &Scope, old: &Secret, new: &Secret) -> Change {
    // Values never change once written; only labels (and access days) do,
    // so known versions are written as label lists, without their values.
    let mut versions = Vec::new();
    let mut relabelled = Vec::new();
    for v in new.versions.values() {
        match old.versions.get(&v.id) {
            None => versions.push(v.clone()),
            Some(o) if o.stages != v.stages => relabelled.push((v.id.clone(), v.stages.clone())),
            Some(_) => {}
        }
    }
    let removed = old
        .versions
        .keys()
        .filter(|id| !new.versions.contains_key(*id))
        .cloned()
        .collect();
    let meta = Secret {
        versions: Default::default(),
        ..new.clone()
    };
    Change::Patch {
        scope: scope.clone(),
        meta: Box::new(meta),
        versions,
        relabelled,
        removed,
    }
}

fn result(secret: &Secret, version_id: Option<String>, version_stages: Vec<String>) -> WriteResult {
    WriteResult {
        arn: secret.arn.clone(),
        name: secret.name.clone(),
        version_id,
        version_stages,
    }
}
