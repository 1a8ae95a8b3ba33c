//! `DescribeVpcAttribute` / `ModifyVpcAttribute`: a VPC's DNS attributes
//! (`enableDnsSupport`, `enableDnsHostnames`) and
//! `enableNetworkAddressUsageMetrics`. Terraform's `aws_vpc` reads all three
//! after every CreateVpc and sets the DNS ones. They are kept and shown;
//! nothing else changes with them (emul's resolver answers in any case).

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::{Network, VpcAttributes};

/// The field of [`VpcAttributes`] an attribute is.
type Field = fn(&mut VpcAttributes) -> &mut bool;

/// The attributes by their API name (`Attribute`) and parameter name
/// (`<Param>.Value`), with the field each one is.
const ATTRIBUTES: &[(&str, &str, Field)] = &[
    ("enableDnsSupport", "EnableDnsSupport", |a| {
        &mut a.dns_support
    }),
    ("enableDnsHostnames", "EnableDnsHostnames", |a| {
        &mut a.dns_hostnames
    }),
    (
        "enableNetworkAddressUsageMetrics",
        "EnableNetworkAddressUsageMetrics",
        |a| &mut a.address_usage_metrics,
    ),
];

fn vpc_id(params: &QueryParams) -> Result<&str, AwsError> {
    params.get("VpcId").ok_or_else(|| errors::missing("VpcId"))
}

/// DescribeVpcAttribute: one `Attribute` of one VPC.
pub(super) fn describe(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let id = vpc_id(params)?;
    let asked = params
        .get("Attribute")
        .ok_or_else(|| errors::missing("Attribute"))?;
    let Some((name, _, field)) = ATTRIBUTES.iter().find(|(name, ..)| *name == asked) else {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!("Value ({asked}) for parameter attribute is invalid. Unknown attribute."),
        ));
    };
    let vpc = net.vpc(id).ok_or_else(|| errors::vpc_not_found(id))?;
    let mut attributes = vpc.attributes.clone();
    let value = *field(&mut attributes);
    let mut w = XmlWriter::new();
    w.leaf("vpcId", id).node(name, |v| {
        v.leaf("value", &value.to_string());
    });
    Ok(w.finish())
}

/// ModifyVpcAttribute: exactly one attribute per call, as AWS takes it.
pub(super) fn modify(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let id = vpc_id(params)?;
    let mut given = Vec::new();
    for (name, param, field) in ATTRIBUTES {
        let key = format!("{param}.Value");
        if let Some(raw) = params.get(&key) {
            let value = match raw {
                "true" => true,
                "false" => false,
                other => return Err(errors::invalid_value(&key, other, "Expected a boolean.")),
            };
            given.push((*name, *field, value));
        }
    }
    let (field, value) = match given.as_slice() {
        [] => {
            return Err(AwsError::client(
                "InvalidParameterCombination",
                "No attributes specified.",
            ));
        }
        [(_, field, value)] => (*field, *value),
        many => {
            let names: Vec<&str> = many.iter().map(|(name, ..)| *name).collect();
            return Err(AwsError::client(
                "InvalidParameterCombination",
                format!(
                    "Fields for multiple attribute types specified: {}",
                    names.join(", ")
                ),
            ));
        }
    };
    let vpc = net.vpc_mut(id).ok_or_else(|| errors::vpc_not_found(id))?;
    *field(&mut vpc.attributes) = value;
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
