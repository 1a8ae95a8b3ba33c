//! What a scaling policy does when one of its alarms invokes it: the new
//! capacity, or why there is none. Pure arithmetic, no clock reads: the
//! caller passes `now` and the cooldown state.
//!
//! Target tracking (AWS publishes the behaviour, not the formula): the
//! capacity that brings the metric to the target if load spreads evenly,
//! `ceil(current × metric / target)`, clamped to min/max; the high alarm
//! only ever adds, the low alarm only ever removes. A scale-out blocks
//! further scale-outs and every scale-in for its cooldown; a scale-in
//! blocks further scale-ins for its cooldown.
//!
//! Step scaling: the step whose bounds (relative to the alarm threshold)
//! hold the breach, applied per the adjustment type.

use super::policy::{StepConfig, TrackingConfig};

/// AWS's default cooldown (seconds) for ECS services.
pub const DEFAULT_COOLDOWN_SECS: i64 = 300;

/// The result of invoking a policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Set the capacity to this.
    Scale(u32),
    /// Nothing to do; a not-scaled activity with this `NotScaledReason`
    /// code records why (AlreadyAtMaxCapacity, AlreadyAtMinCapacity).
    NotScaled(&'static str),
    /// Nothing to do and nothing to record (cooldown, scale-in disabled,
    /// suspended).
    Wait,
}

/// Cooldown bookkeeping of one scalable target (seconds since the epoch).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cooldowns {
    /// When the last scale-out ends its cooldown.
    pub scale_out_until: f64,
    /// When the last scale-in ends its cooldown.
    pub scale_in_until: f64,
}

/// Bounds and the current capacity of a scalable target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// The current desired count.
    pub current: u32,
    /// MinCapacity.
    pub min: u32,
    /// MaxCapacity.
    pub max: u32,
}

/// A target-tracking policy invoked by its high (`high`) or low alarm,
/// with the metric's latest value.
pub fn tracking(
    cfg: &TrackingConfig,
    cap: Capacity,
    high: bool,
    metric: f64,
    cooldowns: Cooldowns,
    now: f64,
) -> Outcome {
    if cfg.target_value <= 0.0 || !metric.is_finite() {
        return Outcome::Wait;
    }
    let wanted = (f64::from(cap.current) * metric / cfg.target_value).ceil();
    let wanted = wanted.clamp(0.0, f64::from(u32::MAX)) as u32;
    if high {
        if now < cooldowns.scale_out_until {
            return Outcome::Wait;
        }
        if cap.current >= cap.max {
            return Outcome::NotScaled("AlreadyAtMaxCapacity");
        }
        let to = wanted.max(cap.current + 1).min(cap.max);
        Outcome::Scale(to.max(cap.min))
    } else {
        if cfg.disable_scale_in == Some(true)
            || now < cooldowns.scale_in_until
            || now < cooldowns.scale_out_until
        {
            return Outcome::Wait;
        }
        if cap.current <= cap.min {
            return Outcome::NotScaled("AlreadyAtMinCapacity");
        }
        let to = wanted.min(cap.current - 1).max(cap.min);
        Outcome::Scale(to)
    }
}

/// A step-scaling policy invoked with the alarm's aggregated value and
/// threshold. `last_activity_until` is when this policy's cooldown ends.
pub fn step(
    cfg: &StepConfig,
    cap: Capacity,
    value: f64,
    threshold: f64,
    cooldown_until: f64,
    now: f64,
) -> Outcome {
    if now < cooldown_until {
        return Outcome::Wait;
    }
    let breach = value - threshold;
    let Some(step) = cfg.step_adjustments.iter().find(|s| {
        s.metric_interval_lower_bound.is_none_or(|lo| breach >= lo)
            && s.metric_interval_upper_bound.is_none_or(|hi| breach < hi)
    }) else {
        return Outcome::Wait;
    };
    let current = i64::from(cap.current);
    let adj = step.scaling_adjustment;
    let to = match cfg.adjustment_type.as_deref().unwrap_or("ChangeInCapacity") {
        "ExactCapacity" => adj,
        "PercentChangeInCapacity" => {
            // Truncated toward zero, at least MinAdjustmentMagnitude.
            let mut change = current * adj / 100;
            if let Some(min) = cfg.min_adjustment_magnitude
                && change.abs() < min
            {
                change = min * adj.signum();
            }
            if change == 0 && adj != 0 {
                change = adj.signum();
            }
            current + change
        }
        _ => current + adj,
    };
    let to = to.clamp(i64::from(cap.min), i64::from(cap.max)) as u32;
    if to == cap.current {
        return Outcome::NotScaled(if adj > 0 {
            "AlreadyAtMaxCapacity"
        } else if adj < 0 {
            "AlreadyAtMinCapacity"
        } else {
            "AlreadyAtDesiredCapacity"
        });
    }
    Outcome::Scale(to)
}

#[cfg(test)]
mod tests {
    use super::super::policy::StepAdjustment;
    use super::*;

    fn cpu(target: f64) -> TrackingConfig {
        TrackingConfig {
            target_value: target,
            predefined_metric_specification: None,
            customized_metric_specification: None,
            scale_out_cooldown: None,
            scale_in_cooldown: None,
            disable_scale_in: None,
        }
    }

    fn cap(current: u32) -> Capacity {
        Capacity {
            current,
            min: 1,
            max: 3,
        }
    }

    #[test]
    fn tracking_scales_out_proportionally_within_max() {
        let none = Cooldowns::default();
        assert_eq!(
            tracking(&cpu(50.0), cap(1), true, 90.0, none, 0.0),
            Outcome::Scale(2)
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(1), true, 260.0, none, 0.0),
            Outcome::Scale(3)
        );
        // Just above the target still adds one.
        assert_eq!(
            tracking(&cpu(50.0), cap(2), true, 50.1, none, 0.0),
            Outcome::Scale(3)
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(3), true, 99.0, none, 0.0),
            Outcome::NotScaled("AlreadyAtMaxCapacity")
        );
    }

    #[test]
    fn tracking_scales_in_to_what_the_load_needs_within_min() {
        let none = Cooldowns::default();
        assert_eq!(
            tracking(&cpu(50.0), cap(3), false, 2.0, none, 0.0),
            Outcome::Scale(1)
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(3), false, 40.0, none, 0.0),
            Outcome::Scale(2)
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(1), false, 1.0, none, 0.0),
            Outcome::NotScaled("AlreadyAtMinCapacity")
        );
        let mut no_in = cpu(50.0);
        no_in.disable_scale_in = Some(true);
        assert_eq!(
            tracking(&no_in, cap(3), false, 1.0, none, 0.0),
            Outcome::Wait
        );
    }

    #[test]
    fn cooldowns_hold_scaling() {
        let after_out = Cooldowns {
            scale_out_until: 100.0,
            scale_in_until: 0.0,
        };
        assert_eq!(
            tracking(&cpu(50.0), cap(2), true, 90.0, after_out, 50.0),
            Outcome::Wait
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(2), false, 1.0, after_out, 50.0),
            Outcome::Wait
        );
        assert_eq!(
            tracking(&cpu(50.0), cap(2), true, 90.0, after_out, 100.0),
            Outcome::Scale(3)
        );
        let after_in = Cooldowns {
            scale_out_until: 0.0,
            scale_in_until: 100.0,
        };
        assert_eq!(
            tracking(&cpu(50.0), cap(3), false, 1.0, after_in, 50.0),
            Outcome::Wait
        );
        // A scale-in cooldown never holds a scale-out.
        assert_eq!(
            tracking(&cpu(50.0), cap(2), true, 90.0, after_in, 50.0),
            Outcome::Scale(3)
        );
    }

    fn steps(kind: &str, adjustments: &[(Option<f64>, Option<f64>, i64)]) -> StepConfig {
        StepConfig {
            adjustment_type: Some(kind.into()),
            step_adjustments: adjustments
                .iter()
                .map(|&(lo, hi, adj)| StepAdjustment {
                    metric_interval_lower_bound: lo,
                    metric_interval_upper_bound: hi,
                    scaling_adjustment: adj,
                })
                .collect(),
            min_adjustment_magnitude: None,
            cooldown: None,
            metric_aggregation_type: None,
        }
    }

    #[test]
    fn step_picks_the_step_holding_the_breach() {
        let big = Capacity {
            current: 4,
            min: 1,
            max: 10,
        };
        let cfg = steps(
            "ChangeInCapacity",
            &[(Some(0.0), Some(20.0), 1), (Some(20.0), None, 3)],
        );
        assert_eq!(step(&cfg, big, 75.0, 70.0, 0.0, 0.0), Outcome::Scale(5));
        assert_eq!(step(&cfg, big, 95.0, 70.0, 0.0, 0.0), Outcome::Scale(7));
        assert_eq!(step(&cfg, big, 95.0, 70.0, 10.0, 5.0), Outcome::Wait);
        let down = steps("ChangeInCapacity", &[(None, Some(0.0), -1)]);
        assert_eq!(step(&down, big, 20.0, 30.0, 0.0, 0.0), Outcome::Scale(3));
        let exact = steps("ExactCapacity", &[(Some(0.0), None, 10)]);
        assert_eq!(step(&exact, big, 80.0, 70.0, 0.0, 0.0), Outcome::Scale(10));
        let pct = steps("PercentChangeInCapacity", &[(Some(0.0), None, 200)]);
        assert_eq!(step(&pct, big, 80.0, 70.0, 0.0, 0.0), Outcome::Scale(10));
        let at_max = Capacity { current: 10, ..big };
        assert_eq!(
            step(&cfg, at_max, 80.0, 70.0, 0.0, 0.0),
            Outcome::NotScaled("AlreadyAtMaxCapacity")
        );
    }
}
