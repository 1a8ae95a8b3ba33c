//! Task placement on container instances (the EC2 launch type), pure:
//! what a task reserves, which instances may take it (ACTIVE, enough CPU,
//! memory and host ports left, `placementConstraints` met) and in what
//! order they are tried (`placementStrategy`), with AWS's failure reasons
//! when none can.
//!
//! Constraints: `distinctInstance` (no other task of the task's group on
//! the instance) and `memberOf` with a cluster query language expression
//! ([`Query`]), the task definition's and the request's together.
//! Strategies, applied in order: `binpack` (`cpu`/`memory`: the least left
//! first), `spread` (`instanceId`/`host`, or `attribute:<name>`: the fewest
//! tasks of the group first), `random`. Without any, `random`.

use rand::Rng;
use serde::Deserialize;
use serde_json::Value;

use super::container_instance::{ContainerInstance, Reservation};
use super::{Region, TaskDefinition, TaskStatus};
use crate::services::ecs::errors::EcsError;

/// One `placementConstraints` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Constraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The memberOf expression.
    pub expression: Option<String>,
}

/// One `placementStrategy` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Strategy {
    /// `random`, `spread` or `binpack`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// What it applies to.
    pub field: Option<String>,
}

/// The constraints and strategies of one placement, checked.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// `distinctInstance` asked for.
    pub distinct: bool,
    /// The memberOf expressions, all of which must hold.
    pub member_of: Vec<Query>,
    /// The strategies, in order.
    pub strategies: Vec<Strategy>,
}

impl Rules {
    /// Checks the request's constraints and strategies and adds the task
    /// definition's constraints (memberOf only, as AWS allows there).
    pub fn new(
        td: &TaskDefinition,
        constraints: &[Constraint],
        strategies: &[Strategy],
    ) -> Result<Rules, EcsError> {
        if constraints.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "placementConstraints can have at most 10 items.".into(),
            ));
        }
        if strategies.len() > 5 {
            return Err(EcsError::InvalidParameter(
                "placementStrategy can have at most 5 items.".into(),
            ));
        }
        let from_td: Vec<Constraint> = td
            .body
            .get("placementConstraints")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let mut rules = Rules::default();
        for c in constraints.iter().chain(&from_td) {
            match (c.kind.as_deref(), c.expression.as_deref()) {
                (Some("distinctInstance"), None | Some("")) => rules.distinct = true,
                (Some("distinctInstance"), Some(_)) => {
                    return Err(EcsError::InvalidParameter(
                        "An expression can not be specified for a distinctInstance placement constraint.".into(),
                    ));
                }
                (Some("memberOf"), Some(e)) if !e.trim().is_empty() => {
                    rules.member_of.push(Query::parse(e)?)
                }
                (Some("memberOf"), _) => {
                    return Err(EcsError::InvalidParameter(
                        "An expression is required for a memberOf placement constraint.".into(),
                    ));
                }
                (other, _) => {
                    return Err(EcsError::InvalidParameter(format!(
                        "Invalid placement constraint type: {}. Valid values are distinctInstance, memberOf.",
                        other.unwrap_or("null")
                    )));
                }
            }
        }
        for s in strategies {
            let field = s.field.as_deref().unwrap_or_default();
            let ok = match s.kind.as_deref() {
                Some("random") => field.is_empty(),
                Some("binpack") => matches!(field.to_ascii_lowercase().as_str(), "cpu" | "memory"),
                Some("spread") => {
                    matches!(field, "instanceId" | "host") || field.starts_with("attribute:")
                }
                _ => false,
            };
            if !ok {
                return Err(EcsError::InvalidParameter(format!(
                    "Invalid placement strategy: type {}, field {}.",
                    s.kind.as_deref().unwrap_or("null"),
                    s.field.as_deref().unwrap_or("null")
                )));
            }
        }
        rules.strategies = strategies.to_vec();
        Ok(rules)
    }
}

/// A task-level `cpu` (`"1024"`, `"1 vCPU"`, `"0.5 vcpu"`) in CPU units.
fn cpu_units(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?.trim().to_ascii_lowercase();
    match s.strip_suffix("vcpu") {
        Some(n) => n.trim().parse::<f64>().ok().map(|n| (n * 1024.0) as i64),
        None => s.parse().ok(),
    }
}

/// A task-level `memory` (`"512"`, `"1 GB"`) in MiB.
fn memory_mib(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?.trim().to_ascii_lowercase();
    match s.strip_suffix("gb") {
        Some(n) => n.trim().parse::<f64>().ok().map(|n| (n * 1024.0) as i64),
        None => s.parse().ok(),
    }
}

impl Reservation {
    /// What a task of `td` run with `overrides` reserves on its instance:
    /// the task-level cpu/memory when set, else the sum of its containers'
    /// (`memory`, else `memoryReservation`), and its host ports (none in
    /// `awsvpc` mode; `hostPort` in bridge mode, the container port in
    /// `host` mode).
    pub fn of(td: &TaskDefinition, overrides: Option<&Value>) -> Reservation {
        let over = |k: &str| overrides.and_then(|o| o.get(k));
        let container_override = |name: &str| {
            overrides
                .and_then(|o| o.get("containerOverrides"))
                .and_then(Value::as_array)
                .and_then(|list| list.iter().find(|c| c["name"] == name))
                .cloned()
        };
        let mut out = Reservation::default();
        let (mut cpu, mut memory) = (0, 0);
        let mode = td.network_mode().to_string();
        for c in td.containers() {
            let name = c["name"].as_str().unwrap_or_default();
            let o = container_override(name).unwrap_or(Value::Null);
            let pick = |k: &str| {
                o.get(k)
                    .and_then(Value::as_i64)
                    .or(c.get(k).and_then(Value::as_i64))
            };
            cpu += pick("cpu").unwrap_or(0);
            memory += pick("memory").or(pick("memoryReservation")).unwrap_or(0);
            if mode == "awsvpc" {
                continue;
            }
            for m in c
                .get("portMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let host = m.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
                let port = if mode == "host" {
                    m.get("containerPort")
                        .and_then(Value::as_i64)
                        .unwrap_or(host)
                } else {
                    host
                };
                if port <= 0 {
                    continue;
                }
                match m.get("protocol").and_then(Value::as_str) {
                    Some("udp") => out.ports_udp.push(port.to_string()),
                    _ => out.ports.push(port.to_string()),
                }
            }
        }
        out.cpu = over("cpu")
            .and_then(cpu_units)
            .or_else(|| td.body.get("cpu").and_then(cpu_units))
            .unwrap_or(cpu);
        out.memory = over("memory")
            .and_then(memory_mib)
            .or_else(|| td.body.get("memory").and_then(memory_mib))
            .unwrap_or(memory);
        out
    }
}

/// A failed placement: (container instance ARN, reason).
pub type Failure = (String, String);

impl Region {
    /// Whether RunTask places its tasks on container instances: on a
    /// cluster that has had container instances registered, when the EC2
    /// launch type is asked for, or no launch type and no capacity provider
    /// strategy (AWS's default launch type is EC2). A cluster that never had
    /// one (every topology's cluster: the seeds declare `launch_type: EC2`
    /// and no instances) runs EC2 tasks as it always has, in their own ENI
    /// with no placement; AWS would refuse them, but emul's clusters stand
    /// for capacity the topology does not describe. Placement on a cluster
    /// whose instances are all DRAINING or deregistered is AWS's
    /// InvalidParameterException.
    pub fn places_on_instances(
        &self,
        cluster: &str,
        launch_type: Option<&str>,
        has_strategy: bool,
    ) -> Result<bool, EcsError> {
        // Deregistered (INACTIVE) instances count: the cluster is one of
        // container instances from its first registration on.
        let has_instances = self
            .container_instances
            .values()
            .any(|ci| ci.cluster == cluster);
        let ec2 = match launch_type {
            Some("EC2") => has_instances,
            Some(_) => false,
            None => !has_strategy && has_instances,
        };
        let active = self
            .container_instances_of(cluster)
            .any(|ci| ci.status == "ACTIVE");
        if ec2 && !active {
            return Err(EcsError::InvalidParameter(
                "No Container Instances were found in your cluster.".into(),
            ));
        }
        Ok(ec2)
    }

    /// The ACTIVE container instance of `cluster` a task of `group`
    /// reserving `wanted` goes to under `rules`; when none may take it,
    /// each ACTIVE instance with the reason it may not (AWS's
    /// `RESOURCE:*`, or the unsatisfied constraint).
    pub fn choose_instance(
        &self,
        cluster: &str,
        wanted: &Reservation,
        group: &str,
        rules: &Rules,
    ) -> Result<String, Vec<Failure>> {
        let mut failures = Vec::new();
        let mut fit: Vec<&ContainerInstance> = Vec::new();
        for ci in self
            .container_instances_of(cluster)
            .filter(|ci| ci.status == "ACTIVE")
        {
            let reason = if rules.member_of.iter().any(|q| !q.matches(self, ci)) {
                Some("MemberOf placement constraint unsatisfied".to_string())
            } else if rules.distinct && self.tasks_on(&ci.arn).any(|t| t.group == group) {
                Some("DistinctInstance placement constraint unsatisfied".to_string())
            } else {
                self.fits(ci, wanted).err().map(String::from)
            };
            match reason {
                Some(r) => failures.push((ci.arn.clone(), r)),
                None => fit.push(ci),
            }
        }
        if fit.is_empty() {
            return Err(failures);
        }
        // One sort key per strategy, then a random tie-break.
        let mut rng = rand::rng();
        let mut keyed: Vec<(Vec<i64>, &ContainerInstance)> = fit
            .into_iter()
            .map(|ci| {
                let mut key: Vec<i64> = rules
                    .strategies
                    .iter()
                    .map(|s| self.strategy_key(cluster, ci, s, group, &mut rng))
                    .collect();
                key.push(rng.random_range(0..i64::MAX));
                (key, ci)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(keyed[0].1.id.clone())
    }

    /// Where `ci` ranks under `s` (lower goes first).
    fn strategy_key(
        &self,
        cluster: &str,
        ci: &ContainerInstance,
        s: &Strategy,
        group: &str,
        rng: &mut impl Rng,
    ) -> i64 {
        let field = s.field.as_deref().unwrap_or_default();
        match s.kind.as_deref() {
            Some("binpack") => {
                let left = self.remaining_on(ci);
                let name = if field.eq_ignore_ascii_case("cpu") {
                    "CPU"
                } else {
                    "MEMORY"
                };
                left.iter()
                    .find(|r| r["name"] == name)
                    .and_then(|r| r["integerValue"].as_i64())
                    .unwrap_or(0)
            }
            Some("spread") => match field.strip_prefix("attribute:") {
                Some(attr) => {
                    let value = ci.attribute(attr).flatten();
                    self.container_instances_of(cluster)
                        .filter(|other| other.attribute(attr).flatten() == value)
                        .map(|other| {
                            self.tasks_on(&other.arn)
                                .filter(|t| t.group == group)
                                .count()
                        })
                        .sum::<usize>() as i64
                }
                None => self.tasks_on(&ci.arn).filter(|t| t.group == group).count() as i64,
            },
            _ => rng.random_range(0..i64::MAX),
        }
    }
}

/// A cluster query language expression (memberOf, ListContainerInstances'
/// `filter`): clauses `subject operator [argument]` joined by
/// `and`/`&&`, `or`/`||`, `not`/`!` and parentheses. Subjects:
/// `attribute:<name>`, `ec2InstanceId`, `agentConnected`, `agentVersion`,
/// `registeredAt`, `runningTasksCount`, `task:group`. Operators: `==`
/// (`equals`), `!=` (`not_equals`), `exists`, `!exists` (`not_exists`),
/// `in`, `!in` (`not_in`) with `[a, b]`, `=~` (`matches`) and `!~`
/// (`not_matches`) with `*` wildcards, `>`, `>=`, `<`, `<=`.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Both hold.
    And(Box<Query>, Box<Query>),
    /// Either holds.
    Or(Box<Query>, Box<Query>),
    /// It does not hold.
    Not(Box<Query>),
    /// One clause.
    Clause {
        /// The subject.
        subject: String,
        /// The operator (normalized to its symbol).
        op: String,
        /// The arguments (one, or a list for `in`).
        args: Vec<String>,
    },
}

fn bad_expression(expr: &str) -> EcsError {
    EcsError::InvalidParameter(format!("Invalid expression: {expr}"))
}

/// The expression's tokens: words, `(`, `)`, `[`, `]`, `,`.
fn tokens(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in expr.chars() {
        if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',') {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Parser<'a> {
    toks: Vec<String>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Result<String, EcsError> {
        let t = self
            .toks
            .get(self.at)
            .cloned()
            .ok_or_else(|| bad_expression(self.text))?;
        self.at += 1;
        Ok(t)
    }

    fn or(&mut self) -> Result<Query, EcsError> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some("or" | "||")) {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Query, EcsError> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some("and" | "&&")) {
            self.at += 1;
            left = Query::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Query, EcsError> {
        match self.peek() {
            Some("not" | "!") => {
                self.at += 1;
                Ok(Query::Not(Box::new(self.unary()?)))
            }
            Some("(") => {
                self.at += 1;
                let q = self.or()?;
                if self.next()? != ")" {
                    return Err(bad_expression(self.text));
                }
                Ok(q)
            }
            _ => self.clause(),
        }
    }

    fn clause(&mut self) -> Result<Query, EcsError> {
        let subject = self.next()?;
        let known = subject.starts_with("attribute:")
            || matches!(
                subject.as_str(),
                "ec2InstanceId"
                    | "agentConnected"
                    | "agentVersion"
                    | "registeredAt"
                    | "runningTasksCount"
                    | "task:group"
            );
        if !known {
            return Err(bad_expression(self.text));
        }
        let op = match self.next()?.as_str() {
            "==" | "equals" => "==",
            "!=" | "not_equals" => "!=",
            "exists" => "exists",
            "!exists" | "not_exists" => "!exists",
            "in" => "in",
            "!in" | "not_in" => "!in",
            "=~" | "matches" => "=~",
            "!~" | "not_matches" => "!~",
            ">" => ">",
            ">=" => ">=",
            "<" => "<",
            "<=" => "<=",
            _ => return Err(bad_expression(self.text)),
        }
        .to_string();
        let args = match op.as_str() {
            "exists" | "!exists" => vec![],
            "in" | "!in" => {
                if self.next()? != "[" {
                    return Err(bad_expression(self.text));
                }
                let mut list = Vec::new();
                loop {
                    let t = self.next()?;
                    match t.as_str() {
                        "]" => break,
                        "," => continue,
                        _ => list.push(t),
                    }
                }
                list
            }
            _ => {
                let t = self.next()?;
                if matches!(t.as_str(), "(" | ")" | "[" | "]" | ",") {
                    return Err(bad_expression(self.text));
                }
                vec![t]
            }
        };
        Ok(Query::Clause { subject, op, args })
    }
}

impl Query {
    /// Parses `expr`; an InvalidParameterException naming it if it is not
    /// one.
    pub fn parse(expr: &str) -> Result<Query, EcsError> {
        let mut p = Parser {
            toks: tokens(expr),
            at: 0,
            text: expr,
        };
        let q = p.or()?;
        if p.at != p.toks.len() {
            return Err(bad_expression(expr));
        }
        Ok(q)
    }

    /// Whether container instance `ci` of `region` satisfies it.
    pub fn matches(&self, region: &Region, ci: &ContainerInstance) -> bool {
        match self {
            Query::And(a, b) => a.matches(region, ci) && b.matches(region, ci),
            Query::Or(a, b) => a.matches(region, ci) || b.matches(region, ci),
            Query::Not(q) => !q.matches(region, ci),
            Query::Clause { subject, op, args } => {
                let values: Vec<String> = match subject.as_str() {
                    "ec2InstanceId" => vec![ci.ec2_instance_id.clone()],
                    "agentConnected" => vec![ci.is_registered().to_string()],
                    "agentVersion" => ci.version_info["agentVersion"]
                        .as_str()
                        .map(String::from)
                        .into_iter()
                        .collect(),
                    "registeredAt" => vec![ci.registered_at.to_string()],
                    "runningTasksCount" => vec![
                        region
                            .tasks_on(&ci.arn)
                            .filter(|t| t.last_status == TaskStatus::Running)
                            .count()
                            .to_string(),
                    ],
                    "task:group" => region.tasks_on(&ci.arn).map(|t| t.group.clone()).collect(),
                    s => {
                        let name = s.strip_prefix("attribute:").unwrap_or(s);
                        match ci.attribute(name) {
                            Some(v) => vec![v.unwrap_or_default().to_string()],
                            None => vec![],
                        }
                    }
                };
                let arg = args.first().map(String::as_str).unwrap_or_default();
                let compare = |v: &String| match (v.parse::<f64>(), arg.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a.partial_cmp(&b),
                    _ => Some(v.as_str().cmp(arg)),
                };
                let wild = |v: &String| crate::services::ec2::filters::wildcard(arg, v);
                match op.as_str() {
                    "exists" => !values.is_empty(),
                    "!exists" => values.is_empty(),
                    "==" => values.iter().any(|v| v == arg),
                    "!=" => !values.iter().any(|v| v == arg),
                    "in" => values.iter().any(|v| args.contains(v)),
                    "!in" => !values.iter().any(|v| args.contains(v)),
                    "=~" => values.iter().any(wild),
                    "!~" => !values.iter().any(wild),
                    ">" => values.iter().any(|v| compare(v).is_some_and(|o| o.is_gt())),
                    ">=" => values.iter().any(|v| compare(v).is_some_and(|o| o.is_ge())),
                    "<" => values.iter().any(|v| compare(v).is_some_and(|o| o.is_lt())),
                    "<=" => values.iter().any(|v| compare(v).is_some_and(|o| o.is_le())),
                    _ => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_with_precedence_and_reject_nonsense() {
        let q = Query::parse(
            "attribute:ecs.instance-type =~ t2.* and (attribute:env == prod or not attribute:x exists)",
        )
        .unwrap();
        assert!(matches!(q, Query::And(..)));
        let q =
            Query::parse("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]").unwrap();
        match q {
            Query::Clause { args, .. } => assert_eq!(args, ["us-east-1a", "us-east-1b"]),
            other => panic!("{other:?}"),
        }
        for bad in [
            "",
            "foo == bar",
            "attribute:x ==",
            "attribute:x == a b",
            "(attribute:x exists",
        ] {
            assert!(Query::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn task_level_sizes_win_over_container_sums() {
        assert_eq!(cpu_units(&Value::from("1 vCPU")), Some(1024));
        assert_eq!(cpu_units(&Value::from("0.5 vcpu")), Some(512));
        assert_eq!(memory_mib(&Value::from("2 GB")), Some(2048));
        assert_eq!(memory_mib(&Value::from("300")), Some(300));
    }
}
