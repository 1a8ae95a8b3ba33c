//! Metric alarms: validation, AWS's evaluation rules, state transitions,
//! history, and the actions to invoke.
//!
//! Evaluation (at `now`, real time): the alarm period is scaled by the
//! model's time scale (`period / scale` real seconds). The last
//! `EvaluationPeriods` *complete* periods (aligned to the epoch; the one in
//! progress never counts) are read; `DatapointsToAlarm` (default: all) of
//! them breaching → ALARM, otherwise OK. Missing periods follow
//! `TreatMissingData`: `missing` (default) ignores them and, when every
//! period is missing, goes to INSUFFICIENT_DATA; `ignore` does the same but
//! keeps the current state instead; `breaching` / `notBreaching` count them
//! as such. (AWS's `missing` may also look further back for datapoints; emul
//! evaluates only the N periods.) Like AWS, an alarm is evaluated once per
//! minute (per period, for periods under a minute), so a SetAlarmState
//! holds until the next evaluation.
//!
//! Actions: on each state change, one invocation per action ARN of the new
//! state (when actions are enabled); while the state holds, Auto Scaling
//! actions (`arn:aws:autoscaling:…`) are invoked again once per (scaled)
//! minute, as CloudWatch does.

use std::collections::{BTreeMap, VecDeque};

use super::{MetricKey, Millis, Model, Region, Series, UNITS, bucket_series, is_statistic};
use crate::gateway::AwsError;
use crate::services::cloudwatch::errors;

/// The alarm history kept per region (AWS keeps 30 days; emul the newest 1000 items).
pub const MAX_HISTORY: usize = 1000;
/// The StateReason of a new alarm (AWS wording).
pub const INITIAL_REASON: &str = "Unchecked: Initial alarm creation";
/// The comparison operators emul evaluates.
pub const COMPARISONS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
/// Anomaly-detection operators (need a band metric; not emulated).
const BAND_COMPARISONS: &[&str] = &[
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
/// `TreatMissingData` values.
pub const TREAT_MISSING: &[&str] = &["breaching", "notBreaching", "ignore", "missing"];

/// An alarm's state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AlarmState {
    /// `OK`.
    Ok,
    /// `ALARM`.
    Alarm,
    /// `INSUFFICIENT_DATA`.
    InsufficientData,
}

impl AlarmState {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Parses a wire value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }
}

/// A metric alarm's configuration (what Application Auto Scaling creates).
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    /// The alarm name (unique per region).
    pub name: String,
    /// `AlarmDescription`.
    pub description: Option<String>,
    /// The metric's namespace.
    pub namespace: String,
    /// The metric's name.
    pub metric_name: String,
    /// The metric's dimensions.
    pub dimensions: Vec<(String, String)>,
    /// `Average`, `Sum`, … or an extended statistic `pNN`.
    pub statistic: String,
    /// Seconds: 10, 20, 30 or a multiple of 60.
    pub period_secs: u32,
    /// N.
    pub evaluation_periods: u32,
    /// M (default N).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: f64,
    /// e.g. `GreaterThanThreshold`.
    pub comparison: String,
    /// `missing` when `None`.
    pub treat_missing_data: Option<String>,
    /// Actions on → ALARM.
    pub alarm_actions: Vec<String>,
    /// Actions on → OK.
    pub ok_actions: Vec<String>,
    /// Only samples with this unit count, when set.
    pub unit: Option<String>,
}

/// The rest of PutMetricAlarm's configuration (wire callers only).
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmExtras {
    /// Actions on → INSUFFICIENT_DATA.
    pub insufficient_data_actions: Vec<String>,
    /// `ActionsEnabled` (default true).
    pub actions_enabled: bool,
}

impl Default for AlarmExtras {
    fn default() -> Self {
        Self {
            insufficient_data_actions: Vec::new(),
            actions_enabled: true,
        }
    }
}

/// One action to invoke.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmInvocation {
    /// The alarm.
    pub alarm_name: String,
    /// Its ARN.
    pub alarm_arn: String,
    /// The action (SNS topic, Auto Scaling policy, …).
    pub action_arn: String,
    /// The alarm's region.
    pub region: String,
    /// The state the action belongs to.
    pub state: AlarmState,
    /// The StateReason.
    pub reason: String,
    /// The alarm's threshold: a step-scaling policy's steps are relative
    /// to it.
    pub threshold: f64,
    /// The evaluated datapoints, newest last.
    pub datapoints: Vec<f64>,
}

/// One alarm with its state.
#[derive(Debug, Clone)]
pub struct Alarm {
    /// The configuration.
    pub spec: AlarmSpec,
    /// The wire-only configuration.
    pub extras: AlarmExtras,
    /// `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`.
    pub arn: String,
    /// The state.
    pub state: AlarmState,
    /// StateReason.
    pub state_reason: String,
    /// StateReasonData (JSON text).
    pub state_reason_data: Option<String>,
    /// StateUpdatedTimestamp.
    pub state_updated: Millis,
    /// StateTransitionedTimestamp.
    pub state_transitioned: Millis,
    /// AlarmConfigurationUpdatedTimestamp.
    pub config_updated: Millis,
    /// When the alarm is evaluated next.
    next_eval: Millis,
    /// When its actions were last invoked (repeats count from here).
    last_actions: Millis,
    /// The datapoints of the last evaluation, oldest first.
    last_datapoints: Vec<f64>,
}

impl Alarm {
    /// The actions of `state`.
    pub fn actions(&self, state: AlarmState) -> &[String] {
        match state {
            AlarmState::Alarm => &self.spec.alarm_actions,
            AlarmState::Ok => &self.spec.ok_actions,
            AlarmState::InsufficientData => &self.extras.insufficient_data_actions,
        }
    }

    /// Every action ARN of the alarm.
    pub fn all_actions(&self) -> impl Iterator<Item = &String> {
        self.spec
            .alarm_actions
            .iter()
            .chain(&self.spec.ok_actions)
            .chain(&self.extras.insufficient_data_actions)
    }

    /// The invocations of the current state's actions (only Auto Scaling
    /// ones for a repeat).
    fn invocations(&self, region: &str, autoscaling_only: bool) -> Vec<AlarmInvocation> {
        if !self.extras.actions_enabled {
            return Vec::new();
        }
        self.actions(self.state)
            .iter()
            .filter(|a| !autoscaling_only || a.starts_with("arn:aws:autoscaling:"))
            .map(|a| AlarmInvocation {
                alarm_name: self.spec.name.clone(),
                alarm_arn: self.arn.clone(),
                action_arn: a.clone(),
                region: region.to_string(),
                state: self.state,
                reason: self.state_reason.clone(),
                datapoints: self.last_datapoints.clone(),
                threshold: self.spec.threshold,
            })
            .collect()
    }

    /// The metric the alarm watches.
    pub fn metric(&self) -> MetricKey {
        MetricKey::new(
            &self.spec.namespace,
            &self.spec.metric_name,
            &self.spec.dimensions,
        )
    }
}

/// One DescribeAlarmHistory item.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryItem {
    /// The alarm.
    pub alarm_name: String,
    /// When.
    pub timestamp: Millis,
    /// `ConfigurationUpdate` or `StateUpdate`.
    pub item_type: &'static str,
    /// HistorySummary.
    pub summary: String,
    /// HistoryData (JSON text).
    pub data: String,
}

/// Checks a spec as PutMetricAlarm does.
pub fn validate(spec: &AlarmSpec) -> Result<(), AwsError> {
    if spec.name.is_empty() {
        return Err(errors::missing("AlarmName"));
    }
    if spec.name.chars().count() > 255 {
        return Err(errors::invalid_param("AlarmName", &spec.name));
    }
    if spec.namespace.is_empty() {
        return Err(errors::missing("Namespace"));
    }
    if spec.metric_name.is_empty() {
        return Err(errors::missing("MetricName"));
    }
    if !is_statistic(&spec.statistic) {
        return Err(errors::invalid_param("Statistic", &spec.statistic));
    }
    let p = spec.period_secs;
    if !(p == 10 || p == 20 || p == 30 || (p > 0 && p.is_multiple_of(60))) {
        // Closest AWS wording (AWS documents the rule, not the message).
        return Err(errors::invalid_value(
            "The parameter Period must be 10, 20, 30, or a multiple of 60.",
        ));
    }
    if spec.evaluation_periods == 0 {
        return Err(errors::invalid_param(
            "EvaluationPeriods",
            &spec.evaluation_periods.to_string(),
        ));
    }
    if let Some(m) = spec.datapoints_to_alarm
        && (m == 0 || m > spec.evaluation_periods)
    {
        // Closest AWS wording.
        return Err(errors::invalid_value(format!(
            "DatapointsToAlarm ({m}) must be between 1 and EvaluationPeriods ({}).",
            spec.evaluation_periods
        )));
    }
    if BAND_COMPARISONS.contains(&spec.comparison.as_str()) {
        return Err(errors::not_supported(&format!(
            "anomaly detection alarms (ComparisonOperator {})",
            spec.comparison
        )));
    }
    if !COMPARISONS.contains(&spec.comparison.as_str()) {
        return Err(errors::invalid_param(
            "ComparisonOperator",
            &spec.comparison,
        ));
    }
    if let Some(t) = &spec.treat_missing_data
        && !TREAT_MISSING.contains(&t.as_str())
    {
        return Err(errors::invalid_param("TreatMissingData", t));
    }
    if let Some(u) = &spec.unit
        && !UNITS.contains(&u.as_str())
    {
        return Err(errors::invalid_param("Unit", u));
    }
    if !spec.threshold.is_finite() {
        return Err(errors::invalid_param(
            "Threshold",
            &spec.threshold.to_string(),
        ));
    }
    Ok(())
}

/// `true` when `value` breaches `threshold` under `op`.
fn breaches(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        "GreaterThanOrEqualToThreshold" => value >= threshold,
        "GreaterThanThreshold" => value > threshold,
        "LessThanThreshold" => value < threshold,
        "LessThanOrEqualToThreshold" => value <= threshold,
        _ => false,
    }
}

fn phrase(op: &str) -> &'static str {
    match op {
        "GreaterThanOrEqualToThreshold" => "greater than or equal to",
        "GreaterThanThreshold" => "greater than",
        "LessThanThreshold" => "less than",
        _ => "less than or equal to",
    }
}

/// Real milliseconds of `aws_ms` of AWS time at `scale`.
pub fn scaled(aws_ms: f64, scale: f64) -> Millis {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    ((aws_ms / scale).round() as Millis).max(1)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `06/12/26 17:01:00` (AWS's StateReason date format, UTC).
fn reason_date(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[day]/[month]/[year repr:last_two] [hour]:[minute]:[second]"
    );
    t.format(&f).unwrap_or_default()
}

/// `2026-12-06T17:01:00.000+0000` (AWS's StateReasonData date format).
pub fn data_date(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    t.format(&f).unwrap_or_default()
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The state the data says.
    pub state: AlarmState,
    /// StateReason.
    pub reason: String,
    /// StateReasonData.
    pub data: String,
    /// The present datapoints, oldest first.
    pub datapoints: Vec<f64>,
}

/// Evaluates `alarm` against `series` at `now`; `None` keeps the state
/// (`TreatMissingData=ignore` with no data).
pub fn assess(
    alarm: &Alarm,
    series: Option<&Series>,
    now: Millis,
    scale: f64,
) -> Option<Assessment> {
    let spec = &alarm.spec;
    let p = scaled(f64::from(spec.period_secs) * 1000.0, scale);
    let n = spec.evaluation_periods.max(1) as usize;
    let m = spec
        .datapoints_to_alarm
        .unwrap_or(spec.evaluation_periods)
        .max(1) as usize;
    let end = now.div_euclid(p) * p;
    let start = end - n as Millis * p;
    let buckets = series
        .map(|s| bucket_series(s, start, end, p, spec.unit.as_deref()))
        .unwrap_or_default();
    let points: Vec<(Millis, Option<f64>)> = (0..n)
        .map(|i| {
            let t = start + i as Millis * p;
            (t, buckets.get(&t).and_then(|a| a.stat(&spec.statistic)))
        })
        .collect();
    let present: Vec<(Millis, f64)> = points
        .iter()
        .filter_map(|(t, v)| v.map(|v| (*t, v)))
        .collect();
    let missing = n - present.len();
    let treat = spec.treat_missing_data.as_deref().unwrap_or("missing");
    let breaching_present: Vec<(Millis, f64)> = present
        .iter()
        .copied()
        .filter(|(_, v)| breaches(&spec.comparison, *v, spec.threshold))
        .collect();
    let breaching = breaching_present.len() + if treat == "breaching" { missing } else { 0 };
    let state = if present.is_empty() {
        match treat {
            "breaching" => AlarmState::Alarm,
            "notBreaching" => AlarmState::Ok,
            "ignore" => return None,
            _ => AlarmState::InsufficientData,
        }
    } else if breaching >= m {
        AlarmState::Alarm
    } else {
        AlarmState::Ok
    };
    let reason = if present.is_empty() {
        match state {
            AlarmState::InsufficientData => format!(
                "Insufficient Data: {} unknown.",
                plural(n, "datapoint was", "datapoints were")
            ),
            _ => format!(
                "Threshold Crossed: no datapoints were received for {} and {} treated as [{}].",
                plural(n, "period", "periods"),
                plural(n, "missing datapoint was", "missing datapoints were"),
                if state == AlarmState::Alarm {
                    "Breaching"
                } else {
                    "NotBreaching"
                }
            ),
        }
    } else {
        let listed: Vec<(Millis, f64)> = if state == AlarmState::Alarm {
            breaching_present.clone()
        } else {
            let ok: Vec<_> = present
                .iter()
                .copied()
                .filter(|(_, v)| !breaches(&spec.comparison, *v, spec.threshold))
                .collect();
            if ok.is_empty() { present.clone() } else { ok }
        };
        let list = listed
            .iter()
            .rev()
            .map(|(t, v)| format!("{v:?} ({})", reason_date(*t)))
            .collect::<Vec<_>>()
            .join(", ");
        let k = listed.len();
        let verb = if k == 1 { "was" } else { "were" };
        let not = if state == AlarmState::Alarm {
            ""
        } else {
            "not "
        };
        let op = phrase(&spec.comparison);
        if m == n {
            format!(
                "Threshold Crossed: {} [{list}] {verb} {not}{op} the threshold ({:?}).",
                plural(k, "datapoint", "datapoints"),
                spec.threshold
            )
        } else {
            format!(
                "Threshold Crossed: {k} out of the last {n} datapoints [{list}] {verb} {not}{op} the threshold ({:?}) (minimum {} for {} -> {} transition).",
                spec.threshold,
                plural(m, "datapoint", "datapoints"),
                alarm.state.as_str(),
                state.as_str()
            )
        }
    };
    let evaluated: Vec<serde_json::Value> = points
        .iter()
        .rev()
        .map(|(t, v)| match v {
            Some(v) => serde_json::json!({"timestamp": data_date(*t), "sampleCount": buckets.get(t).map(|a| a.count).unwrap_or(0.0), "value": v}),
            None => serde_json::json!({"timestamp": data_date(*t)}),
        })
        .collect();
    let mut data = serde_json::json!({
        "version": "1.0",
        "queryDate": data_date(now),
        "startDate": data_date(start),
        "period": spec.period_secs,
        "recentDatapoints": present.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        "threshold": spec.threshold,
        "evaluatedDatapoints": evaluated,
    });
    let key = if super::STATISTICS.contains(&spec.statistic.as_str()) {
        "statistic"
    } else {
        "extendedStatistic"
    };
    data[key] = spec.statistic.clone().into();
    if let Some(u) = &spec.unit {
        data["unit"] = u.clone().into();
    }
    Some(Assessment {
        state,
        reason,
        data: data.to_string(),
        datapoints: present.iter().map(|(_, v)| *v).collect(),
    })
}

/// Moves `alarm` to `state`, recording history.
fn transition(
    alarm: &mut Alarm,
    history: &mut VecDeque<HistoryItem>,
    state: AlarmState,
    reason: String,
    data: Option<String>,
    now: Millis,
) {
    let old =
        serde_json::json!({"stateValue": alarm.state.as_str(), "stateReason": alarm.state_reason});
    let new = serde_json::json!({"stateValue": state.as_str(), "stateReason": reason});
    push_history(
        history,
        HistoryItem {
            alarm_name: alarm.spec.name.clone(),
            timestamp: now,
            item_type: "StateUpdate",
            summary: format!(
                "Alarm updated from {} to {}",
                alarm.state.as_str(),
                state.as_str()
            ),
            data: serde_json::json!({"version": "1.0", "oldState": old, "newState": new})
                .to_string(),
        },
    );
    if alarm.state != state {
        alarm.state_transitioned = now;
    }
    alarm.state = state;
    alarm.state_reason = reason;
    alarm.state_reason_data = data;
    alarm.state_updated = now;
}

fn push_history(history: &mut VecDeque<HistoryItem>, item: HistoryItem) {
    history.push_back(item);
    while history.len() > MAX_HISTORY {
        history.pop_front();
    }
}

impl Model {
    /// The ARN of alarm `name` in `region`.
    pub fn alarm_arn(&self, region: &str, name: &str) -> String {
        format!("arn:aws:cloudwatch:{region}:{}:alarm:{name}", self.account)
    }

    /// Creates or replaces a metric alarm. A replaced alarm keeps its state
    /// (as AWS does) and is re-evaluated at the next `evaluate`.
    pub fn put_alarm(
        &mut self,
        region: &str,
        spec: AlarmSpec,
        extras: AlarmExtras,
        now: Millis,
    ) -> Result<(), AwsError> {
        validate(&spec)?;
        let arn = self.alarm_arn(region, &spec.name);
        let r = self.region(region);
        let name = spec.name.clone();
        let summary = match r.alarms.get_mut(&name) {
            Some(existing) => {
                existing.spec = spec;
                existing.extras = extras;
                existing.config_updated = now;
                existing.next_eval = now;
                format!("Alarm \"{name}\" updated")
            }
            None => {
                r.alarms.insert(
                    name.clone(),
                    Alarm {
                        spec,
                        extras,
                        arn,
                        state: AlarmState::InsufficientData,
                        state_reason: INITIAL_REASON.to_string(),
                        state_reason_data: None,
                        state_updated: now,
                        state_transitioned: now,
                        config_updated: now,
                        next_eval: now,
                        last_actions: now,
                        last_datapoints: Vec::new(),
                    },
                );
                format!("Alarm \"{name}\" created")
            }
        };
        push_history(
            &mut r.history,
            HistoryItem {
                alarm_name: name,
                timestamp: now,
                item_type: "ConfigurationUpdate",
                summary,
                data: "{}".to_string(),
            },
        );
        Ok(())
    }

    /// Deletes alarms by name; missing names are ignored.
    pub fn delete_alarms(&mut self, region: &str, names: &[String]) {
        if let Some(r) = self.regions.get_mut(region) {
            for n in names {
                r.alarms.remove(n);
            }
        }
    }

    /// SetAlarmState: the alarm takes `state` until its next evaluation; a
    /// change invokes the new state's actions.
    pub fn set_alarm_state(
        &mut self,
        region: &str,
        name: &str,
        state: AlarmState,
        reason: &str,
        data: Option<String>,
        now: Millis,
    ) -> Result<(), AwsError> {
        let r = self.regions.entry(region.to_string()).or_default();
        let Region {
            alarms, history, ..
        } = r;
        let alarm = alarms
            .get_mut(name)
            .ok_or_else(|| errors::alarm_not_found(name))?;
        let changed = alarm.state != state;
        transition(alarm, history, state, reason.to_string(), data, now);
        if changed {
            alarm.last_actions = now;
            let inv = alarm.invocations(region, false);
            self.pending.extend(inv);
        }
        Ok(())
    }

    /// Enable/DisableAlarmActions.
    pub fn set_actions_enabled(&mut self, region: &str, names: &[String], enabled: bool) {
        if let Some(r) = self.regions.get_mut(region) {
            for n in names {
                if let Some(a) = r.alarms.get_mut(n) {
                    a.extras.actions_enabled = enabled;
                }
            }
        }
    }

    /// Evaluates every alarm due at `now` and returns the actions to invoke.
    pub fn evaluate(&mut self, now: Millis) -> Vec<AlarmInvocation> {
        let mut out = std::mem::take(&mut self.pending);
        let scale = self.time_scale;
        let minute = scaled(60_000.0, scale);
        for (region_name, region) in &mut self.regions {
            let Region {
                metrics,
                alarms,
                history,
            } = region;
            for alarm in alarms.values_mut() {
                if now >= alarm.next_eval {
                    let every = f64::from(alarm.spec.period_secs.clamp(1, 60)) * 1000.0;
                    alarm.next_eval = now + scaled(every, scale);
                    if let Some(a) = assess(alarm, metrics.get(&alarm.metric()), now, scale) {
                        alarm.last_datapoints = a.datapoints;
                        if a.state != alarm.state {
                            transition(alarm, history, a.state, a.reason, Some(a.data), now);
                            alarm.last_actions = now;
                            out.extend(alarm.invocations(region_name, false));
                            continue;
                        }
                    }
                }
                if now - alarm.last_actions >= minute {
                    alarm.last_actions = now;
                    out.extend(alarm.invocations(region_name, true));
                }
            }
        }
        out
    }

    /// The alarms of `region` (by name).
    pub fn alarms(&self, region: &str) -> Option<&BTreeMap<String, Alarm>> {
        self.regions.get(region).map(|r| &r.alarms)
    }
}
