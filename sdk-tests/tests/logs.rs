//! CloudWatch Logs with the official Rust SDK (`aws-sdk-cloudwatchlogs`)
//! against `emul serve`: groups, streams, PutLogEvents' rules (tokens
//! ignored, order, rejections), GetLogEvents' tokens, FilterLogEvents with
//! term and JSON patterns and pages, retention, tags, AWS's errors, and the
//! events surviving a restart on the same state directory.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, OrderBy};
use sdk_tests::{Emul, ServeOptions, assert_aws_error, assert_aws_error_contains};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn event(timestamp: i64, message: &str) -> InputLogEvent {
    InputLogEvent::builder()
        .timestamp(timestamp)
        .message(message)
        .build()
        .unwrap()
}

async fn group_with_stream(c: &Client, group: &str, stream: &str) {
    c.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    c.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn groups_streams_retention_tags_and_errors() {
    let emul = Emul::start();
    let c = emul.logs_client("us-east-1").await;
    group_with_stream(&c, "/ecs/web", "ecs/app/1").await;
    c.create_log_group()
        .log_group_name("/ecs/worker")
        .send()
        .await
        .unwrap();
    c.create_log_group()
        .log_group_name("/aws/lambda/f")
        .send()
        .await
        .unwrap();
    assert_aws_error(
        c.create_log_group().log_group_name("/ecs/web").send().await,
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    );
    assert_aws_error(
        c.create_log_stream()
            .log_group_name("/ecs/web")
            .log_stream_name("ecs/app/1")
            .send()
            .await,
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    );
    assert_aws_error(
        c.create_log_stream()
            .log_group_name("/nope")
            .log_stream_name("s")
            .send()
            .await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    assert_aws_error_contains(
        c.create_log_group().log_group_name("bad name").send().await,
        "InvalidParameterException",
        "Member must satisfy regular expression pattern",
    );
    // Prefix, pattern and pages.
    let page = c
        .describe_log_groups()
        .log_group_name_prefix("/ecs/")
        .limit(1)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = page
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert_eq!(names, ["/ecs/web"]);
    let token = page.next_token().expect("a second page").to_string();
    let page = c
        .describe_log_groups()
        .log_group_name_prefix("/ecs/")
        .limit(1)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.log_groups()[0].log_group_name(), Some("/ecs/worker"));
    assert!(page.next_token().is_none());
    let lambda = c
        .describe_log_groups()
        .log_group_name_pattern("lambda")
        .send()
        .await
        .unwrap();
    assert_eq!(lambda.log_groups().len(), 1);
    let g = &lambda.log_groups()[0];
    assert_eq!(
        g.arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*")
    );
    assert_eq!(
        g.log_group_arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f")
    );
    // Retention.
    assert_aws_error_contains(
        c.put_retention_policy()
            .log_group_name("/ecs/web")
            .retention_in_days(2)
            .send()
            .await,
        "InvalidParameterException",
        "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30",
    );
    c.put_retention_policy()
        .log_group_name("/ecs/web")
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    let web = c
        .describe_log_groups()
        .log_group_name_prefix("/ecs/web")
        .send()
        .await
        .unwrap();
    assert_eq!(web.log_groups()[0].retention_in_days(), Some(7));
    c.delete_retention_policy()
        .log_group_name("/ecs/web")
        .send()
        .await
        .unwrap();
    let web = c
        .describe_log_groups()
        .log_group_name_prefix("/ecs/web")
        .send()
        .await
        .unwrap();
    assert_eq!(web.log_groups()[0].retention_in_days(), None);
    // Tags, by ARN and by name.
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web";
    c.tag_resource()
        .resource_arn(arn)
        .tags("team", "core")
        .tags("env", "prod")
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .resource_arn(arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().get("team").map(String::as_str),
        Some("core")
    );
    assert_eq!(tags.tags().unwrap().len(), 1);
    #[allow(deprecated)]
    let legacy = c
        .list_tags_log_group()
        .log_group_name("/ecs/web")
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.tags().unwrap().len(), 1);
    assert_aws_error(
        c.list_tags_for_resource()
            .resource_arn("arn:aws:logs:us-east-1:000000000000:log-group:/nope")
            .send()
            .await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    // Streams: order by last event time, and the prefix rule.
    for s in ["a", "b"] {
        c.create_log_stream()
            .log_group_name("/ecs/worker")
            .log_stream_name(s)
            .send()
            .await
            .unwrap();
    }
    let now = now_ms();
    for (s, t) in [("b", now), ("a", now + 5)] {
        c.put_log_events()
            .log_group_name("/ecs/worker")
            .log_stream_name(s)
            .log_events(event(t, "x"))
            .send()
            .await
            .unwrap();
    }
    let by_time = c
        .describe_log_streams()
        .log_group_name("/ecs/worker")
        .order_by(OrderBy::LastEventTime)
        .descending(true)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = by_time
        .log_streams()
        .iter()
        .filter_map(|s| s.log_stream_name())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(
        by_time.log_streams()[0].last_event_timestamp(),
        Some(now + 5)
    );
    assert_aws_error(
        c.describe_log_streams()
            .log_group_name("/ecs/worker")
            .order_by(OrderBy::LastEventTime)
            .log_stream_name_prefix("a")
            .send()
            .await,
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    );
    // Deletes.
    c.delete_log_stream()
        .log_group_name("/ecs/worker")
        .log_stream_name("a")
        .send()
        .await
        .unwrap();
    assert_aws_error(
        c.delete_log_stream()
            .log_group_name("/ecs/worker")
            .log_stream_name("a")
            .send()
            .await,
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    );
    c.delete_log_group()
        .log_group_name("/ecs/worker")
        .send()
        .await
        .unwrap();
    assert_aws_error(
        c.delete_log_group()
            .log_group_name("/ecs/worker")
            .send()
            .await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
}

#[tokio::test]
async fn put_get_filter_with_aws_rules() {
    let emul = Emul::start();
    let c = emul.logs_client("us-east-1").await;
    group_with_stream(&c, "/app", "s1").await;
    c.create_log_stream()
        .log_group_name("/app")
        .log_stream_name("s2")
        .send()
        .await
        .unwrap();
    let now = now_ms();
    // A stale sequence token is accepted and ignored, as AWS does today.
    let out = c
        .put_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .sequence_token("49039859597542523458230940375349752940376954968755423266")
        .log_events(event(now, "ERROR disk full"))
        .log_events(event(now + 1, r#"{"level":"error","latency":150}"#))
        .log_events(event(now + 2, "INFO all good"))
        .send()
        .await
        .unwrap();
    assert!(out.next_sequence_token().is_some());
    assert!(out.rejected_log_events_info().is_none());
    c.put_log_events()
        .log_group_name("/app")
        .log_stream_name("s2")
        .log_events(event(now + 3, r#"{"level":"info","latency":20}"#))
        .log_events(event(now + 4, "WARN ERROR-ish"))
        .send()
        .await
        .unwrap();
    assert_aws_error(
        c.put_log_events()
            .log_group_name("/app")
            .log_stream_name("s1")
            .log_events(event(now, "b"))
            .log_events(event(now - 1, "a"))
            .send()
            .await,
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    );
    assert_aws_error(
        c.put_log_events()
            .log_group_name("/app")
            .log_stream_name("nope")
            .log_events(event(now, "a"))
            .send()
            .await,
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    );
    let (hour, day) = (60 * 60 * 1000, 24 * 60 * 60 * 1000);
    let rejected = c
        .put_log_events()
        .log_group_name("/app")
        .log_stream_name("s2")
        .log_events(event(now - 14 * day - hour, "too old"))
        .log_events(event(now - 14 * day - hour + 1, "too old too"))
        .log_events(event(now - 14 * day + hour, "fine"))
        .send()
        .await
        .unwrap();
    let info = rejected
        .rejected_log_events_info()
        .expect("rejections reported");
    assert_eq!(info.too_old_log_event_end_index(), Some(1));
    assert_eq!(info.too_new_log_event_start_index(), None);
    // GetLogEvents from the head, two at a time, to the end.
    let p1 = c
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .start_from_head(true)
        .limit(2)
        .send()
        .await
        .unwrap();
    let msgs: Vec<&str> = p1.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(
        msgs,
        ["ERROR disk full", r#"{"level":"error","latency":150}"#]
    );
    let forward = p1.next_forward_token().unwrap();
    assert!(forward.starts_with("f/"));
    assert!(p1.next_backward_token().unwrap().starts_with("b/"));
    let p2 = c
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .next_token(forward)
        .send()
        .await
        .unwrap();
    assert_eq!(p2.events().len(), 1);
    let end = c
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .next_token(p2.next_forward_token().unwrap())
        .send()
        .await
        .unwrap();
    assert!(end.events().is_empty());
    assert_eq!(end.next_forward_token(), p2.next_forward_token());
    assert_aws_error_contains(
        c.get_log_events()
            .log_group_name("/app")
            .log_stream_name("s1")
            .next_token("zzz")
            .send()
            .await,
        "InvalidParameterException",
        "nextToken",
    );
    // FilterLogEvents: terms, OR, exclusion, JSON, pages.
    let filter = |pattern: &'static str| {
        c.filter_log_events()
            .log_group_name("/app")
            .filter_pattern(pattern)
    };
    let messages =
        |out: &aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput| {
            out.events()
                .iter()
                .map(|e| e.message().unwrap().to_string())
                .collect::<Vec<_>>()
        };
    assert_eq!(
        messages(&filter("ERROR").send().await.unwrap()),
        ["ERROR disk full", "WARN ERROR-ish"]
    );
    assert_eq!(
        messages(&filter("ERROR -WARN").send().await.unwrap()),
        ["ERROR disk full"]
    );
    assert_eq!(
        messages(&filter("?INFO ?WARN").send().await.unwrap()),
        ["INFO all good", "WARN ERROR-ish"]
    );
    assert_eq!(
        messages(&filter(r#"{ $.level = "error" }"#).send().await.unwrap()),
        [r#"{"level":"error","latency":150}"#]
    );
    assert_eq!(
        messages(&filter("{ $.latency > 100 }").send().await.unwrap()).len(),
        1
    );
    let only_s2 = filter("").log_stream_names("s2").send().await.unwrap();
    assert!(
        only_s2
            .events()
            .iter()
            .all(|e| e.log_stream_name() == Some("s2"))
    );
    let page = filter("").start_time(now).limit(2).send().await.unwrap();
    assert_eq!(page.events().len(), 2);
    let rest = filter("")
        .start_time(now)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.events().len(), 3);
    assert!(rest.next_token().is_none());
    assert_aws_error_contains(
        filter("foo.bar").send().await,
        "InvalidParameterException",
        "Invalid character(s) in term 'foo.bar'",
    );
}

#[tokio::test]
async fn events_survive_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let options = || ServeOptions {
        state_dir: Some(state.path().to_path_buf()),
        ..ServeOptions::default()
    };
    let now = now_ms();
    {
        let emul = Emul::start_with(options());
        let c = emul.logs_client("eu-west-1").await;
        group_with_stream(&c, "/durable", "s").await;
        c.put_retention_policy()
            .log_group_name("/durable")
            .retention_in_days(30)
            .send()
            .await
            .unwrap();
        c.put_log_events()
            .log_group_name("/durable")
            .log_stream_name("s")
            .log_events(event(now, "kept across restarts"))
            .send()
            .await
            .unwrap();
        drop(emul); // SIGKILL: only fsynced, acknowledged records count.
    }
    let emul = Emul::start_with(options());
    let c = emul.logs_client("eu-west-1").await;
    let out = c
        .get_log_events()
        .log_group_name("/durable")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let msgs: Vec<&str> = out.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(msgs, ["kept across restarts"]);
    let g = c.describe_log_groups().send().await.unwrap();
    assert_eq!(g.log_groups()[0].retention_in_days(), Some(30));
    // Another region sees nothing.
    let other = emul.logs_client("us-east-1").await;
    assert!(
        other
            .describe_log_groups()
            .send()
            .await
            .unwrap()
            .log_groups()
            .is_empty()
    );
}
