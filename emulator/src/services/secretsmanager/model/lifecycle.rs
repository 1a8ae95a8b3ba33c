//! The lifecycle rules of a secret beyond its values: deletion schedule and
//! restore, tags, rotation configuration, and the resource policy.

use std::sync::Arc;

use rand::Rng;

use super::super::errors::SmError;
use super::names::{self, SecretRef};
use super::region::{Region, RotateResult};
use super::secret::{AWSCURRENT, AWSPENDING, DAY_MS, Millis, Rotation, Tag};
use super::validate::{check_tags, validate_token};

impl Region {
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
        if !self.secrets[&name].replicas.is_empty() {
            return Err(SmError::InvalidRequest(format!(
                "You can't delete secret {name} while it is replicated to other Regions. Remove its replicas first with RemoveRegionsFromReplication."
            )));
        }
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

    /// RotateSecret: validates and stores the rotation configuration. emul
    /// has no Lambda to invoke, so the caller then fails the rotation itself
    /// (docs/decisions/0006-secretsmanager-rotation.md).
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
        // A secret rotation was never configured on: AWS's documented
        // InvalidRequestException for this operation.
        let Some(r) = secret.rotation.as_mut() else {
            return Err(SmError::InvalidRequest(
                "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call."
                    .into(),
            ));
        };
        r.enabled = false;
        secret.last_changed = now;
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// PutResourcePolicy (the document must be a JSON object). The secret
    /// is looked up first: a policy for a secret that does not exist is
    /// ResourceNotFoundException whatever the document, as for every other
    /// operation on a secret.
    pub fn put_policy(
        &mut self,
        id: &str,
        policy: &str,
        now: Millis,
    ) -> Result<(String, String), SmError> {
        let secret = self.get_mut_active(id, now)?;
        match serde_json::from_str::<serde_json::Value>(policy) {
            Ok(v) if v.is_object() => {}
            _ => {
                return Err(SmError::MalformedPolicy(
                    "This resource policy contains a syntax error.".into(),
                ));
            }
        }
        secret.resource_policy = Some(policy.to_string());
        Ok((secret.arn.clone(), secret.name.clone()))
    }

    /// DeleteResourcePolicy.
    pub fn delete_policy(&mut self, id: &str, now: Millis) -> Result<(String, String), SmError> {
        let secret = self.get_mut_active(id, now)?;
        secret.resource_policy = None;
        Ok((secret.arn.clone(), secret.name.clone()))
    }
}
