//! [`Ecr`]: the model behind a lock, made durable, plugged into the gateway,
//! shared with the registry (pushes become images) and the ECS task
//! launcher (ECR image names become pulls from the registry).
//!
//! Writers are serialised by one mutex: a writer applies the change to a
//! copy of the state, saves it (temp file, fsync, rename) and only then
//! publishes it, so nothing is visible or acknowledged before it is durable.
//! ECR writes are rare (repository changes and pushes), so a whole-state
//! save per write is cheap next to the blobs a push uploads.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::EcrError;
use super::model::names::{self, ImageRef};
use super::model::repository::Push;
use super::model::{CreateRequest, ImageId, Mutability, Region, Seconds, State, scope_key};
use super::ops;
use super::store::Store;
use crate::gateway::AwsError;
use crate::gateway::registry::{
    AwsService, Input, Output, Protocol, RequestContext, ServiceHealth,
};
pub use crate::wiring::RegistryPull;

/// The user name `docker login` uses with the GetAuthorizationToken password.
pub const REGISTRY_USER: &str = "AWS";

/// The current time in seconds since the epoch (ECR's timestamps).
pub fn now_secs() -> Seconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_millis() as f64) / 1000.0)
        .unwrap_or(0.0)
}

/// The ECR service.
pub struct Ecr {
    /// The account whose registry the loopback registry serves.
    account: String,
    /// The region whose repositories the loopback registry serves.
    region: String,
    /// The durable state as of the last save: what readers see.
    state: RwLock<State>,
    /// Serialises writers (apply → save → publish).
    writer: Mutex<()>,
    /// The files under `<state-dir>/ecr`.
    store: Store,
    /// The registry password (GetAuthorizationToken's `AWS:<password>`).
    password: String,
    /// `host:port` of the registry once it listens (repositoryUri's host).
    registry_host: RwLock<Option<String>>,
    /// Set when a save failed (health `degraded`).
    degraded: AtomicBool,
}

impl Ecr {
    /// Opens (or creates) the store under `<state_dir>/ecr/`; the loopback
    /// registry serves `account`'s repositories in `region`.
    pub fn open(state_dir: &Path, account: &str, region: &str) -> std::io::Result<Ecr> {
        let store = Store::open(state_dir)?;
        let state = store.load_state()?;
        let password = store.password()?;
        let repositories: usize = state.regions.values().map(|r| r.repositories.len()).sum();
        tracing::info!(path = %store.root().display(), repositories, "ECR state loaded");
        Ok(Ecr {
            account: account.into(),
            region: region.into(),
            state: RwLock::new(state),
            writer: Mutex::new(()),
            store,
            password,
            registry_host: RwLock::new(None),
            degraded: AtomicBool::new(false),
        })
    }

    /// The files.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The registry password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The account the registry serves.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Records where the registry listens (`127.0.0.1:<port>`).
    pub fn set_registry_host(&self, host: String) {
        *self
            .registry_host
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(host);
    }

    /// Where the registry listens, once it does.
    pub fn registry_host(&self) -> Option<String> {
        self.registry_host
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A repository's URI: the loopback registry's when it runs (what Docker
    /// can push to without TLS), else AWS's form.
    pub fn repository_uri(&self, account: &str, region: &str, name: &str) -> String {
        match self.registry_host() {
            Some(host) if account == self.account && region == self.region => {
                format!("{host}/{name}")
            }
            _ => format!("{account}.dkr.ecr.{region}.amazonaws.com/{name}"),
        }
    }

    /// Runs a read on one account's region.
    pub fn read<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&Region) -> Result<T, EcrError>,
    ) -> Result<T, EcrError> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        match state.regions.get(&scope_key(account, region)) {
            Some(r) => f(r),
            None => f(&Region::default()),
        }
    }

    /// Runs a change on one account's region: apply to a copy, save, publish.
    /// Nothing changes when `f` fails or the save fails.
    pub fn write<T>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut Region) -> Result<T, EcrError>,
    ) -> Result<T, EcrError> {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let key = scope_key(account, region);
        let mut next = self.state.read().unwrap_or_else(|p| p.into_inner()).clone();
        let region_state = next.regions.entry(key.clone()).or_default();
        let before = region_state.clone();
        let out = f(region_state)?;
        if *region_state == before {
            return Ok(out);
        }
        if region_state.repositories.is_empty() {
            next.regions.remove(&key);
        }
        if let Err(e) = self.store.save_state(&next) {
            self.degraded.store(true, Ordering::Relaxed);
            tracing::error!(error = %e, "could not persist an ECR change; it was not acknowledged");
            return Err(EcrError::Internal(format!(
                "emul could not persist the change: {e}"
            )));
        }
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(out)
    }

    /// Reads the registry's own region (the one pushes land in).
    pub fn read_registry<T>(
        &self,
        f: impl FnOnce(&Region) -> Result<T, EcrError>,
    ) -> Result<T, EcrError> {
        self.read(&self.account, &self.region, f)
    }

    /// Stores a manifest pushed through the registry into repository `repo`.
    pub fn push(&self, repo: &str, push: Push) -> Result<(), EcrError> {
        let account = self.account.clone();
        self.write(&self.account, &self.region, |r| {
            r.repository_mut(repo, &account)?.push(push, now_secs())
        })
    }

    /// Deletes an image (by digest) or a tag through the registry API.
    pub fn registry_delete(&self, repo: &str, id: ImageId) -> Result<bool, EcrError> {
        let account = self.account.clone();
        self.write(&self.account, &self.region, |r| {
            Ok(r.repository_mut(repo, &account)?.delete_image(&id).is_ok())
        })
    }

    /// Creates repository `name` if it does not exist (topology
    /// `ecr_repositories`); an existing one keeps its settings. Returns its URI.
    pub fn ensure_repository(
        &self,
        name: &str,
        mutability: Mutability,
        scan_on_push: bool,
    ) -> Result<String, EcrError> {
        let (account, region) = (self.account.clone(), self.region.clone());
        self.write(&account, &region, |r| {
            if r.repositories.contains_key(name) {
                return Ok(());
            }
            r.create(
                CreateRequest {
                    name: name.into(),
                    mutability,
                    scan_on_push,
                    ..Default::default()
                },
                &account,
                &region,
                now_secs(),
            )
            .map(|_| ())
        })?;
        Ok(self.repository_uri(&account, &region, name))
    }

    /// Where the task launcher pulls `image` from: `None` when the image is
    /// not one of emul's registry (neither an ECR URI of this account nor a
    /// name on the loopback registry); `Err` with ECS's stopped reason when
    /// the repository or the tag/digest does not exist.
    pub fn locate_image(&self, image: &str) -> Option<Result<RegistryPull, String>> {
        let host = self.registry_host()?;
        let (repo, reference) = if let Some(ecr) = names::parse_ecr_image(image) {
            if ecr.account != self.account {
                return None;
            }
            (ecr.repository, ecr.reference)
        } else {
            names::split_reference(image.strip_prefix(&format!("{host}/"))?)?
        };
        let not_found = format!(
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {image}: {image}: not found"
        );
        let id = match &reference {
            ImageRef::Tag(t) => ImageId {
                digest: None,
                tag: Some(t.clone()),
            },
            ImageRef::Digest(d) => ImageId {
                digest: Some(d.clone()),
                tag: None,
            },
        };
        let found = self.read_registry(|r| {
            Ok(r.repositories
                .get(&repo)
                .is_some_and(|repo| repo.resolve(&id).is_ok()))
        });
        if !matches!(found, Ok(true)) {
            return Some(Err(not_found));
        }
        Some(Ok(RegistryPull {
            reference: format!("{host}/{repo}{}", reference.suffix()),
            username: REGISTRY_USER.into(),
            password: self.password.clone(),
            server: host,
        }))
    }
}

impl crate::wiring::ImageSource for Ecr {
    fn locate(&self, image: &str) -> Option<Result<RegistryPull, String>> {
        self.locate_image(image)
    }
}

impl AwsService for Ecr {
    fn name(&self) -> &'static str {
        "ecr"
    }

    fn signing_name(&self) -> &'static str {
        "ecr"
    }

    fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1 {
            target_prefix: "AmazonEC2ContainerRegistry_V20150921",
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
        tracing::debug!(request_id = %ctx.request_id, operation, "ecr call");
        ops::dispatch(self, ctx, operation, body).map(Output::Json)
    }

    fn is_non_blocking(&self, operation: &str) -> bool {
        // Reads take the state's read lock only, never held across a save.
        matches!(
            operation,
            "DescribeRepositories"
                | "ListImages"
                | "DescribeImages"
                | "BatchGetImage"
                | "GetLifecyclePolicy"
                | "GetAuthorizationToken"
                | "ListTagsForResource"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ecr::model::manifest::DOCKER_MANIFEST;

    fn ecr_with_image() -> (tempfile::TempDir, Ecr, String) {
        let dir = tempfile::tempdir().unwrap();
        let ecr = Ecr::open(dir.path(), "123456789012", "eu-west-1").unwrap();
        ecr.set_registry_host("127.0.0.1:5999".into());
        ecr.ensure_repository("team/app", Mutability::Mutable, false)
            .unwrap();
        let digest = format!("sha256:{}", "ab".repeat(32));
        ecr.push(
            "team/app",
            Push {
                digest: digest.clone(),
                manifest: "{}".into(),
                media_type: DOCKER_MANIFEST.into(),
                artifact_media_type: None,
                size: 1,
                tag: Some("v1".into()),
            },
        )
        .unwrap();
        (dir, ecr, digest)
    }

    #[test]
    fn ecr_uris_locate_pulls_from_the_loopback_registry() {
        let (_dir, ecr, digest) = ecr_with_image();
        let uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app";
        let pull = ecr.locate_image(&format!("{uri}:v1")).unwrap().unwrap();
        assert_eq!(pull.reference, "127.0.0.1:5999/team/app:v1");
        assert_eq!(pull.server, "127.0.0.1:5999");
        assert_eq!(pull.username, "AWS");
        assert_eq!(pull.password, ecr.password());
        let pinned = ecr
            .locate_image(&format!("{uri}@{digest}"))
            .unwrap()
            .unwrap();
        assert_eq!(
            pinned.reference,
            format!("127.0.0.1:5999/team/app@{digest}")
        );
        // The loopback name itself (a repositoryUri) works the same way.
        let own = ecr
            .locate_image("127.0.0.1:5999/team/app:v1")
            .unwrap()
            .unwrap();
        assert_eq!(own.reference, "127.0.0.1:5999/team/app:v1");
    }

    #[test]
    fn unknown_tags_and_repositories_are_ecs_pull_errors() {
        let (_dir, ecr, _) = ecr_with_image();
        let missing = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:nope";
        assert_eq!(
            ecr.locate_image(missing),
            Some(Err(format!(
                "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {missing}: {missing}: not found"
            )))
        );
        let no_repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/other:v1";
        assert!(matches!(ecr.locate_image(no_repo), Some(Err(_))));
        // Not emul's: another account, Docker Hub, a local name.
        assert_eq!(
            ecr.locate_image("999999999999.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1"),
            None
        );
        assert_eq!(ecr.locate_image("nginx:1.27"), None);
        assert_eq!(ecr.locate_image("emul/testapp:latest"), None);
    }

    #[test]
    fn repository_uris_name_the_registry_once_it_listens() {
        let dir = tempfile::tempdir().unwrap();
        let ecr = Ecr::open(dir.path(), "123456789012", "eu-west-1").unwrap();
        assert_eq!(
            ecr.ensure_repository("app", Mutability::Immutable, true)
                .unwrap(),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
        );
        ecr.set_registry_host("127.0.0.1:5100".into());
        assert_eq!(
            ecr.repository_uri("123456789012", "eu-west-1", "app"),
            "127.0.0.1:5100/app"
        );
        // Other regions have no registry: AWS's form.
        assert_eq!(
            ecr.repository_uri("123456789012", "us-east-1", "app"),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
        );
        // ensure_repository keeps an existing repository's settings; both survive a reopen.
        ecr.ensure_repository("app", Mutability::Mutable, false)
            .unwrap();
        drop(ecr);
        let ecr = Ecr::open(dir.path(), "123456789012", "eu-west-1").unwrap();
        let repo = ecr
            .read_registry(|r| r.repository("app", "123456789012").cloned())
            .unwrap();
        assert_eq!(repo.mutability, Mutability::Immutable);
        assert!(repo.scan_on_push);
    }
}
