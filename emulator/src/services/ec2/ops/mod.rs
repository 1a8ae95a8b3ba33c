//! One file per EC2 operation, each `parse → apply → render` over the
//! [`Network`] model; [`read`] and [`write`] pick one by `Action`
//! ([`is_write`] tells which).

mod authorize_security_group;
mod create_security_group;
mod create_subnet;
mod create_tags;
mod create_vpc;
mod delete_security_group;
mod describe_availability_zones;
mod describe_instances;
mod describe_network_interfaces;
mod describe_security_group_rules;
mod describe_security_groups;
mod describe_subnets;
mod describe_vpcs;
mod ip_permissions;
mod modify_network_interface_attribute;
mod modify_security_group_rules;
mod revoke_security_group;
mod run_instances;
mod vpc_attribute;

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};

use super::live::Interface;
use super::model::Network;

/// The operations that change the model (the service enforces and keeps
/// their result before it answers).
pub fn is_write(operation: &str) -> bool {
    matches!(
        operation,
        "AuthorizeSecurityGroupIngress"
            | "AuthorizeSecurityGroupEgress"
            | "RevokeSecurityGroupIngress"
            | "RevokeSecurityGroupEgress"
            | "ModifySecurityGroupRules"
            | "CreateSecurityGroup"
            | "DeleteSecurityGroup"
            | "CreateVpc"
            | "DeleteVpc"
            | "CreateSubnet"
            | "DeleteSubnet"
            | "ModifyNetworkInterfaceAttribute"
            | "ModifyVpcAttribute"
            | "RunInstances"
            | "TerminateInstances"
            | "CreateTags"
            | "DeleteTags"
    )
}

/// Whether the write `operation` may change what is enforced on the ENIs
/// (the groups, their rules, an ENI's groups); the others (instances,
/// tags) are kept but not enforced.
pub fn changes_rules(operation: &str) -> bool {
    !matches!(
        operation,
        "RunInstances" | "TerminateInstances" | "CreateTags" | "DeleteTags" | "ModifyVpcAttribute"
    )
}

/// Runs the read `operation` against `net` (`enis`: the ENIs running now,
/// asked only by the operations that show them); the result is the inner
/// XML of `<{Op}Response>`.
pub fn read(
    net: &Network,
    operation: &str,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    match operation {
        "DescribeVpcs" => describe_vpcs::run(net, params),
        "DescribeSubnets" => describe_subnets::run(net, params),
        "DescribeSecurityGroups" => describe_security_groups::run(net, params),
        "DescribeSecurityGroupRules" => describe_security_group_rules::run(net, params),
        "DescribeAvailabilityZones" => describe_availability_zones::run(net, params),
        "DescribeNetworkInterfaces" => describe_network_interfaces::run(net, params, enis),
        "DescribeInstances" => describe_instances::run(net, params),
        "DescribeVpcAttribute" => vpc_attribute::describe(net, params),
        other => Err(AwsError::invalid_action(other)),
    }
}

/// Runs the write `operation` (see [`is_write`]) on `net`. On an error
/// `net` may be half changed: the caller works on a copy.
pub fn write(
    net: &mut Network,
    operation: &str,
    params: &QueryParams,
    enis: &dyn Fn() -> Vec<Interface>,
) -> Result<String, AwsError> {
    match operation {
        "AuthorizeSecurityGroupIngress" => authorize_security_group::run(net, params, false),
        "AuthorizeSecurityGroupEgress" => authorize_security_group::run(net, params, true),
        "RevokeSecurityGroupIngress" => revoke_security_group::run(net, params, false),
        "RevokeSecurityGroupEgress" => revoke_security_group::run(net, params, true),
        "ModifySecurityGroupRules" => modify_security_group_rules::run(net, params),
        "CreateSecurityGroup" => create_security_group::run(net, params),
        "DeleteSecurityGroup" => delete_security_group::run(net, params, enis),
        "CreateVpc" => create_vpc::create(net, params),
        "DeleteVpc" => create_vpc::delete(net, params),
        "CreateSubnet" => create_subnet::create(net, params),
        "DeleteSubnet" => create_subnet::delete(net, params, enis),
        "ModifyNetworkInterfaceAttribute" => {
            modify_network_interface_attribute::run(net, params, enis)
        }
        "ModifyVpcAttribute" => vpc_attribute::modify(net, params),
        "RunInstances" => run_instances::run(net, params, enis),
        "TerminateInstances" => run_instances::terminate(net, params),
        "CreateTags" => create_tags::create(net, params),
        "DeleteTags" => create_tags::delete(net, params),
        other => Err(AwsError::invalid_action(other)),
    }
}

/// `<name><item>…</item>…</name>` (EC2's list shape), `<name/>` when empty.
fn items<T>(w: &mut XmlWriter, name: &str, list: &[T], mut each: impl FnMut(&mut XmlWriter, &T)) {
    w.node(name, |w| {
        for item in list {
            w.node("item", |i| each(i, item));
        }
    });
}

/// `<tagSet>` of `tags`.
fn tag_set(w: &mut XmlWriter, tags: &[(String, String)]) {
    items(w, "tagSet", tags, |i, (k, v)| {
        i.leaf("key", k).leaf("value", v);
    });
}

/// One page of `all` as `MaxResults` (5 to 1000) and `NextToken` (where
/// the last page stopped, as [`page`] handed it out) ask; the token of the
/// next page when there is one. Without `MaxResults` every item is one
/// page.
fn page<'a, T>(all: &'a [T], params: &QueryParams) -> Result<(&'a [T], Option<String>), AwsError> {
    let start = match params.get("NextToken") {
        Some(t) => t
            .strip_prefix("emul-")
            .and_then(|n| usize::from_str_radix(n, 16).ok())
            .filter(|n| *n <= all.len())
            .ok_or_else(|| {
                AwsError::client("InvalidParameterValue", format!("Invalid NextToken: {t}"))
            })?,
        None => 0,
    };
    let size = match params.get("MaxResults") {
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (5..=1000).contains(&n) => n,
            _ => {
                return Err(AwsError::client(
                    "InvalidParameterValue",
                    format!(
                        "Value ( {m} ) for parameter maxResults is invalid. Parameter must be between 5 and 1000."
                    ),
                ));
            }
        },
        None => all.len().max(1),
    };
    let end = (start + size).min(all.len());
    let next = (end < all.len()).then(|| format!("emul-{end:x}"));
    Ok((&all[start..end], next))
}

/// Renders one page of a list and, when more follow, its `nextToken`.
fn paged<T>(
    w: &mut XmlWriter,
    name: &str,
    all: &[T],
    params: &QueryParams,
    each: impl FnMut(&mut XmlWriter, &T),
) -> Result<(), AwsError> {
    let (shown, next) = page(all, params)?;
    items(w, name, shown, each);
    if let Some(t) = next {
        w.leaf("nextToken", &t);
    }
    Ok(())
}

/// The tags of `TagSpecification.N` whose `ResourceType` is `resource`.
fn tags_for(params: &QueryParams, resource: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = Vec::new();
    for spec in params.ec2_list("TagSpecification")? {
        if spec.get("ResourceType").is_some_and(|r| r != resource) {
            continue;
        }
        for t in spec.ec2_list("Tag")? {
            out.push((
                t.get("Key").unwrap_or_default().to_string(),
                t.get("Value").unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(out)
}

/// The ids asked for (`<Param>.N`) must all exist: the first missing one
/// fails the call, as AWS does.
fn require_ids(
    params: &QueryParams,
    param: &str,
    exists: impl Fn(&str) -> bool,
    missing: impl Fn(&str) -> AwsError,
) -> Result<Vec<String>, AwsError> {
    let ids = params.ec2_strings(param)?;
    match ids.iter().find(|id| !exists(id)) {
        Some(id) => Err(missing(id)),
        None => Ok(ids),
    }
}

#[cfg(test)]
mod tests;
