//! The AWS CLI's `aws cloudwatch` commands against `emul serve`: metrics,
//! statistics, alarms, and AWS's error codes. CloudWatch's model lists
//! `smithy-rpc-v2-cbor`, `json` and `query`; botocore (1.43) picks the first
//! it supports in its own priority order, which puts `json` first, so the
//! CLI speaks JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`,
//! `x-amzn-query-mode: true`) and reads the code from `x-amzn-query-error`.
//! (The Rust SDK speaks CBOR: `cloudwatch.rs`.) Skips (passes with a
//! message) when `aws` is not on PATH, unless `EMUL_REQUIRE_AWS_CLI=1`.

use std::time::{SystemTime, UNIX_EPOCH};

use sdk_tests::Emul;
use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

fn minute_in_the_past() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (now / 60 - 5) * 60
}

#[test]
fn aws_cli_cloudwatch_round_trip() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Dates as ISO-8601 (AWS CLI v1 prints the wire value by default).
    std::fs::write(
        h.join("config"),
        "[default]\ncli_timestamp_format = iso8601\n",
    )
    .unwrap();
    let run = |args: &[&str]| aws_json(&cli, &emul.endpoint, h, args);
    let m0 = minute_in_the_past();
    let data = format!(
        r#"[{{"MetricName":"Latency","Value":12.5,"Unit":"Milliseconds","Timestamp":{},"Dimensions":[{{"Name":"Service","Value":"api"}}]}},
            {{"MetricName":"Latency","Values":[20,40],"Counts":[1,2],"Unit":"Milliseconds","Timestamp":{},"Dimensions":[{{"Name":"Service","Value":"api"}}]}}]"#,
        m0 + 1,
        m0 + 2
    );
    run(&[
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "App/Cli",
        "--metric-data",
        &data,
    ]);
    let listed = run(&["cloudwatch", "list-metrics", "--namespace", "App/Cli"]);
    assert_eq!(listed["Metrics"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["Metrics"][0]["MetricName"], "Latency");
    assert_eq!(listed["Metrics"][0]["Dimensions"][0]["Value"], "api");

    let start = m0.to_string();
    let end = (m0 + 60).to_string();
    let stats = run(&[
        "cloudwatch",
        "get-metric-statistics",
        "--namespace",
        "App/Cli",
        "--metric-name",
        "Latency",
        "--dimensions",
        "Name=Service,Value=api",
        "--start-time",
        &start,
        "--end-time",
        &end,
        "--period",
        "60",
        "--statistics",
        "Average",
        "Sum",
        "SampleCount",
        "Maximum",
    ]);
    let dp = &stats["Datapoints"][0];
    assert_eq!(dp["SampleCount"], 4.0, "{stats}");
    assert_eq!(dp["Sum"], 112.5);
    assert_eq!(dp["Average"], 28.125);
    assert_eq!(dp["Maximum"], 40.0);
    assert_eq!(dp["Unit"], "Milliseconds");
    // botocore read the timestamp member as a date.
    assert!(
        dp["Timestamp"].as_str().unwrap().ends_with("+00:00"),
        "{dp}"
    );

    // Over 10 KiB: botocore gzips the body (request compression).
    let big: Vec<serde_json::Value> = (0..400)
        .map(|i| serde_json::json!({"MetricName": "Big", "Value": i as f64, "Timestamp": m0 + 1,
                                     "Dimensions": [{"Name": "Shard", "Value": format!("s{}", i % 2)}]}))
        .collect();
    let big_file = h.join("big.json");
    std::fs::write(&big_file, serde_json::to_vec(&big).unwrap()).unwrap();
    run(&[
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "App/Big",
        "--metric-data",
        &format!("file://{}", big_file.display()),
    ]);
    let big_stats = run(&[
        "cloudwatch",
        "get-metric-statistics",
        "--namespace",
        "App/Big",
        "--metric-name",
        "Big",
        "--dimensions",
        "Name=Shard,Value=s0",
        "--start-time",
        &start,
        "--end-time",
        &end,
        "--period",
        "60",
        "--statistics",
        "SampleCount",
        "Sum",
    ]);
    assert_eq!(
        big_stats["Datapoints"][0]["SampleCount"], 200.0,
        "{big_stats}"
    );
    assert_eq!(big_stats["Datapoints"][0]["Sum"], 39800.0);

    let queries = r#"[{"Id":"lat","MetricStat":{"Metric":{"Namespace":"App/Cli","MetricName":"Latency","Dimensions":[{"Name":"Service","Value":"api"}]},"Period":60,"Stat":"Minimum"}}]"#;
    let got = run(&[
        "cloudwatch",
        "get-metric-data",
        "--metric-data-queries",
        queries,
        "--start-time",
        &start,
        "--end-time",
        &end,
    ]);
    let r = &got["MetricDataResults"][0];
    assert_eq!(r["Id"], "lat", "{got}");
    assert_eq!(r["Values"], serde_json::json!([12.5]));
    assert_eq!(r["StatusCode"], "Complete");
    assert_eq!(r["Timestamps"].as_array().unwrap().len(), 1);

    run(&[
        "cloudwatch",
        "put-metric-alarm",
        "--alarm-name",
        "cli-latency",
        "--namespace",
        "App/Cli",
        "--metric-name",
        "Latency",
        "--dimensions",
        "Name=Service,Value=api",
        "--statistic",
        "Average",
        "--period",
        "60",
        "--evaluation-periods",
        "2",
        "--datapoints-to-alarm",
        "1",
        "--threshold",
        "1000",
        "--comparison-operator",
        "GreaterThanOrEqualToThreshold",
        "--treat-missing-data",
        "notBreaching",
        "--alarm-actions",
        "arn:aws:sns:us-east-1:000000000000:pager",
    ]);
    let alarms = run(&[
        "cloudwatch",
        "describe-alarms",
        "--alarm-names",
        "cli-latency",
    ]);
    let a = &alarms["MetricAlarms"][0];
    assert_eq!(a["AlarmName"], "cli-latency", "{alarms}");
    assert_eq!(
        a["AlarmArn"],
        "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-latency"
    );
    assert_eq!(a["Threshold"], 1000.0);
    assert_eq!(a["DatapointsToAlarm"], 1);
    assert_eq!(a["TreatMissingData"], "notBreaching");
    assert!(a["AlarmConfigurationUpdatedTimestamp"].is_string());
    assert!(
        ["INSUFFICIENT_DATA", "OK"].contains(&a["StateValue"].as_str().unwrap()),
        "{a}"
    );
    run(&[
        "cloudwatch",
        "set-alarm-state",
        "--alarm-name",
        "cli-latency",
        "--state-value",
        "ALARM",
        "--state-reason",
        "drill",
    ]);
    let history = run(&[
        "cloudwatch",
        "describe-alarm-history",
        "--alarm-name",
        "cli-latency",
        "--history-item-type",
        "StateUpdate",
    ]);
    assert!(
        history["AlarmHistoryItems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["HistorySummary"].as_str().unwrap().ends_with("to ALARM")),
        "{history}"
    );

    // AWS's error codes, as the CLI prints them.
    let out = aws(
        &cli,
        &emul.endpoint,
        h,
        &[
            "cloudwatch",
            "put-metric-data",
            "--namespace",
            "AWS/ECS",
            "--metric-name",
            "CPUUtilization",
            "--value",
            "1",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(InvalidParameterValue)")
            && stderr.contains("The value AWS/ECS for parameter Namespace is invalid."),
        "{stderr}"
    );
    let out = aws(
        &cli,
        &emul.endpoint,
        h,
        &[
            "cloudwatch",
            "set-alarm-state",
            "--alarm-name",
            "nope",
            "--state-value",
            "OK",
            "--state-reason",
            "x",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(ResourceNotFound)") && stderr.contains("Alarm nope not found"),
        "{stderr}"
    );

    run(&[
        "cloudwatch",
        "delete-alarms",
        "--alarm-names",
        "cli-latency",
    ]);
    let none = run(&["cloudwatch", "describe-alarms"]);
    assert_eq!(none["MetricAlarms"], serde_json::json!([]));
}
