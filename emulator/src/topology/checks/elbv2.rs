//! ELBv2 checks: target groups (names, health-check ranges and matcher,
//! stickiness, delays, slow start) and load balancers (subnets in ≥ 2 AZs,
//! listener ports and host ports, certificates, rule priorities, condition
//! limits, forward/redirect/fixed-response validity), references, duplicate
//! names.

use super::{dangling, duplicates, range};
use crate::topology::model::elbv2::{
    Action, Algorithm, Condition, FixedResponse, HttpProtocol, Listener, ListenerRule,
    LoadBalancer, Redirect, StickinessType, TargetGroup,
};
use crate::topology::span::Spanned;
use crate::topology::{Diagnostic, Topology};
use std::collections::HashMap;

/// ELB name rule (target groups and load balancers): 1..32 letters, digits
/// and hyphens, no leading or trailing hyphen.
pub fn elb_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// ALB success-code matcher: `200`, `200,202`, `200-299`, codes 200..499.
pub fn matcher_ok(m: &str) -> bool {
    let code = |s: &str| s.len() == 3 && s.parse::<u16>().is_ok_and(|c| (200..=499).contains(&c));
    !m.is_empty()
        && m.split(',').all(|part| match part.split_once('-') {
            Some((a, b)) => code(a) && code(b) && a <= b,
            None => code(part),
        })
}

/// Fixed-response status: 2XX, 4XX or 5XX.
pub fn fixed_status_ok(s: &str) -> bool {
    s.len() == 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && matches!(s.as_bytes()[0], b'2' | b'4' | b'5')
}

/// Content types a fixed response may declare.
pub const FIXED_CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// What is wrong with a redirect, if anything, given the listener protocol:
/// a list of (message, hint) with the offending part's span.
pub fn redirect_problems(
    r: &Redirect,
    listener: HttpProtocol,
) -> Vec<(Option<&Spanned<String>>, String, String)> {
    let mut out = Vec::new();
    let unchanged = |v: &Option<Spanned<String>>, default: &str| {
        v.as_ref().is_none_or(|v| v.as_str() == default)
    };
    if unchanged(&r.protocol, "#{protocol}")
        && unchanged(&r.host, "#{host}")
        && unchanged(&r.port, "#{port}")
        && unchanged(&r.path, "/#{path}")
    {
        out.push((
            None,
            "the redirect changes none of protocol, host, port or path, so it would loop".into(),
            "change at least one of them, e.g. `protocol: HTTPS`".into(),
        ));
    }
    if let Some(p) = &r.protocol {
        match p.as_str() {
            "HTTP" if listener == HttpProtocol::Https => out.push((
                Some(p),
                "a redirect from HTTPS to HTTP is not allowed".into(),
                "redirect to HTTPS, or keep `#{protocol}`".into(),
            )),
            "HTTP" | "HTTPS" | "#{protocol}" => {}
            other => out.push((
                Some(p),
                format!("invalid redirect protocol `{other}`"),
                "use HTTP, HTTPS or #{protocol}".into(),
            )),
        }
    }
    if let Some(p) = &r.port {
        let ok =
            p.as_str() == "#{port}" || p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            out.push((
                Some(p),
                format!("invalid redirect port `{}`", **p),
                "use a port from 1 to 65535 or #{port}".into(),
            ));
        }
    }
    if let Some(p) = &r.path
        && (!p.starts_with('/') || p.len() > 128)
    {
        out.push((
            Some(p),
            format!("invalid redirect path `{}`", **p),
            "the path starts with `/` (e.g. `/#{path}`) and has at most 128 characters".into(),
        ));
    }
    if let Some(h) = &r.host
        && (h.is_empty() || h.len() > 128)
    {
        out.push((
            Some(h),
            "invalid redirect host".into(),
            "use 1 to 128 characters, or #{host}".into(),
        ));
    }
    if let Some(q) = &r.query
        && (q.starts_with('?') || q.len() > 128)
    {
        out.push((
            Some(q),
            format!("invalid redirect query `{}`", **q),
            "write the query without the leading `?`, at most 128 characters".into(),
        ));
    }
    out
}

/// Runs the ELBv2 checks.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates("target group", t.target_groups.iter().map(|g| &g.name), out);
    for g in &t.target_groups {
        target_group(g, out);
    }
    duplicates(
        "load balancer",
        t.load_balancers.iter().map(|l| &l.name),
        out,
    );
    one_load_balancer_per_target_group(t, out);
    let mut host_ports: HashMap<u16, String> = HashMap::new();
    for lb in &t.load_balancers {
        load_balancer(t, lb, &mut host_ports, out);
    }
}

/// AWS quota "load balancers per target group: 1": a target group forwarded
/// to by listeners of two load balancers is rejected.
fn one_load_balancer_per_target_group(t: &Topology, out: &mut Vec<Diagnostic>) {
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for lb in &t.load_balancers {
        for l in &lb.listeners {
            let actions =
                std::iter::once(&l.default_action).chain(l.rules.iter().map(|r| &r.action));
            for a in actions {
                let Action::Forward { target_groups, .. } = a else {
                    continue;
                };
                for g in target_groups {
                    match owner.get(g.name.as_str()) {
                        Some(first) if *first != lb.name.as_str() => out.push(Diagnostic::new(
                            g.name.span,
                            format!(
                                "target group `{}` is already used by load balancer `{first}`",
                                *g.name
                            ),
                            "a target group can serve one load balancer: create a second target group",
                        )),
                        Some(_) => {}
                        None => {
                            owner.insert(g.name.as_str(), lb.name.as_str());
                        }
                    }
                }
            }
        }
    }
}

fn target_group(g: &TargetGroup, out: &mut Vec<Diagnostic>) {
    if !elb_name_ok(&g.name) {
        out.push(Diagnostic::new(
            g.name.span,
            format!("invalid target group name `{}`", *g.name),
            "use 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen",
        ));
    }
    if *g.port == 0 {
        out.push(Diagnostic::new(
            g.port.span,
            "target group port 0 is not a port",
            "use a port from 1 to 65535",
        ));
    }
    let h = &g.health_check;
    let interval_ok = range("health check interval", &h.interval, 5, 300, out);
    let timeout_ok = range("health check timeout", &h.timeout, 2, 120, out);
    if interval_ok && timeout_ok && *h.timeout >= *h.interval {
        out.push(Diagnostic::new(
            h.timeout.span,
            format!(
                "health check timeout ({}s) must be smaller than the interval ({}s)",
                *h.timeout, *h.interval
            ),
            "lower `timeout` or raise `interval`",
        ));
    }
    range("healthy_threshold", &h.healthy_threshold, 2, 10, out);
    range("unhealthy_threshold", &h.unhealthy_threshold, 2, 10, out);
    if !h.path.starts_with('/') || h.path.len() > 1024 {
        out.push(Diagnostic::new(
            h.path.span,
            format!("invalid health check path `{}`", *h.path),
            "the path starts with `/` and has at most 1024 characters",
        ));
    }
    if !matcher_ok(&h.matcher) {
        out.push(Diagnostic::new(
            h.matcher.span,
            format!("invalid health check matcher `{}`", *h.matcher),
            "use HTTP codes from 200 to 499: \"200\", \"200,202\" or \"200-299\"",
        ));
    }
    if let Some(s) = &g.stickiness {
        range("cookie_duration", &s.cookie_duration, 1, 604_800, out);
        match (*s.kind, &s.cookie_name) {
            (StickinessType::AppCookie, None) => out.push(Diagnostic::new(s.kind.span, "app_cookie stickiness needs `cookie_name`", "name the application's cookie, e.g. `cookie_name: SESSIONID`")),
            (StickinessType::AppCookie, Some(n)) if n.starts_with("AWSALB") || n.is_empty() => out.push(Diagnostic::new(
                n.span,
                format!("invalid app cookie name `{}`", **n),
                "the name must not be empty or start with AWSALB, AWSALBAPP or AWSALBTG (those belong to the load balancer)",
            )),
            (StickinessType::LbCookie, Some(n)) => out.push(Diagnostic::new(n.span, "`cookie_name` is only used with app_cookie stickiness", "remove it, or set `type: app_cookie`")),
            _ => {}
        }
    }
    range(
        "deregistration_delay",
        &g.deregistration_delay,
        0,
        3600,
        out,
    );
    if *g.slow_start != 0 {
        range("slow_start", &g.slow_start, 30, 900, out);
        if *g.load_balancing_algorithm_type == Algorithm::LeastOutstandingRequests {
            out.push(Diagnostic::new(
                g.slow_start.span,
                "slow start cannot be combined with least_outstanding_requests",
                "set `slow_start: 0` or use round_robin",
            ));
        }
    }
}

fn load_balancer(
    t: &Topology,
    lb: &LoadBalancer,
    host_ports: &mut HashMap<u16, String>,
    out: &mut Vec<Diagnostic>,
) {
    if !elb_name_ok(&lb.name) || lb.name.starts_with("internal-") {
        out.push(Diagnostic::new(lb.name.span, format!("invalid load balancer name `{}`", *lb.name), "use 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen nor with `internal-`"));
    }
    range("idle_timeout", &lb.idle_timeout, 1, 4000, out);
    super::rds::check_refs(t, &lb.subnets, &lb.security_groups, out);
    if lb.security_groups.len() > 5 {
        out.push(Diagnostic::new(
            lb.security_groups[5].span,
            "a load balancer can have at most 5 security groups",
            "remove security groups",
        ));
    }
    let mut per_az: HashMap<&str, &Spanned<String>> = HashMap::new();
    for s in &lb.subnets {
        let Some(subnet) = t.subnet(s) else { continue };
        if let Some(first) = per_az.insert(subnet.availability_zone.as_str(), s) {
            out.push(Diagnostic::new(
                s.span,
                format!(
                    "subnets `{}` and `{}` are both in {}",
                    **first, **s, *subnet.availability_zone
                ),
                "a load balancer takes at most one subnet per availability zone",
            ));
        }
    }
    if super::rds::subnets_resolved(t, &lb.subnets) && per_az.len() < 2 {
        out.push(Diagnostic::new(
            lb.subnets.first().map_or(lb.span, |s| s.span),
            format!(
                "load balancer `{}` must span at least two availability zones",
                *lb.name
            ),
            "list subnets from at least two different AZs",
        ));
    }
    if lb.listeners.len() > 50 {
        out.push(Diagnostic::new(
            lb.listeners[50].span,
            "a load balancer can have at most 50 listeners",
            "remove listeners",
        ));
    }
    let rules: usize = lb.listeners.iter().map(|l| l.rules.len()).sum();
    if rules > 100 {
        out.push(Diagnostic::new(
            lb.span,
            format!(
                "load balancer `{}` has {rules} rules; AWS allows 100",
                *lb.name
            ),
            "merge or remove rules",
        ));
    }
    let mut ports: HashMap<u16, u32> = HashMap::new();
    for l in &lb.listeners {
        if *l.port == 0 {
            out.push(Diagnostic::new(
                l.port.span,
                "listener port 0 is not a port",
                "use a port from 1 to 65535",
            ));
        }
        if let Some(line) = ports.insert(*l.port, l.port.span.line) {
            out.push(Diagnostic::new(
                l.port.span,
                format!(
                    "duplicate listener port {} on load balancer `{}`",
                    *l.port, *lb.name
                ),
                format!("port {} already has a listener at line {line}", *l.port),
            ));
        }
        if let Some(hp) = &l.host_port {
            let owner = format!("{}:{}", *lb.name, *l.port);
            if **hp == 0 {
                out.push(Diagnostic::new(
                    hp.span,
                    "host_port 0 is not a port",
                    "omit `host_port` for an ephemeral port",
                ));
            } else if let Some(other) = host_ports.insert(**hp, owner) {
                out.push(Diagnostic::new(
                    hp.span,
                    format!("host port {} is already used by listener {other}", **hp),
                    "each listener needs its own host port; pick another or omit it",
                ));
            }
        }
        listener(t, l, out);
    }
}

fn listener(t: &Topology, l: &Listener, out: &mut Vec<Diagnostic>) {
    match (*l.protocol, &l.certificate_domains) {
        (HttpProtocol::Https, None) => out.push(Diagnostic::new(
            l.protocol.span,
            "an HTTPS listener needs a certificate",
            "add `certificate_domains: [example.com]`: emul issues a local certificate for them",
        )),
        (HttpProtocol::Https, Some(d)) if d.is_empty() || d.iter().any(String::is_empty) => out
            .push(Diagnostic::new(
                d.span,
                "certificate_domains must list at least one non-empty name",
                "add the DNS names the certificate covers",
            )),
        (HttpProtocol::Http, Some(d)) => out.push(Diagnostic::new(
            d.span,
            "certificate_domains is only used by HTTPS listeners",
            "remove it or set `protocol: HTTPS`",
        )),
        _ => {}
    }
    action(t, l, &l.default_action, out);
    let mut priorities: HashMap<i64, u32> = HashMap::new();
    for r in &l.rules {
        if range("rule priority", &r.priority, 1, 50000, out)
            && let Some(line) = priorities.insert(*r.priority, r.priority.span.line)
        {
            out.push(Diagnostic::new(r.priority.span, format!("duplicate rule priority {} on listener port {}", *r.priority, *l.port), format!("priority {} is already used at line {line}; priorities are unique per listener", *r.priority)));
        }
        rule(r, out);
        action(t, l, &r.action, out);
    }
}

fn rule(r: &ListenerRule, out: &mut Vec<Diagnostic>) {
    if r.conditions.is_empty() {
        out.push(Diagnostic::new(r.conditions.span, "a rule needs at least one condition", "add e.g. `- path_pattern: [\"/api/*\"]` (the listener's default action covers everything else)"));
        return;
    }
    let mut seen: HashMap<&str, ()> = HashMap::new();
    let mut total = 0;
    let mut wildcards = 0;
    for c in r.conditions.iter() {
        let once = matches!(
            c,
            Condition::PathPattern(_)
                | Condition::HostHeader(_)
                | Condition::HttpRequestMethod(_)
                | Condition::SourceIp(_)
        );
        let values = c.values();
        let at = values.first().map_or(r.conditions.span, |v| v.span);
        if once && seen.insert(c.field(), ()).is_some() {
            out.push(Diagnostic::new(
                at,
                format!("a rule can have only one `{}` condition", c.field()),
                "put all the values in one condition (they are ORed)",
            ));
        }
        if values.is_empty() {
            out.push(Diagnostic::new(
                at,
                format!("the `{}` condition has no values", c.field()),
                "add at least one value",
            ));
        }
        for v in &values {
            if v.is_empty() || v.len() > 128 {
                out.push(Diagnostic::new(
                    v.span,
                    "condition values must be 1 to 128 characters",
                    "shorten or fill in the value",
                ));
            }
            if v.chars().any(|ch| ch.is_control()) {
                out.push(Diagnostic::new(
                    v.span,
                    "condition values may not contain control characters",
                    "use visible ASCII",
                ));
            }
        }
        total += values.len();
        if !matches!(c, Condition::SourceIp(_)) {
            wildcards += values
                .iter()
                .map(|v| v.chars().filter(|ch| *ch == '*' || *ch == '?').count())
                .sum::<usize>();
        }
        match c {
            Condition::HttpHeader { name, .. }
                if (name.is_empty()
                    || name.len() > 40
                    || name.eq_ignore_ascii_case("host")
                    || !name.chars().all(|ch| {
                        ch.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(ch)
                    })) =>
            {
                out.push(Diagnostic::new(name.span, format!("invalid http_header_name `{}`", **name), "use a header name of at most 40 characters; `Host` needs a host_header condition"));
            }
            Condition::HttpRequestMethod(methods) => {
                for m in methods {
                    if m.len() > 40
                        || !m
                            .chars()
                            .all(|ch| ch.is_ascii_uppercase() || ch == '-' || ch == '_')
                    {
                        out.push(Diagnostic::new(
                            m.span,
                            format!("invalid HTTP method `{}`", **m),
                            "methods are upper case (GET, POST...) and match exactly",
                        ));
                    }
                }
            }
            Condition::SourceIp(nets) => {
                for n in nets {
                    if n.to_string() == "255.255.255.255/32" {
                        out.push(Diagnostic::new(
                            n.span,
                            "source_ip 255.255.255.255/32 is not allowed",
                            "use a real client range",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if total > 5 {
        out.push(Diagnostic::new(
            r.conditions.span,
            format!("the rule has {total} condition values; AWS allows 5 per rule"),
            "split the rule in two, or use wildcards",
        ));
    }
    if wildcards > 5 {
        out.push(Diagnostic::new(
            r.conditions.span,
            format!("the rule has {wildcards} wildcards; AWS allows 5 per rule"),
            "use fewer `*`/`?`",
        ));
    }
}

fn action(t: &Topology, l: &Listener, a: &Action, out: &mut Vec<Diagnostic>) {
    match a {
        Action::Missing => {}
        Action::Forward {
            target_groups,
            stickiness,
            span,
        } => {
            let names: Vec<&str> = t.target_groups.iter().map(|g| g.name.as_str()).collect();
            if target_groups.len() > 5 {
                out.push(Diagnostic::new(
                    *span,
                    "a forward action can use at most 5 target groups",
                    "remove target groups",
                ));
            }
            let mut seen: HashMap<&str, ()> = HashMap::new();
            for g in target_groups {
                dangling("target group", &g.name, &names, out);
                range("weight", &g.weight, 0, 999, out);
                if seen.insert(g.name.as_str(), ()).is_some() {
                    out.push(Diagnostic::new(
                        g.name.span,
                        format!(
                            "target group `{}` appears twice in this forward action",
                            *g.name
                        ),
                        "list each target group once",
                    ));
                }
            }
            if target_groups.len() > 1 && target_groups.iter().all(|g| *g.weight == 0) {
                out.push(Diagnostic::new(
                    *span,
                    "every target group has weight 0, so no request can be forwarded",
                    "give at least one target group a positive weight",
                ));
            }
            if let Some(d) = stickiness {
                range("forward stickiness duration", d, 1, 604_800, out);
            }
            if target_groups.len() > 1
                && stickiness.is_none()
                && let Some(g) = target_groups.iter().find(|g| {
                    t.target_group(&g.name)
                        .and_then(|tg| tg.stickiness.as_ref())
                        .is_some_and(|s| s.enabled)
                })
            {
                out.push(Diagnostic::new(
                        g.name.span,
                        format!("target group `{}` has sticky sessions, so this weighted forward needs group stickiness", *g.name),
                        "add `stickiness: { enabled: true, duration: 3600 }` to the forward action",
                    ));
            }
        }
        Action::Redirect(r) => {
            for (at, msg, hint) in redirect_problems(r, *l.protocol) {
                out.push(Diagnostic::new(at.map_or(r.span, |s| s.span), msg, hint));
            }
        }
        Action::FixedResponse(f) => fixed_response(f, out),
    }
}

fn fixed_response(f: &FixedResponse, out: &mut Vec<Diagnostic>) {
    if !fixed_status_ok(&f.status_code) {
        out.push(Diagnostic::new(
            f.status_code.span,
            format!("invalid fixed-response status code `{}`", *f.status_code),
            "use a 2XX, 4XX or 5XX code, quoted: \"503\"",
        ));
    }
    if !FIXED_CONTENT_TYPES.contains(&f.content_type.as_str()) {
        out.push(Diagnostic::new(
            f.content_type.span,
            format!("invalid content type `{}`", *f.content_type),
            format!("use one of: {}", FIXED_CONTENT_TYPES.join(", ")),
        ));
    }
    if let Some(b) = &f.message_body
        && b.len() > 1024
    {
        out.push(Diagnostic::new(
            b.span,
            format!("message_body is {} bytes; AWS allows 1024", b.len()),
            "shorten the body",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::checks::testing::expect;

    #[test]
    fn syntax_tables() {
        for (n, ok) in [
            ("tg", true),
            ("my-tg-1", true),
            ("-tg", false),
            ("tg-", false),
            ("t_g", false),
            (&"a".repeat(33) as &str, false),
        ] {
            assert_eq!(elb_name_ok(n), ok, "{n}");
        }
        for (m, ok) in [
            ("200", true),
            ("200,202", true),
            ("200-299", true),
            ("200-299,404", true),
            ("199", false),
            ("500", false),
            ("299-200", false),
            ("2xx", false),
            ("", false),
        ] {
            assert_eq!(matcher_ok(m), ok, "{m}");
        }
        for (s, ok) in [
            ("200", true),
            ("404", true),
            ("503", true),
            ("301", false),
            ("600", false),
            ("20", false),
        ] {
            assert_eq!(fixed_status_ok(s), ok, "{s}");
        }
    }

    fn lb(listeners: &str) -> String {
        format!(
            "target_groups:\n  - {{ name: tg, port: 80 }}\n  - {{ name: tg2, port: 80 }}\nload_balancers:\n  - name: lb\n    subnets: [a, b]\n    listeners:\n{listeners}"
        )
    }

    const FWD: &str = "{ forward: { target_group: tg } }";

    #[test]
    fn target_group_table() {
        let base = "target_groups:\n  - name: tg\n    port: 80\n";
        let cases = [
            ("", ""),
            (
                "    health_check: { interval: 5, timeout: 5 }\n",
                "timeout (5s) must be smaller than the interval (5s)",
            ),
            (
                "    health_check: { interval: 301 }\n",
                "health check interval 301 is out of range (5..300)",
            ),
            (
                "    health_check: { timeout: 1 }\n",
                "health check timeout 1 is out of range (2..120)",
            ),
            (
                "    health_check: { healthy_threshold: 11 }\n",
                "healthy_threshold 11 is out of range (2..10)",
            ),
            (
                "    health_check: { unhealthy_threshold: 1 }\n",
                "unhealthy_threshold 1 is out of range (2..10)",
            ),
            (
                "    health_check: { matcher: \"200-600\" }\n",
                "invalid health check matcher",
            ),
            (
                "    health_check: { path: health }\n",
                "invalid health check path",
            ),
            (
                "    health_check: { port: 0 }\n",
                "invalid health check port",
            ),
            ("    health_check: { port: traffic-port }\n", ""),
            (
                "    stickiness: { type: app_cookie }\n",
                "needs `cookie_name`",
            ),
            (
                "    stickiness: { type: app_cookie, cookie_name: AWSALBX }\n",
                "invalid app cookie name",
            ),
            (
                "    stickiness: { type: lb_cookie, cookie_duration: 0 }\n",
                "cookie_duration 0 is out of range",
            ),
            (
                "    deregistration_delay: 4000\n",
                "deregistration_delay 4000 is out of range",
            ),
            (
                "    slow_start: 10\n",
                "slow_start 10 is out of range (30..900)",
            ),
            (
                "    slow_start: 30\n    load_balancing_algorithm_type: least_outstanding_requests\n",
                "cannot be combined with least_outstanding_requests",
            ),
            ("    protocol: TCP\n", "unknown protocol `TCP`"),
        ];
        for (extra, want) in cases {
            expect(&format!("{base}{extra}"), want);
        }
        expect(
            "target_groups:\n  - { name: tg, port: 80 }\n  - { name: tg, port: 81 }\n",
            "duplicate target group name `tg`",
        );
    }

    #[test]
    fn listener_table() {
        let cases = [
            (format!("      - {{ port: 80, default_action: {FWD} }}\n"), ""),
            (format!("      - {{ port: 80, default_action: {FWD} }}\n      - {{ port: 80, default_action: {FWD} }}\n"), "duplicate listener port 80"),
            (format!("      - {{ port: 80, host_port: 8080, default_action: {FWD} }}\n      - {{ port: 81, host_port: 8080, default_action: {FWD} }}\n"), "host port 8080 is already used by listener lb:80"),
            (format!("      - {{ port: 443, protocol: HTTPS, default_action: {FWD} }}\n"), "needs a certificate"),
            (format!("      - {{ port: 80, certificate_domains: [x.com], default_action: {FWD} }}\n"), "only used by HTTPS listeners"),
            ("      - { port: 80, default_action: { forward: { target_group: nope } } }\n".into(), "unknown target group `nope`"),
            ("      - { port: 80, default_action: { forwrd: { target_group: tg } } }\n".into(), "did you mean `forward`"),
            ("      - { port: 80, default_action: { forward: { target_group: tg }, redirect: { protocol: HTTPS, status_code: HTTP_301 } } }\n".into(), "must have exactly one key"),
            ("      - { port: 80, default_action: { redirect: { status_code: HTTP_301 } } }\n".into(), "would loop"),
            ("      - { port: 80, default_action: { redirect: { protocol: HTTPS, status_code: HTTP_307 } } }\n".into(), "unknown redirect status code `HTTP_307`"),
            ("      - { port: 443, protocol: HTTPS, certificate_domains: [x.com], default_action: { redirect: { protocol: HTTP, port: \"80\", status_code: HTTP_301 } } }\n".into(), "from HTTPS to HTTP is not allowed"),
            ("      - { port: 80, default_action: { redirect: { path: x, status_code: HTTP_302 } } }\n".into(), "invalid redirect path"),
            ("      - { port: 80, default_action: { redirect: { port: \"70000\", status_code: HTTP_302 } } }\n".into(), "invalid redirect port"),
            ("      - { port: 80, default_action: { redirect: { protocol: HTTPS, query: \"?a=1\", status_code: HTTP_302 } } }\n".into(), "invalid redirect query"),
            ("      - { port: 80, default_action: { fixed_response: { status_code: \"301\" } } }\n".into(), "invalid fixed-response status code"),
            ("      - { port: 80, default_action: { fixed_response: { status_code: \"404\", content_type: text/xml } } }\n".into(), "invalid content type"),
            (format!("      - {{ port: 80, default_action: {{ fixed_response: {{ status_code: \"200\", message_body: \"{}\" }} }} }}\n", "x".repeat(1025)), "message_body is 1025 bytes"),
            ("      - { port: 80, default_action: { forward: { target_groups: [{ name: tg, weight: 1000 }, { name: tg2 }] } } }\n".into(), "weight 1000 is out of range"),
            ("      - { port: 80, default_action: { forward: { target_groups: [{ name: tg, weight: 0 }, { name: tg2, weight: 0 }] } } }\n".into(), "every target group has weight 0"),
            ("      - { port: 80, default_action: { forward: { target_groups: [{ name: tg }, { name: tg }] } } }\n".into(), "appears twice"),
        ];
        for (listeners, want) in cases {
            expect(&lb(&listeners), want);
        }
    }

    #[test]
    fn rule_table() {
        let rule = |prio: &str, conds: &str| {
            format!(
                "      - port: 80\n        default_action: {FWD}\n        rules:\n          - {{ priority: {prio}, conditions: [{conds}], action: {FWD} }}\n"
            )
        };
        let cases = [
            (rule("1", "{ path_pattern: [/a] }"), ""),
            (
                rule("0", "{ path_pattern: [/a] }"),
                "rule priority 0 is out of range (1..50000)",
            ),
            (
                rule("50001", "{ path_pattern: [/a] }"),
                "rule priority 50001 is out of range",
            ),
            (rule("1", ""), "needs at least one condition"),
            (
                rule("1", "{ path_pattern: [/a] }, { path_pattern: [/b] }"),
                "only one `path_pattern` condition",
            ),
            (
                rule(
                    "1",
                    "{ path_pattern: [/a, /b, /c] }, { host_header: [a.com, b.com, c.com] }",
                ),
                "6 condition values",
            ),
            (
                rule(
                    "1",
                    "{ path_pattern: ['/*/*/*'] }, { host_header: ['*.a.com', '*.b.com', '*.c.com'] }",
                ),
                "6 wildcards",
            ),
            (
                rule(
                    "1",
                    "{ http_header: { http_header_name: Host, values: [x] } }",
                ),
                "invalid http_header_name",
            ),
            (
                rule("1", "{ http_request_method: [get] }"),
                "invalid HTTP method",
            ),
            (
                rule(
                    "1",
                    "{ source_ip: [10.0.0.0/8] }, { query_string: [{ key: v, value: '2' }] }",
                ),
                "",
            ),
            (
                rule("1", "{ source_ip: [10.0.0.0/33] }"),
                "invalid CIDR block",
            ),
            // AWS's SourceIpConfig takes IPv6 CIDRs too.
            (
                rule(
                    "1",
                    "{ source_ip: ['2001:db8::/32', '::1/128', 10.0.0.0/8] }",
                ),
                "",
            ),
            (
                rule("1", "{ source_ip: ['2001:db8::zz/32'] }"),
                "invalid CIDR block `2001:db8::zz/32`",
            ),
            (rule("1", "{ path: [/a] }"), "did you mean `path_pattern`"),
            (rule("1", "{ path_pattern: [''] }"), "1 to 128 characters"),
        ];
        for (listeners, want) in cases {
            expect(&lb(&listeners), want);
        }
        let dup = format!(
            "      - port: 80\n        default_action: {FWD}\n        rules:\n          - {{ priority: 5, conditions: [{{ path_pattern: [/a] }}], action: {FWD} }}\n          - {{ priority: 5, conditions: [{{ path_pattern: [/b] }}], action: {FWD} }}\n"
        );
        expect(&lb(&dup), "duplicate rule priority 5 on listener port 80");
    }

    #[test]
    fn load_balancer_subnets_table() {
        let l = format!("      - {{ port: 80, default_action: {FWD} }}\n");
        expect(
            &lb(&l).replace("subnets: [a, b]", "subnets: [a]"),
            "must span at least two availability zones",
        );
        expect(
            &lb(&l).replace("subnets: [a, b]", "subnets: [a, x]"),
            "unknown subnet `x`",
        );
        let base = crate::topology::checks::testing::BASE.replace(
            "security_groups:\n",
            "    - { name: c, cidr_block: 10.0.3.0/24, availability_zone: us-east-1a }\nsecurity_groups:\n",
        );
        let three = lb(&l).replace("subnets: [a, b]", "subnets: [a, b, c]");
        crate::topology::checks::testing::expect_in(
            &format!("{base}{three}"),
            "are both in us-east-1a",
        );
        expect(
            &lb(&l).replace("name: lb", "name: internal-lb"),
            "invalid load balancer name",
        );
        let second = format!(
            "{}  - name: lb2\n    subnets: [a, b]\n    listeners:\n{l}",
            lb(&l)
        );
        expect(
            &second,
            "target group `tg` is already used by load balancer `lb`",
        );
    }
}
