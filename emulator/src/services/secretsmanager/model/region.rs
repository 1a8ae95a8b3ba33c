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
use super::secret::{AWSCURRENT, AWSPENDING, DAY_MS, Millis, Rotation, Secret, SecretValue, Tag};

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
    /// The secret now looks like this (created or changed).
    Upsert(Scope, Box<Secret>),
    /// The secret with this name is gone.
    Remove(Scope, String),
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

/// Checks a ClientRequestToken's length (32–64).
pub fn validate_token(token: &str) -> Result<(), SmError> {
    if (32..=64).contains(&token.len()) {
        Ok(())
    } else {
        Err(SmError::InvalidParameter(
            "ClientRequestToken must be 32-64 characters long.".into(),
        ))
    }
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

    /// Applies a persisted change (log replay).
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Upsert(_, secret) => {
                self.secrets.insert(secret.name.clone(), Arc::new(*secret));
            }
            Change::Remove(_, name) => {
                self.secrets.remove(&name);
            }
        }
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
    fn get_mut_active(&mut self, id: &str, now: Millis) -> Result<&mut Secret, SmError> {
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
        names::validate_name(&req.name)?;
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
                if Some(&v.value) == req.value.as_ref() {
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
            if v.value == value {
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
                if v.value != value {
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

    /// DeleteSecret. Returns ARN, name and DeletionDate.
    pub fn delete(
        &mut self,
        id: &str,
        window_days: Option<i64>,
        force: Option<bool>,
        now: Millis,
        rng: &mut impl Rng,
    ) -> Result<(String, String, Millis), SmError> {
        if let Some(w) = window_days
            && !(7..=30).contains(&w)
        {
            return Err(SmError::RecoveryWindowRange);
        }
        let force = force.unwrap_or(false);
        if force && window_days.is_some() {
            return Err(SmError::ForceWithWindow);
        }
        let name = match self.resolve(id, now) {
            Ok(name) => name,
            Err(SmError::SecretNotFound) if force => {
                // AWS answers a force delete of a missing secret as if it existed.
                let (arn, name) = match names::parse_secret_id(id)? {
                    SecretRef::FullArn(arn) => {
                        let name = names::name_of_full_arn(&arn).unwrap_or(id).to_string();
                        (arn, name)
                    }
                    SecretRef::PartialArn { name, .. } | SecretRef::Name(name) => {
                        let suffix = names::random_suffix(rng);
                        (
                            names::secret_arn(
                                &self.scope.region,
                                &self.scope.account,
                                &name,
                                &suffix,
                            ),
                            name,
                        )
                    }
                };
                return Ok((arn, name, now));
            }
            Err(e) => return Err(e),
        };
        if force {
            let secret = self.secrets.remove(&name).expect("resolved names exist");
            return Ok((secret.arn.clone(), secret.name.clone(), now));
        }
        let secret = Arc::make_mut(self.secrets.get_mut(&name).expect("resolved names exist"));
        if secret.is_scheduled_for_deletion() {
            return Err(SmError::AlreadyScheduled);
        }
        let deletion = now + window_days.unwrap_or(30) * DAY_MS;
        secret.deleted = Some(now);
        secret.deletion_date = Some(deletion);
        secret.last_changed = now;
        Ok((secret.arn.clone(), secret.name.clone(), deletion))
    }

    /// RestoreSecret.
    pub fn restore(&mut self, id: &str, now: Millis) -> Result<(String, String), SmError> {
        let name = self.resolve(id, now)?;
        let secret = Arc::make_mut(self.secrets.get_mut(&name).expect("resolved names exist"));
        if secret.is_scheduled_for_deletion() {
            secret.deleted = None;
            secret.deletion_date = None;
            secret.last_changed = now;
        }
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// TagResource: appends, overwriting the value of an existing key.
    pub fn tag(&mut self, id: &str, tags: Vec<Tag>, now: Millis) -> Result<(), SmError> {
        check_tags(&tags)?;
        let secret = self.get_mut_active(id, now)?;
        let current = secret.tags.get_or_insert_with(Vec::new);
        for tag in tags {
            match current.iter_mut().find(|t| t.key == tag.key) {
                Some(existing) => existing.value = tag.value,
                None => current.push(tag),
            }
        }
        if current.len() > 50 {
            return Err(SmError::InvalidParameter(
                "Number of tags exceeds the limit of 50.".into(),
            ));
        }
        secret.last_changed = now;
        Ok(())
    }

    /// UntagResource: removing absent keys is not an error.
    pub fn untag(&mut self, id: &str, keys: &[String], now: Millis) -> Result<(), SmError> {
        let secret = self.get_mut_active(id, now)?;
        let current = secret.tags.get_or_insert_with(Vec::new);
        current.retain(|t| !keys.contains(&t.key));
        secret.last_changed = now;
        Ok(())
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

    /// RotateSecret: validates and stores the rotation configuration. emul
    /// has no Lambda to invoke, so the caller then fails the rotation itself
    /// (docs/decisions/secretsmanager-rotation.md).
    pub fn rotate(
        &mut self,
        id: &str,
        token: Option<&str>,
        lambda_arn: Option<String>,
        rules: Option<Rotation>,
        now: Millis,
    ) -> Result<RotateResult, SmError> {
        let token = token.ok_or(SmError::MissingToken { rotate: true })?;
        validate_token(token)?;
        if let Some(days) = rules.as_ref().and_then(|r| r.automatically_after_days)
            && !(1..=1000).contains(&days)
        {
            return Err(SmError::InvalidParameter(
                "The AutomaticallyAfterDays value must be between 1 and 1000 (inclusive).".into(),
            ));
        }
        let secret = self.get_mut_active(id, now)?;
        let configured = secret.rotation.as_ref().and_then(|r| r.lambda_arn.clone());
        let Some(lambda) = lambda_arn.or(configured) else {
            return Err(SmError::NoRotationLambda);
        };
        let pending = secret.holder_of(AWSPENDING);
        if pending.is_some() && pending != secret.holder_of(AWSCURRENT) {
            return Err(SmError::RotationInProgress);
        }
        let mut rotation = secret.rotation.clone().unwrap_or_default();
        rotation.enabled = true;
        rotation.lambda_arn = Some(lambda);
        if let Some(r) = rules {
            rotation.automatically_after_days = r.automatically_after_days;
            rotation.duration = r.duration;
            rotation.schedule_expression = r.schedule_expression;
        }
        secret.rotation = Some(rotation);
        secret.last_changed = now;
        Ok(RotateResult {
            arn: secret.arn.clone(),
            name: secret.name.clone(),
        })
    }

    /// CancelRotateSecret.
    pub fn cancel_rotate(&mut self, id: &str, now: Millis) -> Result<(String, String), SmError> {
        let secret = self.get_mut_active(id, now)?;
        if let Some(r) = secret.rotation.as_mut() {
            r.enabled = false;
        }
        secret.last_changed = now;
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// PutResourcePolicy (the document must be a JSON object).
    pub fn put_policy(
        &mut self,
        id: &str,
        policy: &str,
        now: Millis,
    ) -> Result<(String, String), SmError> {
        match serde_json::from_str::<serde_json::Value>(policy) {
            Ok(v) if v.is_object() => {}
            _ => {
                return Err(SmError::MalformedPolicy(
                    "This resource policy contains a syntax error.".into(),
                ));
            }
        }
        let secret = self.get_mut_active(id, now)?;
        secret.resource_policy = Some(policy.to_string());
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// DeleteResourcePolicy.
    pub fn delete_policy(&mut self, id: &str, now: Millis) -> Result<(String, String), SmError> {
        let secret = self.get_mut_active(id, now)?;
        secret.resource_policy = None;
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

fn result(secret: &Secret, version_id: Option<String>, version_stages: Vec<String>) -> WriteResult {
    WriteResult {
        arn: secret.arn.clone(),
        name: secret.name.clone(),
        version_id,
        version_stages,
    }
}

/// Later duplicates of a key overwrite earlier ones (keys are case-sensitive).
fn dedup_tags(tags: Vec<Tag>) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for t in tags {
        match out.iter_mut().find(|o| o.key == t.key) {
            Some(o) => o.value = t.value,
            None => out.push(t),
        }
    }
    out
}

fn check_value(value: &SecretValue) -> Result<(), SmError> {
    let len = match value {
        SecretValue::String(s) => s.len(),
        SecretValue::Binary(b) => b.len(),
    };
    if len == 0 || len > 65536 {
        let member = if matches!(value, SecretValue::String(_)) {
            "secretString"
        } else {
            "secretBinary"
        };
        let constraint = if len == 0 {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 65536"
        };
        return Err(SmError::Validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
        )));
    }
    Ok(())
}

fn check_description(d: Option<&str>) -> Result<(), SmError> {
    if d.is_some_and(|d| d.len() > 2048) {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048".into(),
        ));
    }
    Ok(())
}

fn check_tags(tags: &[Tag]) -> Result<(), SmError> {
    for t in tags {
        if t.key.is_empty() || t.key.len() > 128 || t.value.len() > 256 {
            return Err(SmError::Validation(format!(
                "1 validation error detected: Value '{}' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 (values at most 256)",
                t.key
            )));
        }
        if t.key.starts_with("aws:") {
            return Err(SmError::InvalidParameter(
                "Invalid tag key: tag keys can't start with 'aws:'.".into(),
            ));
        }
    }
    Ok(())
}

fn check_stages(stages: Vec<String>) -> Result<BTreeSet<String>, SmError> {
    if stages.is_empty() || stages.len() > 20 {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 20".into(),
        ));
    }
    if stages.iter().any(|s| s.is_empty() || s.len() > 256) {
        return Err(SmError::Validation(
            "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 256".into(),
        ));
    }
    Ok(stages.into_iter().collect())
}
