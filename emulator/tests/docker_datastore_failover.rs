//! RDS Multi-AZ failover and ElastiCache TestFailover through `emul up`,
//! with the real binary on this Docker engine and the stock AWS CLI: rows
//! and keys written before the failover are read back through the same
//! endpoint name after it, from a client on the VPC network (which the
//! groups admit by its address range); a client retrying every 100 ms
//! measures the downtime, printed and asserted under 30 s (the issue's
//! bound). Also: the old primary streams again as the new standby, the
//! events AWS words, a new master password works at once, and the error
//! codes of a busy instance and of a missing node group.
//!
//! VPC 10.133.0.0/16 and AWS endpoint 14751 are this file's alone.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const API: u16 = 14751;
const DB_PASSWORD: &str = "pg-Failover-133";
const CACHE_TOKEN: &str = "cache-token-0123456789";
const PG_CLIENT: &str = "emt-failover-pg-client";
const REDIS_CLIENT: &str = "emt-failover-redis-client";
/// A client outside the range the groups admit.
const OUTSIDER: &str = "emt-failover-outsider";

const TOPOLOGY: &str = r#"name: emt-failover
region: us-east-1
vpc:
  cidr_block: 10.133.0.0/16
  subnets:
    - { name: private-a, cidr_block: 10.133.1.0/24, availability_zone: us-east-1a }
    - { name: private-b, cidr_block: 10.133.2.0/24, availability_zone: us-east-1b }
security_groups:
  - name: db
    ingress:
      - { protocol: tcp, port: 5432, cidr_blocks: [10.133.250.0/24] }
  - name: cache
    ingress:
      - { protocol: tcp, port: 6379, cidr_blocks: [10.133.250.0/24] }
secrets:
  - name: emt-failover/db
    secret_string: "pg-Failover-133"
  - name: emt-failover/cache
    secret_string: "cache-token-0123456789"
rds_instances:
  - name: main-db
    engine: postgres
    engine_version: "17"
    instance_class: db.t3.micro
    db_name: app
    username: app_admin
    master_password_secret: emt-failover/db
    multi_az: true
    subnets: [private-a, private-b]
    security_groups: [db]
elasticache_clusters:
  - name: sessions
    engine: redis
    engine_version: "7.1"
    node_type: cache.t3.micro
    num_cache_clusters: 2
    automatic_failover_enabled: true
    multi_az_enabled: true
    auth_token_secret: emt-failover/cache
    subnets: [private-a, private-b]
    security_groups: [cache]
"#;

/// Removes the client containers on drop (before the project's network
/// goes: declared after the project's guard, so dropped first).
struct Clients;
impl Drop for Clients {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", "-v", PG_CLIENT, REDIS_CLIENT, OUTSIDER])
            .output();
    }
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `psql` from the client container to `host` with `password`.
fn psql(host: &str, password: &str, sql: &str) -> Output {
    docker(&[
        "exec",
        "-e",
        &format!("PGPASSWORD={password}"),
        "-e",
        "PGCONNECT_TIMEOUT=2",
        PG_CLIENT,
        "psql",
        "-X",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        host,
        "-U",
        "app_admin",
        "-d",
        "app",
        "-c",
        sql,
    ])
}

fn psql_ok(host: &str, sql: &str) -> String {
    let out = psql(host, DB_PASSWORD, sql);
    assert!(out.status.success(), "psql {sql}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `redis-cli` from the client container to `host`.
fn redis(host: &str, args: &[&str]) -> String {
    let auth = format!("REDISCLI_AUTH={CACHE_TOKEN}");
    let mut a = vec!["exec", "-e", &auth, REDIS_CLIENT, "redis-cli", "-h", host];
    a.extend(args);
    let out = docker(&a);
    text(&out).trim().to_string()
}

/// Runs `probe` every 100 ms until stopped; the longest time without a
/// success between the first and the last success is the downtime.
struct Prober {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(Duration, usize, usize)>,
}

impl Prober {
    fn start(probe: impl Fn() -> bool + Send + 'static) -> Prober {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut last_ok, mut worst, mut oks, mut fails) =
                (None::<Instant>, Duration::ZERO, 0, 0);
            while !flag.load(Ordering::SeqCst) {
                if probe() {
                    let now = Instant::now();
                    if let Some(prev) = last_ok {
                        worst = worst.max(now - prev);
                    }
                    last_ok = Some(now);
                    oks += 1;
                } else {
                    fails += 1;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (worst, oks, fails)
        });
        Prober { stop, handle }
    }

    /// (downtime, successes, failures).
    fn finish(self) -> (Duration, usize, usize) {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap()
    }
}

/// Two clients on the VPC network, in the range the groups admit, and one
/// outside it.
fn start_clients() {
    let net = String::from_utf8_lossy(
        &docker(&[
            "network",
            "ls",
            "--filter",
            "label=io.emul.project=emt-failover",
            "--format",
            "{{.Name}}",
        ])
        .stdout,
    )
    .trim()
    .to_string();
    for (name, ip, image) in [
        (PG_CLIENT, "10.133.250.10", "emul/postgres:17"),
        (REDIS_CLIENT, "10.133.250.11", "emul/redis:7"),
        (OUTSIDER, "10.133.251.10", "emul/postgres:17"),
    ] {
        let out = docker(&[
            "run",
            "-d",
            "-i",
            "--name",
            name,
            "--network",
            &net,
            "--ip",
            ip,
            "--label",
            "io.emul.test=1",
            "--entrypoint",
            "sh",
            image,
            "-c",
            "read x",
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }
}

/// The line of `emul status` output for resource `id`.
fn status_row(status: &str, id: &str) -> String {
    status
        .lines()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("no row {id}:\n{status}"))
        .to_string()
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn docker_datastore_failover_keeps_data_and_moves_the_endpoint() {
    let Some(cli) = aws_cli::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    std::fs::write(&file, TOPOLOGY).unwrap();
    let _guard = e2e::Guard(file.clone());
    let f = file.to_str().unwrap();
    let api = API.to_string();
    let up = || {
        let out = sp::run(&[
            "up",
            "-d",
            "--pull",
            "never",
            "--label",
            "io.emul.test=1",
            "--timeout",
            "240",
            "--port",
            &api,
            "--topology",
            f,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        text(&out)
    };
    up();
    let endpoint = format!("http://127.0.0.1:{API}");
    let home = tempfile::tempdir().unwrap();
    // The CLI (v1) sends `rds` in us-east-1 to its own fixed endpoint
    // unless `--endpoint-url` is given, whatever AWS_ENDPOINT_URL says.
    let aws = |args: &[&str]| -> Value {
        let mut a = vec!["--endpoint-url", endpoint.as_str()];
        a.extend(args);
        aws_cli::json(&cli, &endpoint, home.path(), &a)
    };
    let aws_err = |args: &[&str]| -> String {
        let mut a = vec!["--endpoint-url", endpoint.as_str()];
        a.extend(args);
        let out = aws_cli::run(&cli, &endpoint, home.path(), &a);
        assert!(!out.status.success(), "aws {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).to_string()
    };

    let _clients = Clients;
    start_clients();

    // ---- RDS ----
    let db = &aws(&["rds", "describe-db-instances"])["DBInstances"][0];
    assert_eq!(db["DBInstanceIdentifier"], "main-db");
    assert_eq!(db["DBInstanceStatus"], "available");
    assert_eq!(db["MultiAZ"], true);
    assert_eq!(db["EngineVersion"], "17");
    assert_eq!(db["MasterUsername"], "app_admin");
    assert_eq!(
        (&db["AvailabilityZone"], &db["SecondaryAvailabilityZone"]),
        (&Value::from("us-east-1a"), &Value::from("us-east-1b"))
    );
    assert!(
        db["VpcSecurityGroups"][0]["VpcSecurityGroupId"]
            .as_str()
            .unwrap()
            .starts_with("sg-")
    );
    let host = db["Endpoint"]["Address"].as_str().unwrap().to_string();
    assert!(host.starts_with("main-db.") && host.ends_with(".us-east-1.rds.amazonaws.com"));
    let e = aws_err(&[
        "rds",
        "describe-db-instances",
        "--db-instance-identifier",
        "nope",
    ]);
    assert!(
        e.contains("(DBInstanceNotFound)") && e.contains("DBInstance nope not found."),
        "{e}"
    );

    psql_ok(
        &host,
        "CREATE TABLE t (id int PRIMARY KEY, v text); \
         INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g; \
         CREATE TABLE probe (at timestamptz)",
    );
    let before = psql_ok(&host, "SELECT inet_server_addr()");

    let h = host.clone();
    let prober = Prober::start(move || {
        psql(&h, DB_PASSWORD, "INSERT INTO probe VALUES (now())")
            .status
            .success()
    });
    std::thread::sleep(Duration::from_millis(500));
    let rebooting = aws(&[
        "rds",
        "reboot-db-instance",
        "--db-instance-identifier",
        "main-db",
        "--force-failover",
    ]);
    assert_eq!(rebooting["DBInstance"]["DBInstanceStatus"], "rebooting");
    // Busy: a second reboot is refused with AWS's code.
    let e = aws_err(&[
        "rds",
        "reboot-db-instance",
        "--db-instance-identifier",
        "main-db",
    ]);
    assert!(e.contains("(InvalidDBInstanceState)"), "{e}");
    wait_for(
        "the instance available again",
        Duration::from_secs(120),
        || {
            let db = &aws(&["rds", "describe-db-instances"])["DBInstances"][0];
            (db["DBInstanceStatus"] == "available").then_some(())
        },
    );
    // The probe succeeds through the name again before it stops.
    std::thread::sleep(Duration::from_secs(1));
    let (downtime, oks, fails) = prober.finish();
    println!(
        "RDS Multi-AZ failover: downtime {} ms for a client retrying every 100 ms ({oks} successful probes, {fails} failed)",
        downtime.as_millis()
    );
    assert!(downtime < Duration::from_secs(30), "{downtime:?}");

    // Every row is there, through the same name, on the other node,
    // which is a writable primary now.
    let after = psql_ok(&host, "SELECT inet_server_addr()");
    assert_ne!(
        before, after,
        "the endpoint name reaches the promoted standby"
    );
    assert_eq!(
        psql_ok(
            &host,
            "SELECT count(*), sum(id), pg_is_in_recovery() FROM t"
        ),
        "1000|500500|f"
    );
    let db = &aws(&["rds", "describe-db-instances"])["DBInstances"][0];
    assert_eq!(
        (&db["AvailabilityZone"], &db["SecondaryAvailabilityZone"]),
        (&Value::from("us-east-1b"), &Value::from("us-east-1a"))
    );
    // The old primary is the new standby, streaming from the new primary.
    wait_for(
        "the old primary streaming as standby",
        Duration::from_secs(90),
        || {
            (psql_ok(
                &host,
                "SELECT host(client_addr) || ' ' || state FROM pg_stat_replication",
            ) == format!("{before} streaming"))
            .then_some(())
        },
    );
    // `emul status` says which node is primary now, with the endpoint
    // names where Docker answers them.
    let status = text(&sp::run(&["status", "--topology", f]));
    let row = |id: &str| status_row(&status, id);
    assert!(row("rds/main-db/standby").contains(", primary"), "{status}");
    assert!(row("rds/main-db/standby").contains(&host), "{status}");
    assert!(row("rds/main-db").contains(", standby"), "{status}");
    // The instance's short name moved too: the old primary no longer
    // answers to it (nor does any node to a bare hostname).
    assert!(
        !row("rds/main-db")
            .split_whitespace()
            .any(|w| w.trim_end_matches(',') == "main-db"),
        "{status}"
    );
    // The promoted standby is guarded by the instance's groups: a client
    // outside the admitted range still cannot reach it by name.
    let refused = docker(&[
        "exec",
        "-e",
        &format!("PGPASSWORD={DB_PASSWORD}"),
        "-e",
        "PGCONNECT_TIMEOUT=2",
        OUTSIDER,
        "psql",
        "-X",
        "-h",
        &host,
        "-U",
        "app_admin",
        "-d",
        "app",
        "-c",
        "SELECT 1",
    ]);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(
        text(&refused).contains(&after) && text(&refused).contains("timeout expired"),
        "{}",
        text(&refused)
    );
    let events = aws(&["rds", "describe-events", "--source-type", "db-instance"]);
    let messages: Vec<&str> = events["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["SourceIdentifier"] == "main-db")
        .map(|e| e["Message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Multi-AZ instance failover started.",
            "DB instance restarted",
            "Multi-AZ instance failover completed."
        ]
    );

    // A new master password works as soon as the call returns.
    let new_password = "N3w-Pass$word-133";
    let modified = aws(&[
        "rds",
        "modify-db-instance",
        "--db-instance-identifier",
        "main-db",
        "--master-user-password",
        new_password,
        "--apply-immediately",
    ]);
    assert_eq!(modified["DBInstance"]["DBInstanceStatus"], "available");
    assert!(psql(&host, new_password, "SELECT 1").status.success());
    let old = psql(&host, DB_PASSWORD, "SELECT 1");
    assert!(
        !old.status.success() && text(&old).contains("password authentication failed"),
        "{}",
        text(&old)
    );

    // A plain reboot restarts the primary: same node, same rows, and the
    // standby reconnects with the new password it was given.
    let rebooting = aws(&[
        "rds",
        "reboot-db-instance",
        "--db-instance-identifier",
        "main-db",
    ]);
    assert_eq!(rebooting["DBInstance"]["DBInstanceStatus"], "rebooting");
    wait_for(
        "the rebooted instance available",
        Duration::from_secs(90),
        || {
            let db = &aws(&["rds", "describe-db-instances"])["DBInstances"][0];
            (db["DBInstanceStatus"] == "available").then_some(())
        },
    );
    let count = wait_for(
        "the rebooted primary answering",
        Duration::from_secs(60),
        || {
            let out = psql(&host, new_password, "SELECT count(*) FROM t");
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        },
    );
    assert_eq!(count, "1000");
    assert_eq!(
        String::from_utf8_lossy(&psql(&host, new_password, "SELECT inet_server_addr()").stdout)
            .trim(),
        after
    );
    wait_for(
        "the standby streaming again with the new password",
        Duration::from_secs(60),
        || {
            let out = psql(
                &host,
                new_password,
                "SELECT host(client_addr) || ' ' || state FROM pg_stat_replication",
            );
            (String::from_utf8_lossy(&out.stdout).trim() == format!("{before} streaming"))
                .then_some(())
        },
    );

    // ---- ElastiCache ----
    let rg = &aws(&["elasticache", "describe-replication-groups"])["ReplicationGroups"][0];
    assert_eq!(rg["Status"], "available");
    assert_eq!(rg["AutomaticFailover"], "enabled");
    let roles = |rg: &Value| -> Vec<(String, String)> {
        rg["NodeGroups"][0]["NodeGroupMembers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["CacheClusterId"].as_str().unwrap().to_string(),
                    m["CurrentRole"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        roles(rg),
        [
            ("sessions-001".to_string(), "primary".to_string()),
            ("sessions-002".to_string(), "replica".to_string())
        ]
    );
    let master = rg["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
        .as_str()
        .unwrap()
        .to_string();
    let clusters = aws(&["elasticache", "describe-cache-clusters"]);
    assert_eq!(clusters["CacheClusters"].as_array().unwrap().len(), 2);
    assert_eq!(
        clusters["CacheClusters"][1]["ReplicationGroupId"],
        "sessions"
    );
    assert_eq!(clusters["CacheClusters"][1]["EngineVersion"], "7.1");

    assert_eq!(
        redis(
            &master,
            &[
                "EVAL",
                "for i=1,500 do redis.call('SET','k'..i,'v'..i) end return 500",
                "0"
            ]
        ),
        "500"
    );
    let m = master.clone();
    let prober = Prober::start(move || redis(&m, &["INCR", "probe"]).parse::<u64>().is_ok());
    std::thread::sleep(Duration::from_millis(500));
    let e = aws_err(&[
        "elasticache",
        "test-failover",
        "--replication-group-id",
        "sessions",
        "--node-group-id",
        "0002",
    ]);
    assert!(e.contains("(NodeGroupNotFoundFault)"), "{e}");
    let started = aws(&[
        "elasticache",
        "test-failover",
        "--replication-group-id",
        "sessions",
        "--node-group-id",
        "0001",
    ]);
    assert_eq!(started["ReplicationGroup"]["Status"], "modifying");
    let rg = wait_for("the group available again", Duration::from_secs(60), || {
        let rg =
            aws(&["elasticache", "describe-replication-groups"])["ReplicationGroups"][0].clone();
        (rg["Status"] == "available").then_some(rg)
    });
    std::thread::sleep(Duration::from_secs(1));
    let (downtime, oks, fails) = prober.finish();
    println!(
        "ElastiCache TestFailover: downtime {} ms for a client retrying every 100 ms ({oks} successful probes, {fails} failed)",
        downtime.as_millis()
    );
    assert!(downtime < Duration::from_secs(30), "{downtime:?}");
    assert_eq!(
        roles(&rg),
        [
            ("sessions-001".to_string(), "replica".to_string()),
            ("sessions-002".to_string(), "primary".to_string())
        ]
    );
    let status = text(&sp::run(&["status", "--topology", f]));
    let node = |id: &str| status_row(&status, id);
    assert!(
        node("elasticache/sessions/002").contains(", primary"),
        "{status}"
    );
    assert!(
        node("elasticache/sessions/001").contains(", replica"),
        "{status}"
    );
    // Every key, through the same name, on a primary whose replica is the
    // old primary.
    assert_eq!(redis(&master, &["GET", "k500"]), "v500");
    assert_eq!(
        redis(
            &master,
            &[
                "EVAL",
                "local n=0 for i=1,500 do if redis.call('GET','k'..i)=='v'..i then n=n+1 end end return n",
                "0"
            ]
        ),
        "500"
    );
    let info = redis(&master, &["INFO", "replication"]);
    assert!(
        info.contains("role:master") && info.contains("connected_slaves:1"),
        "{info}"
    );
    let events = aws(&[
        "elasticache",
        "describe-events",
        "--source-type",
        "replication-group",
    ]);
    let messages: Vec<&str> = events["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Test Failover API called for node group 0001",
            "Failover from master node sessions-001 to replica node sessions-002 completed"
        ]
    );

    // ---- A restart after the failovers ----
    // `emul down` keeps the volumes: the topology's standby node holds the
    // primary's data now, whose master password is the one ModifyDBInstance
    // set, not the secret's.
    docker(&["rm", "-f", "-v", PG_CLIENT, REDIS_CLIENT, OUTSIDER]);
    let out = sp::run(&["down", "--topology", f]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = up();
    start_clients();
    // The names reach the promoted node again, a writable primary with
    // every row, and the secret's password works again (as the topology
    // says; the log says so).
    assert!(
        printed.contains("rds: main-db: serving from") && printed.contains("main-db.standby"),
        "{printed}"
    );
    assert_eq!(
        psql_ok(
            &host,
            "SELECT inet_server_addr(), pg_is_in_recovery(), count(*) FROM t"
        ),
        format!("{after}|f|1000")
    );
    psql_ok(&host, "INSERT INTO t VALUES (1001, 'after the restart')");
    let refused = psql(&host, new_password, "SELECT 1");
    assert!(!refused.status.success(), "{}", text(&refused));
    // The demoted node follows it as its standby again.
    wait_for(
        "the demoted node streaming after the restart",
        Duration::from_secs(90),
        || {
            (psql_ok(
                &host,
                "SELECT host(client_addr) || ' ' || state FROM pg_stat_replication",
            ) == format!("{before} streaming"))
            .then_some(())
        },
    );
    let db = &aws(&["rds", "describe-db-instances"])["DBInstances"][0];
    assert_eq!(
        (&db["AvailabilityZone"], &db["SecondaryAvailabilityZone"]),
        (&Value::from("us-east-1b"), &Value::from("us-east-1a"))
    );
    let status = text(&sp::run(&["status", "--topology", f]));
    let row = |id: &str| status_row(&status, id);
    assert!(row("rds/main-db/standby").contains(", primary"), "{status}");
    assert!(row("rds/main-db").contains(", standby"), "{status}");
    // `emul tunnel main-db` reaches the node that serves now.
    let tunnel = sp::Tunnel::open(&file, "main-db");
    let port = tunnel.addr.trim_start_matches("127.0.0.1:").to_string();
    let through = docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--label",
        "io.emul.test=1",
        "-e",
        &format!("PGPASSWORD={DB_PASSWORD}"),
        "--entrypoint",
        "psql",
        "emul/postgres:17",
        "-X",
        "-A",
        "-t",
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "app_admin",
        "-d",
        "app",
        "-c",
        "SELECT pg_is_in_recovery(), count(*) FROM t",
    ]);
    drop(tunnel);
    assert_eq!(text(&through).trim(), "f|1001", "{}", text(&through));
    // Redis keeps nothing across a restart (no persistence): the group
    // starts as the topology made it, node 001 the primary.
    let rg = &aws(&["elasticache", "describe-replication-groups"])["ReplicationGroups"][0];
    assert_eq!(
        roles(rg),
        [
            ("sessions-001".to_string(), "primary".to_string()),
            ("sessions-002".to_string(), "replica".to_string())
        ]
    );
    assert_eq!(redis(&master, &["SET", "again", "1"]), "OK");
}
