//! CloudWatch's state and rules: metrics, statistics, alarms. Pure: no I/O,
//! no async, no clock — every operation takes `now` (epoch milliseconds).
//!
//! **Metrics** are kept per region and metric identity (namespace, name,
//! dimensions as a set). Each put is a [`Sample`]: a single value, a
//! `Values`/`Counts` set or a `StatisticValues` set. Retention: raw samples
//! older than [`RETENTION_MS`] (3 hours) before the newest `now` seen are
//! dropped (checked at most once a minute per metric), and a metric keeps at most [`MAX_SAMPLES_PER_METRIC`] samples
//! (oldest dropped first); a metric stays listed by ListMetrics for two
//! weeks after its last put, as AWS does. Periods are aligned to multiples
//! of the period since the epoch (AWS rounds StartTime down the same way for
//! recent data).
//!
//! **Alarms** ([`alarms`]) are metric alarms evaluated by [`Model::evaluate`].

pub mod alarms;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use alarms::{Alarm, AlarmExtras, AlarmInvocation, AlarmSpec, AlarmState, HistoryItem};

/// Epoch milliseconds.
pub type Millis = i64;

/// Raw samples are kept this long (3 hours).
pub const RETENTION_MS: Millis = 3 * 3600 * 1000;
/// At most this many samples per metric.
pub const MAX_SAMPLES_PER_METRIC: usize = 20_000;
/// ListMetrics lists a metric this long after its last datapoint (two weeks).
pub const LISTED_FOR_MS: Millis = 14 * 24 * 3600 * 1000;
/// `RecentlyActive=PT3H`.
pub const RECENTLY_ACTIVE_MS: Millis = 3 * 3600 * 1000;
/// The statistics a `Statistic` member may name.
pub const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
/// The `StandardUnit` enum.
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// One datapoint pushed by another part of emul (the ECS collector, the ALB).
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// e.g. `AWS/ECS`.
    pub namespace: String,
    /// e.g. `CPUUtilization`.
    pub metric_name: String,
    /// Dimension name → value.
    pub dimensions: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// A `StandardUnit`, e.g. `Percent`, `Count`, `Seconds`.
    pub unit: String,
    /// When it was measured.
    pub timestamp: SystemTime,
}

/// A metric's identity: dimensions are a set (kept sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricKey {
    /// The namespace.
    pub namespace: String,
    /// The metric name.
    pub name: String,
    /// Sorted by name.
    pub dimensions: Vec<(String, String)>,
}

impl MetricKey {
    /// A key with `dimensions` sorted.
    pub fn new(namespace: &str, name: &str, dimensions: &[(String, String)]) -> Self {
        let mut dimensions = dimensions.to_vec();
        dimensions.sort();
        Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions,
        }
    }
}

/// One put: a value, a set of values with counts, or a statistic set.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When.
    pub at: Millis,
    /// The unit (`None` when the caller gave none).
    pub unit: String,
    /// Number of values.
    pub count: f64,
    /// Their sum.
    pub sum: f64,
    /// Their minimum.
    pub min: f64,
    /// Their maximum.
    pub max: f64,
    /// Raw `(value, count)` pairs for percentiles; empty for a statistic set.
    pub values: Vec<(f64, f64)>,
}

impl Sample {
    /// A single value.
    pub fn single(at: Millis, value: f64, unit: &str) -> Self {
        Self::values(at, &[(value, 1.0)], unit)
    }

    /// `Values` with `Counts` (each count ≥ 0; at least one value).
    pub fn values(at: Millis, values: &[(f64, f64)], unit: &str) -> Self {
        let values: Vec<(f64, f64)> = values.iter().copied().filter(|(_, c)| *c > 0.0).collect();
        Sample {
            at,
            unit: unit.to_string(),
            count: values.iter().map(|(_, c)| c).sum(),
            sum: values.iter().map(|(v, c)| v * c).sum(),
            min: values.iter().map(|(v, _)| *v).fold(f64::INFINITY, f64::min),
            max: values
                .iter()
                .map(|(v, _)| *v)
                .fold(f64::NEG_INFINITY, f64::max),
            values,
        }
    }
}

/// The samples of one metric.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// In arrival order.
    samples: VecDeque<Sample>,
    /// When the last sample arrived (`now` of the put).
    last_put: Millis,
    /// When old samples were last dropped (at most once a minute: a
    /// 1000-datum put must not rescan the series 1000 times).
    pruned_at: Millis,
}

/// Samples merged over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    /// SampleCount.
    pub count: f64,
    /// Sum.
    pub sum: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Raw values, when every sample had them (percentiles need them).
    pub values: Option<Vec<(f64, f64)>>,
    /// The unit of the first sample.
    pub unit: Option<String>,
}

impl Aggregate {
    fn add(&mut self, s: &Sample) {
        if self.count == 0.0 {
            self.unit = Some(s.unit.clone());
            self.min = s.min;
            self.max = s.max;
            self.values = Some(Vec::new());
        } else {
            self.min = self.min.min(s.min);
            self.max = self.max.max(s.max);
        }
        self.count += s.count;
        self.sum += s.sum;
        match (&mut self.values, s.values.is_empty()) {
            (Some(v), false) => v.extend_from_slice(&s.values),
            _ => self.values = None,
        }
    }

    /// The value of `stat` (`Average`, `Sum`, …, or `pNN`/`pNN.N`), or
    /// `None` when it cannot be computed (a percentile of statistic sets).
    pub fn stat(&self, stat: &str) -> Option<f64> {
        if self.count <= 0.0 {
            return None;
        }
        match stat {
            "SampleCount" => Some(self.count),
            "Average" => Some(self.sum / self.count),
            "Sum" => Some(self.sum),
            "Minimum" => Some(self.min),
            "Maximum" => Some(self.max),
            p => {
                let pct = parse_percentile(p)?;
                let mut values = self.values.clone()?;
                values.sort_by(|a, b| a.0.total_cmp(&b.0));
                // Nearest rank over the values weighted by their counts.
                let rank = (pct / 100.0 * self.count).ceil().max(1.0);
                let mut seen = 0.0;
                for (v, c) in &values {
                    seen += c;
                    if seen >= rank {
                        return Some(*v);
                    }
                }
                values.last().map(|(v, _)| *v)
            }
        }
    }
}

/// `p99`, `p99.9` → the percentile (0..=100).
pub fn parse_percentile(stat: &str) -> Option<f64> {
    let n: f64 = stat.strip_prefix('p')?.parse().ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}

/// `true` for a standard statistic or a `pNN` extended statistic.
pub fn is_statistic(stat: &str) -> bool {
    STATISTICS.contains(&stat) || parse_percentile(stat).is_some()
}

/// One region's metrics and alarms.
#[derive(Debug, Default)]
pub struct Region {
    /// Metrics by identity.
    pub metrics: BTreeMap<MetricKey, Series>,
    /// Alarms by name.
    pub alarms: BTreeMap<String, Alarm>,
    /// The alarm history, oldest first (bounded by [`alarms::MAX_HISTORY`]).
    pub history: VecDeque<HistoryItem>,
}

/// Every region's state, the account and the alarm clock's scale.
#[derive(Debug)]
pub struct Model {
    /// The owning account (for ARNs).
    pub account: String,
    /// Region name → state.
    pub regions: BTreeMap<String, Region>,
    /// Seconds of AWS time per real second for alarm evaluation.
    pub time_scale: f64,
    /// Actions from SetAlarmState, handed out by the next `evaluate`.
    pub pending: Vec<AlarmInvocation>,
}

impl Model {
    /// An empty model for `account`.
    pub fn new(account: &str) -> Self {
        Self {
            account: account.to_string(),
            regions: BTreeMap::new(),
            time_scale: 1.0,
            pending: Vec::new(),
        }
    }

    /// The region's state, created on first use.
    pub fn region(&mut self, region: &str) -> &mut Region {
        self.regions.entry(region.to_string()).or_default()
    }

    /// Records a sample of `key`, applying retention.
    pub fn put_sample(&mut self, region: &str, key: MetricKey, sample: Sample, now: Millis) {
        let series = self.region(region).metrics.entry(key).or_default();
        series.last_put = series.last_put.max(now);
        let horizon = now.max(sample.at) - RETENTION_MS;
        if sample.at >= horizon {
            series.samples.push_back(sample);
        }
        if now - series.pruned_at >= 60_000 {
            series.pruned_at = now;
            series.samples.retain(|s| s.at >= horizon);
        }
        while series.samples.len() > MAX_SAMPLES_PER_METRIC {
            series.samples.pop_front();
        }
    }

    /// Drops metrics not put for [`LISTED_FOR_MS`].
    pub fn forget_old_metrics(&mut self, now: Millis) {
        for region in self.regions.values_mut() {
            region
                .metrics
                .retain(|_, s| s.last_put >= now - LISTED_FOR_MS);
        }
    }

    /// The metrics of `region` matching the filters, in key order.
    pub fn list_metrics(
        &self,
        region: &str,
        namespace: Option<&str>,
        name: Option<&str>,
        dimensions: &[(String, Option<String>)],
        active_since: Option<Millis>,
    ) -> Vec<MetricKey> {
        let Some(r) = self.regions.get(region) else {
            return Vec::new();
        };
        r.metrics
            .iter()
            .filter(|(k, s)| {
                namespace.is_none_or(|n| k.namespace == n)
                    && name.is_none_or(|n| k.name == n)
                    && active_since.is_none_or(|t| s.last_put >= t)
                    && dimensions.iter().all(|(dn, dv)| {
                        k.dimensions
                            .iter()
                            .any(|(n, v)| n == dn && dv.as_ref().is_none_or(|dv| v == dv))
                    })
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The samples of `key` in `[start, end)` (with `unit`, if given),
    /// merged per period (aligned to the epoch): period start → aggregate.
    pub fn buckets(
        &self,
        region: &str,
        key: &MetricKey,
        start: Millis,
        end: Millis,
        period_ms: Millis,
        unit: Option<&str>,
    ) -> BTreeMap<Millis, Aggregate> {
        self.regions
            .get(region)
            .and_then(|r| r.metrics.get(key))
            .map(|s| bucket_series(s, start, end, period_ms, unit))
            .unwrap_or_default()
    }

    /// `stat` of `key` per period over `[start, end)`: (period start, value).
    #[allow(clippy::too_many_arguments)]
    pub fn statistic(
        &self,
        region: &str,
        key: &MetricKey,
        stat: &str,
        period_ms: Millis,
        start: Millis,
        end: Millis,
        unit: Option<&str>,
    ) -> Vec<(Millis, f64)> {
        self.buckets(region, key, start, end, period_ms, unit)
            .into_iter()
            .filter_map(|(t, a)| a.stat(stat).map(|v| (t, v)))
            .collect()
    }
}

/// The samples of `series` in `[start, end)` (with `unit`, if given) merged
/// per period (aligned to the epoch): period start → aggregate.
pub fn bucket_series(
    series: &Series,
    start: Millis,
    end: Millis,
    period_ms: Millis,
    unit: Option<&str>,
) -> BTreeMap<Millis, Aggregate> {
    let mut out: BTreeMap<Millis, Aggregate> = BTreeMap::new();
    let period_ms = period_ms.max(1);
    for s in &series.samples {
        if s.at < start || s.at >= end || unit.is_some_and(|u| s.unit != u) {
            continue;
        }
        let bucket = s.at.div_euclid(period_ms) * period_ms;
        out.entry(bucket).or_default().add(s);
    }
    out
}

/// `SystemTime` → epoch milliseconds (before the epoch → 0).
pub fn millis(t: SystemTime) -> Millis {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// Epoch milliseconds → `SystemTime`.
pub fn system_time(ms: Millis) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}
