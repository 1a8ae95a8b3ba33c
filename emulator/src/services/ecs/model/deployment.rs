//! Rolling-deployment arithmetic of the `ECS` deployment controller
//! (aws-reference.md §2.6), as pure functions the scheduler calls each tick.
//!
//! - min healthy = ceil(desired × minimumHealthyPercent / 100)
//! - max tasks   = floor(desired × maximumPercent / 100), counting RUNNING
//!   and PENDING tasks only (the API's DeploymentConfiguration doc): a task
//!   being stopped (DEACTIVATING while its target drains, STOPPING) never
//!   holds back its replacement
//! - circuit-breaker threshold = clamp(ceil(0.5 × desired), 3, 200)

/// How many tasks must stay healthy during a deployment.
pub fn min_healthy(desired: u32, minimum_healthy_percent: u32) -> u32 {
    (u64::from(desired) * u64::from(minimum_healthy_percent)).div_ceil(100) as u32
}

/// How many tasks (RUNNING + PENDING) may exist at once.
pub fn max_tasks(desired: u32, maximum_percent: u32) -> u32 {
    (u64::from(desired) * u64::from(maximum_percent) / 100) as u32
}

/// The circuit breaker's failure threshold for the default
/// `BOUNDED_PERCENT`/50 configuration (current API docs: lower bound 3).
pub fn circuit_breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// What the scheduler sees of one service at one instant. "Healthy" means
/// counted healthy for the min-healthy bound (RUNNING, and past the
/// health-check / target-group gate, see §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// The service's desired count.
    pub desired: u32,
    /// `deploymentConfiguration.minimumHealthyPercent`.
    pub minimum_healthy_percent: u32,
    /// `deploymentConfiguration.maximumPercent`.
    pub maximum_percent: u32,
    /// PRIMARY-deployment tasks that count as healthy.
    pub primary_healthy: u32,
    /// PRIMARY-deployment tasks that exist but are not (yet) healthy.
    pub primary_other: u32,
    /// Tasks of older deployments that count as healthy.
    pub old_healthy: u32,
    /// Tasks of older deployments that are not healthy.
    pub old_other: u32,
    /// Tasks already being stopped (draining or stopping): they count
    /// neither as healthy nor against max tasks, and a deployment with some
    /// is not stuck (it is waiting for them).
    pub stopping: u32,
}

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    /// New PRIMARY tasks to launch.
    pub start: u32,
    /// Unhealthy old tasks to stop (they never count toward min healthy).
    pub stop_old_unhealthy: u32,
    /// Healthy old tasks to stop.
    pub stop_old_healthy: u32,
    /// Surplus PRIMARY tasks to stop (scale-in), unhealthy ones first.
    pub stop_primary: u32,
    /// Nothing can move: the configuration forbids both a start and a stop
    /// while old tasks remain (ECS posts the "unable to stop or start" event).
    pub stuck: bool,
}

/// One scheduling step: how many to start and stop so the service moves
/// toward `desired` PRIMARY tasks without ever exceeding max tasks or
/// dropping below min healthy.
pub fn plan(c: Counts) -> Step {
    let min = min_healthy(c.desired, c.minimum_healthy_percent);
    // The max bound never forbids reaching the desired count itself.
    let max = max_tasks(c.desired, c.maximum_percent).max(c.desired);
    let primary = c.primary_healthy + c.primary_other;
    let old = c.old_healthy + c.old_other;
    // RUNNING + PENDING: a task being stopped is leaving already.
    let existing = primary + old;

    let mut step = Step::default();
    if primary > c.desired {
        step.stop_primary = primary - c.desired;
    }
    let want = c.desired.saturating_sub(primary);
    step.start = want.min(max.saturating_sub(existing));

    // Old tasks that are not healthy never help the min-healthy bound.
    step.stop_old_unhealthy = c.old_other;
    let healthy = c.primary_healthy + c.old_healthy;
    // Once PRIMARY alone reaches the desired count, the rest of the old
    // tasks are surplus; otherwise stop only what min healthy allows.
    let allowed = healthy.saturating_sub(min);
    step.stop_old_healthy = c.old_healthy.min(allowed);
    step.stuck = old > 0
        && step.start == 0
        && step.stop_old_unhealthy == 0
        && step.stop_old_healthy == 0
        && c.primary_other == 0
        && c.stopping == 0;
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_healthy_rounds_up() {
        assert_eq!(min_healthy(4, 50), 2);
        assert_eq!(min_healthy(2, 75), 2); // ceil(1.5)
        assert_eq!(min_healthy(3, 100), 3);
        assert_eq!(min_healthy(0, 100), 0);
        assert_eq!(min_healthy(5, 0), 0);
    }

    #[test]
    fn max_tasks_rounds_down() {
        assert_eq!(max_tasks(4, 200), 8);
        assert_eq!(max_tasks(3, 125), 3); // floor(3.75)
        assert_eq!(max_tasks(1, 150), 1);
    }

    #[test]
    fn circuit_breaker_threshold_is_bounded() {
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(25), 13);
        assert_eq!(circuit_breaker_threshold(400), 200);
        assert_eq!(circuit_breaker_threshold(800), 200);
    }

    fn counts(desired: u32, min: u32, max: u32) -> Counts {
        Counts {
            desired,
            minimum_healthy_percent: min,
            maximum_percent: max,
            ..Counts::default()
        }
    }

    #[test]
    fn a_new_service_starts_everything_at_once() {
        let s = plan(counts(5, 100, 200));
        assert_eq!(s.start, 5);
        assert!(!s.stuck);
    }

    #[test]
    fn default_rolling_update_starts_all_new_then_stops_old() {
        // 4 old healthy, 100/200: start 4 new, stop none yet.
        let mut c = counts(4, 100, 200);
        c.old_healthy = 4;
        let s = plan(c);
        assert_eq!((s.start, s.stop_old_healthy), (4, 0));
        // New ones pending: nothing more to do, not stuck.
        c.primary_other = 4;
        let s = plan(c);
        assert_eq!((s.start, s.stop_old_healthy), (0, 0));
        assert!(!s.stuck);
        // Two new healthy: two old may go.
        c.primary_other = 2;
        c.primary_healthy = 2;
        let s = plan(c);
        assert_eq!(s.stop_old_healthy, 2);
        // All new healthy: every old task goes.
        c.primary_other = 0;
        c.primary_healthy = 4;
        c.old_healthy = 2;
        assert_eq!(plan(c).stop_old_healthy, 2);
    }

    #[test]
    fn min_50_max_100_stops_first() {
        // 50% of 4 → 2 may stop first; max 100% → nothing may start first.
        let mut c = counts(4, 50, 100);
        c.old_healthy = 4;
        let s = plan(c);
        assert_eq!(s.start, 0);
        assert_eq!(s.stop_old_healthy, 2);
        // After the two stopped (no longer counted): start two new.
        c.old_healthy = 2;
        let s = plan(c);
        assert_eq!(s.start, 2);
        assert_eq!(s.stop_old_healthy, 0);
    }

    #[test]
    fn a_draining_task_does_not_hold_back_its_replacement() {
        // StopTask on one of 2 tasks with max 100%: it drains (DEACTIVATING)
        // and maximumPercent caps RUNNING + PENDING tasks only, so its
        // replacement starts now, not after the deregistration delay.
        let mut c = counts(2, 50, 100);
        c.primary_healthy = 1;
        c.stopping = 1;
        let s = plan(c);
        assert_eq!(s.start, 1);
        assert!(!s.stuck);
        // Min 50 / max 100 rolling update: while two old tasks drain, two
        // new ones start.
        let mut c = counts(4, 50, 100);
        c.old_healthy = 2;
        c.stopping = 2;
        assert_eq!(plan(c).start, 2);
    }

    #[test]
    fn unsatisfiable_configuration_is_stuck() {
        // min 100% and max 100%: neither a start nor a stop is possible.
        let mut c = counts(2, 100, 100);
        c.old_healthy = 2;
        let s = plan(c);
        assert_eq!((s.start, s.stop_old_healthy), (0, 0));
        assert!(s.stuck);
    }

    #[test]
    fn unhealthy_old_tasks_always_go() {
        let mut c = counts(3, 100, 100);
        c.old_other = 3;
        let s = plan(c);
        assert_eq!(s.stop_old_unhealthy, 3);
        assert!(!s.stuck);
    }

    #[test]
    fn scale_in_and_out_touch_only_primary() {
        let mut c = counts(1, 100, 200);
        c.primary_healthy = 4;
        let s = plan(c);
        assert_eq!((s.start, s.stop_primary), (0, 3));
        let mut c = counts(4, 100, 200);
        c.primary_healthy = 2;
        assert_eq!(plan(c).start, 2);
    }

    #[test]
    fn never_below_min_healthy_or_above_max_property() {
        for desired in 0..8u32 {
            for min in [0u32, 50, 75, 100] {
                for max in [100u32, 125, 150, 200] {
                    for old in 0..=desired {
                        let mut c = counts(desired, min, max);
                        c.old_healthy = old;
                        let s = plan(c);
                        let healthy_after = old - s.stop_old_healthy;
                        if old > 0 {
                            assert!(
                                healthy_after >= min_healthy(desired, min).min(old),
                                "{c:?} → {s:?}"
                            );
                        }
                        assert!(
                            old + s.start <= max_tasks(desired, max).max(desired),
                            "{c:?} → {s:?}"
                        );
                    }
                }
            }
        }
    }
}
