//! EC2 instances as control-plane records (pure): what RunInstances made,
//! TerminateInstances ended, DescribeInstances lists. No VM is started: an
//! instance is an id with its image, type, subnet, private address, zone,
//! groups and tags, `running` from the moment it is made. ECS container
//! instances name them (the EC2 launch type's bookkeeping); nothing else
//! runs on them.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::errors::{self, group_not_found, subnet_not_found};
use super::model::Network;
use crate::gateway::AwsError;

/// An instance's `instanceState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    /// Being launched (what RunInstances answers).
    Pending,
    /// Running (as soon as it exists: nothing boots).
    Running,
    /// Being terminated (what TerminateInstances answers).
    ShuttingDown,
    /// Terminated; still listed, as AWS lists them for a while.
    Terminated,
}

impl InstanceState {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
        }
    }

    /// AWS's code (the low byte of `instanceState.code`).
    pub fn code(self) -> u32 {
        match self {
            InstanceState::Pending => 0,
            InstanceState::Running => 16,
            InstanceState::ShuttingDown => 32,
            InstanceState::Terminated => 48,
        }
    }
}

/// One instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `i-` + 17 hex digits.
    pub id: String,
    /// `r-…`: the RunInstances call that made it.
    pub reservation_id: String,
    /// `ImageId`.
    pub image_id: String,
    /// `InstanceType` (default `m1.small`).
    pub instance_type: String,
    /// Its subnet.
    pub subnet_id: String,
    /// Its subnet's VPC.
    pub vpc_id: String,
    /// Its subnet's zone.
    pub availability_zone: String,
    /// Its primary private address, from the subnet.
    pub private_ip: Ipv4Addr,
    /// Its primary network interface's `eni-` id.
    pub eni_id: String,
    /// Its security groups (`sg-` ids).
    pub groups: Vec<String>,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `amiLaunchIndex`: its place in the reservation.
    pub launch_index: u32,
    /// `launchTime`, ms since the epoch.
    pub launch_time_ms: i64,
    /// Where it is in its life.
    pub state: InstanceState,
    /// When it was terminated, ms since the epoch.
    pub terminated_ms: Option<i64>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `ClientToken`.
    pub client_token: Option<String>,
}

impl Instance {
    /// A locally administered MAC derived from the ENI id.
    pub fn mac(&self) -> String {
        let d = Sha256::digest(self.eni_id.as_bytes());
        format!(
            "0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            d[0], d[1], d[2], d[3], d[4]
        )
    }

    /// Not terminated (holds its address, keeps its subnet and groups in use).
    pub fn is_live(&self) -> bool {
        self.state != InstanceState::Terminated
    }
}

/// What a RunInstances call asks for, read off the request.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// `ImageId`.
    pub image_id: String,
    /// `InstanceType`.
    pub instance_type: String,
    /// `MinCount`.
    pub min_count: u32,
    /// `MaxCount`.
    pub max_count: u32,
    /// `SubnetId` (or the first network interface's).
    pub subnet_id: Option<String>,
    /// `Placement.AvailabilityZone`.
    pub zone: Option<String>,
    /// `SecurityGroupId.N`.
    pub group_ids: Vec<String>,
    /// `SecurityGroup.N` (names).
    pub group_names: Vec<String>,
    /// `PrivateIpAddress`.
    pub private_ip: Option<Ipv4Addr>,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// The `instance` tags of `TagSpecification.N`.
    pub tags: Vec<(String, String)>,
    /// `ClientToken`.
    pub client_token: Option<String>,
}

/// Whether `id` has the shape of an instance id (`i-` + 8 or 17 hex digits).
pub fn instance_id_well_formed(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|h| {
        (h.len() == 8 || h.len() == 17) && h.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// `InvalidInstanceID.NotFound` for one or more ids, worded as AWS words it.
pub fn instances_not_found(ids: &[String]) -> AwsError {
    if let [one] = ids {
        AwsError::client(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{one}' does not exist"),
        )
    } else {
        AwsError::client(
            "InvalidInstanceID.NotFound",
            format!("The instance IDs '{}' do not exist", ids.join(", ")),
        )
    }
}

impl Network {
    /// The instance with id `id`.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    /// `ids` all exist (else the error names the first malformed one, or
    /// every missing one).
    pub fn check_instance_ids(&self, ids: &[String]) -> Result<(), AwsError> {
        if let Some(bad) = ids.iter().find(|id| !instance_id_well_formed(id)) {
            return Err(AwsError::client(
                "InvalidInstanceID.Malformed",
                format!("Invalid id: \"{bad}\""),
            ));
        }
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| self.instance(id).is_none())
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(instances_not_found(&missing))
        }
    }

    /// Whether a live instance is in subnet `id`.
    pub fn subnet_has_instances(&self, id: &str) -> bool {
        self.instances
            .iter()
            .any(|i| i.is_live() && i.subnet_id == id)
    }

    /// Whether a live instance is in group `id`.
    pub fn group_has_instances(&self, id: &str) -> bool {
        self.instances
            .iter()
            .any(|i| i.is_live() && i.groups.iter().any(|g| g == id))
    }

    /// RunInstances: `max_count` instances (at least `min_count`, as the
    /// subnet's free addresses allow) in one reservation; `taken` are the
    /// addresses running ENIs hold. Returns the reservation id and the new
    /// instances' ids. Addresses are handed out from the top of the subnet
    /// down (emul's tasks take theirs from the bottom up).
    pub fn run_instances(
        &mut self,
        launch: Launch,
        taken: &[Ipv4Addr],
        now_ms: i64,
    ) -> Result<(String, Vec<String>), AwsError> {
        let subnet = self.launch_subnet(launch.subnet_id.as_deref(), launch.zone.as_deref())?;
        let (subnet_id, vpc_id, zone, cidr) = (
            subnet.id.clone(),
            subnet.vpc_id.clone(),
            subnet.availability_zone.clone(),
            subnet.cidr,
        );
        let groups = self.launch_groups(&vpc_id, &subnet_id, &launch)?;
        let mut used: Vec<Ipv4Addr> = self
            .instances
            .iter()
            .filter(|i| i.is_live() && i.subnet_id == subnet_id)
            .map(|i| i.private_ip)
            .collect();
        used.extend_from_slice(taken);
        let first = u32::from(cidr.network()) + 4;
        let last = u32::from(cidr.broadcast()).saturating_sub(1);
        let mut addresses = Vec::new();
        if let Some(ip) = launch.private_ip {
            if !cidr.contains(&ip) || u32::from(ip) < first || u32::from(ip) > last {
                return Err(AwsError::client(
                    "InvalidParameterValue",
                    format!("Address {ip} does not fall within the subnet's address range"),
                ));
            }
            if used.contains(&ip) {
                return Err(AwsError::client(
                    "InvalidIPAddress.InUse",
                    format!("Address {ip} is in use."),
                ));
            }
            addresses.push(ip);
        } else {
            let mut n = last;
            while addresses.len() < launch.max_count as usize && n >= first {
                let ip = Ipv4Addr::from(n);
                if !used.contains(&ip) {
                    addresses.push(ip);
                }
                n -= 1;
            }
        }
        if addresses.len() < launch.min_count as usize {
            return Err(AwsError::client(
                "InsufficientFreeAddressesInSubnet",
                format!(
                    "There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."
                ),
            ));
        }
        let reservation = self.next_id("r");
        let mut ids = Vec::new();
        for (index, ip) in addresses.into_iter().enumerate() {
            let id = self.next_id("i");
            let eni_id = self.next_id("eni");
            self.instances.push(Instance {
                id: id.clone(),
                reservation_id: reservation.clone(),
                image_id: launch.image_id.clone(),
                instance_type: launch.instance_type.clone(),
                subnet_id: subnet_id.clone(),
                vpc_id: vpc_id.clone(),
                availability_zone: zone.clone(),
                private_ip: ip,
                eni_id,
                groups: groups.clone(),
                key_name: launch.key_name.clone(),
                launch_index: index as u32,
                launch_time_ms: now_ms,
                state: InstanceState::Running,
                terminated_ms: None,
                tags: launch.tags.clone(),
                client_token: launch.client_token.clone(),
            });
            ids.push(id);
        }
        Ok((reservation, ids))
    }

    /// The subnet a launch goes to: the one named, else in the first VPC
    /// (the default VPC, or the topology's, which stands in for it) the
    /// zone's default subnet (or its first), else the VPC's first.
    fn launch_subnet(
        &self,
        subnet: Option<&str>,
        zone: Option<&str>,
    ) -> Result<&super::model::Subnet, AwsError> {
        if let Some(id) = subnet {
            let s = self
                .subnets
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| subnet_not_found(id))?;
            if let Some(z) = zone
                && z != s.availability_zone
            {
                return Err(AwsError::client(
                    "InvalidParameterValue",
                    format!(
                        "Value ({z}) for parameter availabilityZone is invalid. Subnet '{id}' is in the availability zone {}",
                        s.availability_zone
                    ),
                ));
            }
            return Ok(s);
        }
        let vpc = &self.home_vpc().id;
        let mut candidates: Vec<&super::model::Subnet> = self
            .subnets
            .iter()
            .filter(|s| &s.vpc_id == vpc)
            .filter(|s| zone.is_none_or(|z| s.availability_zone == z))
            .collect();
        candidates.sort_by_key(|s| !s.default_for_az);
        match (candidates.first(), zone) {
            (Some(s), _) => Ok(s),
            (None, Some(z)) => Err(errors::zone_not_found(z)),
            (None, None) => Err(AwsError::client(
                "VPCIdNotSpecified",
                "No default VPC for this user",
            )),
        }
    }

    /// The groups a launch is in: those named by id (in the subnet's VPC)
    /// and by name, else the VPC's `default`.
    fn launch_groups(
        &self,
        vpc: &str,
        subnet: &str,
        launch: &Launch,
    ) -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        for id in &launch.group_ids {
            let g = self.group(id).ok_or_else(|| group_not_found(id))?;
            if g.vpc_id != vpc {
                return Err(AwsError::client(
                    "InvalidParameter",
                    format!(
                        "Security group {id} and subnet {subnet} belong to different networks."
                    ),
                ));
            }
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        for name in &launch.group_names {
            let g = self.group_named_in(vpc, name).ok_or_else(|| {
                AwsError::client(
                    "InvalidGroup.NotFound",
                    format!("The security group '{name}' does not exist in VPC '{vpc}'"),
                )
            })?;
            if !out.contains(&g.id) {
                out.push(g.id.clone());
            }
        }
        if out.is_empty()
            && let Some(g) = self.group_named_in(vpc, "default")
        {
            out.push(g.id.clone());
        }
        Ok(out)
    }

    /// TerminateInstances: each instance's (id, previous state, state the
    /// answer shows). A running instance answers `shutting-down` and is
    /// `terminated` from then on; a terminated one answers `terminated`.
    pub fn terminate_instances(
        &mut self,
        ids: &[String],
        now_ms: i64,
    ) -> Result<Vec<(String, InstanceState, InstanceState)>, AwsError> {
        self.check_instance_ids(ids)?;
        let mut out = Vec::new();
        for id in ids {
            let i = self
                .instances
                .iter_mut()
                .find(|i| &i.id == id)
                .expect("checked above");
            let previous = i.state;
            let shown = if previous == InstanceState::Terminated {
                InstanceState::Terminated
            } else {
                i.state = InstanceState::Terminated;
                i.terminated_ms = Some(now_ms);
                InstanceState::ShuttingDown
            };
            out.push((id.clone(), previous, shown));
        }
        Ok(out)
    }

    /// The tags of resource `id` (an instance, VPC, subnet or group), for
    /// CreateTags/DeleteTags; the error AWS gives for an id it does not know.
    pub fn tags_mut(&mut self, id: &str) -> Result<&mut Vec<(String, String)>, AwsError> {
        let prefix = id.split_once('-').map(|(p, _)| p).unwrap_or_default();
        let found = match prefix {
            "i" => self
                .instances
                .iter_mut()
                .find(|i| i.id == id)
                .map(|i| &mut i.tags),
            "vpc" => self
                .vpcs
                .iter_mut()
                .find(|v| v.id == id)
                .map(|v| &mut v.tags),
            "subnet" => self
                .subnets
                .iter_mut()
                .find(|s| s.id == id)
                .map(|s| &mut s.tags),
            "sg" => self
                .groups
                .iter_mut()
                .find(|g| g.id == id)
                .map(|g| &mut g.tags),
            _ => {
                return Err(AwsError::client(
                    "InvalidID",
                    format!("The ID '{id}' is not valid"),
                ));
            }
        };
        found.ok_or_else(|| match prefix {
            "i" => instances_not_found(&[id.to_string()]),
            "vpc" => errors::vpc_not_found(id),
            "subnet" => subnet_not_found(id),
            _ => group_not_found(id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(count: u32) -> Launch {
        Launch {
            image_id: "ami-12c6146b".into(),
            instance_type: "m1.small".into(),
            min_count: count,
            max_count: count,
            ..Launch::default()
        }
    }

    #[test]
    fn instances_land_in_the_default_subnet_with_addresses_from_the_top() {
        let mut net = Network::default_account("serve", "000000000000", "us-east-1");
        let (r, ids) = net.run_instances(launch(2), &[], 1_000).unwrap();
        assert!(r.starts_with("r-"));
        assert_eq!(ids.len(), 2);
        let a = net.instance(&ids[0]).unwrap();
        assert!(instance_id_well_formed(&a.id), "{}", a.id);
        assert_eq!(a.availability_zone, "us-east-1a");
        assert_eq!(a.private_ip.to_string(), "172.31.15.254");
        assert_eq!(a.state, InstanceState::Running);
        assert_eq!(a.groups.len(), 1, "the default group");
        let b = net.instance(&ids[1]).unwrap();
        assert_eq!(b.private_ip.to_string(), "172.31.15.253");
        assert_eq!(b.launch_index, 1);

        let mut in_b = launch(1);
        in_b.zone = Some("us-east-1b".into());
        let (_, ids_b) = net.run_instances(in_b, &[], 1_000).unwrap();
        assert_eq!(
            net.instance(&ids_b[0]).unwrap().availability_zone,
            "us-east-1b"
        );
    }

    #[test]
    fn explicit_addresses_groups_and_subnets_are_checked() {
        let mut net = Network::default_account("serve", "000000000000", "us-east-1");
        let mut l = launch(1);
        l.private_ip = Some("172.31.0.10".parse().unwrap());
        net.run_instances(l.clone(), &[], 0).unwrap();
        assert_eq!(
            net.run_instances(l, &[], 0).unwrap_err().code,
            "InvalidIPAddress.InUse"
        );
        let mut l = launch(1);
        l.subnet_id = Some("subnet-0000000000000000".into());
        assert_eq!(
            net.run_instances(l, &[], 0).unwrap_err().code,
            "InvalidSubnetID.NotFound"
        );
        let mut l = launch(1);
        l.group_ids = vec!["sg-0123".into()];
        assert_eq!(
            net.run_instances(l, &[], 0).unwrap_err().code,
            "InvalidGroup.NotFound"
        );
    }

    #[test]
    fn termination_answers_shutting_down_then_stays_terminated() {
        let mut net = Network::default_account("serve", "000000000000", "us-east-1");
        let (_, ids) = net.run_instances(launch(1), &[], 0).unwrap();
        let first = net.terminate_instances(&ids, 5).unwrap();
        assert_eq!(
            (first[0].1, first[0].2),
            (InstanceState::Running, InstanceState::ShuttingDown)
        );
        let again = net.terminate_instances(&ids, 6).unwrap();
        assert_eq!(
            (again[0].1, again[0].2),
            (InstanceState::Terminated, InstanceState::Terminated)
        );
        let err = net
            .terminate_instances(&["i-0123456789abcdef0".into()], 0)
            .unwrap_err();
        assert_eq!(err.code, "InvalidInstanceID.NotFound");
        let err = net.terminate_instances(&["nope".into()], 0).unwrap_err();
        assert_eq!(err.code, "InvalidInstanceID.Malformed");
    }
}
