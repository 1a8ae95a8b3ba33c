//! Table tests of the compiler: exact statements for every shape of rule,
//! and (where `nft` and root are available) that every script of every seed
//! fixture is accepted by nft's own parser in check mode.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::*;
use crate::netpolicy::policy::Policy;
use crate::topology::parse_str;

const SRC: &str = "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: web
    ingress:
      - { port: 443, cidr_blocks: [0.0.0.0/0], description: HTTPS }
  - name: app
    ingress:
      - { from_port: 8000, to_port: 8010, security_groups: [web] }
      - { port: 6379, self: true }
      - { protocol: udp, port: 53, cidr_blocks: [10.0.0.0/16, 192.168.0.0/24] }
      - { protocol: icmp, from_port: 8, to_port: 0, cidr_blocks: [10.0.1.0/24] }
      - { protocol: icmp, from_port: -1, to_port: -1, cidr_blocks: [10.0.1.0/24] }
    egress:
      - { protocol: '-1', cidr_blocks: [10.0.0.0/16] }
  - name: db
    ingress: [{ port: 5432, security_groups: [app, web] }]
    egress: []
";

fn policy() -> Policy {
    Policy::from_topology(&parse_str(SRC).unwrap())
}

fn eni(id: &str, last: u8, groups: &[&str]) -> EniRules {
    EniRules {
        id: id.into(),
        ip: Ipv4Addr::new(10, 0, 1, last),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn lines(script: &str) -> Vec<&str> {
    script.lines().map(str::trim).collect()
}

#[test]
fn each_rule_shape_becomes_the_right_statement() {
    let p = policy();
    let app = &p.groups["app"];
    let got: Vec<Vec<String>> = app.ingress.iter().map(|r| rule_lines(&p, r)).collect();
    assert_eq!(
        got,
        vec![
            vec!["ip saddr @sg0 tcp dport 8000-8010 accept comment \"app ingress #1\"".to_string()],
            vec!["ip saddr @sg1 tcp dport 6379 accept comment \"app ingress #2\"".to_string()],
            vec![
                // The VPC CIDR contains the bridge gateway: the host is not "in the VPC".
                "ip saddr 10.0.0.0/16 ip saddr != 10.0.0.1 udp dport 53 accept comment \"app ingress #3\"".to_string(),
                "ip saddr 192.168.0.0/24 udp dport 53 accept comment \"app ingress #3\"".to_string(),
            ],
            vec!["ip saddr 10.0.1.0/24 icmp type 8 icmp code 0 accept comment \"app ingress #4\"".to_string()],
            vec!["ip saddr 10.0.1.0/24 meta l4proto icmp accept comment \"app ingress #5\"".to_string()],
        ]
    );
    assert_eq!(
        rule_lines(&p, &app.egress[0]),
        vec!["ip daddr 10.0.0.0/16 ip daddr != 10.0.0.1 accept comment \"app egress #1\""]
    );
    // 0.0.0.0/0 admits any IPv4 source, the host included.
    assert_eq!(
        rule_lines(&p, &p.groups["web"].ingress[0]),
        vec!["meta nfproto ipv4 tcp dport 443 accept comment \"web ingress #1\""]
    );
    // Omitted egress: everything out.
    assert_eq!(
        rule_lines(&p, &p.groups["web"].egress[0]),
        vec!["meta nfproto ipv4 accept comment \"web egress #0\""]
    );
}

#[test]
fn ruleset_is_default_deny_stateful_and_replaces_atomically() {
    let p = policy();
    let db = eni("eni/rds/pg", 10, &["db"]);
    let app1 = eni("eni/ecs/api/1", 20, &["app"]);
    let web1 = eni("eni/alb/web/a", 30, &["web"]);
    let standby = eni("eni/rds/pg/standby", 11, &["db"]);
    let m = Membership::of([&db, &app1, &web1, &standby]);
    let s = ruleset(&p, &db, &m);
    let l = lines(&s);
    assert_eq!(
        &l[..4],
        &[
            "add table inet emul",
            "delete table inet emul",
            "table inet emul {",
            "comment \"emul eni=eni/rds/pg ip=10.0.1.10 groups=db\""
        ]
    );
    assert!(l.contains(&"set sg0 { type ipv4_addr; comment \"web\"; elements = { 10.0.1.30 }; }"));
    assert!(l.contains(&"set sg1 { type ipv4_addr; comment \"app\"; elements = { 10.0.1.20 }; }"));
    assert!(l.contains(
        &"set repl { type ipv4_addr; comment \"managed replication\"; elements = { 10.0.1.11 }; }"
    ));
    let input = l.iter().position(|x| *x == "chain input {").unwrap();
    let output = l.iter().position(|x| *x == "chain output {").unwrap();
    // The daemon's control connection to the ENI agent (from the VPC
    // gateway, port 7411) comes before every group rule.
    assert_eq!(
        &l[input + 1..input + 5],
        &[
            "type filter hook input priority filter; policy drop;",
            "iif lo accept",
            "ct state established,related accept",
            "ip saddr 10.0.0.1 tcp dport 7411 accept comment \"emul control\""
        ]
    );
    assert_eq!(
        s.matches("dport 7411").count(),
        1,
        "the control port is admitted from the gateway only: {s}"
    );
    assert!(
        l[input..output].contains(&"ip saddr @sg1 tcp dport 5432 accept comment \"db ingress #1\"")
    );
    assert!(
        l[input..output].contains(&"ip saddr @sg0 tcp dport 5432 accept comment \"db ingress #1\"")
    );
    // egress: [] → only loopback, replies, the VPC resolver and
    // replication leave.
    assert_eq!(
        &l[output + 1..],
        &[
            "type filter hook output priority filter; policy drop;",
            "oif lo accept",
            "ct state established,related accept",
            "ip daddr 10.0.0.1 udp dport 5300 accept comment \"VPC resolver\"",
            "ip daddr 10.0.0.1 tcp dport 5300 accept comment \"VPC resolver\"",
            "ip daddr 10.0.0.1 tcp dport 5169 accept comment \"task metadata\"",
            "ip daddr @repl meta l4proto tcp accept comment \"managed replication\"",
            // The last word before the policy drop: a copy to the agent.
            "limit rate 20/second log prefix \"emul-deny out\" group 7 comment \"emul deny log\"",
            "}",
            "}",
        ]
    );
    assert_eq!(
        l[output - 2],
        "limit rate 20/second log prefix \"emul-deny in\" group 7 comment \"emul deny log\"",
        "the input chain logs what it drops too"
    );
}

#[test]
fn several_groups_give_the_union_and_empty_sets_have_no_elements() {
    let p = policy();
    let both = eni("eni/ecs/api/1", 20, &["app", "web"]);
    let s = ruleset(&p, &both, &Membership::of([&both]));
    let l = lines(&s);
    for expected in [
        "ip saddr @sg0 tcp dport 8000-8010 accept comment \"app ingress #1\"",
        "meta nfproto ipv4 tcp dport 443 accept comment \"web ingress #1\"",
        "ip daddr 10.0.0.0/16 ip daddr != 10.0.0.1 accept comment \"app egress #1\"",
        "meta nfproto ipv4 accept comment \"web egress #0\"",
        "set sg0 { type ipv4_addr; comment \"web\"; elements = { 10.0.1.20 }; }",
    ] {
        assert!(l.contains(&expected), "missing {expected:?} in\n{s}");
    }
    assert!(
        !s.contains("set repl"),
        "no replication set outside RDS/cache"
    );
    let lonely = eni("eni/ecs/x/1", 21, &["db"]);
    let s = ruleset(&p, &lonely, &Membership::of([&lonely]));
    assert!(lines(&s).contains(&"set sg1 { type ipv4_addr; comment \"app\"; }"));
}

#[test]
fn set_updates_touch_only_referenced_sets() {
    let p = policy();
    let db = eni("eni/rds/pg", 10, &["db"]);
    let app1 = eni("eni/ecs/api/1", 20, &["app"]);
    let app2 = eni("eni/ecs/api/2", 21, &["app"]);
    let m = Membership::of([&db, &app1, &app2]);
    let changed = BTreeSet::from(["app".to_string()]);
    assert_eq!(
        set_updates(&p, &db, &m, &changed, false).unwrap(),
        "flush set inet emul sg1\nadd element inet emul sg1 { 10.0.1.20, 10.0.1.21 }\n"
    );
    // app refers to web (sg0) and itself (sg1).
    assert_eq!(
        set_updates(&p, &app1, &m, &changed, false).unwrap(),
        "flush set inet emul sg1\nadd element inet emul sg1 { 10.0.1.20, 10.0.1.21 }\n"
    );
    let web_changed = BTreeSet::from(["web".to_string()]);
    assert_eq!(
        set_updates(&p, &app1, &m, &web_changed, false).unwrap(),
        "flush set inet emul sg0\n",
        "a group with no members left is an empty set"
    );
    let db_changed = BTreeSet::from(["db".to_string()]);
    assert_eq!(set_updates(&p, &app1, &m, &db_changed, false), None);
    assert_eq!(
        set_updates(&p, &db, &m, &BTreeSet::new(), true).unwrap(),
        "flush set inet emul repl\n"
    );
}

#[test]
fn identity_round_trips() {
    let e = eni("eni/ecs/api/3f2a", 7, &["app", "web"]);
    assert_eq!(parse_identity(&identity_comment(&e)), Some(e));
    let none = eni("eni/x", 8, &[]);
    assert_eq!(parse_identity(&identity_comment(&none)), Some(none));
    assert_eq!(parse_identity("something else"), None);
}

/// nft's parser in check mode (`nft -c`), inside a throwaway network
/// namespace so nothing on the host is touched. Skipped without root or nft.
fn nft_accepts(script: &str) -> Option<Result<(), String>> {
    use std::io::Write;
    if !nix::unistd::geteuid().is_root() || super::super::nft::nft_binary().is_none() {
        return None;
    }
    let mut child = std::process::Command::new("unshare")
        .args([
            "--net",
            "--",
            super::super::nft::nft_binary()?.as_str(),
            "-c",
            "-f",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

#[test]
fn nft_accepts_every_script_of_every_seed_fixture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // Only the fixtures (a project's `.emul/` state may sit beside them).
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let t = crate::topology::load(&path).unwrap();
        let p = Policy::from_topology(&t);
        // One ENI per group, plus one in every group at once, plus an RDS ENI.
        let mut enis: Vec<EniRules> = p
            .groups
            .keys()
            .enumerate()
            .map(|(i, g)| eni(&format!("eni/ecs/s/{i}"), 50 + i as u8, &[g.as_str()]))
            .collect();
        let all: Vec<&str> = p.groups.keys().map(String::as_str).collect();
        enis.push(eni("eni/rds/db", 40, &all));
        enis.push(eni("eni/rds/db/standby", 41, &all));
        let m = Membership::of(&enis);
        let changed: BTreeSet<String> = p.groups.keys().cloned().collect();
        for e in &enis {
            let mut script = ruleset(&p, e, &m);
            if let Some(u) = set_updates(&p, e, &m, &changed, true) {
                script.push_str(&u);
            }
            match nft_accepts(&script) {
                None => {
                    eprintln!("skipped: nft check mode needs root and nft");
                    return;
                }
                Some(Ok(())) => checked += 1,
                Some(Err(e)) => panic!("{}: nft refused:\n{e}\n{script}", path.display()),
            }
        }
    }
    assert!(checked >= 5);
}

#[test]
fn ipv6_peers_become_ip6_matches_that_nft_accepts() {
    let src = "name: t
vpc:
  cidr_block: 10.0.0.0/16
  subnets:
    - { name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }
security_groups:
  - name: web
    ingress:
      - { port: 443, cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0'] }
      - { port: 8443, ipv6_cidr_blocks: ['2001:db8::/32'] }
    egress:
      - { protocol: '-1', cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0'] }
";
    let p = Policy::from_topology(&parse_str(src).unwrap());
    let web = &p.groups["web"];
    assert_eq!(
        rule_lines(&p, &web.ingress[0]),
        vec![
            "meta nfproto ipv4 tcp dport 443 accept comment \"web ingress #1\"",
            "meta nfproto ipv6 tcp dport 443 accept comment \"web ingress #1\"",
        ]
    );
    assert_eq!(
        rule_lines(&p, &web.ingress[1]),
        vec!["ip6 saddr 2001:db8::/32 tcp dport 8443 accept comment \"web ingress #2\""]
    );
    assert_eq!(
        rule_lines(&p, &web.egress[0]),
        vec![
            "meta nfproto ipv4 accept comment \"web egress #1\"",
            "meta nfproto ipv6 accept comment \"web egress #1\"",
        ]
    );
    let e = eni("eni/ecs/web/0", 9, &["web"]);
    let script = ruleset(&p, &e, &Membership::of([&e]));
    assert!(script.contains("    ip6 saddr 2001:db8::/32 tcp dport 8443 accept"));
    match nft_accepts(&script) {
        None => eprintln!("skipped: nft check mode needs root and nft"),
        Some(r) => r.unwrap_or_else(|e| panic!("nft refused:\n{e}\n{script}")),
    }
}
