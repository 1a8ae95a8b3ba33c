//! The loop that closes the scaling circle: every tick, CloudWatch
//! evaluates its alarms ([`CloudWatch::evaluate`]), and every invocation of
//! an Application Auto Scaling policy (an action ARN `arn:aws:autoscaling:…`)
//! goes to [`ApplicationAutoScaling::on_alarm`], which changes the ECS
//! service's desired count; the ECS scheduler then starts or stops tasks.
//!
//! ```text
//!   Docker stats ─▶ ECS metrics ─▶ CloudWatch ─evaluate─▶ alarm actions ─▶ policies ─▶ ECS desired count
//! ```
//!
//! The same loop runs the scheduled actions ([`ApplicationAutoScaling::run_scheduled`])
//! at least every [`SCHEDULE_TICK`]. Schedules are wall-clock, as in AWS:
//! `time_scale` shortens cooldowns and alarm periods, never a `cron()`,
//! `rate()` or `at()`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::service::{self, ApplicationAutoScaling};
use crate::services::cloudwatch::CloudWatch;

/// How often alarms are evaluated for a `time_scale`: every (scaled)
/// minute, as CloudWatch does, but at least every 10 s and at most 4 times a second.
pub fn evaluation_period(time_scale: f64) -> Duration {
    Duration::from_secs_f64((60.0 / time_scale.max(1.0)).clamp(0.25, 10.0))
}

/// How often, at most, the loop looks for scheduled actions that are due
/// (they fire on whole seconds or minutes; this bounds their lateness).
pub const SCHEDULE_TICK: Duration = Duration::from_secs(1);

/// Evaluates alarms every `every`, and runs due scheduled actions every
/// [`SCHEDULE_TICK`] (or `every`, when shorter), until `stop` turns true. `account` owns
/// the alarms (CloudWatch is per account). `emul serve` runs it too: there
/// a policy changes the desired count of a control-plane-only service.
pub async fn run(
    cloudwatch: Arc<CloudWatch>,
    scaling: Arc<ApplicationAutoScaling>,
    account: String,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut evaluate_at = Instant::now();
    loop {
        if Instant::now() >= evaluate_at {
            evaluate_at = Instant::now() + every;
            evaluate(&cloudwatch, &scaling, &account);
        }
        scaling.run_scheduled(service::now());
        let nap = every
            .min(SCHEDULE_TICK)
            .min(evaluate_at.saturating_duration_since(Instant::now()))
            .max(Duration::from_millis(50));
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One evaluation of every alarm; policies' invocations go to `scaling`.
fn evaluate(cloudwatch: &CloudWatch, scaling: &ApplicationAutoScaling, account: &str) {
    for inv in cloudwatch.evaluate(SystemTime::now()) {
        if inv.action_arn.starts_with("arn:aws:autoscaling:") {
            scaling.on_alarm(account, &inv);
        } else {
            // SNS topics, EC2 actions, ...: nothing in emul receives them.
            tracing::info!(
                alarm = %inv.alarm_name,
                state = inv.state.as_str(),
                action = %inv.action_arn,
                "CloudWatch alarm action not invoked: emul does not emulate its target"
            );
        }
    }
}
