//! Project-level checks: the topology's `name`, `region`, `account_id` and
//! `time_scale`.

use crate::topology::{Diagnostic, Topology};

/// Project name rule: `[a-z0-9][a-z0-9-]*`, at most 32 characters (it
/// prefixes Docker object names and labels).
pub fn project_name_ok(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Region shape: `xx-name-N` (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`).
pub fn region_ok(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n >= 1)
}

/// Account ID: exactly 12 digits.
pub fn account_id_ok(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|c| c.is_ascii_digit())
}

/// Runs the project checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    if !t.name.is_placeholder() && !project_name_ok(&t.name) {
        out.push(Diagnostic::new(
            t.name.span,
            format!("invalid project name `{}`", *t.name),
            "use 1 to 32 lowercase letters, digits and hyphens, starting with a letter or digit",
        ));
    }
    if !t.region.is_placeholder() && !region_ok(&t.region) {
        out.push(Diagnostic::new(
            t.region.span,
            format!("invalid region `{}`", *t.region),
            "use an AWS region name such as us-east-1 or eu-west-2",
        ));
    }
    if !t.account_id.is_placeholder() && !account_id_ok(&t.account_id) {
        out.push(Diagnostic::new(
            t.account_id.span,
            format!("invalid account ID `{}`", *t.account_id),
            "use exactly 12 digits, quoted so leading zeros survive: \"000000000000\"",
        ));
    }
    if !t.time_scale.is_placeholder() && !(1..=3600).contains(&*t.time_scale) {
        out.push(Diagnostic::new(
            t.time_scale.span,
            format!("time_scale {} is out of range", *t.time_scale),
            "use 1 (AWS's timing, the default) up to 3600 (an hour of AWS time per second)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::{BASE, expect_in};

    #[test]
    fn syntax_tables() {
        for (n, ok) in [
            ("shop", true),
            ("my-shop-2", true),
            ("2shop", true),
            ("Shop", false),
            ("-shop", false),
            ("a_b", false),
            ("", false),
        ] {
            assert_eq!(project_name_ok(n), ok, "{n:?}");
        }
        assert!(!project_name_ok(&"a".repeat(33)));
        for (r, ok) in [
            ("us-east-1", true),
            ("ap-southeast-2", true),
            ("us-gov-west-1", true),
            ("us-east", false),
            ("useast1", false),
            ("US-east-1", false),
            ("us-east-0", false),
        ] {
            assert_eq!(region_ok(r), ok, "{r}");
        }
        for (a, ok) in [
            ("000000000000", true),
            ("123456789012", true),
            ("12345678901", false),
            ("12345678901a", false),
        ] {
            assert_eq!(account_id_ok(a), ok, "{a}");
        }
    }

    #[test]
    fn topology_level_table() {
        let cases = [
            (BASE.to_string(), ""),
            (
                BASE.replace("name: t\n", "name: My_Shop\n"),
                "1:7 invalid project name `My_Shop`",
            ),
            (
                BASE.replace("name: t\n", "name: t\nregion: mars-1\n"),
                "2:9 invalid region `mars-1`",
            ),
            (
                BASE.replace("name: t\n", "name: t\naccount_id: 42\n"),
                "2:13 invalid account ID `42`",
            ),
        ];
        for (src, want) in cases {
            expect_in(&src, want);
        }
    }
}
