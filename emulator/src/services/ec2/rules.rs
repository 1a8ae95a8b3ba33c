//! Security-group rules as AWS stores them, and the writes that change
//! them (pure: the service enforces and persists the result).
//!
//! AWS keeps one rule per peer, each with its own `sgr-` id
//! (DescribeSecurityGroupRules shows them so); an `IpPermission` with two
//! CIDRs is two rules. [`SecurityGroup::permissions`] folds them back into
//! `IpPermission`s for DescribeSecurityGroups.
//!
//! The writes follow AWS for a group in a non-default VPC: an authorize of a
//! rule that exists fails `InvalidPermission.Duplicate`, a revoke of one
//! that does not fails `InvalidPermission.NotFound`, and either changes
//! nothing when any part of the request fails.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::errors;
use super::model::{Network, Permission, SecurityGroup, resource_id};
use crate::gateway::AwsError;

/// Whom one rule admits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RulePeer {
    /// An IPv4 range (`CidrIpv4`).
    Cidr4(Ipv4Net),
    /// An IPv6 range (`CidrIpv6`).
    Cidr6(Ipv6Net),
    /// Every ENI in the group with this `sg-` id (`ReferencedGroupInfo`).
    Group(String),
}

impl RulePeer {
    /// The peer as AWS prints it in messages (`0.0.0.0/0`, `sg-…`).
    pub fn label(&self) -> String {
        match self {
            RulePeer::Cidr4(c) => c.to_string(),
            RulePeer::Cidr6(c) => c.to_string(),
            RulePeer::Group(g) => g.clone(),
        }
    }
}

/// A rule as a request states it, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// `tcp`, `udp`, `icmp` or `-1`.
    pub protocol: String,
    /// First port (ICMP type); `None` for `-1`.
    pub from_port: Option<i32>,
    /// Last port (ICMP code); `None` for `-1`.
    pub to_port: Option<i32>,
    /// Whom it admits.
    pub peer: RulePeer,
    /// Free text; not part of a rule's identity (a revoke need not repeat
    /// it).
    pub description: Option<String>,
}

impl RuleSpec {
    /// AWS's default outbound rule of a new group: all traffic to
    /// `0.0.0.0/0`, no description.
    pub fn allow_all_egress() -> RuleSpec {
        RuleSpec {
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            peer: RulePeer::Cidr4(Ipv4Net::default()),
            description: None,
        }
    }

    /// Whether `self` and `other` are the same rule (description aside).
    pub fn same_rule(&self, other: &RuleSpec) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.peer == other.peer
    }

    /// The rule as AWS quotes it in `InvalidPermission.*` messages:
    /// `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`.
    pub fn quoted(&self) -> String {
        let peer = self.peer.label();
        match (self.protocol.as_str(), self.from_port, self.to_port) {
            ("-1", _, _) => format!("peer: {peer}, ALL, ALLOW"),
            (p, Some(f), Some(t)) => format!(
                "peer: {peer}, {}, from port: {f}, to port: {t}, ALLOW",
                p.to_uppercase()
            ),
            (p, _, _) => format!("peer: {peer}, {}, ALLOW", p.to_uppercase()),
        }
    }
}

/// One rule of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRule {
    /// `sgr-…`, derived from the rule's group, direction and content, so
    /// the topology's rules keep their ids across restarts.
    pub id: String,
    /// Outbound (`isEgress`).
    pub egress: bool,
    /// What it admits.
    pub spec: RuleSpec,
}

impl GroupRule {
    /// The rule `spec` of group `group`, with its derived id.
    pub fn new(project: &str, group: &str, egress: bool, spec: RuleSpec) -> GroupRule {
        let key = format!(
            "{group}/{egress}/{}/{:?}/{:?}/{}",
            spec.protocol,
            spec.from_port,
            spec.to_port,
            spec.peer.label()
        );
        GroupRule {
            id: resource_id("sgr", project, &key),
            egress,
            spec,
        }
    }
}

impl SecurityGroup {
    /// The group's rules of one direction folded into `IpPermission`s: one
    /// per protocol and port range, in the order they first appear.
    pub fn permissions(&self, egress: bool) -> Vec<Permission> {
        let mut out: Vec<Permission> = Vec::new();
        for r in self.rules.iter().filter(|r| r.egress == egress) {
            let s = &r.spec;
            let at = match out.iter().position(|p| {
                p.protocol == s.protocol && p.from_port == s.from_port && p.to_port == s.to_port
            }) {
                Some(i) => i,
                None => {
                    out.push(Permission {
                        protocol: s.protocol.clone(),
                        from_port: s.from_port,
                        to_port: s.to_port,
                        ipv4: vec![],
                        ipv6: vec![],
                        groups: vec![],
                    });
                    out.len() - 1
                }
            };
            let d = s.description.clone();
            match &s.peer {
                RulePeer::Cidr4(c) => out[at].ipv4.push((*c, d)),
                RulePeer::Cidr6(c) => out[at].ipv6.push((*c, d)),
                RulePeer::Group(g) => out[at].groups.push((g.clone(), d)),
            }
        }
        out
    }
}

impl Network {
    /// The group `id`, for a change.
    fn group_mut(&mut self, id: &str) -> Result<&mut SecurityGroup, AwsError> {
        self.groups
            .iter_mut()
            .find(|g| g.id == id)
            .ok_or_else(|| errors::group_not_found(id))
    }

    /// Every peer group a spec names must exist in `vpc` (groups of two
    /// VPCs cannot refer to each other without peering, which emul lacks).
    fn check_peers(&self, vpc: &str, specs: &[RuleSpec]) -> Result<(), AwsError> {
        for s in specs {
            if let RulePeer::Group(g) = &s.peer
                && self.group(g).is_none_or(|g| g.vpc_id != vpc)
            {
                return Err(errors::group_not_found(g));
            }
        }
        Ok(())
    }

    /// The VPC of group `id`.
    fn vpc_of(&self, id: &str) -> Result<String, AwsError> {
        self.group(id)
            .map(|g| g.vpc_id.clone())
            .ok_or_else(|| errors::group_not_found(id))
    }

    /// AuthorizeSecurityGroupIngress/Egress: adds `specs` to group `id`;
    /// all or nothing. Returns the rules added.
    pub fn authorize(
        &mut self,
        id: &str,
        egress: bool,
        specs: Vec<RuleSpec>,
    ) -> Result<Vec<GroupRule>, AwsError> {
        self.check_peers(&self.vpc_of(id)?, &specs)?;
        let project = self.project.clone();
        let group = self.group_mut(id)?;
        let mut added: Vec<GroupRule> = Vec::new();
        for spec in specs {
            let exists = group
                .rules
                .iter()
                .chain(&added)
                .any(|r| r.egress == egress && r.spec.same_rule(&spec));
            if exists {
                return Err(errors::duplicate_permission(&spec));
            }
            added.push(GroupRule::new(&project, id, egress, spec));
        }
        group.rules.extend(added.iter().cloned());
        Ok(added)
    }

    /// RevokeSecurityGroupIngress/Egress: removes the rules matching
    /// `specs` and the rules `rule_ids` name from group `id`; all or
    /// nothing. Returns the rules removed.
    pub fn revoke(
        &mut self,
        id: &str,
        egress: bool,
        specs: &[RuleSpec],
        rule_ids: &[String],
    ) -> Result<Vec<GroupRule>, AwsError> {
        let group = self.group_mut(id)?;
        let mut gone: Vec<usize> = Vec::new();
        for spec in specs {
            match group
                .rules
                .iter()
                .position(|r| r.egress == egress && r.spec.same_rule(spec))
            {
                Some(i) if !gone.contains(&i) => gone.push(i),
                _ => return Err(errors::permission_not_found()),
            }
        }
        for rule in rule_ids {
            match group
                .rules
                .iter()
                .position(|r| r.egress == egress && &r.id == rule)
            {
                Some(i) if !gone.contains(&i) => gone.push(i),
                Some(_) => {}
                None => return Err(errors::rule_not_found(rule)),
            }
        }
        gone.sort_unstable();
        let mut removed = Vec::new();
        for i in gone.into_iter().rev() {
            removed.push(group.rules.remove(i));
        }
        removed.reverse();
        Ok(removed)
    }

    /// ModifySecurityGroupRules: replaces what rule `rule_id` of group `id`
    /// admits, keeping its id and direction.
    pub fn modify_rule(&mut self, id: &str, rule_id: &str, spec: RuleSpec) -> Result<(), AwsError> {
        self.check_peers(&self.vpc_of(id)?, std::slice::from_ref(&spec))?;
        let group = self.group_mut(id)?;
        let Some(at) = group.rules.iter().position(|r| r.id == rule_id) else {
            return Err(errors::rule_not_found(rule_id));
        };
        let egress = group.rules[at].egress;
        let clash = group
            .rules
            .iter()
            .enumerate()
            .any(|(i, r)| i != at && r.egress == egress && r.spec.same_rule(&spec));
        if clash {
            return Err(errors::duplicate_permission(&spec));
        }
        group.rules[at].spec = spec;
        Ok(())
    }

    /// CreateSecurityGroup: a new group in VPC `vpc` with AWS's default
    /// outbound rule and no inbound one. Returns its id: in the topology's
    /// VPC derived from the name (stable like the topology's groups), else
    /// a fresh one.
    pub fn create_group(
        &mut self,
        vpc: &str,
        name: &str,
        description: &str,
        tags: Vec<(String, String)>,
    ) -> Result<String, AwsError> {
        if self.group_named_in(vpc, name).is_some() {
            return Err(errors::group_duplicate(name, vpc));
        }
        let home = self.home_vpc();
        let id = if home.id == vpc && !home.is_default {
            resource_id("sg", &self.project, name)
        } else {
            self.next_id("sg")
        };
        let rules = vec![GroupRule::new(
            &self.project,
            &id,
            true,
            RuleSpec::allow_all_egress(),
        )];
        self.groups.push(SecurityGroup {
            id: id.clone(),
            vpc_id: vpc.to_string(),
            name: name.to_string(),
            description: description.to_string(),
            rules,
            tags,
            aws_default: false,
        });
        Ok(id)
    }

    /// DeleteSecurityGroup: refused while another group's rule refers to it
    /// or an ENI (`in_use`) is in it, as AWS refuses it.
    pub fn delete_group(&mut self, id: &str, in_use: bool) -> Result<(), AwsError> {
        let at = self
            .groups
            .iter()
            .position(|g| g.id == id)
            .ok_or_else(|| errors::group_not_found(id))?;
        if self.groups[at].name == "default" {
            return Err(AwsError::client(
                "CannotDelete",
                format!(
                    "the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"
                ),
            ));
        }
        let referenced = self.groups.iter().any(|g| {
            g.id != id
                && g.rules
                    .iter()
                    .any(|r| r.spec.peer == RulePeer::Group(id.to_string()))
        });
        if referenced || in_use {
            return Err(errors::dependency_violation(id));
        }
        self.groups.remove(at);
        Ok(())
    }

    /// The rule with id `rule_id`, with its group.
    pub fn rule(&self, rule_id: &str) -> Option<(&SecurityGroup, &GroupRule)> {
        self.groups
            .iter()
            .find_map(|g| g.rules.iter().find(|r| r.id == rule_id).map(|r| (g, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wechat() -> Network {
        Network::from_topology(&crate::project::fixture("wechat.yaml").topology)
    }

    fn tcp(port: i32, cidr: &str) -> RuleSpec {
        RuleSpec {
            protocol: "tcp".into(),
            from_port: Some(port),
            to_port: Some(port),
            peer: RulePeer::Cidr4(cidr.parse().unwrap()),
            description: None,
        }
    }

    #[test]
    fn authorize_then_revoke_round_trips_and_refuses_duplicates() {
        let mut net = wechat();
        let rds = net.group_named("rds-sg").unwrap().id.clone();
        let before = net.group(&rds).unwrap().rules.len();
        let added = net
            .authorize(&rds, false, vec![tcp(5432, "10.0.1.0/24")])
            .unwrap();
        assert_eq!(added.len(), 1);
        assert!(added[0].id.starts_with("sgr-"));
        assert_eq!(net.group(&rds).unwrap().rules.len(), before + 1);

        let err = net
            .authorize(&rds, false, vec![tcp(5432, "10.0.1.0/24")])
            .unwrap_err();
        assert_eq!(err.code, "InvalidPermission.Duplicate");
        assert_eq!(
            err.message,
            "the specified rule \"peer: 10.0.1.0/24, TCP, from port: 5432, to port: 5432, ALLOW\" already exists"
        );

        // A revoke with one unknown rule revokes nothing.
        let err = net
            .revoke(
                &rds,
                false,
                &[tcp(5432, "10.0.1.0/24"), tcp(22, "0.0.0.0/0")],
                &[],
            )
            .unwrap_err();
        assert_eq!(err.code, "InvalidPermission.NotFound");
        assert_eq!(net.group(&rds).unwrap().rules.len(), before + 1);

        let removed = net
            .revoke(&rds, false, &[tcp(5432, "10.0.1.0/24")], &[])
            .unwrap();
        assert_eq!(removed[0].id, added[0].id);
        assert_eq!(net.group(&rds).unwrap().rules.len(), before);
    }

    #[test]
    fn permissions_fold_rules_by_protocol_and_ports() {
        let mut net = wechat();
        let alb = net.group_named("alb-sg").unwrap().id.clone();
        net.authorize(&alb, false, vec![tcp(443, "10.9.0.0/16")])
            .unwrap();
        let g = net.group(&alb).unwrap();
        let https = g
            .permissions(false)
            .into_iter()
            .find(|p| p.from_port == Some(443))
            .unwrap();
        assert_eq!(https.ipv4.len(), 2, "{https:?}");
    }

    #[test]
    fn groups_are_created_with_default_egress_and_deleted_unless_referenced() {
        let mut net = wechat();
        let vpc = net.home_vpc().id.clone();
        let id = net
            .create_group(&vpc, "probe-sg", "probes", vec![])
            .unwrap();
        let g = net.group(&id).unwrap();
        assert_eq!(g.rules.len(), 1);
        assert!(g.rules[0].egress);
        let err = net
            .create_group(&vpc, "probe-sg", "again", vec![])
            .unwrap_err();
        assert_eq!(err.code, "InvalidGroup.Duplicate");

        // rds-sg's ingress names ecs-sg: ecs-sg cannot go.
        let ecs = net.group_named("ecs-sg").unwrap().id.clone();
        let err = net.delete_group(&ecs, false).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            (
                "DependencyViolation",
                format!("resource {ecs} has a dependent object").as_str()
            )
        );
        assert_eq!(
            net.delete_group(&id, true).unwrap_err().code,
            "DependencyViolation"
        );
        net.delete_group(&id, false).unwrap();
        assert!(net.group(&id).is_none());
        let default = net.group_named("default").unwrap().id.clone();
        assert_eq!(
            net.delete_group(&default, false).unwrap_err().code,
            "CannotDelete"
        );
    }

    #[test]
    fn modify_keeps_the_rule_id() {
        let mut net = wechat();
        let rds = net.group_named("rds-sg").unwrap().id.clone();
        let rule = net.group(&rds).unwrap().rules[0].id.clone();
        net.modify_rule(&rds, &rule, tcp(6432, "10.0.0.0/16"))
            .unwrap();
        let (_, r) = net.rule(&rule).unwrap();
        assert_eq!(r.spec.from_port, Some(6432));
        assert_eq!(
            net.modify_rule(&rds, "sgr-0", tcp(1, "10.0.0.0/16"))
                .unwrap_err()
                .code,
            "InvalidSecurityGroupRuleId.NotFound"
        );
    }
}
