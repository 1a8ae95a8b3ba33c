//! One file per EC2 operation, each `parse → apply → render` over the
//! [`Network`] model; [`dispatch`] picks one by `Action`.

mod describe_availability_zones;
mod describe_security_groups;
mod describe_subnets;
mod describe_vpcs;

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};

use super::model::Network;

/// Runs `operation` against `net`; the result is the inner XML of
/// `<{Op}Response>`.
pub fn dispatch(net: &Network, operation: &str, params: &QueryParams) -> Result<String, AwsError> {
    match operation {
        "DescribeVpcs" => describe_vpcs::run(net, params),
        "DescribeSubnets" => describe_subnets::run(net, params),
        "DescribeSecurityGroups" => describe_security_groups::run(net, params),
        "DescribeAvailabilityZones" => describe_availability_zones::run(net, params),
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
