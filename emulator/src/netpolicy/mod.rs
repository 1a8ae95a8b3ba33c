//! Security groups enforced on the traffic, and the proof (`emul verify`).
//!
//! | file | what it owns |
//! |---|---|
//! | [`policy`] | the topology's groups normalised: `self` resolved, default egress written out, rule positions (pure) |
//! | [`compile`] | groups + memberships → one default-deny, stateful nftables table per ENI; set updates (pure) |
//! | [`expect`] | the expected reachability matrix and the rule that decides each cell (pure) |
//! | [`nft`] | running `nft -f -` inside an ENI's network namespace |
//! | [`enforcer`] | [`Enforcer`]: implements [`crate::wiring::NetworkPolicy`], keeps every ruleset in line with who is attached |
//! | [`verify`] | discovers a running project's ENIs and probes the matrix for real from inside their namespaces |
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
//! Rules live inside each ENI's own network namespace (the pause
//! container's: docker-notes §1(c)), so they filter traffic from other ENIs
//! AND from the host, survive workload restarts, and vanish with the ENI:
//! nothing is ever written to the host's firewall. emul runs the host's
//! `nft` from a thread that entered the namespace (root needed; ~15 ms per
//! ENI). Workload containers never get NET_ADMIN, so they cannot undo it.

pub mod compile;
pub mod enforcer;
pub mod expect;
pub mod nft;
pub mod policy;
pub mod verify;

pub use enforcer::{EnforceError, Enforcer};
