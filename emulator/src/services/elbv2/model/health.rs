//! Health checks and target states (aws-reference.md §1.5): the matcher
//! (`200`, `200,202`, `200-299`), the per-target state machine driven by
//! check results, and the reason codes DescribeTargetHealth reports.

use crate::services::elbv2::errors::ElbError as ModelError;

/// A parsed `Matcher.HttpCode`: codes and inclusive ranges, ORed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// The text as given (echoed by DescribeTargetGroups).
    pub text: String,
    /// Inclusive ranges; a single code is `(c, c)`.
    ranges: Vec<(u16, u16)>,
}

impl Matcher {
    /// Parses `200`, `200,202`, `200-299` (and mixes of lists and ranges);
    /// ALB accepts codes 200..=499.
    pub fn parse(text: &str) -> Result<Matcher, ModelError> {
        let bad = || {
            ModelError::Validation(format!(
                "Health check matcher HTTP code '{text}' must be a value between 200 and 499, a comma-separated list (200,202) or a range (200-299)"
            ))
        };
        let code = |s: &str| -> Result<u16, ModelError> {
            s.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (200..=499).contains(c))
                .ok_or_else(bad)
        };
        let mut ranges = Vec::new();
        for item in text.split(',') {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (code(a)?, code(b)?);
                    if a > b {
                        return Err(bad());
                    }
                    ranges.push((a, b));
                }
                None => {
                    let c = code(item)?;
                    ranges.push((c, c));
                }
            }
        }
        Ok(Matcher {
            text: text.to_string(),
            ranges,
        })
    }

    /// `true` when `status` counts as a success.
    pub fn accepts(&self, status: u16) -> bool {
        self.ranges.iter().any(|(a, b)| (*a..=*b).contains(&status))
    }
}

/// The outcome of one health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The status matched.
    Passed,
    /// A response with a status outside the matcher.
    CodeMismatch(u16),
    /// No response within the timeout.
    Timeout,
    /// Connection refused/reset or a malformed response.
    Failed,
}

/// Why a target is not (or not yet) healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// `Elb.RegistrationInProgress`.
    RegistrationInProgress,
    /// `Elb.InitialHealthChecking`.
    InitialHealthChecking,
    /// `Target.ResponseCodeMismatch` with the code seen.
    ResponseCodeMismatch(u16),
    /// `Target.Timeout`.
    Timeout,
    /// `Target.FailedHealthChecks`.
    FailedHealthChecks,
    /// `Target.NotRegistered`.
    NotRegistered,
    /// `Target.NotInUse`.
    NotInUse,
    /// `Target.DeregistrationInProgress`.
    DeregistrationInProgress,
    /// `Target.HealthCheckDisabled`.
    HealthCheckDisabled,
}

impl Reason {
    /// The `Reason` code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::RegistrationInProgress => "Elb.RegistrationInProgress",
            Reason::InitialHealthChecking => "Elb.InitialHealthChecking",
            Reason::ResponseCodeMismatch(_) => "Target.ResponseCodeMismatch",
            Reason::Timeout => "Target.Timeout",
            Reason::FailedHealthChecks => "Target.FailedHealthChecks",
            Reason::NotRegistered => "Target.NotRegistered",
            Reason::NotInUse => "Target.NotInUse",
            Reason::DeregistrationInProgress => "Target.DeregistrationInProgress",
            Reason::HealthCheckDisabled => "Target.HealthCheckDisabled",
        }
    }

    /// The `Description` text.
    pub fn description(self) -> String {
        match self {
            Reason::RegistrationInProgress => "Target registration is in progress".into(),
            Reason::InitialHealthChecking => "Initial health checks in progress".into(),
            Reason::ResponseCodeMismatch(c) => {
                format!("Health checks failed with these codes: [{c}]")
            }
            Reason::Timeout => "Request timed out".into(),
            Reason::FailedHealthChecks => "Health checks failed".into(),
            Reason::NotRegistered => "Target is not registered to the target group".into(),
            Reason::NotInUse => {
                "Target group is not configured to receive traffic from the load balancer".into()
            }
            Reason::DeregistrationInProgress => "Target deregistration is in progress".into(),
            Reason::HealthCheckDisabled => "Health checks are disabled".into(),
        }
    }
}

/// A registered target's health, as the state machine tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Registered; `checked` once a check has run (changes the reason).
    Initial {
        /// At least one check failed already.
        checked: bool,
    },
    /// In service since the given time (slow start counts from it).
    Healthy {
        /// Epoch ms when it became healthy.
        since_ms: i64,
    },
    /// Out of service.
    Unhealthy(Reason),
    /// Deregistering until the given time.
    Draining {
        /// Epoch ms when the deregistration delay ends.
        until_ms: i64,
    },
}

impl Health {
    /// The `State` word.
    pub fn state(self) -> &'static str {
        match self {
            Health::Initial { .. } => "initial",
            Health::Healthy { .. } => "healthy",
            Health::Unhealthy(_) => "unhealthy",
            Health::Draining { .. } => "draining",
        }
    }

    /// The reason, none for healthy targets.
    pub fn reason(self) -> Option<Reason> {
        match self {
            Health::Initial { checked: false } => Some(Reason::RegistrationInProgress),
            Health::Initial { checked: true } => Some(Reason::InitialHealthChecking),
            Health::Healthy { .. } => None,
            Health::Unhealthy(r) => Some(r),
            Health::Draining { .. } => Some(Reason::DeregistrationInProgress),
        }
    }
}

/// Thresholds that drive transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Consecutive successes for unhealthy → healthy.
    pub healthy: u32,
    /// Consecutive failures for initial/healthy → unhealthy.
    pub unhealthy: u32,
}

/// A target's health plus the streak counters the thresholds apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthTracker {
    /// The current state.
    pub health: Health,
    /// Consecutive passes so far.
    pub passes: u32,
    /// Consecutive failures so far.
    pub failures: u32,
}

impl HealthTracker {
    /// A freshly registered target.
    pub fn new() -> Self {
        HealthTracker {
            health: Health::Initial { checked: false },
            passes: 0,
            failures: 0,
        }
    }

    /// Applies one check result at `now_ms`. A new target needs ONE pass to
    /// become healthy; an unhealthy one needs `healthy` passes; `unhealthy`
    /// consecutive failures take an initial or healthy target out. Draining
    /// targets ignore checks.
    pub fn observe(&mut self, outcome: CheckOutcome, t: Thresholds, now_ms: i64) {
        if matches!(self.health, Health::Draining { .. }) {
            return;
        }
        let failure = match outcome {
            CheckOutcome::Passed => None,
            CheckOutcome::CodeMismatch(c) => Some(Reason::ResponseCodeMismatch(c)),
            CheckOutcome::Timeout => Some(Reason::Timeout),
            CheckOutcome::Failed => Some(Reason::FailedHealthChecks),
        };
        match failure {
            None => {
                self.passes = self.passes.saturating_add(1);
                self.failures = 0;
                let ready = match self.health {
                    Health::Initial { .. } => true,
                    Health::Unhealthy(_) => self.passes >= t.healthy,
                    Health::Healthy { .. } | Health::Draining { .. } => false,
                };
                if ready {
                    self.health = Health::Healthy { since_ms: now_ms };
                }
            }
            Some(reason) => {
                self.failures = self.failures.saturating_add(1);
                self.passes = 0;
                match self.health {
                    Health::Unhealthy(_) => self.health = Health::Unhealthy(reason),
                    _ if self.failures >= t.unhealthy => self.health = Health::Unhealthy(reason),
                    Health::Initial { .. } => self.health = Health::Initial { checked: true },
                    _ => {}
                }
            }
        }
    }
}

impl Default for HealthTracker {
    fn default() -> Self {
        Self::new()
    }
}

/// Slow start: the share (0.0..=1.0) of its normal weight a target healthy
/// since `since_ms` receives at `now_ms`, rising linearly over `duration_s`.
pub fn slow_start_factor(since_ms: i64, now_ms: i64, duration_s: u32) -> f64 {
    if duration_s == 0 {
        return 1.0;
    }
    let elapsed = (now_ms - since_ms).max(0) as f64 / 1000.0;
    (elapsed / f64::from(duration_s)).clamp(0.05, 1.0)
}
