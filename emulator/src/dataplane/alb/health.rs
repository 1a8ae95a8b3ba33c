//! The health checker: one background task per ALB runtime that, for every
//! target of every target group a listener uses, sends ELB's check
//! (`GET <path>`, `Host: <ip>:<port>`, `User-Agent: ELB-HealthChecker/2.0`,
//! over TLS when the health-check protocol is HTTPS, connection closed
//! after each check) every `HealthCheckIntervalSeconds`
//! from the ALB ENI's namespace, and feeds the outcome to the model's state
//! machine. It also ends deregistration delays.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Empty;
use hyper_util::rt::TokioIo;

use super::connector::AlbConnector;
use crate::services::elbv2::Elbv2Service;
use crate::services::elbv2::model::health::{CheckOutcome, Health};
use crate::services::elbv2::model::target_group::TargetKey;
use crate::services::elbv2::service::now_ms;

/// How often the checker looks for due checks and expired drains.
const TICK: Duration = Duration::from_millis(250);

/// Runs health checks until the task is aborted. `connectors` maps a load
/// balancer ARN to the connector of its ENI (a group is checked from the
/// first load balancer that uses it; `fallback` when none is known).
pub async fn run(
    elbv2: Arc<Elbv2Service>,
    connectors: HashMap<String, AlbConnector>,
    fallback: AlbConnector,
) {
    let mut due: HashMap<(String, TargetKey), Instant> = HashMap::new();
    let mut running: HashMap<(String, TargetKey), tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        let snap = elbv2.snapshot();
        let now = Instant::now();
        if snap.target_groups.values().any(|tg| {
            tg.targets
                .values()
                .any(|t| matches!(t.tracker.health, Health::Draining { until_ms } if until_ms <= now_ms()))
        }) {
            let _ = elbv2.write_primary(|m| {
                m.expire_draining(now_ms());
                Ok(())
            });
        }
        running.retain(|_, h| !h.is_finished());
        for tg in snap.target_groups.values() {
            if !tg.health_check.enabled || !snap.target_group_in_use(&tg.arn) {
                continue;
            }
            let lbs = snap.load_balancers_of_target_group(&tg.arn);
            let connector = lbs
                .first()
                .and_then(|lb| connectors.get(lb))
                .unwrap_or(&fallback)
                .clone();
            for (key, t) in &tg.targets {
                if matches!(t.tracker.health, Health::Draining { .. }) {
                    continue;
                }
                let id = (tg.arn.clone(), key.clone());
                if due.get(&id).is_some_and(|d| *d > now) || running.contains_key(&id) {
                    continue;
                }
                due.insert(
                    id.clone(),
                    now + Duration::from_secs(u64::from(tg.health_check.interval_s)),
                );
                let Ok(ip) = key.id.parse::<IpAddr>() else {
                    continue;
                };
                let port = tg.health_check.port.unwrap_or(key.port);
                let path = tg.health_check.path.clone();
                let tls = tg.health_check.protocol == "HTTPS";
                let timeout = Duration::from_secs(u64::from(tg.health_check.timeout_s));
                let matcher = tg.health_check.matcher.clone();
                let elbv2 = elbv2.clone();
                let connector = connector.clone();
                let (arn, k) = id.clone();
                running.insert(
                    id,
                    tokio::spawn(async move {
                        let outcome = match tokio::time::timeout(
                            timeout,
                            check(&connector, SocketAddr::new(ip, port), tls, &path),
                        )
                        .await
                        {
                            Err(_) => CheckOutcome::Timeout,
                            Ok(Err(_)) => CheckOutcome::Failed,
                            Ok(Ok(code)) if matcher.accepts(code) => CheckOutcome::Passed,
                            Ok(Ok(code)) => CheckOutcome::CodeMismatch(code),
                        };
                        let _ = elbv2.write_primary(|m| {
                            m.observe_health(&arn, &k, outcome, now_ms());
                            Ok(())
                        });
                    }),
                );
            }
        }
        due.retain(|(arn, k), _| {
            snap.target_groups
                .get(arn)
                .is_some_and(|tg| tg.targets.contains_key(k))
        });
        tokio::time::sleep(TICK).await;
    }
}

/// One check: a fresh connection (TLS when `tls`, the target's certificate
/// unchecked), `GET path`, the status code.
async fn check(
    connector: &AlbConnector,
    addr: SocketAddr,
    tls: bool,
    path: &str,
) -> Result<u16, String> {
    let stream = connector.open(addr, tls).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(conn);
    let req = http::Request::get(path)
        .header(http::header::HOST, addr.to_string())
        .header(http::header::USER_AGENT, "ELB-HealthChecker/2.0")
        .header(http::header::CONNECTION, "close")
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    drop(resp);
    driver.abort();
    Ok(status)
}
