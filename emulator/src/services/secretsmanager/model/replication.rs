//! Replicas of a secret in other regions (ReplicateSecretToRegions,
//! RemoveRegionsFromReplication, StopReplicationToReplica, CreateSecret's
//! `AddReplicaRegions`). Pure.
//!
//! A primary secret lists its replicas ([`Replica`]); a replica is a copy
//! in its region, under the same name and the primary's ARN with the
//! region changed, that knows its primary's region. A replica is read only:
//! every change is made to the primary and [`propagate`] carries it to the
//! replicas in the same durable record, so a reader in any region sees the
//! primary's state as of the last acknowledged write.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::region::{Region, Scope};
use super::secret::{Millis, Secret};
use crate::services::secretsmanager::errors::SmError;

/// One replica region of a primary secret (its `ReplicationStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    /// The region.
    pub region: String,
    /// The replica's KMS key, if not the default.
    pub kms_key_id: Option<String>,
    /// `InSync`, or `Failed` when a secret of that name was already there.
    pub in_sync: bool,
    /// `StatusMessage`.
    pub message: String,
}

impl Replica {
    /// `InSync` / `Failed`.
    pub fn status(&self) -> &'static str {
        if self.in_sync { "InSync" } else { "Failed" }
    }
}

/// A replica region asked for, with what the caller found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaRequest {
    /// The region.
    pub region: String,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// A secret of the same name that is not this secret's replica already
    /// lives there.
    pub name_taken: bool,
}

/// AWS's answer to a change made on a replica.
pub fn not_on_a_replica() -> SmError {
    SmError::InvalidParameter(
        "Operation not permitted on a replica secret. Call must be made in primary secret's region."
            .into(),
    )
}

/// `arn` with its region field replaced.
pub fn arn_in_region(arn: &str, region: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 {
        parts[3] = region;
    }
    parts.join(":")
}

impl Secret {
    /// This secret as its replica in `region`.
    pub fn replica_in(&self, primary_region: &str, replica: &Replica) -> Secret {
        let mut copy = self.clone();
        copy.arn = arn_in_region(&self.arn, &replica.region);
        copy.primary_region = Some(primary_region.to_string());
        copy.replicas = Vec::new();
        if replica.kms_key_id.is_some() {
            copy.kms_key_id = replica.kms_key_id.clone();
        }
        copy
    }
}

impl Region {
    /// The secret `id` names, refusing a replica (changes go to the
    /// primary).
    pub fn check_not_replica(&self, id: &str, now: Millis) -> Result<(), SmError> {
        match self.get(id, now) {
            Ok(s) if s.primary_region.is_some() => Err(not_on_a_replica()),
            _ => Ok(()),
        }
    }

    /// ReplicateSecretToRegions (and CreateSecret's `AddReplicaRegions`):
    /// adds replica regions to secret `id`. A region that is this one is
    /// refused; one where the name is taken is `Failed` unless `force`
    /// (the other secret is then replaced). Returns (ARN, replicas).
    pub fn add_replicas(
        &mut self,
        id: &str,
        asked: Vec<ReplicaRequest>,
        force: bool,
        now: Millis,
    ) -> Result<(String, Vec<Replica>), SmError> {
        let here = self.scope.region.clone();
        if asked
            .iter()
            .any(|r| r.region == here || r.region.is_empty())
        {
            return Err(SmError::InvalidParameter("Invalid replica region.".into()));
        }
        self.check_not_replica(id, now)?;
        let secret = self.get_mut_active(id, now)?;
        for a in asked {
            let failed = a.name_taken && !force;
            let replica = Replica {
                message: if failed {
                    format!(
                        "Replication failed: Secret name {} already exists in region {}.",
                        secret.name, a.region
                    )
                } else {
                    "Replication succeeded".into()
                },
                region: a.region,
                kms_key_id: a.kms_key_id,
                in_sync: !failed,
            };
            match secret
                .replicas
                .iter_mut()
                .find(|r| r.region == replica.region)
            {
                Some(existing) => *existing = replica,
                None => secret.replicas.push(replica),
            }
        }
        secret.last_changed = now;
        Ok((secret.arn.clone(), secret.replicas.clone()))
    }

    /// RemoveRegionsFromReplication: drops replica regions (idempotent).
    pub fn remove_replicas(
        &mut self,
        id: &str,
        regions: &[String],
        now: Millis,
    ) -> Result<(String, Vec<Replica>), SmError> {
        self.check_not_replica(id, now)?;
        let secret = self.get_mut_active(id, now)?;
        secret.replicas.retain(|r| !regions.contains(&r.region));
        Ok((secret.arn.clone(), secret.replicas.clone()))
    }

    /// StopReplicationToReplica, called in the replica's region: the
    /// replica becomes a secret of its own.
    pub fn stop_replication(&mut self, id: &str, now: Millis) -> Result<String, SmError> {
        let secret = self.get_mut_active(id, now)?;
        if secret.primary_region.is_none() {
            return Err(SmError::InvalidRequest(
                "StopReplicationToReplica is called on a replica, in its region.".into(),
            ));
        }
        secret.primary_region = None;
        secret.last_changed = now;
        Ok(secret.arn.clone())
    }
}

/// The other regions a write to `scope` changes: the replicas of every
/// primary secret that changed (upserted when in sync, removed when their
/// region was dropped), and the primary of a replica that stopped being
/// one. `current` gives another region's state as the writer has it.
pub fn propagate(
    before: &Region,
    after: &Region,
    current: impl Fn(&Scope) -> Option<Region>,
) -> Vec<(Scope, Region)> {
    let here = &after.scope;
    let mut out: BTreeMap<Scope, Region> = BTreeMap::new();
    let region_of = |region: &str, out: &mut BTreeMap<Scope, Region>| -> Scope {
        let scope = Scope {
            account: here.account.clone(),
            region: region.to_string(),
        };
        out.entry(scope.clone())
            .or_insert_with(|| current(&scope).unwrap_or_else(|| Region::new(scope.clone())));
        scope
    };
    let names: Vec<&String> = after.secrets.keys().chain(before.secrets.keys()).collect();
    for name in names {
        let old = before.secrets.get(name);
        let new = after.secrets.get(name);
        if let (Some(o), Some(n)) = (old, new)
            && Arc::ptr_eq(o, n)
        {
            continue;
        }
        // A primary's replicas follow it.
        let old_replicas = old.map(|s| s.replicas.clone()).unwrap_or_default();
        if let Some(n) = new {
            for r in n.replicas.iter().filter(|r| r.in_sync) {
                let scope = region_of(&r.region, &mut out);
                let copy = n.replica_in(&here.region, r);
                out.get_mut(&scope)
                    .expect("just inserted")
                    .secrets
                    .insert(name.clone(), Arc::new(copy));
            }
        }
        for r in &old_replicas {
            let kept =
                new.is_some_and(|n| n.replicas.iter().any(|x| x.region == r.region && x.in_sync));
            if r.in_sync && !kept {
                let scope = region_of(&r.region, &mut out);
                let region = out.get_mut(&scope).expect("just inserted");
                if region
                    .secrets
                    .get(name)
                    .is_some_and(|s| s.primary_region.as_deref() == Some(&here.region))
                {
                    region.secrets.remove(name);
                }
            }
        }
        // A replica that stopped being one leaves its primary's list.
        if let (Some(o), Some(n)) = (old, new)
            && let (Some(primary), None) = (&o.primary_region, &n.primary_region)
        {
            let scope = region_of(primary, &mut out);
            let region = out.get_mut(&scope).expect("just inserted");
            if let Some(p) = region.secrets.get_mut(name) {
                Arc::make_mut(p)
                    .replicas
                    .retain(|r| r.region != here.region);
            }
        }
    }
    out.into_iter().collect()
}
