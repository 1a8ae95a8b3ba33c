use super::alarms::validate;
use super::*;

const R: &str = "us-east-1";
const MIN: Millis = 60_000;
/// 2027-01-15T08:00:00Z, an hour boundary, so periods line up with the arithmetic.
const T0: Millis = 1_800_000_000_000;

fn key() -> MetricKey {
    MetricKey::new("App", "Load", &[("Svc".into(), "web".into())])
}

fn put(m: &mut Model, at: Millis, v: f64) {
    m.put_sample(R, key(), Sample::single(at, v, "Percent"), at);
}

fn spec(n: u32, m: Option<u32>, treat: Option<&str>) -> AlarmSpec {
    AlarmSpec {
        name: "high".into(),
        description: None,
        namespace: "App".into(),
        metric_name: "Load".into(),
        dimensions: vec![("Svc".into(), "web".into())],
        statistic: "Average".into(),
        period_secs: 60,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        threshold: 50.0,
        comparison: "GreaterThanThreshold".into(),
        treat_missing_data: treat.map(str::to_string),
        alarm_actions: vec![
            "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:p".into(),
            "arn:aws:sns:us-east-1:000000000000:topic".into(),
        ],
        ok_actions: vec![],
        unit: None,
    }
}

fn state(m: &Model) -> AlarmState {
    m.alarms(R).unwrap()["high"].state
}

#[test]
fn statistics_per_period() {
    let mut m = Model::new("000000000000");
    put(&mut m, T0 + 1_000, 10.0);
    put(&mut m, T0 + 2_000, 30.0);
    put(&mut m, T0 + MIN + 5, 5.0);
    m.put_sample(
        R,
        key(),
        Sample {
            at: T0 + MIN + 10,
            unit: "Percent".into(),
            count: 4.0,
            sum: 40.0,
            min: 1.0,
            max: 20.0,
            values: vec![],
        },
        T0 + MIN,
    );
    let k = key();
    let stat = |s: &str| m.statistic(R, &k, s, MIN, T0, T0 + 2 * MIN, None);
    assert_eq!(stat("Average"), vec![(T0, 20.0), (T0 + MIN, 9.0)]);
    assert_eq!(stat("Sum"), vec![(T0, 40.0), (T0 + MIN, 45.0)]);
    assert_eq!(stat("SampleCount"), vec![(T0, 2.0), (T0 + MIN, 5.0)]);
    assert_eq!(stat("Minimum"), vec![(T0, 10.0), (T0 + MIN, 1.0)]);
    assert_eq!(stat("Maximum"), vec![(T0, 30.0), (T0 + MIN, 20.0)]);
    // Percentiles need raw values: the statistic set makes the 2nd period unknown.
    assert_eq!(stat("p50"), vec![(T0, 10.0)]);
    assert_eq!(stat("p99"), vec![(T0, 30.0)]);
    // The end is exclusive, and a unit filter drops other units.
    assert_eq!(
        m.statistic(R, &k, "Sum", MIN, T0, T0 + MIN, None),
        vec![(T0, 40.0)]
    );
    assert!(
        m.statistic(R, &k, "Sum", MIN, T0, T0 + 2 * MIN, Some("Count"))
            .is_empty()
    );
}

#[test]
fn values_with_counts_weight_percentiles() {
    let s = Sample::values(T0, &[(1.0, 9.0), (100.0, 1.0)], "None");
    let mut a = Aggregate::default();
    a.add(&s);
    assert_eq!(a.stat("SampleCount"), Some(10.0));
    assert_eq!(a.stat("Average"), Some(10.9));
    assert_eq!(a.stat("p90"), Some(1.0));
    assert_eq!(a.stat("p91"), Some(100.0));
    assert_eq!(a.stat("p100"), Some(100.0));
}

#[test]
fn retention_drops_samples_older_than_three_hours_but_keeps_the_metric_listed() {
    let mut m = Model::new("000000000000");
    put(&mut m, T0, 1.0);
    put(&mut m, T0 + RETENTION_MS + 1, 2.0);
    let k = key();
    assert_eq!(
        m.statistic(R, &k, "SampleCount", 3600 * 1000, 0, T0 * 2, None)
            .iter()
            .map(|(_, v)| v)
            .sum::<f64>(),
        1.0
    );
    assert_eq!(m.list_metrics(R, Some("App"), None, &[], None), vec![key()]);
    assert!(
        m.list_metrics(R, None, None, &[("Svc".into(), Some("api".into()))], None)
            .is_empty()
    );
    assert_eq!(
        m.list_metrics(R, None, Some("Load"), &[("Svc".into(), None)], None)
            .len(),
        1
    );
    m.forget_old_metrics(T0 + RETENTION_MS + 1 + LISTED_FOR_MS + 1);
    assert!(m.list_metrics(R, None, None, &[], None).is_empty());
}

#[test]
fn a_new_alarm_starts_unchecked_then_goes_to_alarm_when_every_period_breaches() {
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(3, None, None), AlarmExtras::default(), T0)
        .unwrap();
    let a = &m.alarms(R).unwrap()["high"];
    assert_eq!(a.state, AlarmState::InsufficientData);
    assert_eq!(a.state_reason, "Unchecked: Initial alarm creation");
    assert_eq!(
        a.arn,
        "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high"
    );
    for (i, v) in [60.0, 75.2, 80.0].iter().enumerate() {
        put(&mut m, T0 + i as Millis * MIN + 1_000, *v);
    }
    // The third period has not ended yet: 2 datapoints of 3, so OK.
    assert!(m.evaluate(T0 + 2 * MIN + 30_000).is_empty());
    assert_eq!(state(&m), AlarmState::Ok);
    // Evaluated again a minute later: 3 of 3 breach.
    let inv = m.evaluate(T0 + 3 * MIN + 30_000);
    assert_eq!(state(&m), AlarmState::Alarm);
    assert_eq!(inv.len(), 2, "one invocation per action");
    assert_eq!(inv[0].datapoints, vec![60.0, 75.2, 80.0]);
    assert_eq!(inv[0].state, AlarmState::Alarm);
    let a = &m.alarms(R).unwrap()["high"];
    assert_eq!(
        a.state_reason,
        "Threshold Crossed: 3 datapoints [80.0 (15/01/27 08:02:00), 75.2 (15/01/27 08:01:00), 60.0 (15/01/27 08:00:00)] were greater than the threshold (50.0)."
    );
    let data: serde_json::Value =
        serde_json::from_str(a.state_reason_data.as_deref().unwrap()).unwrap();
    assert_eq!(
        data["recentDatapoints"],
        serde_json::json!([60.0, 75.2, 80.0])
    );
    assert_eq!(data["statistic"], "Average");
    assert_eq!(data["threshold"], 50.0);
}

#[test]
fn datapoints_to_alarm_m_of_n() {
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(3, Some(2), None), AlarmExtras::default(), T0)
        .unwrap();
    put(&mut m, T0 + 1_000, 90.0);
    put(&mut m, T0 + MIN + 1_000, 10.0);
    put(&mut m, T0 + 2 * MIN + 1_000, 95.0);
    m.evaluate(T0 + 3 * MIN);
    assert_eq!(state(&m), AlarmState::Alarm);
    assert_eq!(
        m.alarms(R).unwrap()["high"].state_reason,
        "Threshold Crossed: 2 out of the last 3 datapoints [95.0 (15/01/27 08:02:00), 90.0 (15/01/27 08:00:00)] were greater than the threshold (50.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."
    );
    // 1 of 3 breaching → OK.
    let mut m2 = Model::new("000000000000");
    m2.put_alarm(R, spec(3, Some(2), None), AlarmExtras::default(), T0)
        .unwrap();
    put(&mut m2, T0 + 1_000, 90.0);
    put(&mut m2, T0 + MIN + 1_000, 10.0);
    put(&mut m2, T0 + 2 * MIN + 1_000, 15.0);
    m2.evaluate(T0 + 3 * MIN);
    assert_eq!(state(&m2), AlarmState::Ok);
}

#[test]
fn treat_missing_data_variants() {
    let run = |treat: Option<&str>, data: &[Option<f64>]| {
        let mut m = Model::new("000000000000");
        m.put_alarm(R, spec(3, None, treat), AlarmExtras::default(), T0)
            .unwrap();
        for (i, v) in data.iter().enumerate() {
            if let Some(v) = v {
                put(&mut m, T0 + i as Millis * MIN + 1_000, *v);
            }
        }
        m.evaluate(T0 + 3 * MIN);
        let a = &m.alarms(R).unwrap()["high"];
        (a.state, a.state_reason.clone())
    };
    let none = [None, None, None];
    assert_eq!(
        run(None, &none),
        (
            AlarmState::InsufficientData,
            "Unchecked: Initial alarm creation".into()
        ),
        "no change: still INSUFFICIENT_DATA"
    );
    assert_eq!(run(Some("missing"), &none).0, AlarmState::InsufficientData);
    assert_eq!(
        run(Some("breaching"), &none),
        (
            AlarmState::Alarm,
            "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].".into()
        )
    );
    assert_eq!(run(Some("notBreaching"), &none).0, AlarmState::Ok);
    assert_eq!(run(Some("ignore"), &none).0, AlarmState::InsufficientData);
    // Two breaching and one missing: missing/ignore → OK (2 < 3); breaching → ALARM.
    let gap = [Some(70.0), None, Some(80.0)];
    assert_eq!(run(None, &gap).0, AlarmState::Ok);
    assert_eq!(run(Some("ignore"), &gap).0, AlarmState::Ok);
    assert_eq!(run(Some("breaching"), &gap).0, AlarmState::Alarm);
    assert_eq!(run(Some("notBreaching"), &gap).0, AlarmState::Ok);
}

#[test]
fn ignore_keeps_the_current_state_when_data_stops() {
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(1, None, Some("ignore")), AlarmExtras::default(), T0)
        .unwrap();
    put(&mut m, T0 + 1_000, 99.0);
    m.evaluate(T0 + MIN);
    assert_eq!(state(&m), AlarmState::Alarm);
    m.evaluate(T0 + 10 * MIN);
    assert_eq!(state(&m), AlarmState::Alarm);
    // With `missing`, the same silence is INSUFFICIENT_DATA.
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(1, None, None), AlarmExtras::default(), T0)
        .unwrap();
    put(&mut m, T0 + 1_000, 99.0);
    m.evaluate(T0 + MIN);
    m.evaluate(T0 + 10 * MIN);
    assert_eq!(state(&m), AlarmState::InsufficientData);
    assert_eq!(
        m.alarms(R).unwrap()["high"].state_reason,
        "Insufficient Data: 1 datapoint was unknown."
    );
}

#[test]
fn autoscaling_actions_repeat_every_minute_while_in_alarm() {
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(1, None, None), AlarmExtras::default(), T0)
        .unwrap();
    for i in 0..10 {
        put(&mut m, T0 + i * MIN + 1_000, 99.0);
    }
    assert_eq!(m.evaluate(T0 + MIN).len(), 2, "the change invokes both");
    // Within the minute: nothing; each minute after: only the autoscaling one.
    assert!(m.evaluate(T0 + MIN + 30_000).is_empty());
    let again = m.evaluate(T0 + 2 * MIN);
    assert_eq!(again.len(), 1);
    assert!(again[0].action_arn.starts_with("arn:aws:autoscaling:"));
    assert_eq!(again[0].datapoints, vec![99.0]);
    assert_eq!(m.evaluate(T0 + 3 * MIN).len(), 1);
    // Disabled actions are not invoked.
    m.set_actions_enabled(R, &["high".into()], false);
    assert!(m.evaluate(T0 + 4 * MIN).is_empty());
}

#[test]
fn time_scale_shrinks_periods_and_the_repeat_minute() {
    let mut m = Model::new("000000000000");
    m.time_scale = 60.0; // a 60 s period lasts 1 real second
    m.put_alarm(R, spec(3, None, None), AlarmExtras::default(), T0)
        .unwrap();
    for i in 0..5 {
        put(&mut m, T0 + i * 1_000 + 100, 70.0);
    }
    assert_eq!(m.evaluate(T0 + 3_000).len(), 2);
    assert_eq!(state(&m), AlarmState::Alarm);
    assert_eq!(m.evaluate(T0 + 4_000).len(), 1, "the scaled minute repeat");
    // The statistic() view is not scaled.
    let k = key();
    assert_eq!(
        m.statistic(R, &k, "Average", MIN, T0, T0 + MIN, None),
        vec![(T0, 70.0)]
    );
}

#[test]
fn set_alarm_state_holds_until_the_next_evaluation_and_queues_actions() {
    let mut m = Model::new("000000000000");
    m.put_alarm(R, spec(1, None, None), AlarmExtras::default(), T0)
        .unwrap();
    m.evaluate(T0);
    m.set_alarm_state(R, "high", AlarmState::Alarm, "testing", None, T0 + 1_000)
        .unwrap();
    assert_eq!(state(&m), AlarmState::Alarm);
    // The queued actions come out of the next evaluate; the alarm is not due.
    assert_eq!(m.evaluate(T0 + 2_000).len(), 2);
    assert_eq!(state(&m), AlarmState::Alarm);
    // Due again a minute after the last evaluation: back to what data says.
    m.evaluate(T0 + MIN);
    assert_eq!(state(&m), AlarmState::InsufficientData);
    let err = m
        .set_alarm_state(R, "nope", AlarmState::Ok, "x", None, T0)
        .unwrap_err();
    assert_eq!(err.code, "ResourceNotFound");
    assert_eq!(err.status, 404);
    assert_eq!(err.message, "Alarm nope not found");
    let kinds: Vec<_> = m.regions[R].history.iter().map(|h| h.item_type).collect();
    assert_eq!(
        kinds,
        vec!["ConfigurationUpdate", "StateUpdate", "StateUpdate"]
    );
}

#[test]
fn alarm_validation() {
    let mut m = Model::new("000000000000");
    let bad = |f: &dyn Fn(&mut AlarmSpec)| {
        let mut s = spec(3, None, None);
        f(&mut s);
        validate(&s).unwrap_err()
    };
    assert_eq!(bad(&|s| s.period_secs = 45).code, "InvalidParameterValue");
    assert_eq!(
        bad(&|s| s.datapoints_to_alarm = Some(4)).code,
        "InvalidParameterValue"
    );
    assert_eq!(
        bad(&|s| s.comparison = "Bigger".into()).message,
        "The value Bigger for parameter ComparisonOperator is invalid."
    );
    assert_eq!(
        bad(&|s| s.treat_missing_data = Some("x".into())).code,
        "InvalidParameterValue"
    );
    assert_eq!(
        bad(&|s| s.statistic = "Median".into()).code,
        "InvalidParameterValue"
    );
    assert_eq!(bad(&|s| s.name.clear()).code, "MissingParameter");
    let mut ok = spec(3, None, None);
    ok.statistic = "p99".into();
    ok.period_secs = 10;
    assert!(m.put_alarm(R, ok, AlarmExtras::default(), T0).is_ok());
    m.delete_alarms(R, &["high".into(), "missing".into()]);
    assert!(m.alarms(R).unwrap().is_empty());
}
