//! Security groups changed through the EC2 API act on live traffic (issue
//! 13): on the wechat seed, brought up by the real `emul up`, a connection
//! the groups refuse (the host to RDS on 5432: rds-sg admits only ecs-sg)
//! succeeds right after `aws ec2 authorize-security-group-ingress`
//! returns, keeps working after the revoke (connection tracking, as AWS
//! does) while a new one is refused again; `emul verify` agrees at each
//! step; the change survives a killed daemon; the ENIs show in
//! `describe-network-interfaces`; a group made through the API admits a
//! task run in it by ids (`run-task` with the subnet and group ids the EC2
//! API shows), and cannot be deleted while used.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "../../sdk-tests/src/aws_cli.rs"]
mod aws_cli;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

const API: u16 = 14731;

/// One TCP connect with a one-second limit (a dropped SYN is a refusal).
fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1))
}

/// A PostgreSQL SSLRequest answered with `S` or `N`: the server is there
/// and the connection carries traffic both ways.
fn postgres_answers(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    if s.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).is_err() {
        return false;
    }
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(1) if b[0] == b'S' || b[0] == b'N')
}

/// `emul verify` on the project: (exit code, stdout).
fn verify(file: &Path) -> (Option<i32>, String) {
    let out = sp::run(&["verify", "--topology", file.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn docker_ec2_authorize_and_revoke_act_on_live_traffic() {
    let Some(cli) = aws_cli::find() else { return };
    let ports = e2e::Ports {
        api: API,
        http: 14732,
        https: 14733,
    };
    let (dir, file) = e2e::topology("emt-ec2-sg", 131, &ports);
    let _guard = e2e::Guard(file.clone());
    let f = file.to_str().unwrap();
    let out = sp::run(&sp::up_args(f, &API.to_string()));
    assert_eq!(out.status.code(), Some(0));
    let endpoint = format!("http://127.0.0.1:{API}");
    let home = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| aws_cli::json(&cli, &endpoint, home.path(), args);

    // The database's ENI, found as a script finds it.
    let enis = aws(&[
        "ec2",
        "describe-network-interfaces",
        "--filters",
        "Name=group-name,Values=rds-sg",
    ]);
    let rds_eni = &enis["NetworkInterfaces"][0];
    assert_eq!(rds_eni["RequesterId"], "amazon-rds", "{enis}");
    assert_eq!(rds_eni["Groups"][0]["GroupName"], "rds-sg");
    let ip: std::net::Ipv4Addr = rds_eni["PrivateIpAddress"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let db = SocketAddr::from((ip, 5432));
    let all_enis = aws(&["ec2", "describe-network-interfaces"]);
    let kinds: Vec<&str> = all_enis["NetworkInterfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["RequesterId"].as_str().unwrap())
        .collect();
    for kind in [
        "amazon-ecs",
        "amazon-elb",
        "amazon-rds",
        "amazon-elasticache",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    let sg = aws(&[
        "ec2",
        "describe-security-groups",
        "--filters",
        "Name=group-name,Values=rds-sg",
    ])["SecurityGroups"][0]["GroupId"]
        .as_str()
        .unwrap()
        .to_string();
    let ecs_sg = aws(&[
        "ec2",
        "describe-security-groups",
        "--group-names",
        "ecs-sg",
    ])["SecurityGroups"][0]["GroupId"]
        .as_str()
        .unwrap()
        .to_string();

    // Refused: rds-sg admits 5432 only from ecs-sg.
    assert!(
        connect(db).is_err(),
        "the host reached {db} before any change"
    );
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "{report}");

    // Authorize, and the very next connection gets through.
    let added = aws(&[
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        &sg,
        "--ip-permissions",
        "IpProtocol=tcp,FromPort=5432,ToPort=5432,IpRanges=[{CidrIp=0.0.0.0/0,Description=what-if}]",
    ]);
    let answered = Instant::now();
    assert_eq!(added["Return"], true, "{added}");
    let rule = added["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut kept =
        connect(db).unwrap_or_else(|e| panic!("{db} still refused after authorize: {e}"));
    eprintln!(
        "first connection {:?} after the authorize answered",
        answered.elapsed()
    );
    assert!(postgres_answers(&mut kept));
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "verify checks the live rules:\n{report}");

    // Acknowledged, so it survives the daemon being killed: `up` starts a
    // new one, which installs the kept groups.
    let record: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".emul/emt-ec2-sg/daemon.json")).unwrap(),
    )
    .unwrap();
    let pid = record["pid"].as_u64().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = sp::run(&sp::up_args(f, &API.to_string()));
    assert_eq!(out.status.code(), Some(0));
    let rules = aws(&[
        "ec2",
        "describe-security-group-rules",
        "--filters",
        &format!("Name=group-id,Values={sg}"),
    ]);
    let ids: Vec<&str> = rules["SecurityGroupRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["SecurityGroupRuleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&rule.as_str()), "{rules}");
    assert!(
        connect(db).is_ok(),
        "the kept rule is in force after the restart"
    );

    // Revoke: a new connection is refused; the established one keeps
    // flowing, as AWS's connection tracking keeps it.
    let mut kept = connect(db).unwrap();
    assert!(postgres_answers(&mut kept));
    let mut kept = connect(db).unwrap();
    let revoked = aws(&[
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        &sg,
        "--security-group-rule-ids",
        &rule,
    ]);
    assert_eq!(revoked["Return"], true, "{revoked}");
    assert!(connect(db).is_err(), "{db} reachable after the revoke");
    assert!(
        postgres_answers(&mut kept),
        "the tracked connection was cut"
    );
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "{report}");

    // A group an ENI is in cannot be deleted; a new one can.
    let out = aws_cli::run(
        &cli,
        &endpoint,
        home.path(),
        &["ec2", "delete-security-group", "--group-id", &sg],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DependencyViolation"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A group made through the API, admitted to the database, and a task
    // run in it by the ids the EC2 API shows, as a script does.
    let created = aws(&[
        "ec2",
        "create-security-group",
        "--group-name",
        "what-if-sg",
        "--description",
        "made by the test",
    ]);
    let new_id = created["GroupId"].as_str().unwrap().to_string();
    let added = aws(&[
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        &sg,
        "--ip-permissions",
        &format!(
            "IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{{GroupId={new_id}}}]"
        ),
    ]);
    let from_new = added["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .to_string();
    let subnet = aws(&[
        "ec2",
        "describe-subnets",
        "--filters",
        "Name=tag:Name,Values=private-1a",
    ])["Subnets"][0]["SubnetId"]
        .as_str()
        .unwrap()
        .to_string();
    let task_definition = aws(&[
        "ecs",
        "describe-services",
        "--cluster",
        e2e::CLUSTER,
        "--services",
        e2e::BACKEND,
    ])["services"][0]["taskDefinition"]
        .as_str()
        .unwrap()
        .to_string();
    let run = aws(&[
        "ecs",
        "run-task",
        "--cluster",
        e2e::CLUSTER,
        "--task-definition",
        &task_definition,
        "--launch-type",
        "FARGATE",
        "--network-configuration",
        &format!(
            "awsvpcConfiguration={{subnets=[{subnet}],securityGroups=[{new_id}],assignPublicIp=DISABLED}}"
        ),
    ]);
    let task = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    aws(&[
        "ecs",
        "wait",
        "tasks-running",
        "--cluster",
        e2e::CLUSTER,
        "--tasks",
        &task,
    ]);
    let in_new = aws(&[
        "ec2",
        "describe-network-interfaces",
        "--filters",
        "Name=group-name,Values=what-if-sg",
    ]);
    let task_eni = &in_new["NetworkInterfaces"][0];
    assert_eq!(task_eni["SubnetId"], subnet.as_str(), "{in_new}");
    assert_eq!(task_eni["RequesterId"], "amazon-ecs");
    let described = aws(&[
        "ecs",
        "describe-tasks",
        "--cluster",
        e2e::CLUSTER,
        "--tasks",
        &task,
    ]);
    let detail = |name: &str| {
        described["tasks"][0]["attachments"][0]["details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .map(|d| d["value"].clone())
    };
    // ECS and EC2 name the same ENI and subnet.
    assert_eq!(
        detail("networkInterfaceId"),
        Some(task_eni["NetworkInterfaceId"].clone()),
        "{described}"
    );
    assert_eq!(
        detail("subnetId"),
        Some(Value::from(subnet.as_str())),
        "{described}"
    );
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "{report}");
    // The task's ENI is in the new group, and verify probed it into the
    // database for real.
    let task_ip = task_eni["PrivateIpAddress"].as_str().unwrap();
    let task_line = report
        .lines()
        .find(|l| l.contains(&format!(" {task_ip} [what-if-sg]")))
        .unwrap_or_else(|| panic!("no ENI line for the task:\n{report}"));
    let logical = task_line.split_whitespace().next().unwrap();
    assert!(
        report.contains(&format!("{logical} → eni/rds/wechat-db: 5432 | 5432  ok")),
        "{report}"
    );

    // The task's ENI moved to ecs-sg through the EC2 API: enforced and
    // shown at once, and verify reads it back from the ENI.
    aws(&[
        "ec2",
        "modify-network-interface-attribute",
        "--network-interface-id",
        task_eni["NetworkInterfaceId"].as_str().unwrap(),
        "--groups",
        &ecs_sg,
    ]);
    let moved = aws(&[
        "ec2",
        "describe-network-interfaces",
        "--network-interface-ids",
        task_eni["NetworkInterfaceId"].as_str().unwrap(),
    ]);
    assert_eq!(
        moved["NetworkInterfaces"][0]["Groups"][0]["GroupName"], "ecs-sg",
        "{moved}"
    );
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains(&format!(" {task_ip} [ecs-sg]")), "{report}");

    // ELBv2's SetSecurityGroups moves the ALB's ENI the same way.
    let lb = aws(&["elbv2", "describe-load-balancers"])["LoadBalancers"][0]["LoadBalancerArn"]
        .as_str()
        .unwrap()
        .to_string();
    let alb_sg = aws(&["ec2", "describe-security-groups", "--group-names", "alb-sg"])
        ["SecurityGroups"][0]["GroupId"]
        .as_str()
        .unwrap()
        .to_string();
    let set = aws(&[
        "elbv2",
        "set-security-groups",
        "--load-balancer-arn",
        &lb,
        "--security-groups",
        &alb_sg,
        &ecs_sg,
    ]);
    assert_eq!(
        set["SecurityGroupIds"],
        serde_json::json!([alb_sg, ecs_sg]),
        "{set}"
    );
    let alb_eni = aws(&[
        "ec2",
        "describe-network-interfaces",
        "--filters",
        "Name=requester-id,Values=amazon-elb",
    ]);
    let names: Vec<&str> = alb_eni["NetworkInterfaces"][0]["Groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["GroupName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alb-sg", "ecs-sg"], "{alb_eni}");
    let (code, report) = verify(&file);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("[alb-sg, ecs-sg]"), "{report}");
    let out = aws_cli::run(
        &cli,
        &endpoint,
        home.path(),
        &[
            "elbv2",
            "set-security-groups",
            "--load-balancer-arn",
            &lb,
            "--security-groups",
            "sg-0000000000000000f",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("InvalidSecurityGroup"));
    aws(&[
        "elbv2",
        "set-security-groups",
        "--load-balancer-arn",
        &lb,
        "--security-groups",
        &alb_sg,
    ]);

    // Named by rds-sg's rule: not deletable until the rule is gone.
    let out = aws_cli::run(
        &cli,
        &endpoint,
        home.path(),
        &["ec2", "delete-security-group", "--group-id", &new_id],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("DependencyViolation"));
    aws(&[
        "ecs",
        "stop-task",
        "--cluster",
        e2e::CLUSTER,
        "--task",
        &task,
    ]);
    aws(&[
        "ecs",
        "wait",
        "tasks-stopped",
        "--cluster",
        e2e::CLUSTER,
        "--tasks",
        &task,
    ]);
    aws(&[
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        &sg,
        "--security-group-rule-ids",
        &from_new,
    ]);
    aws(&["ec2", "delete-security-group", "--group-id", &new_id]);
}
