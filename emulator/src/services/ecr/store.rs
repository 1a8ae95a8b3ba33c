//! ECR's durable storage under `<state-dir>/ecr/`:
//!
//! ```text
//! ecr/state.json            repositories, images (manifests), tags, policies
//! ecr/password              the registry password GetAuthorizationToken hands out
//! ecr/blobs/sha256/<hex>    content-addressed layers and configs
//! ecr/uploads/<uuid>        blob uploads in progress (removed at start-up)
//! ```
//!
//! Every file is written to a temporary name, fsync'd, renamed into place,
//! and the directory fsync'd: a crash leaves the old or the new content,
//! never a torn one. A blob's name is its digest, verified before the rename.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::model::State;

/// The state file name.
pub const STATE_FILE: &str = "state.json";

/// ECR's directory and its files.
#[derive(Debug, Clone)]
pub struct Store {
    /// `<state-dir>/ecr`.
    root: PathBuf,
}

impl Store {
    /// Opens (creating) `<state_dir>/ecr`, discarding unfinished uploads.
    pub fn open(state_dir: &Path) -> io::Result<Store> {
        let root = state_dir.join("ecr");
        fs::create_dir_all(root.join("blobs").join("sha256"))?;
        let uploads = root.join("uploads");
        if uploads.exists() {
            fs::remove_dir_all(&uploads)?;
        }
        fs::create_dir_all(&uploads)?;
        Ok(Store { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The saved state, or an empty one on first start.
    pub fn load_state(&self) -> io::Result<State> {
        match fs::read(self.root.join(STATE_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not valid: {e}", self.root.join(STATE_FILE).display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e),
        }
    }

    /// Replaces the state file durably.
    pub fn save_state(&self, state: &State) -> io::Result<()> {
        let bytes = serde_json::to_vec(state).map_err(io::Error::other)?;
        self.write_atomically(STATE_FILE, &bytes)
    }

    /// The registry password, created on first use and kept so that a
    /// `docker login` stays valid across restarts.
    pub fn password(&self) -> io::Result<String> {
        match fs::read_to_string(self.root.join("password")) {
            Ok(p) if !p.trim().is_empty() => Ok(p.trim().to_string()),
            Ok(_) => self.new_password(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.new_password(),
            Err(e) => Err(e),
        }
    }

    fn new_password(&self) -> io::Result<String> {
        let password = new_password();
        self.write_atomically("password", password.as_bytes())?;
        Ok(password)
    }

    /// Writes `name` under the root durably ([`crate::state::write_durably`]).
    fn write_atomically(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        crate::state::write_durably(&self.root.join(name), bytes)
    }

    /// Where blob `digest` (`sha256:<hex>`, already validated) lives.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.root.join("blobs").join("sha256").join(hex)
    }

    /// The size of blob `digest`, or `None` when it is not stored.
    pub fn blob_size(&self, digest: &str) -> Option<u64> {
        fs::metadata(self.blob_path(digest)).ok().map(|m| m.len())
    }

    /// The file of upload `uuid`.
    pub fn upload_path(&self, uuid: &str) -> PathBuf {
        self.root.join("uploads").join(uuid)
    }

    /// Makes a finished upload (already digest-checked) blob `digest`.
    pub fn commit_upload(&self, uuid: &str, digest: &str) -> io::Result<()> {
        let from = self.upload_path(uuid);
        File::open(&from)?.sync_all()?;
        let to = self.blob_path(digest);
        fs::rename(&from, &to)?;
        File::open(to.parent().expect("blob dir"))?.sync_all()
    }
}

/// A fresh random registry password (48 URL-safe characters).
pub fn new_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..48)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
