//! `DescribeAvailabilityZones`: the region's zones
//! ([`crate::services::ec2::model::availability_zones`]).

use crate::gateway::AwsError;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::services::ec2::errors::zone_not_found;
use crate::services::ec2::filters::{self, Filterable};
use crate::services::ec2::model::{Network, availability_zone_id, availability_zones};

use super::{items, require_ids};

/// The filters AWS documents for DescribeAvailabilityZones that apply here.
const FILTERS: &[&str] = &[
    "group-name",
    "opt-in-status",
    "region-name",
    "state",
    "zone-id",
    "zone-name",
    "zone-type",
];

struct Zone {
    name: String,
    id: String,
    region: String,
}

impl Filterable for Zone {
    fn values(&self, name: &str) -> Vec<String> {
        match name {
            "group-name" | "region-name" => vec![self.region.clone()],
            "opt-in-status" => vec!["opt-in-not-required".into()],
            "state" => vec!["available".into()],
            "zone-id" => vec![self.id.clone()],
            "zone-name" => vec![self.name.clone()],
            "zone-type" => vec!["availability-zone".into()],
            _ => vec![],
        }
    }
    fn tags(&self) -> &[(String, String)] {
        &[]
    }
}

pub(super) fn run(net: &Network, params: &QueryParams) -> Result<String, AwsError> {
    let named: Vec<String> = net
        .subnets
        .iter()
        .map(|s| s.availability_zone.clone())
        .collect();
    let zones: Vec<Zone> = availability_zones(&net.region, &named)
        .into_iter()
        .map(|name| Zone {
            id: availability_zone_id(&name),
            region: net.region.clone(),
            name,
        })
        .collect();
    let names = require_ids(
        params,
        "ZoneName",
        |n| zones.iter().any(|z| z.name == n),
        zone_not_found,
    )?;
    let ids = require_ids(
        params,
        "ZoneId",
        |n| zones.iter().any(|z| z.id == n),
        zone_not_found,
    )?;
    let filters = filters::parse(params, FILTERS)?;
    let shown: Vec<&Zone> = zones
        .iter()
        .filter(|z| names.is_empty() || names.contains(&z.name))
        .filter(|z| ids.is_empty() || ids.contains(&z.id))
        .filter(|z| filters::passes(&filters, *z))
        .collect();
    let mut w = XmlWriter::new();
    items(&mut w, "availabilityZoneInfo", &shown, |i, z| {
        i.leaf("zoneName", &z.name)
            .leaf("zoneState", "available")
            .leaf("regionName", &z.region)
            .leaf("zoneId", &z.id)
            .leaf("zoneType", "availability-zone")
            .leaf("optInStatus", "opt-in-not-required")
            .leaf("groupName", &z.region)
            .leaf("networkBorderGroup", &z.region)
            .node("messageSet", |_| {});
    });
    Ok(w.finish())
}
