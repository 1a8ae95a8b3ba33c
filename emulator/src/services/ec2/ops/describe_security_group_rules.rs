//! `DescribeSecurityGroupRules`: every rule of every group (or those
//! `SecurityGroupRuleId.N` names), one per peer with its `sgr-` id.

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors::rule_not_found;
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::model::{Network, SecurityGroup};
use crate::services::ec2::rules::GroupRule;

use super::ip_permissions::render_rule;
use super::{paged, require_ids};

/// The filters AWS documents for DescribeSecurityGroupRules.
const FILTERS: &[&str] = &["group-id", "security-group-rule-id"];

struct Row<'a>(&'a SecurityGroup, &'a GroupRule);

impl Filterable for Row<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        match name {
            "group-id" => vec![self.0.id.clone()],
            "security-group-rule-id" => vec![self.1.id.clone()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &[]
    }
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let ids = require_ids(
        params,
        "SecurityGroupRuleId",
        |id| net.rule(id).is_some(),
        rule_not_found,
    )?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<(&SecurityGroup, &GroupRule)> = net
        .groups
        .iter()
        .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
        .filter(|(_, r)| ids.is_empty() || ids.contains(&r.id))
        .filter(|(g, r)| filters::passes(&filters, &Row(g, r)))
        .collect();
    let mut w = XmlWriter::new();
    paged(
        &mut w,
        "securityGroupRuleSet",
        &shown,
        params,
        |i, (g, r)| render_rule(i, net, &g.id, r),
    )?;
    Ok(w.finish())
}
