//! Running `nft` inside an ENI's network namespace.
//!
//! The host's `nft` binary is spawned from a thread that entered the
//! namespace ([`NetNs::run`]): the child inherits that network namespace and
//! talks netlink to the namespace's own nf_tables. Measured on this engine:
//! ~15 ms per script, against ~0.3 s for a one-shot helper container
//! (`--network container:<pause> --cap-add NET_ADMIN emul/netpolicy`), which
//! is why emul uses the former (see docs/decisions/0010-security-groups.md).
//!
//! Needs: root (entering a namespace needs CAP_SYS_ADMIN; nft needs
//! CAP_NET_ADMIN) and `nft` on the host (`apt-get install nftables`), found
//! as `$EMUL_NFT`, else on `PATH`, else in `/usr/sbin` or `/sbin`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::runtime::netns::NetNs;

/// Why a script could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum NftError {
    /// No `nft` binary on this host.
    #[error(
        "nft not found (install the `nftables` package, or set EMUL_NFT to the nft binary): security groups cannot be enforced"
    )]
    Missing,
    /// The namespace could not be entered, or nft could not be started.
    #[error("cannot run nft in {netns}: {source}")]
    Io {
        /// The namespace path.
        netns: String,
        /// What failed.
        source: std::io::Error,
    },
    /// nft refused the script.
    #[error("nft refused the ruleset in {netns}: {stderr}")]
    Refused {
        /// The namespace path.
        netns: String,
        /// nft's message.
        stderr: String,
    },
}

impl NftError {
    /// Whether the namespace is gone (its process exited): the ENI is dead,
    /// so there is nothing left to protect.
    pub fn namespace_gone(&self) -> bool {
        matches!(self, NftError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// The `nft` binary to run, if there is one.
pub fn nft_binary() -> Option<String> {
    if let Ok(p) = std::env::var("EMUL_NFT") {
        return Some(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join("nft"))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Applies `script` (`nft -f -`) inside `netns`; returns how long it took.
/// Blocking: call it from `spawn_blocking` or a dedicated thread.
pub fn apply(netns: &NetNs, script: &str) -> Result<Duration, NftError> {
    let nft = nft_binary().ok_or(NftError::Missing)?;
    let started = Instant::now();
    let name = || netns.path().display().to_string();
    let out = netns
        .run(&nft, &["-f", "-"], script.as_bytes())
        .map_err(|source| NftError::Io {
            netns: name(),
            source,
        })?;
    if !out.status.success() {
        return Err(NftError::Refused {
            netns: name(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(started.elapsed())
}

/// The text of emul's table in `netns` (`nft list table inet emul`), or
/// `None` when there is no such table (nothing enforced there).
pub fn list_table(netns: &NetNs) -> Result<Option<String>, NftError> {
    let nft = nft_binary().ok_or(NftError::Missing)?;
    let out = netns
        .run(&nft, &["list", "table", "inet", "emul"], b"")
        .map_err(|source| NftError::Io {
            netns: netns.path().display().to_string(),
            source,
        })?;
    if out.status.success() {
        Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
    } else {
        Ok(None)
    }
}

/// The table comment in `nft list table` output (`comment "…"` on its own line).
pub fn table_comment(listing: &str) -> Option<&str> {
    listing.lines().find_map(|l| {
        l.trim()
            .strip_prefix("comment \"")
            .and_then(|r| r.strip_suffix('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_table_comment() {
        let listing = "table inet emul {\n\tcomment \"emul eni=a ip=10.0.0.5 groups=x\"\n\tset sg0 {\n\t\ttype ipv4_addr\n\t\tcomment \"x\"\n\t}\n}\n";
        assert_eq!(
            table_comment(listing),
            Some("emul eni=a ip=10.0.0.5 groups=x")
        );
        assert_eq!(table_comment("table inet emul {\n}\n"), None);
    }
}
