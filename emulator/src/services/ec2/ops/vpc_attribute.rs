//! `DescribeVpcAttribute` / `ModifyVpcAttribute`: a VPC's DNS attributes
//! (`enableDnsSupport`, `enableDnsHostnames`) and
//! `enableNetworkAddressUsageMetrics`. Terraform's `aws_vpc` reads all three
//! after every CreateVpc and sets the DNS ones. They are kept and shown;
//! nothing else changes with them (emul's resolver answers in any case).

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors;
use crate::services::ec2::model::{Network, VpcAttributes};

/// `enableDnsSupport` → `EnableDnsSupport`, the request parameter's stem.
fn param_of(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn vpc_id(params: &QueryParams) -> Result<&str, AwsError> {
    params.get("VpcId").ok_or_else(|| errors::missing("VpcId"))
}

/// DescribeVpcAttribute: one `Attribute` of one VPC.
pub(super) fn describe(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let id = vpc_id(params)?;
    let asked = params
        .get("Attribute")
        .ok_or_else(|| errors::missing("Attribute"))?;
    if !VpcAttributes::NAMES.contains(&asked) {
        return Err(AwsError::client(
            "InvalidParameterValue",
            format!("Value ({asked}) for parameter attribute is invalid. Unknown attribute."),
        ));
    }
    let vpc = net.vpc(id).ok_or_else(|| errors::vpc_not_found(id))?;
    let value = vpc.attributes.get(asked).unwrap_or_default();
    let mut w = XmlWriter::new();
    w.leaf("vpcId", id).node(asked, |v| {
        v.leaf("value", &value.to_string());
    });
    Ok(w.finish())
}

/// ModifyVpcAttribute: exactly one attribute per call, as AWS takes it.
pub(super) fn modify(net: &mut Network, params: &QueryParams) -> Result<String, AwsError> {
    let id = vpc_id(params)?;
    let mut given = Vec::new();
    for name in VpcAttributes::NAMES {
        let key = format!("{}.Value", param_of(name));
        if let Some(raw) = params.get(&key) {
            let value = match raw {
                "true" => true,
                "false" => false,
                other => return Err(errors::invalid_value(&key, other, "Expected a boolean.")),
            };
            given.push((name, value));
        }
    }
    let (name, value) = match given.as_slice() {
        [] => {
            return Err(AwsError::client(
                "InvalidParameterCombination",
                "No attributes specified.",
            ));
        }
        [one] => *one,
        many => {
            let names: Vec<&str> = many.iter().map(|(name, _)| *name).collect();
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
    if let Some(flag) = vpc.attributes.flag(name) {
        *flag = value;
    }
    let mut w = XmlWriter::new();
    w.leaf("return", "true");
    Ok(w.finish())
}
