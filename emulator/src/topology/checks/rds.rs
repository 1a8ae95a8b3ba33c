//! RDS checks: identifier, database and user names, engine version, storage,
//! port, the master-password source, the DB subnet group (≥ 2 AZs),
//! references, duplicate names.

use super::{dangling, duplicates, range};
use crate::topology::span::Spanned;
use crate::topology::{Diagnostic, Topology};
use std::collections::BTreeSet;

/// RDS identifier rule: 1..63 letters, digits, hyphens; starts with a letter;
/// no trailing hyphen and no two consecutive hyphens.
pub fn identifier_ok(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// Postgres database / user name rule: a letter then letters, digits or
/// underscores, at most 63.
pub fn pg_name_ok(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `15`, `15.4`, `9.6.24`: a major version with optional dotted parts.
pub fn engine_version_ok(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// The AZs a list of subnet names covers (unknown names are skipped).
pub fn azs<'a>(t: &'a Topology, subnets: &[Spanned<String>]) -> BTreeSet<&'a str> {
    subnets
        .iter()
        .filter_map(|s| t.subnet(s))
        .map(|s| s.availability_zone.as_str())
        .collect()
}

/// True when every subnet in the list exists and has a real AZ (so an AZ
/// count is meaningful).
pub fn subnets_resolved(t: &Topology, subnets: &[Spanned<String>]) -> bool {
    subnets.iter().all(|s| {
        t.subnet(s)
            .is_some_and(|s| !s.availability_zone.is_placeholder())
    })
}

/// Reports a resource that lists no subnets at all.
pub fn no_subnets(
    kind: &str,
    name: &Spanned<String>,
    subnets: &[Spanned<String>],
    at: crate::topology::span::Span,
    out: &mut Vec<Diagnostic>,
) {
    if subnets.is_empty() {
        out.push(Diagnostic::new(
            at,
            format!("{kind} `{}` has no subnets", name.value),
            "list at least one subnet under `subnets`",
        ));
    }
}

/// Checks a list of subnet and security-group references.
pub fn check_refs(
    t: &Topology,
    subnets: &[Spanned<String>],
    groups: &[Spanned<String>],
    out: &mut Vec<Diagnostic>,
) {
    let subnet_names: Vec<&str> = t.vpc.subnets.iter().map(|s| s.name.as_str()).collect();
    let group_names: Vec<&str> = t.security_groups.iter().map(|g| g.name.as_str()).collect();
    for s in subnets {
        dangling("subnet", s, &subnet_names, out);
    }
    for g in groups {
        dangling("security group", g, &group_names, out);
    }
}

/// Runs the RDS checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates("RDS instance", t.rds_instances.iter().map(|d| &d.name), out);
    for d in &t.rds_instances {
        if !identifier_ok(&d.name) {
            out.push(Diagnostic::new(
                d.name.span,
                format!("invalid RDS identifier `{}`", *d.name),
                "use 1 to 63 letters, digits and hyphens, starting with a letter, no `--`, no trailing `-`",
            ));
        }
        if !engine_version_ok(&d.engine_version) {
            out.push(Diagnostic::new(
                d.engine_version.span,
                format!("invalid engine version `{}`", *d.engine_version),
                "write the Postgres version as MAJOR or MAJOR.MINOR, e.g. \"15.4\" (quoted)",
            ));
        }
        if !d.instance_class.starts_with("db.") {
            out.push(Diagnostic::new(
                d.instance_class.span,
                format!("invalid instance class `{}`", *d.instance_class),
                "RDS instance classes start with `db.`, e.g. db.t3.micro",
            ));
        }
        range("allocated_storage", &d.allocated_storage, 20, 65536, out);
        range("port", &d.port, 1150, 65535, out);
        if let Some(db) = &d.db_name
            && !pg_name_ok(db)
        {
            out.push(Diagnostic::new(
                db.span,
                format!("invalid database name `{}`", **db),
                "use a letter then letters, digits or underscores (at most 63)",
            ));
        }
        if !pg_name_ok(&d.username) || d.username.eq_ignore_ascii_case("rdsadmin") {
            out.push(Diagnostic::new(
                d.username.span,
                format!("invalid master username `{}`", *d.username),
                "use a letter then letters, digits or underscores (at most 63); `rdsadmin` is reserved",
            ));
        }
        match (*d.manage_master_user_password, &d.master_password_secret) {
            (true, Some(s)) => out.push(Diagnostic::new(
                s.span,
                "`master_password_secret` cannot be used with `manage_master_user_password: true`",
                "keep one: RDS-managed credentials, or your own secret",
            )),
            (false, None) => out.push(Diagnostic::new(
                d.span,
                format!("RDS instance `{}` has no master password", *d.name),
                "add `master_password_secret: NAME[:json-key::]` or `manage_master_user_password: true`",
            )),
            (false, Some(s)) => super::secrets::check_reference(t, s, out),
            (true, None) => {}
        }
        for (k, _) in &d.parameters {
            if k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                out.push(Diagnostic::new(
                    k.span,
                    format!("invalid Postgres parameter name `{}`", **k),
                    "parameter names are letters, digits, `_` and `.` (e.g. max_connections)",
                ));
            }
        }
        check_refs(t, &d.subnets, &d.security_groups, out);
        no_subnets("RDS instance", &d.name, &d.subnets, d.span, out);
        if !d.subnets.is_empty() && azs(t, &d.subnets).len() < 2 && subnets_resolved(t, &d.subnets)
        {
            out.push(Diagnostic::new(
                d.subnets.first().map_or(d.span, |s| s.span),
                format!("the DB subnet group of `{}` covers fewer than two availability zones", *d.name),
                "AWS requires DB subnet group subnets in at least two AZs: add a subnet in another AZ",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    #[test]
    fn syntax_tables() {
        for (id, ok) in [
            ("db", true),
            ("shop-db", true),
            ("1db", false),
            ("db-", false),
            ("a--b", false),
            ("a_b", false),
        ] {
            assert_eq!(identifier_ok(id), ok, "{id}");
        }
        for (n, ok) in [
            ("shop", true),
            ("shop_1", true),
            ("1shop", false),
            ("shop-db", false),
            ("", false),
        ] {
            assert_eq!(pg_name_ok(n), ok, "{n}");
        }
        for (v, ok) in [
            ("15", true),
            ("15.4", true),
            ("9.6.24", true),
            ("15.", false),
            ("v15", false),
            ("", false),
        ] {
            assert_eq!(engine_version_ok(v), ok, "{v}");
        }
    }

    const DB: &str = "rds_instances:\n  - name: db\n    engine_version: \"15.4\"\n    username: app\n    manage_master_user_password: true\n    subnets: [a, b]\n    security_groups: [sg]\n";

    #[test]
    fn topology_level_table() {
        let cases = [
            (DB.to_string(), ""),
            (
                DB.replace("subnets: [a, b]", "subnets: [a]"),
                "fewer than two availability zones",
            ),
            (
                DB.replace("subnets: [a, b]", "subnets: [a, c]"),
                "unknown subnet `c`",
            ),
            (DB.replace("[sg]", "[sgx]"), "unknown security group `sgx`"),
            (DB.replace("\"15.4\"", "fifteen"), "invalid engine version"),
            (
                DB.replace("username: app", "username: 1app"),
                "invalid master username",
            ),
            (
                DB.replace("manage_master_user_password: true", "port: 5432"),
                "has no master password",
            ),
            (
                DB.replace(
                    "manage_master_user_password: true",
                    "master_password_secret: nope",
                ),
                "unknown secret `nope`",
            ),
            (
                DB.replace("name: db", "name: db\n    allocated_storage: 5"),
                "allocated_storage 5 is out of range",
            ),
            (
                DB.replace("name: db", "name: db\n    engine: mysql"),
                "unknown engine `mysql`",
            ),
            (
                DB.replace(
                    "name: db",
                    "name: db\n    parameters: { max_connections: 100, 'bad name': 1 }",
                ),
                "invalid Postgres parameter name",
            ),
            (
                format!("{DB}{}", &DB["rds_instances:\n".len()..]),
                "duplicate RDS instance name `db`",
            ),
        ];
        for (extra, want) in cases {
            expect(&extra, want);
        }
    }
}
