//! CloudWatch with the official Rust SDK (`aws-sdk-cloudwatch`, which
//! speaks Smithy RPC v2 CBOR) against `emul serve`: PutMetricData →
//! ListMetrics → GetMetricStatistics / GetMetricData numbers; alarms from
//! creation (INSUFFICIENT_DATA) to ALARM through serve's evaluator;
//! SetAlarmState, actions on/off, history, deletion; AWS's error codes. Then
//! the same API over JSON 1.0 and awsQuery with raw HTTP.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, DimensionFilter, HistoryItemType, Metric, MetricDataQuery,
    MetricDatum, MetricStat, ScanBy, StandardUnit, StateValue, Statistic, StatisticSet,
};
use sdk_tests::{Emul, assert_aws_error, assert_aws_error_code};

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn dim(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

fn datum(name: &str, at: i64, value: f64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .dimensions(dim("Service", "web"))
        .timestamp(DateTime::from_secs(at))
        .value(value)
        .unit(StandardUnit::Percent)
        .build()
}

#[tokio::test]
async fn metrics_round_trip_with_the_right_numbers() {
    let emul = Emul::start();
    let c = emul.cloudwatch_client("eu-west-1").await;
    // Two whole minutes in the recent past.
    let m0 = (now_secs() / 60 - 10) * 60;
    c.put_metric_data()
        .namespace("App/Web")
        .metric_data(datum("CPU", m0 + 1, 10.0))
        .metric_data(datum("CPU", m0 + 2, 30.0))
        .metric_data(
            MetricDatum::builder()
                .metric_name("CPU")
                .dimensions(dim("Service", "web"))
                .timestamp(DateTime::from_secs(m0 + 61))
                .values(5.0)
                .values(7.0)
                .counts(1.0)
                .counts(3.0)
                .unit(StandardUnit::Percent)
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("Requests")
                .timestamp(DateTime::from_secs(m0 + 5))
                .statistic_values(
                    StatisticSet::builder()
                        .sample_count(4.0)
                        .sum(100.0)
                        .minimum(10.0)
                        .maximum(40.0)
                        .build(),
                )
                .unit(StandardUnit::Count)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let listed = c.list_metrics().namespace("App/Web").send().await.unwrap();
    let mut names: Vec<&str> = listed
        .metrics()
        .iter()
        .map(|m| m.metric_name().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec!["CPU", "Requests"]);
    let filtered = c
        .list_metrics()
        .dimensions(DimensionFilter::builder().name("Service").build())
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.metrics().len(), 1);
    assert_eq!(filtered.metrics()[0].dimensions()[0].value(), Some("web"));
    // Another region sees nothing.
    let other = emul.cloudwatch_client("us-east-1").await;
    assert!(
        other
            .list_metrics()
            .send()
            .await
            .unwrap()
            .metrics()
            .is_empty()
    );

    let stats = c
        .get_metric_statistics()
        .namespace("App/Web")
        .metric_name("CPU")
        .dimensions(dim("Service", "web"))
        .start_time(DateTime::from_secs(m0))
        .end_time(DateTime::from_secs(m0 + 120))
        .period(60)
        .statistics(Statistic::Average)
        .statistics(Statistic::Sum)
        .statistics(Statistic::SampleCount)
        .statistics(Statistic::Minimum)
        .statistics(Statistic::Maximum)
        .extended_statistics("p50")
        .send()
        .await
        .unwrap();
    assert_eq!(stats.label(), Some("CPU"));
    let mut dps = stats.datapoints().to_vec();
    dps.sort_by_key(|d| d.timestamp().unwrap().secs());
    assert_eq!(dps.len(), 2);
    assert_eq!(dps[0].timestamp().unwrap().secs(), m0);
    assert_eq!(dps[0].average(), Some(20.0));
    assert_eq!(dps[0].sum(), Some(40.0));
    assert_eq!(dps[0].sample_count(), Some(2.0));
    assert_eq!(dps[0].minimum(), Some(10.0));
    assert_eq!(dps[0].maximum(), Some(30.0));
    assert_eq!(dps[0].unit(), Some(&StandardUnit::Percent));
    assert_eq!(
        dps[0].extended_statistics().unwrap().get("p50"),
        Some(&10.0)
    );
    assert_eq!(dps[1].timestamp().unwrap().secs(), m0 + 60);
    assert_eq!(dps[1].sample_count(), Some(4.0));
    assert_eq!(dps[1].sum(), Some(26.0));
    assert_eq!(dps[1].average(), Some(6.5));

    let query = |id: &str, stat: &str| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace("App/Web")
                            .metric_name("CPU")
                            .dimensions(dim("Service", "web"))
                            .build(),
                    )
                    .period(60)
                    .stat(stat)
                    .build(),
            )
            .build()
    };
    let data = c
        .get_metric_data()
        .metric_data_queries(query("cpumax", "Maximum"))
        .metric_data_queries(query("cpusum", "Sum"))
        .start_time(DateTime::from_secs(m0))
        .end_time(DateTime::from_secs(m0 + 120))
        .send()
        .await
        .unwrap();
    let results = data.metric_data_results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].id(), Some("cpumax"));
    assert_eq!(results[0].label(), Some("CPU"));
    assert_eq!(results[0].values(), &[7.0, 30.0], "newest first by default");
    let ts: Vec<i64> = results[0].timestamps().iter().map(|t| t.secs()).collect();
    assert_eq!(ts, vec![m0 + 60, m0]);
    assert_eq!(results[1].values(), &[26.0, 40.0]);
    assert_eq!(
        results[0].status_code().map(|s| s.as_str()),
        Some("Complete")
    );
    let ascending = c
        .get_metric_data()
        .metric_data_queries(query("a", "Average"))
        .start_time(DateTime::from_secs(m0))
        .end_time(DateTime::from_secs(m0 + 120))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .unwrap();
    assert_eq!(ascending.metric_data_results()[0].values(), &[20.0, 6.5]);

    // A large call: the SDK gzips bodies over 10 KiB (request compression).
    let mut bulk = c.put_metric_data().namespace("App/Bulk");
    for i in 0..600 {
        bulk = bulk.metric_data(
            MetricDatum::builder()
                .metric_name("Items")
                .dimensions(dim("Shard", &format!("shard-{}", i % 3)))
                .timestamp(DateTime::from_secs(m0 + (i % 60)))
                .value(1.0)
                .unit(StandardUnit::Count)
                .build(),
        );
    }
    bulk.send().await.unwrap();
    let items = c
        .get_metric_statistics()
        .namespace("App/Bulk")
        .metric_name("Items")
        .dimensions(dim("Shard", "shard-1"))
        .start_time(DateTime::from_secs(m0))
        .end_time(DateTime::from_secs(m0 + 60))
        .period(60)
        .statistics(Statistic::SampleCount)
        .send()
        .await
        .unwrap();
    assert_eq!(items.datapoints()[0].sample_count(), Some(200.0));

    // AWS's errors.
    assert_aws_error(
        c.put_metric_data()
            .namespace("AWS/ECS")
            .metric_data(datum("CPU", m0, 1.0))
            .send()
            .await,
        "InvalidParameterValue",
        "The value AWS/ECS for parameter Namespace is invalid.",
    );
    assert_aws_error(
        c.get_metric_statistics()
            .namespace("App/Web")
            .metric_name("CPU")
            .start_time(DateTime::from_secs(m0 + 60))
            .end_time(DateTime::from_secs(m0))
            .period(60)
            .statistics(Statistic::Sum)
            .send()
            .await,
        "InvalidParameterValue",
        "The parameter StartTime must be less than the parameter EndTime.",
    );
    assert_aws_error_code(
        c.get_metric_data()
            .metric_data_queries(
                MetricDataQuery::builder()
                    .id("e")
                    .expression("SUM(METRICS())")
                    .build(),
            )
            .start_time(DateTime::from_secs(m0))
            .end_time(DateTime::from_secs(m0 + 120))
            .send()
            .await,
        "InvalidParameterValue",
    );
}

async fn alarm_state(c: &Client, name: &str) -> (String, String) {
    let out = c.describe_alarms().alarm_names(name).send().await.unwrap();
    let a = &out.metric_alarms()[0];
    (
        a.state_value().unwrap().as_str().to_string(),
        a.state_reason().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn alarms_go_from_insufficient_data_to_alarm_and_are_managed() {
    let emul = Emul::start();
    let c = emul.cloudwatch_client("us-east-1").await;
    let policy = "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x:resource/ecs/service/c/web:policyName/up";
    // An alarm on a metric without data stays INSUFFICIENT_DATA.
    c.put_metric_alarm()
        .alarm_name("quiet")
        .alarm_description("nothing to see")
        .namespace("App/Web")
        .metric_name("Idle")
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let quiet = c
        .describe_alarms()
        .alarm_names("quiet")
        .send()
        .await
        .unwrap();
    let q = &quiet.metric_alarms()[0];
    assert_eq!(q.state_value(), Some(&StateValue::InsufficientData));
    assert_eq!(q.state_reason(), Some("Unchecked: Initial alarm creation"));
    assert_eq!(
        q.alarm_arn(),
        Some("arn:aws:cloudwatch:us-east-1:000000000000:alarm:quiet")
    );
    assert_eq!(q.alarm_description(), Some("nothing to see"));
    assert_eq!(q.actions_enabled(), Some(true));
    assert!(q.state_updated_timestamp().unwrap().secs() > now_secs() - 60);

    // A minute of breaching data at 1 s resolution, then a 10 s alarm.
    let now = now_secs();
    let mut put = c.put_metric_data().namespace("App/Web");
    for i in 0..60 {
        put = put.metric_data(datum("CPU", now - i, 80.0 + (i % 3) as f64));
    }
    put.send().await.unwrap();
    c.put_metric_alarm()
        .alarm_name("cpu-high")
        .namespace("App/Web")
        .metric_name("CPU")
        .dimensions(dim("Service", "web"))
        .statistic(Statistic::Maximum)
        .period(10)
        .evaluation_periods(3)
        .datapoints_to_alarm(3)
        .threshold(50.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions(policy)
        .send()
        .await
        .unwrap();
    let mut state = alarm_state(&c, "cpu-high").await;
    for _ in 0..50 {
        if state.0 == "ALARM" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        state = alarm_state(&c, "cpu-high").await;
    }
    assert_eq!(state.0, "ALARM", "reason: {}", state.1);
    assert!(
        state.1.starts_with("Threshold Crossed: 3 datapoints [")
            && state
                .1
                .ends_with("] were greater than the threshold (50.0)."),
        "{}",
        state.1
    );
    let described = c
        .describe_alarms()
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    let a = &described.metric_alarms()[0];
    let data: serde_json::Value = serde_json::from_str(a.state_reason_data().unwrap()).unwrap();
    assert_eq!(data["statistic"], "Maximum");
    assert_eq!(data["recentDatapoints"].as_array().unwrap().len(), 3);
    assert_eq!(a.datapoints_to_alarm(), Some(3));
    assert_eq!(a.alarm_actions(), &[policy.to_string()]);

    // Filters.
    let in_alarm = c
        .describe_alarms()
        .state_value(StateValue::Alarm)
        .send()
        .await
        .unwrap();
    assert_eq!(in_alarm.metric_alarms().len(), 1);
    let by_action = c
        .describe_alarms()
        .action_prefix("arn:aws:autoscaling:")
        .send()
        .await
        .unwrap();
    assert_eq!(by_action.metric_alarms()[0].alarm_name(), Some("cpu-high"));
    let by_prefix = c
        .describe_alarms()
        .alarm_name_prefix("qu")
        .send()
        .await
        .unwrap();
    assert_eq!(by_prefix.metric_alarms().len(), 1);
    let paged = c.describe_alarms().max_records(1).send().await.unwrap();
    assert_eq!(paged.metric_alarms().len(), 1);
    let rest = c
        .describe_alarms()
        .max_records(1)
        .next_token(paged.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.metric_alarms().len(), 1);
    assert!(rest.next_token().is_none());
    let for_metric = c
        .describe_alarms_for_metric()
        .namespace("App/Web")
        .metric_name("CPU")
        .dimensions(dim("Service", "web"))
        .send()
        .await
        .unwrap();
    assert_eq!(for_metric.metric_alarms().len(), 1);

    // SetAlarmState holds until the next evaluation (a minute for a 60 s period).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.set_alarm_state()
        .alarm_name("quiet")
        .state_value(StateValue::Alarm)
        .state_reason("testing the pager")
        .send()
        .await
        .unwrap();
    assert_eq!(
        alarm_state(&c, "quiet").await,
        ("ALARM".to_string(), "testing the pager".to_string())
    );
    assert_aws_error(
        c.set_alarm_state()
            .alarm_name("nope")
            .state_value(StateValue::Ok)
            .state_reason("x")
            .send()
            .await,
        "ResourceNotFound",
        "Alarm nope not found",
    );
    assert_aws_error_code(
        c.set_alarm_state()
            .alarm_name("quiet")
            .state_value(StateValue::Ok)
            .state_reason("x")
            .state_reason_data("{not json")
            .send()
            .await,
        "InvalidFormat",
    );
    assert_aws_error_code(
        c.put_metric_alarm()
            .alarm_name("bad")
            .namespace("App/Web")
            .metric_name("CPU")
            .statistic(Statistic::Average)
            .period(45)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .send()
            .await,
        "InvalidParameterValue",
    );

    // Actions off and on.
    c.disable_alarm_actions()
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    let off = c
        .describe_alarms()
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    assert_eq!(off.metric_alarms()[0].actions_enabled(), Some(false));
    c.enable_alarm_actions()
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    let on = c
        .describe_alarms()
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    assert_eq!(on.metric_alarms()[0].actions_enabled(), Some(true));

    // History: creation and state changes, newest first.
    let history = c
        .describe_alarm_history()
        .alarm_name("quiet")
        .send()
        .await
        .unwrap();
    let kinds: Vec<&HistoryItemType> = history
        .alarm_history_items()
        .iter()
        .map(|h| h.history_item_type().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            &HistoryItemType::StateUpdate,
            &HistoryItemType::ConfigurationUpdate
        ]
    );
    assert_eq!(
        history.alarm_history_items()[0].history_summary(),
        Some("Alarm updated from INSUFFICIENT_DATA to ALARM")
    );

    c.delete_alarms()
        .alarm_names("quiet")
        .alarm_names("cpu-high")
        .send()
        .await
        .unwrap();
    assert!(
        c.describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .is_empty()
    );
}

#[tokio::test]
async fn json_1_0_and_aws_query_reach_the_same_api() {
    let emul = Emul::start();
    let raw = emul.raw();
    let json10 = |op: &str, body: serde_json::Value| {
        let raw = raw.clone();
        let target = format!("GraniteServiceVersion20100801.{op}");
        async move {
            raw.send(
                "POST",
                "/",
                &[
                    ("content-type", "application/x-amz-json-1.0"),
                    ("x-amz-target", &target),
                ],
                serde_json::to_vec(&body).unwrap(),
            )
            .await
            .unwrap()
        }
    };
    let m0 = (now_secs() / 60 - 5) * 60;
    let r = json10(
        "PutMetricData",
        serde_json::json!({"Namespace": "Raw", "MetricData": [
            {"MetricName": "Hits", "Value": 3.0, "Timestamp": m0 + 1, "Unit": "Count"},
            {"MetricName": "Hits", "Value": 4.5, "Timestamp": m0 + 2, "Unit": "Count"}
        ]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    let r = json10(
        "GetMetricStatistics",
        serde_json::json!({"Namespace": "Raw", "MetricName": "Hits", "StartTime": m0,
                           "EndTime": m0 + 60, "Period": 60, "Statistics": ["Sum", "Maximum"]}),
    )
    .await;
    let body = r.json();
    assert_eq!(body["Datapoints"][0]["Sum"], 7.5);
    assert_eq!(body["Datapoints"][0]["Maximum"], 4.5);
    assert_eq!(body["Datapoints"][0]["Timestamp"].as_f64(), Some(m0 as f64));
    // Errors: the modeled shape in __type, the query code in x-amzn-query-error.
    let r = json10(
        "SetAlarmState",
        serde_json::json!({"AlarmName": "nope", "StateValue": "OK", "StateReason": "x"}),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["__type"], "ResourceNotFound");
    assert_eq!(r.json()["message"], "Alarm nope not found");
    assert_eq!(
        r.header("x-amzn-query-error"),
        Some("ResourceNotFound;Sender")
    );
    let r = json10(
        "PutMetricData",
        serde_json::json!({"Namespace": "AWS/EC2", "MetricData": [{"MetricName": "x", "Value": 1}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "InvalidParameterValueException");
    assert_eq!(
        r.header("x-amzn-query-error"),
        Some("InvalidParameterValue;Sender")
    );

    // awsQuery: form in, XML out, the same data.
    let form = |pairs: &[(&str, &str)]| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let start = format!("{}", m0);
    let query = |body: String| {
        let raw = raw.clone();
        async move {
            raw.send(
                "POST",
                "/",
                &[
                    ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00",
                    ),
                ],
                body,
            )
            .await
            .unwrap()
        }
    };
    let r = query(form(&[
        ("Action", "PutMetricAlarm"),
        ("Version", "2010-08-01"),
        ("AlarmName", "q-alarm"),
        ("Namespace", "Raw"),
        ("MetricName", "Hits"),
        ("Statistic", "Sum"),
        ("Period", "60"),
        ("EvaluationPeriods", "2"),
        ("Threshold", "100"),
        ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
        ("Dimensions.member.1.Name", "Host"),
        ("Dimensions.member.1.Value", "a"),
    ]))
    .await;
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert_eq!(r.status, 200, "{text}");
    assert!(
        text.starts_with(
            "<PutMetricAlarmResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
        ),
        "{text}"
    );
    let r = query(form(&[
        ("Action", "DescribeAlarms"),
        ("Version", "2010-08-01"),
        ("AlarmNames.member.1", "q-alarm"),
    ]))
    .await;
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(text.contains("<MetricAlarms><member>"), "{text}");
    assert!(text.contains("<AlarmName>q-alarm</AlarmName>"), "{text}");
    assert!(
        text.contains("<StateValue>INSUFFICIENT_DATA</StateValue>"),
        "{text}"
    );
    assert!(text.contains("<Threshold>100.0</Threshold>"), "{text}");
    assert!(
        text.contains(
            "<Dimensions><member><Name>Host</Name><Value>a</Value></member></Dimensions>"
        ),
        "{text}"
    );
    let r = query(form(&[
        ("Action", "GetMetricStatistics"),
        ("Version", "2010-08-01"),
        ("Namespace", "Raw"),
        ("MetricName", "Hits"),
        ("StartTime", &start),
        ("EndTime", &format!("{}", m0 + 60)),
        ("Period", "60"),
        ("Statistics.member.1", "Sum"),
        ("ExtendedStatistics.member.1", "p50"),
    ]))
    .await;
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(text.contains("<Sum>7.5</Sum>"), "{text}");
    assert!(
        text.contains("<ExtendedStatistics><entry><key>p50</key><value>3.0</value></entry></ExtendedStatistics>"),
        "{text}"
    );
    assert!(
        text.contains("<Timestamp>20"),
        "ISO-8601 timestamps: {text}"
    );
    let r = query(form(&[
        ("Action", "SetAlarmState"),
        ("Version", "2010-08-01"),
        ("AlarmName", "nope"),
        ("StateValue", "OK"),
        ("StateReason", "x"),
    ]))
    .await;
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(text.contains("<Code>ResourceNotFound</Code>"), "{text}");
    assert!(
        text.contains("<Message>Alarm nope not found</Message>"),
        "{text}"
    );
}
