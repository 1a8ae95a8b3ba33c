//! Target choice (pingora's `upstream_peer` phase): round robin,
//! least outstanding requests, weighted random, slow-start weights, and the
//! `AWSALB` / `AWSALBAPP-0` / `AWSALBTG` stickiness cookies.
//!
//! Counters live here, outside the model: they change on every request and
//! must never take the control-plane lock.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::services::elbv2::model::target_group::{Algorithm, TargetGroup, TargetKey};

/// Per-target in-flight counts and per-group round-robin cursors.
#[derive(Debug, Default)]
pub struct Selector {
    /// (group ARN, target) → requests in flight.
    outstanding: Mutex<HashMap<(String, TargetKey), Arc<AtomicUsize>>>,
    /// group ARN → round-robin cursor.
    cursors: Mutex<HashMap<String, usize>>,
}

/// Decrements a target's in-flight count when the request (and its body) ends.
#[derive(Debug)]
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Selector {
    /// Marks a request in flight to `key`.
    pub fn start(&self, tg: &str, key: &TargetKey) -> InFlight {
        let counter = self.counter(tg, key);
        counter.fetch_add(1, Ordering::AcqRel);
        InFlight(counter)
    }

    fn counter(&self, tg: &str, key: &TargetKey) -> Arc<AtomicUsize> {
        let mut map = self.outstanding.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((tg.to_string(), key.clone()))
            .or_default()
            .clone()
    }

    /// Requests in flight to `key`.
    pub fn in_flight(&self, tg: &str, key: &TargetKey) -> usize {
        self.counter(tg, key).load(Ordering::Acquire)
    }

    /// Picks a routable target by the group's algorithm; `None` when the
    /// group has no routable target. `roll` is uniform in `0..1`.
    pub fn pick(&self, tg: &TargetGroup, now_ms: i64, roll: f64) -> Option<TargetKey> {
        let routable = tg.routable(now_ms);
        if routable.is_empty() {
            return None;
        }
        let slow = routable.iter().any(|(_, w)| *w < 1.0);
        match tg.algorithm() {
            Algorithm::LeastOutstandingRequests => routable
                .iter()
                .min_by_key(|(k, _)| (self.in_flight(&tg.arn, k), (*k).clone()))
                .map(|(k, _)| (*k).clone()),
            Algorithm::WeightedRandom => weighted(&routable, roll),
            Algorithm::RoundRobin if slow => weighted(&routable, roll),
            Algorithm::RoundRobin => {
                let mut cursors = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
                let c = cursors.entry(tg.arn.clone()).or_insert(0);
                let k = routable[*c % routable.len()].0.clone();
                *c = c.wrapping_add(1);
                Some(k)
            }
        }
    }
}

fn weighted(routable: &[(&TargetKey, f64)], roll: f64) -> Option<TargetKey> {
    let total: f64 = routable.iter().map(|(_, w)| w).sum();
    let mut r = roll * total;
    for (k, w) in routable {
        if r < *w {
            return Some((*k).clone());
        }
        r -= w;
    }
    routable.last().map(|(k, _)| (*k).clone())
}

/// The `AWSALB` value for `key` in group `tg`, valid until `expires_s`.
pub fn encode_target_cookie(tg: &str, key: &TargetKey, expires_s: i64) -> String {
    STANDARD.encode(format!("{tg}|{}|{}|{expires_s}", key.id, key.port))
}

/// Decodes an `AWSALB` value for group `tg`; `None` if malformed, for
/// another group, or past its stickiness duration.
pub fn decode_target_cookie(value: &str, tg: &str, now_s: i64) -> Option<TargetKey> {
    let raw = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
    let mut parts = raw.rsplitn(4, '|');
    let expires: i64 = parts.next()?.parse().ok()?;
    let port: u16 = parts.next()?.parse().ok()?;
    let id = parts.next()?.to_string();
    let group = parts.next()?;
    (group == tg && expires > now_s).then_some(TargetKey { id, port })
}

/// The `AWSALBTG` value naming a target group, valid until `expires_s`.
pub fn encode_group_cookie(tg: &str, expires_s: i64) -> String {
    STANDARD.encode(format!("{tg}|{expires_s}"))
}

/// Decodes an `AWSALBTG` value.
pub fn decode_group_cookie(value: &str, now_s: i64) -> Option<String> {
    let raw = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
    let (tg, exp) = raw.rsplit_once('|')?;
    (exp.parse::<i64>().ok()? > now_s).then(|| tg.to_string())
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_expire() {
        let k = TargetKey {
            id: "10.0.0.5".into(),
            port: 8080,
        };
        let v = encode_target_cookie("arn:tg/x", &k, 100);
        assert_eq!(decode_target_cookie(&v, "arn:tg/x", 99), Some(k));
        assert_eq!(decode_target_cookie(&v, "arn:tg/x", 100), None);
        assert_eq!(decode_target_cookie(&v, "arn:tg/y", 1), None);
        assert_eq!(decode_target_cookie("garbage!", "arn:tg/x", 1), None);
        let g = encode_group_cookie("arn:tg/x", 50);
        assert_eq!(decode_group_cookie(&g, 10).as_deref(), Some("arn:tg/x"));
    }

    #[test]
    fn round_robin_and_least_outstanding() {
        let mut tg = TargetGroup::new("tg".into(), "n".into(), "HTTP".into(), 80, "v".into());
        let mut m = crate::services::elbv2::model::Elbv2::new("1", "r");
        m.target_groups.insert("tg".into(), tg.clone());
        m.register_targets(
            "tg",
            &[("10.0.0.1".into(), None), ("10.0.0.2".into(), None)],
            0,
        )
        .unwrap();
        tg = m.target_groups["tg"].clone();
        let s = Selector::default();
        let a = s.pick(&tg, 0, 0.0).unwrap();
        let b = s.pick(&tg, 0, 0.0).unwrap();
        assert_ne!(a, b);
        assert_eq!(s.pick(&tg, 0, 0.0).unwrap(), a);
        tg.set_attributes(&[(
            "load_balancing.algorithm.type".into(),
            "least_outstanding_requests".into(),
        )])
        .unwrap();
        let busy = s.start("tg", &a);
        assert_eq!(s.pick(&tg, 0, 0.0).unwrap(), b);
        drop(busy);
        assert_eq!(s.in_flight("tg", &a), 0);
    }
}
