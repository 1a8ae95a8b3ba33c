//! [`Acm`]: the certificates behind one lock, kept durable in one file,
//! plugged into the gateway; and the lookups ELBv2 and the ALB make
//! ([`crate::wiring::CertificateStore`]).
//!
//! Durability: every change rewrites `<state-dir>/acm/certificates.json`
//! (mode 0600: it holds private keys) with [`crate::state::write_durably`]
//! before the call answers, so an acknowledged certificate survives a
//! crash. ACM holds few certificates, so a whole-file rewrite is cheap.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::AcmError;
use super::model::{Certificates, Scope};
use super::ops;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
use crate::wiring::{CertificateIssuer, CertificateStore, CertificateUsers, ServedCertificate};

/// The directory under the state directory.
pub const DIR: &str = "acm";
/// The file in it.
pub const FILE: &str = "certificates.json";

/// Seconds since the epoch, as ACM's timestamps are.
pub fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A function told that certificates changed (the ALB re-binds listeners
/// whose certificate was re-imported or deleted).
pub type Observer = Box<dyn Fn() + Send + Sync>;

/// The ACM service.
pub struct Acm {
    /// Every certificate; writers take the write lock for the whole
    /// change, file write included, so the file is always what was answered.
    certificates: RwLock<Certificates>,
    /// Where the certificates are kept; `None` in memory.
    file: Option<PathBuf>,
    /// The local CA, for RequestCertificate; `None` refuses requests.
    issuer: Mutex<Option<Arc<dyn CertificateIssuer>>>,
    /// ELBv2, for `InUseBy` and DeleteCertificate's in-use refusal.
    users: Mutex<Option<Arc<dyn CertificateUsers>>>,
    /// Told after every change.
    observer: Mutex<Option<Observer>>,
}

impl Acm {
    /// A service that keeps nothing on disk (tests, embedders).
    pub fn in_memory() -> Self {
        Acm {
            certificates: RwLock::default(),
            file: None,
            issuer: Mutex::default(),
            users: Mutex::default(),
            observer: Mutex::default(),
        }
    }

    /// Opens (or starts) the store under `<state_dir>/acm/`.
    pub fn open(state_dir: &Path) -> Result<Self, String> {
        let dir = state_dir.join(DIR);
        let file = dir.join(FILE);
        let certificates = match std::fs::read(&file) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", file.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                Certificates::default()
            }
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        Ok(Acm {
            certificates: RwLock::new(certificates),
            file: Some(file),
            ..Acm::in_memory()
        })
    }

    /// Sets the CA RequestCertificate issues with.
    pub fn set_issuer(&self, issuer: Arc<dyn CertificateIssuer>) {
        *self.issuer.lock().unwrap_or_else(|p| p.into_inner()) = Some(issuer);
    }

    /// Sets who reports a certificate's users.
    pub fn set_users(&self, users: Arc<dyn CertificateUsers>) {
        *self.users.lock().unwrap_or_else(|p| p.into_inner()) = Some(users);
    }

    /// Lends this ACM to ELBv2 and ELBv2 to it: listeners must name
    /// certificates ACM has, and ACM reports the load balancers using one.
    pub fn pair_with(self: &Arc<Self>, elbv2: &Arc<crate::services::elbv2::Elbv2Service>) {
        elbv2.set_certificates(self.clone());
        self.set_users(elbv2.clone());
    }

    /// Sets the function told of every change.
    pub fn set_observer(&self, observer: Observer) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    /// The CA, if one is lent.
    pub(crate) fn issuer(&self) -> Option<Arc<dyn CertificateIssuer>> {
        self.issuer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The load balancers presenting `arn`.
    pub(crate) fn users_of(&self, scope: &Scope, arn: &str) -> Vec<String> {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner()).clone();
        users.map_or_else(Vec::new, |u| u.users(&scope.0, &scope.1, arn))
    }

    /// Reads the certificates.
    pub fn read<T>(&self, f: impl FnOnce(&Certificates) -> T) -> T {
        f(&self.certificates.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Applies `f` to a copy; on success the copy is written to disk and
    /// replaces the state, then the observer is told. A failure (of `f` or
    /// of the disk) changes nothing.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Certificates) -> Result<T, AcmError>,
    ) -> Result<T, AcmError> {
        let out = {
            let mut guard = self.certificates.write().unwrap_or_else(|p| p.into_inner());
            let mut next = guard.clone();
            let out = f(&mut next)?;
            if let Some(file) = &self.file {
                let bytes = serde_json::to_vec(&next)
                    .map_err(|e| AcmError::Internal(format!("encoding certificates: {e}")))?;
                crate::state::write_durably(file, &bytes).map_err(|e| {
                    tracing::error!(path = %file.display(), error = %e, "acm: cannot write the certificates");
                    AcmError::Internal("The certificate store could not be written.".into())
                })?;
            }
            *guard = next;
            out
        };
        if let Some(observe) = &*self.observer.lock().unwrap_or_else(|p| p.into_inner()) {
            observe();
        }
        Ok(out)
    }
}

impl CertificateStore for Acm {
    fn has(&self, account: &str, region: &str, arn: &str) -> bool {
        let scope = (account.to_string(), region.to_string());
        self.read(|c| c.get(&scope, arn).is_ok())
    }

    fn served(&self, account: &str, region: &str, arn: &str) -> Option<ServedCertificate> {
        let scope = (account.to_string(), region.to_string());
        self.read(|c| {
            let cert = c.get(&scope, arn).ok()?;
            let mut names = vec![cert.info.domain_name.clone()];
            for n in &cert.info.subject_alternative_names {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
            let mut chain_pem = cert.material.certificate.clone();
            if !chain_pem.ends_with('\n') {
                chain_pem.push('\n');
            }
            chain_pem.push_str(&cert.material.chain);
            Some(ServedCertificate {
                arn: cert.arn.clone(),
                names,
                chain_pem,
                private_key_pem: cert.material.private_key.clone(),
            })
        })
    }
}

impl AwsService for Acm {
    fn name(&self) -> &'static str {
        "acm"
    }

    fn signing_name(&self) -> &'static str {
        "acm"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: "CertificateManager",
            message_key: "message",
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
        let scope = (ctx.account.clone(), ctx.region.clone());
        tracing::debug!(request_id = %ctx.request_id, operation, "acm call");
        ops::dispatch(self, &scope, operation, body).map(Output::Json)
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        // Reads take the read lock only; writes fsync and may generate keys.
        matches!(
            operation,
            "DescribeCertificate"
                | "ListCertificates"
                | "GetCertificate"
                | "ListTagsForCertificate"
        )
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }
}
