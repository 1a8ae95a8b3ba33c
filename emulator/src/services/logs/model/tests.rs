//! The model's rules, table-driven where they are tables: PutLogEvents'
//! batch rules and rejections, GetLogEvents' tokens at both ends,
//! FilterLogEvents' pages, Describe order and pages, retention, the
//! per-stream cap, and snapshot replay.

use super::events::{self, FilterQuery, GetQuery, InputEvent, Token};
use super::listing::{self, GroupQuery, StreamOrder, StreamQuery};
use super::pattern::Pattern;
use super::*;

const NOW: Millis = 1_700_000_000_000;

fn scope() -> Scope {
    Scope {
        account: "000000000000".into(),
        region: "us-east-1".into(),
    }
}

fn create_group(r: &mut Region, name: &str) {
    r.apply(Change::CreateGroup {
        scope: scope(),
        name: name.into(),
        created: NOW,
        tags: Default::default(),
        kms_key_id: None,
        class: "STANDARD".into(),
        retention_days: None,
    })
    .unwrap();
}

fn create_stream(r: &mut Region, group: &str, name: &str) {
    r.apply(Change::CreateStream {
        scope: scope(),
        group: group.into(),
        name: name.into(),
        created: NOW,
        uploads: 0,
        last_ingestion: None,
    })
    .unwrap();
}

fn input(ts: &[Millis]) -> Vec<InputEvent> {
    ts.iter()
        .enumerate()
        .map(|(i, t)| InputEvent {
            timestamp: *t,
            message: format!("m{i}"),
        })
        .collect()
}

/// Puts events the way the PutLogEvents operation does.
fn put(
    r: &mut Region,
    group: &str,
    stream: &str,
    events: Vec<InputEvent>,
    now: Millis,
) -> events::Rejected {
    let (accepted, rejected) = events::accept(r.group(group).unwrap(), &events, now).unwrap();
    r.apply(Change::Events {
        scope: scope(),
        group: group.into(),
        stream: stream.into(),
        events: accepted,
        upload: true,
        ingested: Some(now),
    })
    .unwrap();
    rejected
}

fn world() -> Region {
    let mut r = Region::default();
    create_group(&mut r, "g");
    create_stream(&mut r, "g", "s");
    r
}

#[test]
fn put_batch_rules() {
    let r = world();
    let g = r.group("g").unwrap();
    let err = |ts: &[Millis]| events::accept(g, &input(ts), NOW).unwrap_err();
    assert_eq!(
        err(&[NOW, NOW - 1]),
        crate::services::logs::errors::LogsError::NotChronological
    );
    assert_eq!(
        err(&[NOW - DAY_MS - 1, NOW]),
        crate::services::logs::errors::LogsError::SpanTooLong
    );
    assert!(events::accept(g, &input(&[NOW - DAY_MS, NOW]), NOW).is_ok());
    assert!(err(&[]).to_string().contains("greater than or equal to 1"));
    assert!(
        err(&vec![NOW; 10_001])
            .to_string()
            .contains("less than or equal to 10000")
    );
    // 26 bytes of overhead per event count towards 1,048,576.
    let big = |len: usize| {
        vec![InputEvent {
            timestamp: NOW,
            message: "x".repeat(len),
        }]
    };
    assert!(events::accept(g, &big(1_048_576 - 26), NOW).is_ok());
    assert_eq!(
        events::accept(g, &big(1_048_576 - 25), NOW)
            .unwrap_err()
            .to_string(),
        "Upload too large: 1048577 bytes exceeds limit of 1048576"
    );
    let empty_message = vec![InputEvent {
        timestamp: NOW,
        message: String::new(),
    }];
    assert!(
        events::accept(g, &empty_message, NOW)
            .unwrap_err()
            .to_string()
            .contains("logEvents.1.member.message")
    );
}

#[test]
fn too_old_too_new_and_expired_events_are_rejected_by_index() {
    let mut r = world();
    let old = NOW - 14 * DAY_MS - 1;
    let new = NOW + 2 * 60 * 60 * 1000 + 1;
    // The span rule is checked first; these batches stay within 24 h.
    let rej = put(
        &mut r,
        "g",
        "s",
        input(&[old, old, NOW - 14 * DAY_MS + DAY_MS - 10]),
        NOW,
    );
    assert_eq!(
        (rej.too_old_end, rej.too_new_start, rej.expired_end),
        (Some(1), None, None)
    );
    let rej = put(&mut r, "g", "s", input(&[NOW, NOW + 1, new, new]), NOW);
    assert_eq!((rej.too_old_end, rej.too_new_start), (None, Some(2)));
    assert!(!put(&mut r, "g", "s", input(&[NOW]), NOW).any());
    let s = &r.group("g").unwrap().streams["s"];
    assert_eq!(s.events.len(), 4);
    assert_eq!(s.uploads, 3);
    // With a 1-day retention, events older than a day are "expired".
    r.apply(Change::Retention {
        scope: scope(),
        name: "g".into(),
        days: Some(1),
        at: NOW,
    })
    .unwrap();
    let rej = put(
        &mut r,
        "g",
        "s",
        input(&[NOW - DAY_MS - 10, NOW - DAY_MS - 5, NOW - 10]),
        NOW,
    );
    assert_eq!((rej.expired_end, rej.too_old_end), (Some(1), None));
}

#[test]
fn retention_drops_expired_events_and_hides_them() {
    let mut r = world();
    put(
        &mut r,
        "g",
        "s",
        input(&[NOW - 3 * DAY_MS, NOW - 3 * DAY_MS + 1]),
        NOW,
    );
    put(&mut r, "g", "s", input(&[NOW - 1000]), NOW);
    assert_eq!(
        r.group("g").unwrap().stored_bytes(),
        3 * (2 + EVENT_OVERHEAD)
    );
    r.apply(Change::Retention {
        scope: scope(),
        name: "g".into(),
        days: Some(1),
        at: NOW,
    })
    .unwrap();
    let g = r.group("g").unwrap();
    assert_eq!(g.streams["s"].events.len(), 1);
    assert_eq!(g.stored_bytes(), 2 + EVENT_OVERHEAD);
    // Reads a day later see nothing: the cut-off moves with `now`.
    let later = NOW + DAY_MS;
    let page = events::get(
        &g.streams["s"],
        &get_query(None, true, 10),
        g.retained_from(later),
    );
    assert!(page.events.is_empty());
    assert!(
        validate_retention(2)
            .unwrap_err()
            .to_string()
            .contains("[1, 3, 5, 7, 14, 30")
    );
    assert_eq!(validate_retention(3653).unwrap(), 3653);
}

fn get_query(token: Option<Token>, from_head: bool, limit: usize) -> GetQuery {
    GetQuery {
        start: None,
        end: None,
        limit,
        from_head,
        token,
    }
}

fn messages(page: &events::GetPage<'_>) -> Vec<String> {
    page.events.iter().map(|e| e.message.clone()).collect()
}

#[test]
fn get_pages_forward_and_backward_and_ends_return_the_same_token() {
    let mut r = world();
    let ts: Vec<Millis> = (0..5).map(|i| NOW + i).collect();
    put(&mut r, "g", "s", input(&ts), NOW);
    let s = &r.group("g").unwrap().streams["s"];
    // From the head, two at a time.
    let p1 = events::get(s, &get_query(None, true, 2), None);
    assert_eq!(messages(&p1), ["m0", "m1"]);
    let f1 = Token::parse(&p1.forward).unwrap();
    let p2 = events::get(s, &get_query(Some(f1), false, 2), None);
    assert_eq!(messages(&p2), ["m2", "m3"]);
    let p3 = events::get(
        s,
        &get_query(Some(Token::parse(&p2.forward).unwrap()), false, 2),
        None,
    );
    assert_eq!(messages(&p3), ["m4"]);
    let end = events::get(
        s,
        &get_query(Some(Token::parse(&p3.forward).unwrap()), false, 2),
        None,
    );
    assert!(end.events.is_empty());
    assert_eq!(end.forward, p3.forward, "the same forward token at the end");
    // Backward from page 3.
    let b = events::get(
        s,
        &get_query(Some(Token::parse(&p3.backward).unwrap()), false, 3),
        None,
    );
    assert_eq!(messages(&b), ["m1", "m2", "m3"]);
    let b2 = events::get(
        s,
        &get_query(Some(Token::parse(&b.backward).unwrap()), false, 3),
        None,
    );
    assert_eq!(messages(&b2), ["m0"]);
    let start = events::get(
        s,
        &get_query(Some(Token::parse(&b2.backward).unwrap()), false, 3),
        None,
    );
    assert!(start.events.is_empty());
    assert_eq!(
        start.backward, b2.backward,
        "the same backward token at the start"
    );
    // Without a token and startFromHead false: the newest events.
    assert_eq!(
        messages(&events::get(s, &get_query(None, false, 2), None)),
        ["m3", "m4"]
    );
    let end_token = end.forward.clone();
    // A token taken at the end sees events written later (following).
    put(&mut r, "g", "s", input(&[NOW + 10]), NOW);
    let s = &r.group("g").unwrap().streams["s"];
    let more = events::get(
        s,
        &get_query(Some(Token::parse(&end_token).unwrap()), false, 10),
        None,
    );
    assert_eq!(messages(&more), ["m0"]);
    assert_eq!(more.events[0].timestamp, NOW + 10);
    // Time bounds: start inclusive, end exclusive.
    let q = GetQuery {
        start: Some(NOW + 1),
        end: Some(NOW + 3),
        ..get_query(None, true, 100)
    };
    assert_eq!(messages(&events::get(s, &q, None)), ["m1", "m2"]);
    for bad in ["x", "f/12", "c/0000000000000000000000000000000000000000"] {
        assert!(Token::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn events_are_kept_in_time_order_across_batches() {
    let mut r = world();
    put(&mut r, "g", "s", input(&[NOW + 5]), NOW);
    put(&mut r, "g", "s", input(&[NOW + 1, NOW + 9]), NOW);
    let s = &r.group("g").unwrap().streams["s"];
    let ts: Vec<Millis> = s.events.iter().map(|e| e.timestamp).collect();
    assert_eq!(ts, [NOW + 1, NOW + 5, NOW + 9]);
    assert_eq!(
        (s.first_event(), s.last_event()),
        (Some(NOW + 1), Some(NOW + 9))
    );
}

#[test]
fn the_per_stream_cap_drops_the_oldest_events() {
    let mut r = world();
    let message = "x".repeat(1_000_000);
    for i in 0..40 {
        put(
            &mut r,
            "g",
            "s",
            vec![InputEvent {
                timestamp: NOW + i,
                message: message.clone(),
            }],
            NOW,
        );
    }
    let s = &r.group("g").unwrap().streams["s"];
    assert!(s.bytes <= MAX_STREAM_BYTES);
    assert_eq!(
        s.events.len(),
        MAX_STREAM_BYTES / (1_000_000 + EVENT_OVERHEAD)
    );
    assert_eq!(s.events.back().unwrap().timestamp, NOW + 39);
}

#[test]
fn filter_across_streams_in_time_order_with_pages() {
    let mut r = world();
    create_stream(&mut r, "g", "t");
    let ev = |t: Millis, m: &str| InputEvent {
        timestamp: t,
        message: m.into(),
    };
    put(
        &mut r,
        "g",
        "s",
        vec![
            ev(NOW, "ERROR a"),
            ev(NOW + 2, "INFO b"),
            ev(NOW + 4, "ERROR c"),
        ],
        NOW,
    );
    put(
        &mut r,
        "g",
        "t",
        vec![ev(NOW + 1, "ERROR d"), ev(NOW + 3, r#"{"level":"error"}"#)],
        NOW,
    );
    let g = r.group("g").unwrap();
    let streams: Vec<&LogStream> = g.streams.values().collect();
    let q = |pattern: &str, limit: usize, after| FilterQuery {
        start: None,
        end: None,
        limit,
        pattern: Pattern::parse(pattern).unwrap(),
        after,
    };
    let names = |p: &events::FilterPage<'_>| -> Vec<String> {
        p.events
            .iter()
            .map(|(s, e)| format!("{s}:{}", e.message))
            .collect()
    };
    let all = events::filter(g, &streams, &q("ERROR", 10, None), NOW);
    assert_eq!(names(&all), ["s:ERROR a", "t:ERROR d", "s:ERROR c"]);
    assert!(all.next.is_none());
    let p1 = events::filter(g, &streams, &q("ERROR", 2, None), NOW);
    assert_eq!(names(&p1), ["s:ERROR a", "t:ERROR d"]);
    let after = events::parse_filter_token(p1.next.as_deref().unwrap()).unwrap();
    let p2 = events::filter(g, &streams, &q("ERROR", 2, Some(after)), NOW);
    assert_eq!(names(&p2), ["s:ERROR c"]);
    assert!(p2.next.is_none());
    let json = events::filter(g, &streams, &q(r#"{ $.level = "error" }"#, 10, None), NOW);
    assert_eq!(names(&json), [r#"t:{"level":"error"}"#]);
    let only_t = events::filter(g, &[&g.streams["t"]], &q("", 10, None), NOW);
    assert_eq!(only_t.events.len(), 2);
    assert!(events::parse_filter_token("nope").is_err());
}

#[test]
fn describe_groups_prefix_pattern_and_pages() {
    let mut r = Region::default();
    for n in ["/ecs/a", "/ecs/b", "/aws/lambda/x", "/ecs/c"] {
        create_group(&mut r, n);
    }
    let q =
        |prefix: Option<&str>, pattern: Option<&str>, limit, token: Option<String>| GroupQuery {
            prefix: prefix.map(String::from),
            pattern: pattern.map(String::from),
            limit,
            token,
        };
    let names = |v: Vec<&LogGroup>| v.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    let (page, next) = listing::groups(&r, &q(Some("/ecs/"), None, 2, None)).unwrap();
    assert_eq!(names(page), ["/ecs/a", "/ecs/b"]);
    let (page, next) = listing::groups(&r, &q(Some("/ecs/"), None, 2, next)).unwrap();
    assert_eq!((names(page), next), (vec!["/ecs/c".to_string()], None));
    let (page, _) = listing::groups(&r, &q(None, Some("lambda"), 50, None)).unwrap();
    assert_eq!(names(page), ["/aws/lambda/x"]);
    assert!(listing::groups(&r, &q(Some("/"), Some("x"), 50, None)).is_err());
    assert!(listing::page_limit(Some(51)).is_err());
    assert_eq!(listing::page_limit(None).unwrap(), 50);
}

#[test]
fn describe_streams_by_name_or_last_event_time() {
    let mut r = Region::default();
    create_group(&mut r, "g");
    for n in ["a", "b", "c", "d"] {
        create_stream(&mut r, "g", n);
    }
    put(&mut r, "g", "a", input(&[NOW + 3]), NOW);
    put(&mut r, "g", "b", input(&[NOW + 1]), NOW);
    put(&mut r, "g", "c", input(&[NOW + 2]), NOW);
    let g = r.group("g").unwrap();
    let names = |v: Vec<&LogStream>| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    let q = |order, descending, limit, token: Option<String>| StreamQuery {
        prefix: None,
        order,
        descending,
        limit,
        token,
    };
    let (page, _) = listing::streams(g, &q(StreamOrder::LastEventTime, true, 50, None)).unwrap();
    assert_eq!(names(page), ["a", "c", "b", "d"]);
    let (page, next) = listing::streams(g, &q(StreamOrder::LastEventTime, false, 3, None)).unwrap();
    assert_eq!(names(page), ["d", "b", "c"]);
    let (page, next) = listing::streams(g, &q(StreamOrder::LastEventTime, false, 3, next)).unwrap();
    assert_eq!((names(page), next), (vec!["a".to_string()], None));
    let (page, next) = listing::streams(g, &q(StreamOrder::Name, true, 2, None)).unwrap();
    assert_eq!(names(page), ["d", "c"]);
    let (page, _) = listing::streams(g, &q(StreamOrder::Name, true, 2, next)).unwrap();
    assert_eq!(names(page), ["b", "a"]);
    let prefixed = StreamQuery {
        prefix: Some("a".into()),
        ..q(StreamOrder::LastEventTime, false, 50, None)
    };
    assert_eq!(
        listing::streams(g, &prefixed).unwrap_err().to_string(),
        "Cannot order by LastEventTime with a logStreamNamePrefix."
    );
}

#[test]
fn a_snapshot_replays_to_the_same_state() {
    let mut r = world();
    create_stream(&mut r, "g", "t");
    put(&mut r, "g", "s", input(&[NOW, NOW + 1, NOW + 2]), NOW);
    put(&mut r, "g", "t", input(&[NOW - 5]), NOW);
    r.apply(Change::Tags {
        scope: scope(),
        name: "g".into(),
        tags: [("team".to_string(), "a".to_string())].into(),
    })
    .unwrap();
    create_group(&mut r, "empty");
    let mut replayed = Region::default();
    for c in r.snapshot(&scope(), NOW, 40) {
        replayed.apply(c).unwrap();
    }
    assert_eq!(replayed, r);
}

#[test]
fn names_and_arns() {
    assert!(validate_group_name("/ecs/prod-infra_production.#1", "logGroupName").is_ok());
    assert!(
        validate_group_name("bad name", "logGroupName")
            .unwrap_err()
            .to_string()
            .contains("[\\.\\-_/#A-Za-z0-9]+")
    );
    assert!(
        validate_group_name("", "logGroupName")
            .unwrap_err()
            .to_string()
            .contains("greater than or equal to 1")
    );
    assert!(validate_stream_name("ecs/web/abc", "logStreamName").is_ok());
    assert!(validate_stream_name("a:b", "logStreamName").is_err());
    assert!(validate_stream_name("a*", "logStreamName").is_err());
    let s = scope();
    assert_eq!(
        group_arn(&s, "/g"),
        "arn:aws:logs:us-east-1:000000000000:log-group:/g:*"
    );
    assert_eq!(group_from_arn(&s, &group_arn(&s, "/g")).unwrap(), "/g");
    assert_eq!(group_from_arn(&s, &group_arn_bare(&s, "/g")).unwrap(), "/g");
    assert!(group_from_arn(&s, "arn:aws:logs:eu-west-1:000000000000:log-group:/g").is_err());
}
