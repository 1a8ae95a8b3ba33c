//! [`wiring::TargetRegistry`] on the ELBv2 model: how ECS registers and
//! deregisters task ENIs. Every call is one model write (published to the
//! data plane at once).

use std::sync::Arc;
use std::time::Duration;

use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::target_group::TargetKey;
use crate::services::elbv2::service::now_ms;
use crate::wiring::{Target, TargetRegistry, TargetState, WiringError};

/// The ALB's target registry.
pub struct AlbTargetRegistry {
    /// The service whose model holds the target groups.
    pub elbv2: Arc<Elbv2Service>,
}

impl TargetRegistry for AlbTargetRegistry {
    fn register(&self, target_group_arn: &str, target: Target) -> Result<(), WiringError> {
        self.elbv2
            .write_primary(|m| {
                m.register_targets(
                    target_group_arn,
                    &[(target.ip.to_string(), Some(target.port))],
                    now_ms(),
                )
            })
            .map_err(|e| {
                WiringError(format!(
                    "register {}:{} in {target_group_arn}: {e}",
                    target.ip, target.port
                ))
            })
    }

    fn deregister(&self, target_group_arn: &str, target: Target) -> Result<(), WiringError> {
        self.elbv2
            .write_primary(|m| {
                m.deregister_targets(
                    target_group_arn,
                    &[(target.ip.to_string(), Some(target.port))],
                    now_ms(),
                )
            })
            .map_err(|e| {
                WiringError(format!(
                    "deregister {}:{} from {target_group_arn}: {e}",
                    target.ip, target.port
                ))
            })
    }

    fn state(&self, target_group_arn: &str, target: Target) -> TargetState {
        let snap = self.elbv2.snapshot();
        let Some(tg) = snap.target_groups.get(target_group_arn) else {
            return TargetState::Unused;
        };
        let key = TargetKey {
            id: target.ip.to_string(),
            port: target.port,
        };
        match snap.target_health(tg, &key).0 {
            "initial" => TargetState::Initial,
            "healthy" => TargetState::Healthy,
            "unhealthy" => TargetState::Unhealthy,
            "draining" => TargetState::Draining,
            "unavailable" => TargetState::Unavailable,
            _ => TargetState::Unused,
        }
    }

    fn deregistration_delay(&self, target_group_arn: &str) -> Duration {
        let snap = self.elbv2.snapshot();
        Duration::from_secs(
            snap.target_groups
                .get(target_group_arn)
                .map_or(300, |tg| u64::from(tg.deregistration_delay_s())),
        )
    }
}
