//! [`SecretsManager`]: the model behind locks, made durable, plugged into
//! the gateway, plus the library API the `up` path uses for topology secrets.
//!
//! Concurrency and durability (docs/decisions/0005-secretsmanager-durable-log.md):
//! - Readers take the model's read lock only; GetSecretValue never touches
//!   the disk and never waits for an fsync.
//! - Writers are serialised by the writer mutex. A writer clones the latest
//!   (possibly not yet durable) region — cheap, secrets are `Arc`s — applies
//!   the operation to the clone, and writes one record with the changes.
//!   Then, outside that mutex, it waits for an fsync covering its record:
//!   one fsync acknowledges every record written before it (group commit).
//!   The state of a record is published to readers only once it is durable,
//!   in log order. So no write is visible or acknowledged before it is
//!   durable, and two writers to one secret can never lose a version or tear
//!   a label move.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::SmError;
use super::model::password::{self, PasswordSpec};
use super::model::replication;
use super::model::{Change, CreateRequest, Millis, Region, Scope, SecretValue};
use super::ops;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::state::{RecordLog, StateError};

/// The file (under `<state-dir>/secretsmanager/`) that holds every secret.
pub const LOG_FILE: &str = "secrets.log";

/// Compact the log at start-up when it holds more than this many records
/// beyond two per live secret.
const COMPACT_SLACK: usize = 256;

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// The Secrets Manager service.
pub struct SecretsManager {
    /// Every region's secrets as of the last durable record: what readers
    /// see. Readers hold this briefly; writers only to publish.
    model: RwLock<HashMap<Scope, Region>>,
    /// The log and the not-yet-durable state; its mutex serialises writers.
    writer: Mutex<Writer>,
    /// The fsync side of group commit; its mutex serialises fsyncs.
    syncer: Mutex<Syncer>,
    /// Set when a write failed on disk (shown as `degraded` in health).
    degraded: AtomicBool,
    /// Where the log lives (for messages).
    log_path: Option<PathBuf>,
}

/// What the writer mutex protects.
struct Writer {
    /// The durable log; `None` for an in-memory instance.
    log: Option<RecordLog>,
    /// Every region including records written but not yet fsynced: what the
    /// next writer builds on, so concurrent writes never lose each other.
    pending: HashMap<Scope, Region>,
    /// Sequence number of the last record written.
    written: u64,
    /// States waiting for their record's fsync, in log order.
    unpublished: VecDeque<(u64, Scope, Region)>,
}

/// What the syncer mutex protects.
struct Syncer {
    /// Sequence number of the last record known durable (and published).
    synced: u64,
    /// A second handle on the log file to fsync without the writer mutex.
    file: Option<File>,
    /// Set after a failed fsync: nothing is acknowledged any more.
    failed: bool,
}

/// The value of a topology secret for [`SecretsManager::ensure_secret`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnsureValue {
    /// A literal SecretString (plain text or JSON).
    Literal(String),
    /// A password generated once with these options and then kept across
    /// restarts (the stored value is never regenerated).
    GeneratedPassword(PasswordSpec),
    /// CloudFormation's `GenerateSecretString` with `SecretStringTemplate` +
    /// `GenerateStringKey`: the JSON object `template` with a password
    /// generated once under `key` (e.g. `{"username":"app"}` + `password`).
    GeneratedJson {
        /// A JSON object (text) to start from.
        template: String,
        /// The member that receives the generated password.
        key: String,
        /// How to generate it.
        spec: PasswordSpec,
    },
}

/// What [`SecretsManager::ensure_secret`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsuredSecret {
    /// The secret's ARN (what ECS `valueFrom` references).
    pub arn: String,
    /// The name.
    pub name: String,
    /// `true` if it was created by this call, `false` if it already existed.
    pub created: bool,
}

impl SecretsManager {
    /// A service that keeps nothing on disk (tests, embedders).
    pub fn in_memory() -> Self {
        SecretsManager {
            model: RwLock::default(),
            writer: Mutex::new(Writer {
                log: None,
                pending: HashMap::new(),
                written: 0,
                unpublished: VecDeque::new(),
            }),
            syncer: Mutex::new(Syncer {
                synced: 0,
                file: None,
                failed: false,
            }),
            degraded: AtomicBool::new(false),
            log_path: None,
        }
    }

    /// Opens (or creates) the durable store under `<state_dir>/secretsmanager/`.
    pub fn open(state_dir: &Path) -> Result<Self, StateError> {
        let path = state_dir.join("secretsmanager").join(LOG_FILE);
        let opened = RecordLog::open(&path)?;
        let mut model: HashMap<Scope, Region> = HashMap::new();
        for (index, payload) in opened.payloads.iter().enumerate() {
            let changes: Vec<Change> =
                serde_json::from_slice(payload).map_err(|e| StateError::Corrupt {
                    path: path.clone(),
                    offset: opened.offsets[index],
                    reason: format!("record {} is not a valid change list: {e}", index + 1),
                })?;
            for change in changes {
                let scope = change.scope().clone();
                model
                    .entry(scope.clone())
                    .or_insert_with(|| Region::new(scope))
                    .apply(change)
                    .map_err(|reason| StateError::Corrupt {
                        path: path.clone(),
                        offset: opened.offsets[index],
                        reason: format!("record {}: {reason}", index + 1),
                    })?;
            }
        }
        let mut log = opened.log;
        // Secrets whose recovery window ran out while emul was down are
        // removed for good now (one record, like any other change).
        let now = now_ms();
        let mut expired = Vec::new();
        for region in model.values_mut() {
            let before = region.clone();
            region.purge_expired(now);
            expired.extend(region.diff(&before));
        }
        if !expired.is_empty() {
            tracing::info!(
                count = expired.len(),
                "removing secrets whose recovery window has passed"
            );
            log.append(&serde_json::to_vec(&expired).expect("changes serialize"))?;
        }
        let live: usize = model.values().map(|r| r.secrets.len()).sum();
        if log.records() > 2 * live + COMPACT_SLACK {
            let snapshot: Vec<Vec<u8>> = model
                .values()
                .flat_map(|r| {
                    r.secrets
                        .values()
                        .map(|s| vec![Change::Upsert(r.scope.clone(), Box::new((**s).clone()))])
                })
                .map(|c| serde_json::to_vec(&c).expect("changes serialize"))
                .collect();
            tracing::info!(path = %path.display(), before = log.records(), after = snapshot.len(), "compacting the secrets log");
            log.rewrite(&snapshot)?;
        }
        tracing::info!(path = %path.display(), secrets = live, "secrets manager state loaded");
        let file = log.sync_handle()?;
        Ok(SecretsManager {
            writer: Mutex::new(Writer {
                log: Some(log),
                pending: model.clone(),
                written: 0,
                unpublished: VecDeque::new(),
            }),
            syncer: Mutex::new(Syncer {
                synced: 0,
                file: Some(file),
                failed: false,
            }),
            model: RwLock::new(model),
            degraded: AtomicBool::new(false),
            log_path: Some(path),
        })
    }

    /// Runs a read-only operation on `scope`'s region.
    pub fn read<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&Region) -> Result<T, SmError>,
    ) -> Result<T, SmError> {
        let model = self.model.read().unwrap_or_else(|p| p.into_inner());
        match model.get(scope) {
            Some(region) => f(region),
            None => f(&Region::new(scope.clone())),
        }
    }

    /// Runs a changing operation on `scope`'s region: apply to a copy of the
    /// latest state, write one record, wait until it is fsynced, publish.
    /// Nothing changes when `f` fails or the disk write fails.
    pub fn write<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&mut Region) -> Result<T, SmError>,
    ) -> Result<T, SmError> {
        let (seq, out) = {
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let before = w
                .pending
                .get(scope)
                .cloned()
                .unwrap_or_else(|| Region::new(scope.clone()));
            let mut after = before.clone();
            let out = f(&mut after)?;
            let mut changes = after.diff(&before);
            if changes.is_empty() {
                return Ok(out);
            }
            // Replicas follow their primary in the same record, so a crash
            // never leaves a region behind an acknowledged write.
            let mut touched = vec![(scope.clone(), after.clone())];
            for (other, state) in
                replication::propagate(&before, &after, |s| w.pending.get(s).cloned())
            {
                let was = w
                    .pending
                    .get(&other)
                    .cloned()
                    .unwrap_or_else(|| Region::new(other.clone()));
                changes.extend(state.diff(&was));
                touched.push((other, state));
            }
            let Some(log) = w.log.as_mut() else {
                // In memory: publish at once, under the writer mutex so
                // concurrent writers publish in order.
                let mut model = self.model.write().unwrap_or_else(|p| p.into_inner());
                for (sc, region) in touched {
                    w.pending.insert(sc.clone(), region.clone());
                    model.insert(sc, region);
                }
                return Ok(out);
            };
            let payload = serde_json::to_vec(&changes).expect("changes serialize");
            if let Err(e) = log.write_unsynced(&payload) {
                return Err(self.failed_write(e));
            }
            w.written += 1;
            let seq = w.written;
            for (sc, region) in touched {
                w.pending.insert(sc.clone(), region.clone());
                w.unpublished.push_back((seq, sc, region));
            }
            (seq, out)
        };
        self.sync_to(seq)?;
        Ok(out)
    }

    /// Returns once record `seq` is durable and published. One fsync covers
    /// every record written before it, so concurrent writers share fsyncs.
    fn sync_to(&self, seq: u64) -> Result<(), SmError> {
        let mut s = self.syncer.lock().unwrap_or_else(|p| p.into_inner());
        if s.synced >= seq {
            return Ok(());
        }
        if s.failed {
            return Err(SmError::Internal(
                "emul could not persist the change: an earlier fsync of the secrets log failed"
                    .into(),
            ));
        }
        let target = self
            .writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .written;
        let file = s.file.as_ref().expect("a durable store has a sync handle");
        if let Err(e) = file.sync_data() {
            s.failed = true;
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(log) = w.log.as_mut() {
                log.poison();
            }
            let path = self.log_path.clone().unwrap_or_default();
            return Err(self.failed_write(StateError::Io { path, source: e }));
        }
        {
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let mut model = self.model.write().unwrap_or_else(|p| p.into_inner());
            while w.unpublished.front().is_some_and(|(q, _, _)| *q <= target) {
                let (_, scope, region) = w.unpublished.pop_front().expect("checked");
                model.insert(scope, region);
            }
        }
        s.synced = target;
        Ok(())
    }

    /// Marks the service degraded and turns a disk error into the API error.
    fn failed_write(&self, e: StateError) -> SmError {
        self.degraded.store(true, Ordering::Relaxed);
        tracing::error!(error = %e, "could not persist a secrets change; it was not acknowledged");
        SmError::Internal(format!("emul could not persist the change: {e}"))
    }

    /// The log file, if durable.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    /// Creates the secret `name` in `account`/`region` if it does not exist
    /// (for `emul up`). An existing secret is left exactly as it is, so a
    /// generated password is generated once and then kept across restarts.
    /// A secret of that name scheduled for deletion is an error.
    pub fn ensure_secret(
        &self,
        account: &str,
        region: &str,
        name: &str,
        value: EnsureValue,
        description: Option<String>,
    ) -> Result<EnsuredSecret, SmError> {
        self.ensure_service_secret(account, region, name, value, description, None)
    }

    /// [`SecretsManager::ensure_secret`] for a secret another service owns
    /// (`OwningService`, e.g. `rds` for `rds!db-<uuid>`; such names may
    /// contain `!`, which CreateSecret refuses).
    pub fn ensure_service_secret(
        &self,
        account: &str,
        region: &str,
        name: &str,
        value: EnsureValue,
        description: Option<String>,
        owning_service: Option<&str>,
    ) -> Result<EnsuredSecret, SmError> {
        let scope = Scope {
            account: account.into(),
            region: region.into(),
        };
        let now = now_ms();
        self.write(&scope, |r| {
            if let Ok(existing) = r.get(name, now) {
                if existing.is_scheduled_for_deletion() {
                    return Err(SmError::NameScheduledForDeletion);
                }
                return Ok(EnsuredSecret {
                    arn: existing.arn.clone(),
                    name: existing.name.clone(),
                    created: false,
                });
            }
            let mut rng = rand::rng();
            let value = match value {
                EnsureValue::Literal(s) => s,
                EnsureValue::GeneratedPassword(spec) => password::generate(&spec, &mut rng)?,
                EnsureValue::GeneratedJson {
                    template,
                    key,
                    spec,
                } => {
                    let mut object: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&template).map_err(|e| {
                            SmError::InvalidParameter(format!(
                                "The secret string template of {name} is not a JSON object: {e}"
                            ))
                        })?;
                    object.insert(key, password::generate(&spec, &mut rng)?.into());
                    serde_json::Value::Object(object).to_string()
                }
            };
            let out = r.create(
                CreateRequest {
                    name: name.into(),
                    token: Some(uuid::Uuid::new_v4().to_string()),
                    value: Some(SecretValue::String(value)),
                    description,
                    owning_service: owning_service.map(str::to_string),
                    ..Default::default()
                },
                now,
                &mut rng,
            )?;
            Ok(EnsuredSecret {
                arn: out.arn,
                name: out.name,
                created: true,
            })
        })
    }
}

impl SecretsManager {
    /// Reads a secret's value the way GetSecretValue does (AWSCURRENT unless
    /// a version id or staging label is given), for in-process callers such
    /// as the ECS task launcher resolving `secrets[].valueFrom`. Returns the
    /// secret's ARN and the value; errors carry AWS's codes and messages.
    pub fn get_value(
        &self,
        account: &str,
        region: &str,
        secret_id: &str,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<(String, SecretValue), SmError> {
        let scope = Scope {
            account: account.into(),
            region: region.into(),
        };
        let now = now_ms();
        self.read(&scope, |r| {
            let (secret, vid) = r.get_value(secret_id, version_id, version_stage, now)?;
            Ok((secret.arn.clone(), (*secret.versions[&vid].value).clone()))
        })
    }
}

impl AwsService for SecretsManager {
    fn name(&self) -> &'static str {
        "secretsmanager"
    }

    fn signing_name(&self) -> &'static str {
        "secretsmanager"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: "secretsmanager",
            message_key: "Message",
        }
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let Input::Json(body) = input else {
            return Err(AwsError::unknown_operation(operation));
        };
        let scope = Scope {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
        };
        // Log the operation and the secret it names, never values.
        if let Some(id) = body
            .get("SecretId")
            .or_else(|| body.get("Name"))
            .and_then(|v| v.as_str())
        {
            tracing::debug!(request_id = %ctx.request_id, operation, secret_id = id, "secretsmanager call");
        }
        ops::dispatch(self, &scope, operation, body).map(Output::Json)
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        // Reads take the model's read lock only, which writers hold just to
        // publish (never across an fsync).
        matches!(
            operation,
            "GetSecretValue"
                | "BatchGetSecretValue"
                | "DescribeSecret"
                | "ListSecrets"
                | "ListSecretVersionIds"
                | "GetResourcePolicy"
                | "GetRandomPassword"
                | "ValidateResourcePolicy"
        )
    }

    fn health(&self) -> ServiceHealth {
        if self.degraded.load(Ordering::Relaxed) {
            ServiceHealth::Degraded
        } else {
            ServiceHealth::Running
        }
    }
}
