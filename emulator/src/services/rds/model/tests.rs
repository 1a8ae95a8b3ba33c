use super::*;

fn rds(multi_az: bool) -> Rds {
    let db = DbInstance {
        id: "main-db".into(),
        arn: "arn:aws:rds:us-east-1:000000000000:db:main-db".into(),
        engine: "postgres".into(),
        engine_version: "16.3".into(),
        instance_class: "db.t3.micro".into(),
        db_name: Some("shop".into()),
        master_username: "app".into(),
        address: "main-db.abc.us-east-1.rds.amazonaws.com".into(),
        port: 5432,
        hosted_zone_id: "Z2R2ITUGPM61AM".into(),
        status: DbStatus::Available,
        multi_az,
        availability_zone: "us-east-1a".into(),
        secondary_availability_zone: multi_az.then(|| "us-east-1b".into()),
        subnet_group: "main-db".into(),
        vpc_id: "vpc-1".into(),
        subnets: vec![],
        security_groups: vec!["sg-1".into()],
        allocated_storage: 20,
        storage_type: "gp3".into(),
        created_ms: 0,
        failed_over: false,
    };
    Rds {
        instances: BTreeMap::from([(db.id.clone(), db)]),
        events: vec![],
    }
}

fn messages_of(r: &Rds) -> Vec<&str> {
    r.events.iter().map(|e| e.message).collect()
}

#[test]
fn failover_swaps_zones_and_records_aws_events() {
    let mut r = rds(true);
    let shown = r.begin_reboot("main-db", true, 1_000).unwrap();
    assert_eq!(shown.status, DbStatus::Rebooting);
    assert_eq!(r.instances["main-db"].status.as_str(), "rebooting");
    // A second reboot while rebooting is refused.
    assert_eq!(
        r.begin_reboot("main-db", false, 1_001).unwrap_err(),
        RdsError::InvalidDbInstanceState("Instance main-db is not in available state.".into())
    );
    r.finish_reboot("main-db", true, true, 2_000);
    let db = &r.instances["main-db"];
    assert_eq!(db.status, DbStatus::Available);
    assert_eq!(db.availability_zone, "us-east-1b");
    assert_eq!(
        db.secondary_availability_zone.as_deref(),
        Some("us-east-1a")
    );
    assert!(db.failed_over);
    assert_eq!(
        messages_of(&r),
        [
            "Multi-AZ instance failover started.",
            "DB instance restarted",
            "Multi-AZ instance failover completed."
        ]
    );
    assert!(r.events.iter().all(|e| e.source_type == "db-instance"));
    assert_eq!(r.events[0].categories, ["failover"]);
    // A second failover goes back.
    r.begin_reboot("main-db", true, 3_000).unwrap();
    r.finish_reboot("main-db", true, true, 4_000);
    assert!(!r.instances["main-db"].failed_over);
    assert_eq!(r.instances["main-db"].availability_zone, "us-east-1a");
}

#[test]
fn an_instance_restarted_after_a_failover_serves_from_its_standby_zone() {
    let mut r = rds(true);
    r.serving_from_standby_node("main-db");
    let db = &r.instances["main-db"];
    assert!(db.failed_over);
    assert_eq!(db.availability_zone, "us-east-1b");
    assert_eq!(
        db.secondary_availability_zone.as_deref(),
        Some("us-east-1a")
    );
    // Nothing happened through the API: no events; asking twice is a no-op.
    assert!(r.events.is_empty());
    r.serving_from_standby_node("main-db");
    assert!(r.instances["main-db"].failed_over);
    // A single-AZ instance has no standby node.
    let mut single = rds(false);
    single.serving_from_standby_node("main-db");
    assert!(!single.instances["main-db"].failed_over);
}

#[test]
fn failed_failover_keeps_roles() {
    let mut r = rds(true);
    r.begin_reboot("main-db", true, 1).unwrap();
    r.finish_reboot("main-db", true, false, 2);
    let db = &r.instances["main-db"];
    assert_eq!((db.status, db.failed_over), (DbStatus::Available, false));
    assert_eq!(db.availability_zone, "us-east-1a");
    assert!(!messages_of(&r).contains(&"Multi-AZ instance failover completed."));
}

#[test]
fn single_az_refuses_failover_and_unknown_is_not_found() {
    let mut r = rds(false);
    let e = r.begin_reboot("main-db", true, 1).unwrap_err();
    assert_eq!(e.code(), "InvalidDBInstanceState");
    assert_eq!(r.instances["main-db"].status, DbStatus::Available);
    assert!(r.events.is_empty());
    let e = r.begin_reboot("nope", false, 1).unwrap_err();
    assert_eq!((e.code(), e.status()), ("DBInstanceNotFound", 404));
    assert_eq!(e.to_string(), "DBInstance nope not found.");
    assert_eq!(r.describe(Some("nope")).unwrap_err(), e);
    // A plain reboot of a Single-AZ instance is fine.
    r.begin_reboot("main-db", false, 1).unwrap();
    r.finish_reboot("main-db", false, true, 2);
    assert_eq!(
        messages_of(&r),
        ["DB instance shutdown", "DB instance restarted"]
    );
}

#[test]
fn password_rules_and_state() {
    let mut r = rds(false);
    for bad in [
        "short",
        "has space in it",
        "with/slash",
        "with@at12",
        "quote\"12345",
    ] {
        assert_eq!(
            r.begin_password("main-db", bad).unwrap_err().code(),
            "InvalidParameterValue",
            "{bad}"
        );
    }
    assert!(validate_password(&"x".repeat(129)).is_err());
    r.begin_password("main-db", "n3w-Secret!").unwrap();
    assert_eq!(
        r.instances["main-db"].status.as_str(),
        "resetting-master-credentials"
    );
    assert!(r.begin_password("main-db", "another-one").is_err());
    r.finish_password("main-db", true, 5);
    assert_eq!(r.instances["main-db"].status, DbStatus::Available);
    assert_eq!(messages_of(&r), ["Reset master credentials"]);
    assert_eq!(r.events[0].categories, ["configuration change"]);
}

#[test]
fn event_filters() {
    let mut r = rds(true);
    r.begin_reboot("main-db", true, 1_000).unwrap();
    r.finish_reboot("main-db", true, true, 2_000);
    let all = EventQuery {
        end_ms: i64::MAX,
        ..Default::default()
    };
    assert_eq!(r.events(&all).len(), 3);
    let failover = EventQuery {
        categories: vec!["failover".into()],
        ..all.clone()
    };
    assert_eq!(r.events(&failover).len(), 2);
    let other = EventQuery {
        source_id: Some("other".into()),
        ..all.clone()
    };
    assert!(r.events(&other).is_empty());
    let late = EventQuery {
        start_ms: 1_500,
        ..all
    };
    assert_eq!(r.events(&late).len(), 2);
}
