//! Security groups enforced on the traffic, and the proof (`emul verify`).
//!
//! | file | what it owns |
//! |---|---|
//! | [`policy`] | the topology's groups normalised: `self` resolved, default egress written out, rule positions (pure) |
//! | [`compile`] | groups + memberships → one default-deny, stateful nftables table per ENI; set updates (pure) |
//! | [`expect`] | the expected reachability matrix and the rule that decides each cell (pure) |
//! | [`nft`] | an ENI's table applied and read back through its agent (`PUT`/`GET /ruleset`) |
//! | [`enforcer`] | [`Enforcer`]: implements [`crate::wiring::NetworkPolicy`], keeps every ruleset in line with who is attached |
//! | [`verify`] | discovers a running project's ENIs and probes the matrix for real through their agents |
//! | [`why`] | `emul why SRC DST PORT`: the rule that allows a pair on each side, or what is missing (pure) |
//!
//! # The entry point the project daemon calls
//!
//! At `emul up`, once the static ENIs run (RDS instances, cache nodes, ALB
//! ENIs), before their workloads serve anyone:
//!
//! ```no_run
//! # async fn demo(topology: &emul::topology::Topology, static_enis: Vec<emul::wiring::EniInfo>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use emul::netpolicy::Enforcer;
//! use emul::wiring::NetworkPolicy;
//!
//! let enforcer = Enforcer::start(topology, static_enis).await?;
//! let policy: Arc<dyn NetworkPolicy> = enforcer; // hand to the ECS scheduler
//! # let _ = policy; Ok(()) }
//! ```
//!
//! The scheduler then awaits `eni_attached` before starting a task's
//! containers and `eni_detached` after they stopped (see [`crate::wiring`]).
//! When `emul up` applies a changed topology to a running project, the
//! daemon calls [`Enforcer::reload`] with it.
//!
//! # Mechanism (docs/decisions/0010-security-groups.md)
//!
//! Rules live inside each ENI's own network namespace (the ENI agent
//! container's: docker-notes §1(c)), so they filter traffic from other ENIs
//! AND from the host, survive workload restarts, and vanish with the ENI:
//! nothing is ever written to the host's firewall. The agent applies them
//! with its own `nft` when the daemon sends the script over the VPC network
//! (docs/decisions/0011-eni-agent-portability.md: no root, no `setns`, no
//! host `nft`; ~20 ms per ENI). The agent alone has NET_ADMIN; workload
//! containers never get it, so they cannot undo it.

pub mod compile;
pub mod enforcer;
pub mod expect;
pub mod nft;
pub mod policy;
pub mod verify;
pub mod why;

pub use enforcer::{EnforceError, Enforcer};
