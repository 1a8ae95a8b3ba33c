//! Building emul's own images when `up` finds none it can use.
//!
//! Where no registry answers, the `emul/` images (Postgres, Redis, the ENI
//! agent) come from Debian packages, by the recipes that ship with emul:
//! `scripts/build-images.sh` and `scripts/images/`. [`Recipes::find`]
//! looks for them (`$EMUL_IMAGE_RECIPES`, else next to the running binary
//! or the current directory, walking up: a `cargo build` checkout has
//! them), and [`Recipes::build`] runs the script for one tag, printing its
//! progress lines on stderr. The script needs root (debootstrap, chroot):
//! a user without it is told the one command to run.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Overrides where the recipe script is.
pub const RECIPES_ENV: &str = "EMUL_IMAGE_RECIPES";

/// The recipe script, relative to a checkout's root.
const SCRIPT: &str = "scripts/build-images.sh";

/// The image recipes found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipes {
    /// The build script.
    pub script: PathBuf,
}

impl Recipes {
    /// The recipes `up` may use, if any.
    pub fn find() -> Option<Recipes> {
        if let Ok(p) = std::env::var(RECIPES_ENV) {
            return Some(Recipes { script: p.into() });
        }
        let from_exe = std::env::current_exe().ok();
        let from_cwd = std::env::current_dir().ok();
        [from_exe, from_cwd]
            .into_iter()
            .flatten()
            .find_map(|start| search_up(&start))
            .map(|script| Recipes { script })
    }

    /// The tags the recipes make (`--list`); empty when the script fails.
    pub async fn tags(&self) -> Vec<String> {
        match tokio::process::Command::new("bash")
            .arg(&self.script)
            .arg("--list")
            .stdin(Stdio::null())
            .output()
            .await
        {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Builds `tag` (`emul/redis:7`), each line of the script's output
    /// printed on stderr as it comes; the error says why and what to run.
    pub async fn build(&self, tag: &str) -> Result<(), String> {
        let command = format!("sudo {} --only {tag}", self.script.display());
        if !nix::unistd::geteuid().is_root() {
            return Err(format!(
                "{tag} is not in the engine and building it from Debian packages needs root: run `{command}` once (or, where a registry answers, build it from the Dockerfile at the checkout's root: `docker build --target <agent|testapp> -t {tag} .`)"
            ));
        }
        eprintln!(
            "  image    {tag}: building it from emul's recipe ({})",
            self.script.display()
        );
        let mut child = tokio::process::Command::new("bash")
            .arg(&self.script)
            .args(["--only", tag])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.script.display()))?;
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let echo = |r: Box<dyn tokio::io::AsyncRead + Unpin + Send>| async move {
            let mut lines = BufReader::new(r).lines();
            let mut last = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("  image    {line}");
                last = line;
            }
            last
        };
        let (_, last_err, status) =
            tokio::join!(echo(Box::new(out)), echo(Box::new(err)), child.wait());
        match status {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(format!("`{command}` failed ({s}): {last_err}")),
            Err(e) => Err(format!("`{command}`: {e}")),
        }
    }
}

/// `start` or a directory above it that holds the recipe script.
fn search_up(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(SCRIPT))
        .find(|p| p.is_file() && p.with_file_name("images").is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_found_from_anywhere_below_a_checkout() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join("scripts/images")).unwrap();
        std::fs::write(repo.path().join(SCRIPT), "").unwrap();
        let deep = repo.path().join("target/release");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(search_up(&deep), Some(repo.path().join(SCRIPT)));
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(search_up(elsewhere.path()), None);
    }
}
