//! `AWS/ApplicationELB` metrics from the requests the proxy really served:
//! the log phase counts each request ([`AlbMetrics::record`]), and every
//! period [`publish`] drains the counts into CloudWatch datapoints:
//!
//! | metric | dimensions | value |
//! |---|---|---|
//! | `RequestCount` | `LoadBalancer`; `TargetGroup`+`LoadBalancer` | requests in the period |
//! | `HTTPCode_ELB_5XX_Count` | `LoadBalancer` | 5xx pages the load balancer generated |
//! | `HTTPCode_Target_5XX_Count` | `LoadBalancer`; `TargetGroup`+`LoadBalancer` | 5xx answers from targets |
//! | `TargetResponseTime` | `LoadBalancer`; `TargetGroup`+`LoadBalancer` | mean seconds from forwarding to the target's response head |
//! | `RequestCountPerTarget` | `TargetGroup` | the group's requests ÷ its healthy targets (all registered ones when none is healthy) |
//! | `HealthyHostCount`, `UnHealthyHostCount` | `TargetGroup`+`LoadBalancer` | targets by state, every period |
//!
//! Count metrics are published only when nonzero, as ALB reports them, so
//! a target-tracking alarm on an idle group sees missing data, not zeros.
//! `LoadBalancer` is the ARN's `app/<name>/<id>`, `TargetGroup` its
//! `targetgroup/<name>/<id>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use dashmap::DashMap;

use crate::services::elbv2::Elbv2Service;
use crate::wiring::{MetricDatum, MetricSink};

/// Counts of one load balancer or one (load balancer, target group).
#[derive(Debug, Default)]
struct Counts {
    requests: AtomicU64,
    elb_5xx: AtomicU64,
    target_5xx: AtomicU64,
    /// Responses from targets, and their summed time in microseconds.
    target_responses: AtomicU64,
    target_micros: AtomicU64,
}

/// What one period's drain of [`Counts`] gave.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Drained {
    requests: u64,
    elb_5xx: u64,
    target_5xx: u64,
    target_responses: u64,
    target_micros: u64,
}

impl Counts {
    fn drain(&self) -> Drained {
        Drained {
            requests: self.requests.swap(0, Ordering::Relaxed),
            elb_5xx: self.elb_5xx.swap(0, Ordering::Relaxed),
            target_5xx: self.target_5xx.swap(0, Ordering::Relaxed),
            target_responses: self.target_responses.swap(0, Ordering::Relaxed),
            target_micros: self.target_micros.swap(0, Ordering::Relaxed),
        }
    }
}

/// How one request ended, as the log phase saw it.
#[derive(Debug, Clone, Copy)]
pub enum Served<'a> {
    /// The load balancer answered itself (a redirect, a fixed response or
    /// an error page) with this status.
    ByElb(u16),
    /// Target group `tg` (ARN) answered with this status after `elapsed`.
    ByTarget {
        /// The group's ARN.
        tg: &'a str,
        /// The target's status.
        status: u16,
        /// From forwarding to the response head.
        elapsed: Duration,
    },
    /// A target of group `tg` was picked but failed (502/503/504 page).
    TargetFailed {
        /// The group's ARN.
        tg: &'a str,
        /// The page's status.
        status: u16,
    },
}

/// One load balancer's counts, and its target groups' (the groups are
/// looked up by `&str` on the hot path: no allocation per request).
#[derive(Debug, Default)]
struct LbCounts {
    own: Counts,
    /// Target group ARN → its counts through this load balancer.
    by_tg: DashMap<String, Arc<Counts>>,
}

/// The request counters of every load balancer of a data plane.
#[derive(Debug, Default)]
pub struct AlbMetrics {
    /// Load balancer ARN → its counts.
    by_lb: DashMap<String, Arc<LbCounts>>,
}

impl AlbMetrics {
    /// Counts one request of load balancer `lb` (ARN).
    pub fn record(&self, lb: &str, served: Served<'_>) {
        let lb_all = counts_of(&self.by_lb, lb);
        let lb_counts = &lb_all.own;
        lb_counts.requests.fetch_add(1, Ordering::Relaxed);
        match served {
            Served::ByElb(status) => {
                if status >= 500 {
                    lb_counts.elb_5xx.fetch_add(1, Ordering::Relaxed);
                }
            }
            Served::TargetFailed { tg, status } => {
                if status >= 500 {
                    lb_counts.elb_5xx.fetch_add(1, Ordering::Relaxed);
                }
                counts_of(&lb_all.by_tg, tg)
                    .requests
                    .fetch_add(1, Ordering::Relaxed);
            }
            Served::ByTarget {
                tg,
                status,
                elapsed,
            } => {
                let micros = elapsed.as_micros().min(u128::from(u64::MAX)) as u64;
                let tg_counts = counts_of(&lb_all.by_tg, tg);
                for c in [lb_counts, &*tg_counts] {
                    c.target_responses.fetch_add(1, Ordering::Relaxed);
                    c.target_micros.fetch_add(micros, Ordering::Relaxed);
                    if status >= 500 {
                        c.target_5xx.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tg_counts.requests.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// This period's datapoints (the counters start again from zero).
    pub fn drain(&self, elbv2: &Elbv2Service, at: SystemTime) -> Vec<MetricDatum> {
        let snapshot = elbv2.snapshot();
        let mut out = Vec::new();
        // Per target group: its traffic through each load balancer, and
        // its hosts (every period, whether or not it had traffic).
        let mut per_tg_requests: std::collections::HashMap<String, u64> = Default::default();
        for lb in self.by_lb.iter() {
            let d = lb.value().own.drain();
            let dims = vec![("LoadBalancer".to_string(), lb_dimension(lb.key()))];
            push_counts(&mut out, &d, &dims, at, true);
            for tg in lb.value().by_tg.iter() {
                let d = tg.value().drain();
                *per_tg_requests.entry(tg.key().clone()).or_default() += d.requests;
                let dims = vec![
                    ("TargetGroup".to_string(), tg_dimension(tg.key())),
                    ("LoadBalancer".to_string(), lb_dimension(lb.key())),
                ];
                push_counts(&mut out, &d, &dims, at, false);
            }
        }
        for tg in snapshot.target_groups.values() {
            let states: Vec<&str> = tg
                .targets
                .keys()
                .map(|k| snapshot.target_health(tg, k).0)
                .collect();
            let healthy = states.iter().filter(|s| **s == "healthy").count();
            let unhealthy = states.iter().filter(|s| **s == "unhealthy").count();
            for lb in &snapshot.load_balancers_of_target_group(&tg.arn) {
                let dims = vec![
                    ("TargetGroup".to_string(), tg_dimension(&tg.arn)),
                    ("LoadBalancer".to_string(), lb_dimension(lb)),
                ];
                for (name, n) in [
                    ("HealthyHostCount", healthy),
                    ("UnHealthyHostCount", unhealthy),
                ] {
                    out.push(datum(name, n as f64, "Count", &dims, at));
                }
            }
            let requests = per_tg_requests.get(&tg.arn).copied().unwrap_or(0);
            let targets = if healthy > 0 { healthy } else { states.len() };
            if requests > 0 && targets > 0 {
                let dims = vec![("TargetGroup".to_string(), tg_dimension(&tg.arn))];
                out.push(datum(
                    "RequestCountPerTarget",
                    requests as f64 / targets as f64,
                    "Count",
                    &dims,
                    at,
                ));
            }
        }
        out
    }
}

fn counts_of<T: Default>(map: &DashMap<String, Arc<T>>, key: &str) -> Arc<T> {
    if let Some(c) = map.get(key) {
        return c.clone();
    }
    map.entry(key.to_string()).or_default().clone()
}

fn datum(
    name: &'static str,
    value: f64,
    unit: &'static str,
    dims: &[(String, String)],
    at: SystemTime,
) -> MetricDatum {
    MetricDatum {
        namespace: "AWS/ApplicationELB",
        name,
        dimensions: dims.to_vec(),
        value,
        unit,
        timestamp: at,
    }
}

fn push_counts(
    out: &mut Vec<MetricDatum>,
    d: &Drained,
    dims: &[(String, String)],
    at: SystemTime,
    is_lb: bool,
) {
    if d.requests > 0 {
        out.push(datum("RequestCount", d.requests as f64, "Count", dims, at));
    }
    if is_lb && d.elb_5xx > 0 {
        out.push(datum(
            "HTTPCode_ELB_5XX_Count",
            d.elb_5xx as f64,
            "Count",
            dims,
            at,
        ));
    }
    if d.target_5xx > 0 {
        out.push(datum(
            "HTTPCode_Target_5XX_Count",
            d.target_5xx as f64,
            "Count",
            dims,
            at,
        ));
    }
    if d.target_responses > 0 {
        let mean = d.target_micros as f64 / d.target_responses as f64 / 1e6;
        out.push(datum("TargetResponseTime", mean, "Seconds", dims, at));
    }
}

/// `app/<name>/<id>` of a load balancer ARN.
pub fn lb_dimension(arn: &str) -> String {
    arn.split_once(":loadbalancer/")
        .map_or(arn, |(_, rest)| rest)
        .to_string()
}

/// `targetgroup/<name>/<id>` of a target group ARN.
pub fn tg_dimension(arn: &str) -> String {
    arn.find("targetgroup/")
        .map_or(arn, |at| &arn[at..])
        .to_string()
}

/// Drains `metrics` into `sink` every `every` (owned by `account`/`region`).
pub async fn publish(
    metrics: Arc<AlbMetrics>,
    elbv2: Arc<Elbv2Service>,
    sink: Arc<dyn MetricSink>,
    scope: (String, String),
    every: Duration,
) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(200)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let data = metrics.drain(&elbv2, SystemTime::now());
        if !data.is_empty() {
            sink.put(&scope.0, &scope.1, data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_are_the_arn_tails() {
        assert_eq!(
            lb_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/50dc6c495c0c9188"
            ),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            tg_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/73e2d6bc24d8a067"
            ),
            "targetgroup/api/73e2d6bc24d8a067"
        );
    }

    #[test]
    fn counts_are_drained_per_period() {
        let m = AlbMetrics::default();
        let lb = "arn:aws:elasticloadbalancing:us-east-1:0:loadbalancer/app/web/1";
        let tg = "arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/api/2";
        m.record(lb, Served::ByElb(301));
        m.record(lb, Served::ByElb(503));
        m.record(
            lb,
            Served::ByTarget {
                tg,
                status: 200,
                elapsed: Duration::from_millis(10),
            },
        );
        m.record(
            lb,
            Served::ByTarget {
                tg,
                status: 500,
                elapsed: Duration::from_millis(30),
            },
        );
        m.record(lb, Served::TargetFailed { tg, status: 502 });
        let lb_all = m.by_lb.get(lb).unwrap().clone();
        let lb_counts = lb_all.own.drain();
        assert_eq!(
            lb_counts,
            Drained {
                requests: 5,
                elb_5xx: 2,
                target_5xx: 1,
                target_responses: 2,
                target_micros: 40_000
            }
        );
        let tg_counts = lb_all.by_tg.get(tg).unwrap().drain();
        assert_eq!(tg_counts.requests, 3);
        assert_eq!(tg_counts.target_5xx, 1);
        assert_eq!(lb_all.own.drain(), Drained::default());
        let mut out = Vec::new();
        push_counts(&mut out, &lb_counts, &[], SystemTime::UNIX_EPOCH, true);
        let names: Vec<_> = out.iter().map(|d| (d.name, d.value)).collect();
        assert_eq!(
            names,
            vec![
                ("RequestCount", 5.0),
                ("HTTPCode_ELB_5XX_Count", 2.0),
                ("HTTPCode_Target_5XX_Count", 1.0),
                ("TargetResponseTime", 0.02),
            ]
        );
    }
}
