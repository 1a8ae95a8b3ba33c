//! [`SecretsManager`]: the model behind locks, made durable, plugged into
//! the gateway, plus the library API the `up` path uses for topology secrets.
//!
//! Concurrency and durability (docs/decisions/secretsmanager-durable-log.md):
//! - Readers take the model's read lock only; GetSecretValue never touches
//!   the disk and never waits for an fsync.
//! - Writers are serialised by the log mutex. A writer clones the region
//!   (cheap: secrets are `Arc`s), applies the operation to the clone, appends
//!   one record with every changed secret and fsyncs it, and only then
//!   publishes the clone. So no write is visible before it is durable, and
//!   two writers to one secret can never lose a version or tear a label move.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::SmError;
use super::model::password::{self, PasswordSpec};
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
    /// Every region's secrets. Readers hold this briefly; writers only to
    /// publish a region they prepared under the log mutex.
    model: RwLock<HashMap<Scope, Region>>,
    /// The durable log; `None` for an in-memory instance. Its mutex
    /// serialises writers.
    log: Mutex<Option<RecordLog>>,
    /// Set when a write failed on disk (shown as `degraded` in health).
    degraded: AtomicBool,
    /// Where the log lives (for messages).
    log_path: Option<PathBuf>,
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
            log: Mutex::new(None),
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
        Ok(SecretsManager {
            model: RwLock::new(model),
            log: Mutex::new(Some(log)),
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

    /// Runs a changing operation on `scope`'s region: apply to a copy,
    /// persist the changed secrets (fsync), then publish. Nothing changes
    /// when `f` fails or the disk write fails.
    pub fn write<T>(
        &self,
        scope: &Scope,
        f: impl FnOnce(&mut Region) -> Result<T, SmError>,
    ) -> Result<T, SmError> {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let before = {
            let model = self.model.read().unwrap_or_else(|p| p.into_inner());
            model
                .get(scope)
                .cloned()
                .unwrap_or_else(|| Region::new(scope.clone()))
        };
        let mut after = before.clone();
        let out = f(&mut after)?;
        let changes = after.diff(&before);
        if changes.is_empty() {
            return Ok(out);
        }
        if let Some(log) = log.as_mut() {
            let payload = serde_json::to_vec(&changes).expect("changes serialize");
            if let Err(e) = log.append(&payload) {
                self.degraded.store(true, Ordering::Relaxed);
                tracing::error!(error = %e, "could not persist a secrets change; it was not applied");
                return Err(SmError::Internal(format!(
                    "emul could not persist the change: {e}"
                )));
            }
        }
        let mut model = self.model.write().unwrap_or_else(|p| p.into_inner());
        model.insert(scope.clone(), after);
        Ok(out)
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
