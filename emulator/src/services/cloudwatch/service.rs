//! [`CloudWatch`]: the model behind a mutex, the in-process API other parts
//! of emul call (collectors push [`Datum`]s, Application Auto Scaling puts
//! alarms, a driver calls [`CloudWatch::evaluate`]), and the gateway plug.

use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use super::errors::ERROR_SHAPES;
use super::model::{
    AlarmExtras, AlarmInvocation, AlarmSpec, Datum, MetricKey, Model, Sample, millis, system_time,
};
use super::ops;
use crate::gateway::query::{XmlWriter, json_to_xml, params_to_json};
use crate::gateway::registry::{Input, Output, Protocol, RequestContext, ServiceHealth};
use crate::gateway::{AwsError, AwsService};

/// The Smithy service name: the CBOR path segment and the JSON 1.0 target prefix.
pub const SERVICE_NAME: &str = "GraniteServiceVersion20100801";
/// The awsQuery XML namespace.
pub const XML_NAMESPACE: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/// Amazon CloudWatch (metrics and metric alarms), in memory.
#[derive(Debug)]
pub struct CloudWatch {
    model: Mutex<Model>,
}

impl CloudWatch {
    /// In-memory service for `account`. (`serve` and the daemon both build it this way.)
    pub fn new(account: &str) -> CloudWatch {
        CloudWatch {
            model: Mutex::new(Model::new(account)),
        }
    }

    /// The model, even if a panicking holder poisoned the lock (the model
    /// has no invariants a half-done operation could break badly).
    pub(crate) fn model(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seconds of AWS time per second of real time for alarm evaluation
    /// (default 1.0). With 60.0, a 60 s alarm period is evaluated over 1
    /// real second. Non-positive or non-finite values mean 1.0.
    pub fn set_time_scale(&self, scale: f64) {
        self.model().time_scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
    }

    /// Records one datapoint (any namespace, `AWS/…` included).
    pub fn put(&self, region: &str, datum: Datum) {
        let at = millis(datum.timestamp);
        let now = millis(SystemTime::now()).max(at);
        let key = MetricKey::new(&datum.namespace, &datum.metric_name, &datum.dimensions);
        let unit = if datum.unit.is_empty() {
            "None"
        } else {
            &datum.unit
        };
        self.model()
            .put_sample(region, key, Sample::single(at, datum.value, unit), now);
    }

    /// Creates or replaces a metric alarm (actions enabled, no
    /// INSUFFICIENT_DATA actions).
    pub fn put_alarm(&self, region: &str, spec: AlarmSpec) -> Result<(), AwsError> {
        self.model().put_alarm(
            region,
            spec,
            AlarmExtras::default(),
            millis(SystemTime::now()),
        )
    }

    /// Deletes alarms by name (missing names are ignored).
    pub fn delete_alarms(&self, region: &str, names: &[String]) {
        self.model().delete_alarms(region, names);
    }

    /// Evaluates every alarm at `now` (real time) and returns the actions to
    /// invoke: one per action ARN on each state change (including
    /// SetAlarmState), and again once per (scaled) minute for Auto Scaling
    /// actions while the alarm stays in that state.
    pub fn evaluate(&self, now: SystemTime) -> Vec<AlarmInvocation> {
        let now = millis(now);
        let mut model = self.model();
        model.forget_old_metrics(now);
        model.evaluate(now)
    }

    /// The statistic of a metric over [start, end) per period (periods
    /// aligned to the epoch; periods without data are left out).
    #[allow(clippy::too_many_arguments)]
    pub fn statistic(
        &self,
        region: &str,
        namespace: &str,
        metric: &str,
        dimensions: &[(String, String)],
        stat: &str,
        period_secs: u32,
        start: SystemTime,
        end: SystemTime,
    ) -> Vec<(SystemTime, f64)> {
        let key = MetricKey::new(namespace, metric, dimensions);
        self.model()
            .statistic(
                region,
                &key,
                stat,
                i64::from(period_secs.max(1)) * 1000,
                millis(start),
                millis(end),
                None,
            )
            .into_iter()
            .map(|(t, v)| (system_time(t), v))
            .collect()
    }
}

impl AwsService for CloudWatch {
    fn name(&self) -> &'static str {
        "cloudwatch"
    }

    fn signing_name(&self) -> &'static str {
        "monitoring"
    }

    fn protocol(&self) -> Protocol {
        Protocol::RpcV2Cbor {
            service_name: SERVICE_NAME,
            xml_namespace: XML_NAMESPACE,
            error_shapes: ERROR_SHAPES,
            timestamp_members: ops::TIMESTAMP_MEMBERS,
        }
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Input,
    ) -> Result<Output, AwsError> {
        let now = millis(SystemTime::now());
        match input {
            Input::Json(body) => {
                ops::dispatch(self, &ctx.region, operation, body, now).map(Output::Json)
            }
            Input::Query(params) => {
                if !ops::OPERATIONS.contains(&operation) {
                    return Err(AwsError::invalid_action(operation));
                }
                let body = params_to_json(&params);
                let out = ops::dispatch(self, &ctx.region, operation, body, now)?;
                let mut w = XmlWriter::new();
                if let Some(map) = out.as_object() {
                    json_to_xml(&mut w, map, ops::TIMESTAMP_MEMBERS, ops::MAP_MEMBERS);
                }
                Ok(Output::QueryXml(w.finish()))
            }
        }
    }

    fn health(&self) -> ServiceHealth {
        ServiceHealth::Running
    }

    fn is_non_blocking(&self, _operation: &str) -> bool {
        // In memory: every operation is a short critical section.
        true
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use ciborium::value::Value as Cbor;
    use http::{HeaderMap, HeaderValue, Method, Uri};

    use super::*;
    use crate::gateway::{Gateway, GatewayConfig, Registry, WireRequest};

    fn gateway() -> (Arc<Gateway>, Arc<CloudWatch>) {
        let cw = Arc::new(CloudWatch::new("123456789012"));
        let mut registry = Registry::new();
        registry.register(cw.clone());
        (
            Arc::new(Gateway::new(GatewayConfig::default(), registry)),
            cw,
        )
    }

    fn cbor_request(op: &str, body: &Cbor, gzip: bool) -> WireRequest {
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(body, &mut bytes).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
        headers.insert("content-type", HeaderValue::from_static("application/cbor"));
        if gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&bytes).unwrap();
            bytes = enc.finish().unwrap();
            headers.insert("content-encoding", HeaderValue::from_static("gzip"));
        }
        WireRequest {
            method: Method::POST,
            uri: format!("/service/{SERVICE_NAME}/operation/{op}")
                .parse::<Uri>()
                .unwrap(),
            headers,
            body: Bytes::from(bytes),
        }
    }

    fn text(s: &str) -> Cbor {
        Cbor::Text(s.into())
    }

    fn get<'a>(m: &'a Cbor, k: &str) -> &'a Cbor {
        let Cbor::Map(entries) = m else {
            panic!("not a map: {m:?}")
        };
        &entries
            .iter()
            .find(|(key, _)| key.as_text() == Some(k))
            .unwrap()
            .1
    }

    #[tokio::test]
    async fn cbor_requests_route_by_path_and_answer_in_cbor() {
        let (gw, cw) = gateway();
        let at = (millis(SystemTime::now()) / 60_000 - 2) * 60;
        let datum = Cbor::Map(vec![
            (text("MetricName"), text("Hits")),
            (text("Value"), Cbor::Float(2.5)),
            (
                text("Timestamp"),
                Cbor::Tag(1, Box::new(Cbor::Integer((at + 1).into()))),
            ),
        ]);
        let put = Cbor::Map(vec![
            (text("Namespace"), text("App")),
            (text("MetricData"), Cbor::Array(vec![datum])),
        ]);
        // Compressed, as SDKs send large bodies.
        let r = gw.handle(cbor_request("PutMetricData", &put, true)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.headers["smithy-protocol"], "rpc-v2-cbor");
        assert_eq!(r.headers["content-type"], "application/cbor");
        let got = cw.statistic(
            "us-east-1",
            "App",
            "Hits",
            &[],
            "Sum",
            60,
            system_time(at * 1000),
            system_time((at + 60) * 1000),
        );
        assert_eq!(got, vec![(system_time(at * 1000), 2.5)]);

        let stats = Cbor::Map(vec![
            (text("Namespace"), text("App")),
            (text("MetricName"), text("Hits")),
            (
                text("StartTime"),
                Cbor::Tag(1, Box::new(Cbor::Float(at as f64))),
            ),
            (
                text("EndTime"),
                Cbor::Tag(1, Box::new(Cbor::Integer((at + 60).into()))),
            ),
            (text("Period"), Cbor::Integer(60.into())),
            (text("Statistics"), Cbor::Array(vec![text("Sum")])),
        ]);
        let r = gw
            .handle(cbor_request("GetMetricStatistics", &stats, false))
            .await;
        let out: Cbor = ciborium::de::from_reader(&r.body[..]).unwrap();
        let Cbor::Array(dps) = get(&out, "Datapoints") else {
            panic!()
        };
        assert!(matches!(get(&dps[0], "Sum"), Cbor::Float(f) if *f == 2.5));
        assert!(
            matches!(get(&dps[0], "Timestamp"), Cbor::Tag(1, inner) if matches!(**inner, Cbor::Float(f) if f == at as f64)),
            "{:?}",
            get(&dps[0], "Timestamp")
        );

        // Errors: the shape in __type, the query code in the header.
        let bad = Cbor::Map(vec![
            (text("AlarmName"), text("nope")),
            (text("StateValue"), text("OK")),
            (text("StateReason"), text("x")),
        ]);
        let r = gw.handle(cbor_request("SetAlarmState", &bad, false)).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.headers["x-amzn-query-error"], "ResourceNotFound;Sender");
        let out: Cbor = ciborium::de::from_reader(&r.body[..]).unwrap();
        assert_eq!(get(&out, "__type"), &text("ResourceNotFound"));
        assert_eq!(get(&out, "message"), &text("Alarm nope not found"));
        let r = gw
            .handle(cbor_request("FlyToTheMoon", &Cbor::Map(vec![]), false))
            .await;
        let out: Cbor = ciborium::de::from_reader(&r.body[..]).unwrap();
        assert_eq!(get(&out, "__type"), &text("UnknownOperationException"));
    }

    #[test]
    fn the_in_process_api_accepts_aws_namespaces_and_alarms() {
        let cw = CloudWatch::new("123456789012");
        cw.set_time_scale(60.0);
        let t0 = SystemTime::now() - Duration::from_secs(5);
        for i in 0..5 {
            cw.put(
                "eu-west-1",
                Datum {
                    namespace: "AWS/ECS".into(),
                    metric_name: "CPUUtilization".into(),
                    dimensions: vec![
                        ("ClusterName".into(), "c".into()),
                        ("ServiceName".into(), "web".into()),
                    ],
                    value: 90.0,
                    unit: "Percent".into(),
                    timestamp: t0 + Duration::from_secs(i),
                },
            );
        }
        cw.put_alarm(
            "eu-west-1",
            AlarmSpec {
                name: "TargetTracking-high".into(),
                description: None,
                namespace: "AWS/ECS".into(),
                metric_name: "CPUUtilization".into(),
                // Dimension order does not matter.
                dimensions: vec![
                    ("ServiceName".into(), "web".into()),
                    ("ClusterName".into(), "c".into()),
                ],
                statistic: "Average".into(),
                period_secs: 60,
                evaluation_periods: 3,
                datapoints_to_alarm: None,
                threshold: 75.0,
                comparison: "GreaterThanThreshold".into(),
                treat_missing_data: None,
                alarm_actions: vec![
                    "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:p".into(),
                ],
                ok_actions: vec![],
                unit: None,
            },
        )
        .unwrap();
        let inv = cw.evaluate(SystemTime::now());
        assert_eq!(inv.len(), 1, "{inv:?}");
        assert_eq!(inv[0].state, crate::services::cloudwatch::AlarmState::Alarm);
        assert_eq!(inv[0].region, "eu-west-1");
        assert_eq!(
            inv[0].alarm_arn,
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:TargetTracking-high"
        );
        assert_eq!(inv[0].datapoints, vec![90.0, 90.0, 90.0]);
        cw.delete_alarms("eu-west-1", &["TargetTracking-high".into(), "x".into()]);
        assert!(
            cw.evaluate(SystemTime::now() + Duration::from_secs(2))
                .is_empty()
        );
    }
}
