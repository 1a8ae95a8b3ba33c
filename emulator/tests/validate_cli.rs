//! `emul validate` end to end: the real binary on the broken topologies in
//! `tests/broken/` (each must exit 2 and print exactly the expected
//! `FILE:LINE:COLUMN: error: ...` lines, each followed by a hint), and on the
//! complete example of `docs/topology.md` (must exit 0).

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};

/// Directory of the broken fixtures.
fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken")
}

/// Runs `emul validate -t FILE` from `dir` and returns (exit code, stdout, stderr).
fn validate(dir: &Path, file: &str) -> (i32, String, String) {
    let out = cargo_bin_cmd!("emul")
        .current_dir(dir)
        .env_remove("EMUL_TOPOLOGY")
        .args(["validate", "--topology", file])
        .output()
        .expect("run emul");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that `file` is rejected with exactly `expected` errors
/// (`LINE:COL: message`), each followed by a hint, and returns stderr.
fn assert_broken(file: &str, expected: &[&str]) -> String {
    let (code, stdout, stderr) = validate(&broken_dir(), file);
    assert_eq!(code, 2, "exit code for {file}\nstderr:\n{stderr}");
    assert!(stdout.is_empty(), "nothing on stdout for {file}: {stdout}");
    let lines: Vec<&str> = stderr.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(": error: "))
        .collect();
    let want: Vec<String> = expected
        .iter()
        .map(|e| {
            let (pos, msg) = e.split_once(' ').expect("LINE:COL message");
            format!("{file}:{pos}: error: {msg}")
        })
        .collect();
    pretty_assertions::assert_eq!(errors, want, "errors for {file}");
    for (i, l) in lines.iter().enumerate() {
        if l.contains(": error: ") {
            assert!(
                lines.get(i + 1).is_some_and(|h| h.starts_with("  hint: ")),
                "error without a hint in {file}: {l}"
            );
        }
    }
    assert!(
        stderr.ends_with(&format!(
            "{file}: {} error(s); the topology is not valid\n",
            expected.len()
        )),
        "summary line for {file}:\n{stderr}"
    );
    stderr
}

#[test]
fn bad_yaml_is_reported_where_the_parser_fails() {
    let err = assert_broken(
        "bad_yaml.yaml",
        &["51:44 invalid YAML: invalid trailing content after double-quoted scalar"],
    );
    assert!(err.contains("hint: a quote opened earlier may be unclosed"));
}

#[test]
fn tabs_point_at_the_tab() {
    let err = assert_broken(
        "tabs.yaml",
        &["14:1 invalid YAML: while scanning a plain scalar, found a tab"],
    );
    assert!(err.contains("hint: YAML does not allow tabs for indentation; indent with spaces"));
}

#[test]
fn unknown_keys_at_every_depth_are_all_reported_with_suggestions() {
    let err = assert_broken(
        "unknown_keys.yaml",
        &[
            "3:1 unknown key `regoin`; did you mean `region`?",
            "5:3 unknown key `cidr`; did you mean `cidr_block`?",
            "8:25 unknown key `cidr_blok`; did you mean `cidr_block`?",
            "16:23 unknown key `source_security_group`; did you mean `security_groups`?",
            "25:7 unknown key `flavour` in an ECS service",
            "36:13 unknown key `portMappings`; did you mean `port_mappings`?",
            "44:62 unknown key `healthy_treshold`; did you mean `healthy_threshold`?",
        ],
    );
    // The misspelt required keys are not reported a second time as missing,
    // and the rule whose peer key was misspelt is not also "without source".
    assert!(!err.contains("missing required key"), "{err}");
    assert!(!err.contains("has no source"), "{err}");
    assert!(err.contains("hint: keys allowed in a security group rule: protocol, port, from_port, to_port, cidr_blocks, ipv6_cidr_blocks, security_groups, self, description"));
}

#[test]
fn wrong_types() {
    assert_broken(
        "wrong_types.yaml",
        &[
            "12:17 expected `true` or `false`, found `yes`",
            "23:22 expected an integer, found `two`",
            "24:16 expected a list, found `private-a`",
            "39:11 expected an integer, found the string \"8080\"",
        ],
    );
}

#[test]
fn bad_cidrs() {
    assert_broken(
        "bad_cidr.yaml",
        &[
            "6:37 invalid CIDR block `10.0.1.0/33`",
            "7:37 invalid CIDR block `10.0.300.0/24`",
            "12:35 invalid CIDR block `0.0.0.0`",
        ],
    );
}

#[test]
fn subnet_outside_the_vpc() {
    assert_broken(
        "subnet_outside_vpc.yaml",
        &["8:38 subnet `private-a` (10.1.10.0/24) is outside the VPC CIDR block 10.0.0.0/16"],
    );
}

#[test]
fn overlapping_subnets() {
    assert_broken(
        "overlapping_subnets.yaml",
        &["8:38 subnet `private-a` (10.0.0.0/23) overlaps subnet `public-a` (10.0.1.0/24)"],
    );
}

#[test]
fn subnet_sizes_outside_aws_limits() {
    assert_broken(
        "subnet_size.yaml",
        &[
            "4:15 VPC CIDR block 10.0.0.0/8 is /8; AWS allows /16 to /28",
            "8:38 subnet CIDR block 10.0.10.0/29 is /29; AWS allows /16 to /28",
        ],
    );
}

#[test]
fn dangling_references() {
    let err = assert_broken(
        "dangling_refs.yaml",
        &[
            "15:41 unknown security group `lb-sg`",
            "24:17 unknown subnet `private-c`",
            "27:27 unknown target group `web-tgg`",
            "36:50 unknown secret `app/dbb`",
            "48:52 unknown target group `api-tg`",
        ],
    );
    assert!(err.contains("hint: did you mean `alb-sg`? defined security groups: alb-sg, app-sg"));
    assert!(err.contains("hint: did you mean `web-tg`?"));
}

#[test]
fn duplicate_names() {
    assert_broken(
        "duplicate_names.yaml",
        &[
            "8:15 duplicate subnet name `public-a`",
            "13:11 duplicate security group name `alb-sg`",
            "42:11 duplicate target group name `web-tg`",
        ],
    );
}

#[test]
fn duplicate_listener_ports() {
    assert_broken(
        "duplicate_listener_ports.yaml",
        &["53:15 duplicate listener port 80 on load balancer `web`"],
    );
}

#[test]
fn duplicate_and_out_of_range_rule_priorities() {
    assert_broken(
        "duplicate_rule_priorities.yaml",
        &[
            "53:23 duplicate rule priority 10 on listener port 80",
            "56:23 rule priority 50001 is out of range (1..50000)",
        ],
    );
}

#[test]
fn bad_port_ranges() {
    assert_broken(
        "bad_port_ranges.yaml",
        &[
            "12:22 from_port 443 is greater than to_port 80",
            "13:17 port 70000 is out of range (0..65535)",
            "14:33 protocol `-1` (all) covers every port; ports must be omitted or 0",
        ],
    );
}

#[test]
fn target_group_port_not_in_container_port_mappings() {
    let err = assert_broken(
        "tg_port_not_mapped.yaml",
        &[
            "27:13 port 3000 (the target group's port) is not in the port mappings of container `app`",
        ],
    );
    assert!(err.contains("container `app` maps 8080"));
}

#[test]
fn the_agent_port_is_refused_with_its_reason() {
    let err = assert_broken(
        "agent_port.yaml",
        &["34:73 container_port 7411 is taken in every ENI by emul's ENI agent"],
    );
    assert!(err.contains("emul reserves tcp/7411"), "{err}");
}

#[test]
fn endpoint_references_point_at_the_wrong_word() {
    let err = assert_broken(
        "bad_references.yaml",
        &[
            "26:48 unknown RDS instance `main_db`",
            "27:56 unknown RDS instance attribute `prot` in `${rds.main-db.prot}`",
            "28:72 unknown ElastiCache cluster attribute `primary_endpoint` in `${elasticache.cache.primary_endpoint}`",
            "29:42 unknown resource type `redis` in `${redis.cache.port}`",
            "30:46 `${HOME}` is not a reference of the form `${TYPE.NAME.ATTRIBUTE}`",
        ],
    );
    assert!(
        err.contains("hint: did you mean `main-db`? defined RDS instances: main-db"),
        "{err}"
    );
    assert!(
        err.contains("hint: did you mean `port`? RDS instance attributes: address, port, endpoint"),
        "{err}"
    );
    assert!(
        err.contains("hint: did you mean `primary_endpoint_address`? ElastiCache cluster attributes: primary_endpoint_address, reader_endpoint_address, port"),
        "{err}"
    );
}

#[test]
fn health_check_timeout_not_below_interval() {
    assert_broken(
        "interval_not_above_timeout.yaml",
        &[
            "41:58 health check timeout (5s) must be smaller than the interval (5s)",
            "41:80 healthy_threshold 1 is out of range (2..10)",
        ],
    );
}

#[test]
fn desired_count_outside_autoscaling_range() {
    assert_broken(
        "desired_outside_autoscaling.yaml",
        &[
            "23:22 desired_count 12 is outside the autoscaling range 2..10",
            "24:43 deployment_minimum_healthy_percent 120 is out of range (0..100)",
        ],
    );
}

#[test]
fn value_from_missing_json_key() {
    let err = assert_broken(
        "missing_json_key.yaml",
        &["36:50 secret `app/db` has no JSON key `pasword`"],
    );
    assert!(err.contains("its keys are: password, username"));
}

#[test]
fn value_from_forms_ecs_rejects() {
    assert_broken(
        "value_from_syntax.yaml",
        &[
            "37:46 `app/db:username` has 1 `:`-separated fields after the secret; ECS expects none or exactly three (json-key:version-stage:version-id, empty ones as `::`)",
            "38:46 `arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db:host` has 1 `:`-separated fields after the secret; ECS expects none or exactly three (json-key:version-stage:version-id, empty ones as `::`)",
            "39:45 `app/db:password:AWSPREVIOUS:0a1b2c3d` sets both a version stage and a version id",
        ],
    );
}

#[test]
fn fargate_cpu_memory_pair() {
    let err = assert_broken(
        "fargate_size.yaml",
        &["30:17 memory 4096 is not valid with cpu 256 on Fargate"],
    );
    assert!(err.contains("hint: with cpu 256 Fargate accepts memory 512 1024 2048"));
}

#[test]
fn load_balancer_in_one_az() {
    assert_broken(
        "alb_single_az.yaml",
        &["44:15 load balancer `web` must span at least two availability zones"],
    );
}

#[test]
fn redirect_and_fixed_response_validity() {
    assert_broken(
        "bad_actions.yaml",
        &[
            "52:35 the redirect changes none of protocol, host, port or path, so it would loop",
            "55:58 invalid redirect path `old`",
            "58:54 invalid fixed-response status code `302`",
            "58:75 invalid content type `text/xml`",
        ],
    );
}

#[test]
fn rule_condition_limits() {
    assert_broken(
        "rule_conditions.yaml",
        &[
            "52:15 the rule has 7 condition values; AWS allows 5 per rule",
            "53:32 a rule can have only one `path_pattern` condition",
            "55:50 invalid http_header_name `Host`",
        ],
    );
}

#[test]
fn decoding_and_semantic_errors_are_reported_in_one_run() {
    assert_broken(
        "mixed_errors.yaml",
        &[
            "5:3 unknown key `enable_dns` in the VPC",
            "9:38 subnet `private-a` (10.0.1.0/24) overlaps subnet `public-a` (10.0.1.0/24)",
            "24:22 expected an integer, found `lots`",
            "26:25 unknown security group `ap-sg`",
            "42:59 health check timeout (10s) must be smaller than the interval (10s)",
            "53:65 unknown redirect status code `HTTP_308`",
            "54:15 duplicate listener port 80 on load balancer `web`",
        ],
    );
}

#[test]
fn every_broken_fixture_has_a_test() {
    // Keeps this file and tests/broken/ in step: a new broken file needs a
    // test above that pins its errors.
    let source = include_str!("validate_cli.rs");
    for entry in std::fs::read_dir(broken_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            source.contains(&format!("\"{name}\"")),
            "no test for tests/broken/{name}"
        );
    }
}

/// The complete example in `docs/topology.md`, extracted from the fenced
/// block after `<!-- example:complete -->`.
fn documented_example() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/topology.md"))
            .unwrap();
    let after = doc
        .split("<!-- example:complete -->\n```yaml\n")
        .nth(1)
        .expect("example marker");
    after.split("\n```").next().unwrap().to_string() + "\n"
}

#[test]
fn the_documented_complete_example_validates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("complete.yaml"), documented_example()).unwrap();
    let (code, stdout, stderr) = validate(dir.path(), "complete.yaml");
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(
        stdout,
        "ok: topology `shop` (us-east-1): VPC 10.0.0.0/16 with 4 subnets, 4 security groups, 4 secrets, 2 RDS instances, 1 ElastiCache clusters, 3 ECS services (5 tasks), 2 target groups, 1 load balancers (2 listeners)\n"
    );
}

#[test]
fn a_missing_file_is_a_failure_not_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = validate(dir.path(), "nope.yaml");
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: cannot read nope.yaml:"),
        "{stderr}"
    );
}

#[test]
fn an_empty_file_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    let (code, _, stderr) = validate(dir.path(), "empty.yaml");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("empty.yaml:1:1: error: the topology file is empty\n"),
        "{stderr}"
    );
}

/// `tests/fixtures/aws_inputs.yaml` writes every input of issue 11 item 8
/// the way AWS and Terraform accept it (IPv6 rule peers and `source_ip`,
/// task sizes as unit strings, task/execution roles, Redis `6.x` with a
/// description, RDS port 5433, ElastiCache port 6380): all accepted.
#[test]
fn aws_and_terraform_inputs_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (code, stdout, stderr) = validate(&dir, "aws_inputs.yaml");
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(
        stdout,
        "ok: topology `aws-inputs` (us-east-1): VPC 10.228.0.0/16 with 4 subnets, 4 security groups, 1 secrets, 1 RDS instances, 1 ElastiCache clusters, 2 ECS services (2 tasks), 1 target groups, 1 load balancers (1 listeners)\n"
    );
    // The same file with the inputs emul refused before: each one alone is
    // reported (so the acceptance above is not vacuous).
    let src = std::fs::read_to_string(dir.join("aws_inputs.yaml")).unwrap();
    for (from, to, want) in [
        (
            "cpu: \"0.25 vCPU\"",
            "cpu: \"0.25 GB\"",
            "invalid task cpu `0.25 GB`",
        ),
        (
            "version: \"6.x\"",
            "version: \"5.x\"",
            "invalid engine version `5.x`",
        ),
        (
            "[\"2001:db8::/32\"]",
            "[\"2001:db8::1/32\"]",
            "IPv6 CIDR block 2001:db8::1/32 has host bits set",
        ),
        (
            "role/inputs-web-task",
            "user/inputs-web-task",
            "invalid task_role_arn",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        assert!(src.contains(from), "{from}");
        std::fs::write(tmp.path().join("t.yaml"), src.replacen(from, to, 1)).unwrap();
        let (code, _, stderr) = validate(tmp.path(), "t.yaml");
        assert_eq!(code, 2, "{to}: {stderr}");
        assert!(stderr.contains(want), "{to}: {stderr}");
    }
}
