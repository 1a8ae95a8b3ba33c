//! Table-driven tests of the region rules against aws-reference.md Part 3
//! (§3.2 lookups, §3.3 versions and labels, §3.4 idempotency, §3.5 ops).

use std::sync::Arc;

use super::super::errors::SmError;
use super::region::{CreateRequest, Region, Scope};
use super::secret::{DAY_MS, SecretValue, Tag};

const T1: &str = "11111111-1111-1111-1111-111111111111";
const T2: &str = "22222222-2222-2222-2222-222222222222";
const T3: &str = "33333333-3333-3333-3333-333333333333";
const NOW: i64 = 1_700_000_000_123;

fn region() -> Region {
    Region::new(Scope {
        account: "000000000000".into(),
        region: "us-east-1".into(),
    })
}

fn s(v: &str) -> Option<SecretValue> {
    Some(SecretValue::String(v.into()))
}

fn create(
    r: &mut Region,
    name: &str,
    token: Option<&str>,
    value: Option<SecretValue>,
) -> Result<super::WriteResult, SmError> {
    r.create(
        CreateRequest {
            name: name.into(),
            token: token.map(str::to_string),
            value,
            ..Default::default()
        },
        NOW,
        &mut rand::rng(),
    )
}

fn current_value(r: &Region, id: &str) -> Result<SecretValue, SmError> {
    let (secret, vid) = r.get_value(id, None, None, NOW)?;
    Ok((*secret.versions[&vid].value).clone())
}

fn stages(r: &Region, id: &str) -> Vec<(String, Vec<String>)> {
    r.get(id, NOW)
        .unwrap()
        .version_ids_to_stages()
        .into_iter()
        .collect()
}

#[test]
fn create_responses_and_arns() {
    let mut r = region();
    let with_value = create(&mut r, "db", Some(T1), s("pw")).unwrap();
    assert_eq!(with_value.version_id.as_deref(), Some(T1));
    assert!(
        with_value
            .arn
            .starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:db-")
    );
    assert_eq!(
        with_value.arn.len(),
        "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-".len() + 6
    );
    let empty = create(&mut r, "empty", None, None).unwrap();
    assert_eq!(
        empty.version_id, None,
        "VersionId is omitted when no value was supplied"
    );
    assert_eq!(
        r.get_value("empty", None, None, NOW).unwrap_err(),
        SmError::LabelNotFound("AWSCURRENT".into())
    );
}

/// §3.4 idempotency table.
#[test]
fn client_request_token_idempotency() {
    type Case = (
        &'static str,
        fn(&mut Region) -> Result<Option<String>, SmError>,
        Result<Option<String>, SmError>,
    );
    let cases: Vec<Case> = vec![
        (
            "create twice, same token and value: same answer",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                Ok(create(r, "db", Some(T1), s("x"))?.version_id)
            },
            Ok(Some(T1.into())),
        ),
        (
            "create twice, same token, different value",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                create(r, "db", Some(T1), s("y")).map(|o| o.version_id)
            },
            Err(SmError::TokenInUse {
                token: T1.into(),
                arn: "ARN".into(),
            }),
        ),
        (
            "create twice, different token",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                create(r, "db", Some(T2), s("x")).map(|o| o.version_id)
            },
            Err(SmError::SecretExists("db".into())),
        ),
        (
            "put with an existing token and the same value: no new version",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                let out = r.put_value("db", Some(T1), s("x"), None, NOW)?;
                assert_eq!(out.version_stages, vec!["AWSCURRENT"]);
                assert_eq!(r.get("db", NOW)?.versions.len(), 1);
                Ok(out.version_id)
            },
            Ok(Some(T1.into())),
        ),
        (
            "put with an existing token and another value",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                r.put_value("db", Some(T1), s("y"), None, NOW)
                    .map(|o| o.version_id)
            },
            Err(SmError::TokenInUse {
                token: T1.into(),
                arn: "ARN".into(),
            }),
        ),
        (
            "update with an existing token and the same value",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                r.update("db", Some(T1), s("x"), None, None, None, NOW)
                    .map(|o| o.version_id)
            },
            Ok(Some(T1.into())),
        ),
        (
            "update with an existing token and another value",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                r.update("db", Some(T1), s("z"), None, None, None, NOW)
                    .map(|o| o.version_id)
            },
            Err(SmError::TokenInUse {
                token: T1.into(),
                arn: "ARN".into(),
            }),
        ),
        (
            "binary and string values differ",
            |r| {
                create(r, "db", Some(T1), s("x"))?;
                r.put_value(
                    "db",
                    Some(T1),
                    Some(SecretValue::Binary(b"x".to_vec())),
                    None,
                    NOW,
                )
                .map(|o| o.version_id)
            },
            Err(SmError::TokenInUse {
                token: T1.into(),
                arn: "ARN".into(),
            }),
        ),
        (
            "missing token with a value (raw HTTP)",
            |r| create(r, "db", None, s("x")).map(|o| o.version_id),
            Err(SmError::MissingToken { rotate: false }),
        ),
        (
            "token too short",
            |r| create(r, "db", Some("short"), s("x")).map(|o| o.version_id),
            Err(SmError::InvalidParameter(
                "ClientRequestToken must be 32-64 characters long.".into(),
            )),
        ),
    ];
    for (what, f, want) in cases {
        let mut r = region();
        let got = f(&mut r);
        // Fill in the real ARN for TokenInUse expectations.
        let want = match want {
            Err(SmError::TokenInUse { token, .. }) => Err(SmError::TokenInUse {
                token,
                arn: r.get("db", NOW).unwrap().arn.clone(),
            }),
            other => other,
        };
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn lookups_by_name_full_arn_and_partial_arn() {
    let mut r = region();
    let arn = create(&mut r, "prod/db", Some(T1), s("v")).unwrap().arn;
    let trap = create(&mut r, "MySecret-abcdef", Some(T2), s("t"))
        .unwrap()
        .arn;
    let partial = &arn[..arn.len() - 7];
    let rows: Vec<(String, Result<&str, SmError>)> = vec![
        ("prod/db".into(), Ok("prod/db")),
        (arn.clone(), Ok("prod/db")),
        (partial.into(), Ok("prod/db")),
        (format!("{partial}-zzzzzz"), Err(SmError::SecretNotFound)),
        (
            "arn:aws:secretsmanager:eu-west-1:000000000000:secret:prod/db".into(),
            Err(SmError::SecretNotFound),
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db".into(),
            Err(SmError::SecretNotFound),
        ),
        ("MySecret-abcdef".into(), Ok("MySecret-abcdef")),
        (trap.clone(), Ok("MySecret-abcdef")),
        // §3.2 trap: the partial ARN of a name ending in -XXXXXX is not found.
        (
            trap[..trap.len() - 7].to_string(),
            Err(SmError::SecretNotFound),
        ),
        ("missing".into(), Err(SmError::SecretNotFound)),
        ("Inv Name".into(), Err(SmError::InvalidName)),
    ];
    for (id, want) in rows {
        assert_eq!(
            r.resolve(&id, NOW).as_deref().map_err(Clone::clone),
            want,
            "{id}"
        );
    }
}

#[test]
fn get_secret_value_selection() {
    let mut r = region();
    create(&mut r, "db", Some(T1), s("one")).unwrap();
    r.put_value("db", Some(T2), s("two"), None, NOW).unwrap();
    r.put_value(
        "db",
        Some(T3),
        s("three"),
        Some(vec!["AWSPENDING".into()]),
        NOW,
    )
    .unwrap();
    type Row = (
        Option<&'static str>,
        Option<&'static str>,
        Result<&'static str, SmError>,
    );
    let rows: Vec<Row> = vec![
        (None, None, Ok("two")),
        (None, Some("AWSCURRENT"), Ok("two")),
        (None, Some("AWSPREVIOUS"), Ok("one")),
        (None, Some("AWSPENDING"), Ok("three")),
        (Some(T1), None, Ok("one")),
        (Some(T1), Some("AWSPREVIOUS"), Ok("one")),
        (
            Some(T1),
            Some("AWSCURRENT"),
            Err(SmError::StageVersionMismatch),
        ),
        (
            None,
            Some("NOPE"),
            Err(SmError::LabelNotFound("NOPE".into())),
        ),
        (
            Some("44444444-4444-4444-4444-444444444444"),
            None,
            Err(SmError::VersionNotFound(
                "44444444-4444-4444-4444-444444444444".into(),
            )),
        ),
    ];
    for (vid, stage, want) in rows {
        let got =
            r.get_value("db", vid, stage, NOW)
                .map(|(sec, id)| match &*sec.versions[&id].value {
                    SecretValue::String(s) => s.clone(),
                    SecretValue::Binary(_) => unreachable!(),
                });
        assert_eq!(
            got.as_deref().map_err(Clone::clone),
            want,
            "{vid:?} {stage:?}"
        );
    }
    let sec = r.get("db", NOW).unwrap();
    assert_eq!(
        sec.last_accessed.get(),
        Some(NOW - NOW % DAY_MS),
        "reads stamp LastAccessedDate"
    );
}

#[test]
fn update_secret_moves_current_and_previous() {
    let mut r = region();
    create(&mut r, "db", Some(T1), s("one")).unwrap();
    let out = r
        .update("db", None, None, Some("desc".into()), None, None, NOW)
        .unwrap();
    assert_eq!(
        out.version_id, None,
        "a description-only update creates no version"
    );
    r.update("db", Some(T2), s("two"), None, None, None, NOW)
        .unwrap();
    r.update("db", Some(T3), s("three"), None, None, None, NOW)
        .unwrap();
    assert_eq!(
        stages(&r, "db"),
        vec![
            (T2.to_string(), vec!["AWSPREVIOUS".to_string()]),
            (T3.to_string(), vec!["AWSCURRENT".to_string()])
        ]
    );
    assert_eq!(
        r.get("db", NOW).unwrap().description.as_deref(),
        Some("desc")
    );
}

#[test]
fn put_value_errors() {
    let mut r = region();
    create(&mut r, "db", None, None).unwrap();
    assert_eq!(
        r.put_value("db", Some(T1), None, None, NOW).unwrap_err(),
        SmError::NoValue
    );
    assert_eq!(
        r.put_value("db", None, s("x"), None, NOW).unwrap_err(),
        SmError::MissingToken { rotate: false }
    );
    assert_eq!(
        r.put_value("nope", Some(T1), s("x"), None, NOW)
            .unwrap_err(),
        SmError::SecretNotFound
    );
    // Works on a secret created without a value; the first version is current.
    let out = r
        .put_value("db", Some(T1), s("x"), Some(vec!["CUSTOM".into()]), NOW)
        .unwrap();
    assert_eq!(out.version_stages, vec!["AWSCURRENT", "CUSTOM"]);
}

#[test]
fn update_version_stage_rules() {
    let setup = || {
        let mut r = region();
        create(&mut r, "db", Some(T1), s("one")).unwrap();
        r.put_value(
            "db",
            Some(T2),
            s("two"),
            Some(vec!["AWSPENDING".into()]),
            NOW,
        )
        .unwrap();
        r
    };
    // Moving AWSCURRENT without RemoveFromVersionId: the AWS-verified message.
    let mut r = setup();
    assert_eq!(
        r.update_version_stage("db", "AWSCURRENT", None, Some(T2), NOW)
            .unwrap_err(),
        SmError::RemoveFromRequired {
            label: "AWSCURRENT".into(),
            holder: T1.into()
        }
    );
    // With it: AWSPREVIOUS follows, AWSPENDING stays.
    r.update_version_stage("db", "AWSCURRENT", Some(T1), Some(T2), NOW)
        .unwrap();
    assert_eq!(
        stages(&r, "db"),
        vec![
            (T1.to_string(), vec!["AWSPREVIOUS".to_string()]),
            (
                T2.to_string(),
                vec!["AWSCURRENT".to_string(), "AWSPENDING".to_string()]
            )
        ]
    );
    // Removing a custom label leaves the rest.
    let mut r = setup();
    r.update_version_stage("db", "CUSTOM", None, Some(T2), NOW)
        .unwrap();
    r.update_version_stage("db", "CUSTOM", Some(T2), None, NOW)
        .unwrap();
    assert_eq!(stages(&r, "db")[1].1, vec!["AWSPENDING"]);
    // Error rows.
    let mut r = setup();
    let rows: Vec<(&str, Option<&str>, Option<&str>, SmError)> = vec![
        (
            "AWSCURRENT",
            Some(T2),
            Some(T2),
            SmError::StageNotOnVersion {
                label: "AWSCURRENT".into(),
                version: T2.into(),
            },
        ),
        (
            "AWSPENDING",
            Some(T1),
            None,
            SmError::StageNotOnVersion {
                label: "AWSPENDING".into(),
                version: T1.into(),
            },
        ),
        (
            "X",
            Some("nope-version"),
            None,
            SmError::NotAValidVersion("nope-version".into()),
        ),
        (
            "X",
            None,
            Some("nope-version"),
            SmError::NotAValidVersion("nope-version".into()),
        ),
    ];
    for (label, from, to, want) in rows {
        assert_eq!(
            r.update_version_stage("db", label, from, to, NOW)
                .unwrap_err(),
            want,
            "{label} {from:?} {to:?}"
        );
    }
    assert!(matches!(
        r.update_version_stage("db", "AWSCURRENT", Some(T1), None, NOW),
        Err(SmError::InvalidParameter(_))
    ));
}

#[test]
fn deletion_schedule_and_restore() {
    let mut r = region();
    create(&mut r, "db", Some(T1), s("x")).unwrap();
    let rng = &mut rand::rng();
    assert_eq!(
        r.delete("db", Some(6), None, NOW, rng).unwrap_err(),
        SmError::RecoveryWindowRange
    );
    assert_eq!(
        r.delete("db", Some(31), None, NOW, rng).unwrap_err(),
        SmError::RecoveryWindowRange
    );
    assert_eq!(
        r.delete("db", Some(31), Some(true), NOW, rng).unwrap_err(),
        SmError::RecoveryWindowRange
    );
    assert_eq!(
        r.delete("db", Some(7), Some(true), NOW, rng).unwrap_err(),
        SmError::ForceWithWindow
    );
    let (_, _, when) = r.delete("db", None, None, NOW, rng).unwrap();
    assert_eq!(when, NOW + 30 * DAY_MS, "the default window is 30 days");
    // Scheduled: these fail with the marked-for-deletion message.
    let marked = SmError::MarkedForDeletion;
    assert_eq!(r.get_value("db", None, None, NOW).unwrap_err(), marked);
    assert_eq!(
        r.put_value("db", Some(T2), s("y"), None, NOW).unwrap_err(),
        marked
    );
    assert_eq!(
        r.update("db", None, None, Some("d".into()), None, None, NOW)
            .unwrap_err(),
        marked
    );
    assert_eq!(
        r.tag(
            "db",
            vec![Tag {
                key: "k".into(),
                value: "v".into()
            }],
            NOW
        )
        .unwrap_err(),
        marked
    );
    assert_eq!(r.untag("db", &["k".into()], NOW).unwrap_err(), marked);
    assert_eq!(
        r.delete("db", Some(7), None, NOW, rng).unwrap_err(),
        SmError::AlreadyScheduled
    );
    assert_eq!(
        create(&mut r, "db", Some(T2), s("x")).unwrap_err(),
        SmError::NameScheduledForDeletion
    );
    // Describe still works, with DeletedDate.
    assert_eq!(r.get("db", NOW).unwrap().deleted, Some(NOW));
    r.restore("db", NOW).unwrap();
    assert_eq!(
        current_value(&r, "db").unwrap(),
        SecretValue::String("x".into())
    );
    // After the window the secret is gone and the name is free again.
    r.delete("db", Some(7), None, NOW, rng).unwrap();
    let later = NOW + 7 * DAY_MS;
    assert_eq!(r.resolve("db", later).unwrap_err(), SmError::SecretNotFound);
}

#[test]
fn force_delete_cases() {
    let rng = &mut rand::rng();
    let mut r = region();
    let first = create(&mut r, "db", Some(T1), s("x")).unwrap().arn;
    let (arn, name, when) = r.delete("db", None, Some(true), NOW, rng).unwrap();
    assert_eq!(
        (arn.as_str(), name.as_str(), when),
        (first.as_str(), "db", NOW)
    );
    assert!(r.secrets.is_empty());
    // Re-creating gives a new ARN suffix.
    let second = create(&mut r, "db", Some(T1), s("x")).unwrap().arn;
    assert_ne!(first, second);
    // Force-deleting a scheduled secret works; a missing one answers as if it existed.
    r.delete("db", Some(10), None, NOW, rng).unwrap();
    r.delete("db", None, Some(true), NOW, rng).unwrap();
    let (arn, name, _) = r
        .delete("never-existed", None, Some(true), NOW, rng)
        .unwrap();
    assert_eq!(name, "never-existed");
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:never-existed-"));
    assert_eq!(
        r.delete("never-existed", None, None, NOW, rng).unwrap_err(),
        SmError::SecretNotFound
    );
}

#[test]
fn tags_merge_and_untag_leaves_empty_list() {
    let mut r = region();
    create(&mut r, "db", None, None).unwrap();
    let t = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    r.tag("db", vec![t("a", "1"), t("B", "2")], NOW).unwrap();
    r.tag("db", vec![t("a", "3"), t("b", "4")], NOW).unwrap();
    assert_eq!(
        r.get("db", NOW).unwrap().tags,
        Some(vec![t("a", "3"), t("B", "2"), t("b", "4")])
    );
    r.untag(
        "db",
        &["a".into(), "B".into(), "b".into(), "absent".into()],
        NOW,
    )
    .unwrap();
    assert_eq!(r.get("db", NOW).unwrap().tags, Some(vec![]));
    assert!(matches!(
        r.tag("db", vec![t("aws:x", "1")], NOW),
        Err(SmError::InvalidParameter(_))
    ));
}

#[test]
fn rotation_rules() {
    let mut r = region();
    create(&mut r, "db", Some(T1), s("x")).unwrap();
    assert_eq!(
        r.rotate("db", None, None, None, NOW).unwrap_err(),
        SmError::MissingToken { rotate: true }
    );
    assert_eq!(
        r.rotate("db", Some(T2), None, None, NOW).unwrap_err(),
        SmError::NoRotationLambda
    );
    r.rotate(
        "db",
        Some(T2),
        Some("arn:aws:lambda:us-east-1:000000000000:function:rot".into()),
        None,
        NOW,
    )
    .unwrap();
    let rot = r.get("db", NOW).unwrap().rotation.clone().unwrap();
    assert!(rot.enabled);
    // The stored Lambda is used next time.
    r.rotate("db", Some(T3), None, None, NOW).unwrap();
    // A dangling AWSPENDING on a non-current version means "in progress".
    r.put_value("db", Some(T3), s("p"), Some(vec!["AWSPENDING".into()]), NOW)
        .unwrap();
    assert_eq!(
        r.rotate("db", Some(T2), None, None, NOW).unwrap_err(),
        SmError::RotationInProgress
    );
    r.cancel_rotate("db", NOW).unwrap();
    assert!(!r.get("db", NOW).unwrap().rotation.as_ref().unwrap().enabled);
}

#[test]
fn diff_reports_exactly_the_changed_secrets() {
    let mut r = region();
    create(&mut r, "a", Some(T1), s("x")).unwrap();
    create(&mut r, "b", Some(T1), s("x")).unwrap();
    let before = r.clone();
    let mut after = before.clone();
    after.put_value("a", Some(T2), s("y"), None, NOW).unwrap();
    let changes = after.diff(&before);
    assert_eq!(changes.len(), 1);
    // Only the new version carries a value; the old one gets its new labels.
    match &changes[0] {
        super::Change::Patch {
            meta,
            versions,
            relabelled,
            removed,
            ..
        } => {
            assert_eq!(meta.name, "a");
            assert!(meta.versions.is_empty());
            let ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(ids, vec![T2]);
            let previous = std::collections::BTreeSet::from(["AWSPREVIOUS".to_string()]);
            assert_eq!(relabelled, &vec![(T1.to_string(), previous)]);
            assert!(removed.is_empty());
        }
        other => panic!("expected a patch, got {other:?}"),
    }
    assert!(Arc::ptr_eq(&before.secrets["b"], &after.secrets["b"]));
    let mut after2 = before.clone();
    after2
        .delete("b", None, Some(true), NOW, &mut rand::rng())
        .unwrap();
    assert_eq!(
        after2.diff(&before),
        vec![super::Change::Remove(before.scope.clone(), "b".into())]
    );
    // Replaying the changes onto `before` gives `after`.
    let mut replay = before.clone();
    for c in changes {
        replay.apply(c).unwrap();
    }
    assert_eq!(replay.secrets["a"], after.secrets["a"]);
    // A label-only change writes just the versions whose labels moved.
    let mut before = after.clone();
    before
        .put_value("a", Some(T3), s("z"), Some(vec!["AWSPENDING".into()]), NOW)
        .unwrap();
    let mut moved = before.clone();
    moved
        .update_version_stage("a", "AWSPENDING", Some(T3), Some(T1), NOW)
        .unwrap();
    match &moved.diff(&before)[..] {
        [
            super::Change::Patch {
                versions,
                relabelled,
                ..
            },
        ] => {
            assert!(versions.is_empty());
            let mut ids: Vec<&str> = relabelled.iter().map(|(id, _)| id.as_str()).collect();
            ids.sort();
            assert_eq!(ids, vec![T1, T3]);
        }
        other => panic!("{other:?}"),
    }
    // A re-created secret (new ARN) is a full upsert; a patch of a missing
    // secret is refused on replay.
    let mut gone = before.clone();
    gone.delete("a", None, Some(true), NOW, &mut rand::rng())
        .unwrap();
    create(&mut gone, "a", Some(T1), s("new")).unwrap();
    assert!(matches!(
        &gone.diff(&before)[..],
        [super::Change::Upsert(..)]
    ));
    let patch = moved.diff(&before).remove(0);
    assert!(
        region()
            .apply(patch)
            .unwrap_err()
            .contains("does not exist")
    );
}

#[test]
fn cancel_rotate_on_a_secret_never_rotated_is_an_invalid_request() {
    let mut r = region();
    create(&mut r, "plain", Some(T1), s("x")).unwrap();
    let err = r.cancel_rotate("plain", NOW).unwrap_err();
    assert!(matches!(err, SmError::InvalidRequest(_)), "{err:?}");
}

#[test]
fn resource_policy_looks_the_secret_up_before_reading_the_document() {
    let mut r = region();
    create(&mut r, "held", Some(T1), s("x")).unwrap();
    assert_eq!(
        r.put_policy("unknown", "p", NOW).unwrap_err(),
        SmError::SecretNotFound
    );
    assert!(matches!(
        r.put_policy("held", "p", NOW).unwrap_err(),
        SmError::MalformedPolicy(_)
    ));
    assert_eq!(r.get("held", NOW).unwrap().resource_policy, None);
    r.put_policy("held", r#"{"Version":"2012-10-17","Statement":[]}"#, NOW)
        .unwrap();
    assert!(r.get("held", NOW).unwrap().resource_policy.is_some());
    r.delete_policy("held", NOW).unwrap();
    assert_eq!(r.get("held", NOW).unwrap().resource_policy, None);
    assert_eq!(
        r.delete_policy("unknown", NOW).unwrap_err(),
        SmError::SecretNotFound
    );
}
