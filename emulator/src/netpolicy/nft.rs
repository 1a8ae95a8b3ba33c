//! Applying and reading an ENI's nft table, through its agent.
//!
//! The daemon compiles the script ([`super::compile`], pure) and sends it to
//! the ENI's agent (`PUT /ruleset` on `<eni-ip>:7411`, [`AgentClient`]),
//! which runs `nft -f -` in its own namespace and answers only after nft
//! succeeded: no `setns`, no `nft` on the host, no root for the daemon
//! (docs/decisions/0011-eni-agent-portability.md, step 1). Measured on this
//! engine: see docs/benchmarks.md ("Security groups").
//!
//! [`nft_binary`] stays for tests and diagnostics that look at the *host's*
//! tables (the Docker tests check that emul never writes one).

use std::path::Path;
use std::time::Duration;

use crate::runtime::agent::AgentClient;
pub use crate::runtime::agent::AgentError as NftError;

/// The host's `nft` binary, if there is one (`$EMUL_NFT`, else `PATH`, else
/// `/usr/sbin` or `/sbin`). emul itself no longer runs it.
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

/// Applies `script` in the agent's namespace; returns how long it took.
pub async fn apply(agent: &AgentClient, script: &str) -> Result<Duration, NftError> {
    agent.put_ruleset(script).await
}

/// The text of emul's table in the agent's namespace (`nft list table inet
/// emul`), or `None` when there is no such table (nothing enforced there).
pub async fn list_table(agent: &AgentClient) -> Result<Option<String>, NftError> {
    agent.get_ruleset().await
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
