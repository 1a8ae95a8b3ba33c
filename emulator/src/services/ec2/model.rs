//! The VPCs of one region as the EC2 API shows them: the topology's VPC
//! (the one emul runs), its subnets and security groups with stable
//! AWS-shaped ids, and any VPC or subnet made through the API (control
//! plane only); or, without a topology, the region's default VPC (pure, no
//! I/O; the VPC writes are in [`super::vpcs`], the group writes in
//! [`super::rules`]).
//!
//! Ids are derived from the project and the resource's name (`vpc-`,
//! `subnet-`, `sg-` + 17 hex digits, the long form AWS uses), so the same
//! topology always shows the same ids: a script or a Terraform state that
//! read them once finds them again after `down` and `up`.

use ipnet::{Ipv4Net, Ipv6Net};
use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};

use super::rules::{GroupRule, RulePeer, RuleSpec};
use crate::topology::Topology;
use crate::topology::model::security_groups::{IpProtocol, PortRange, SgRule};

/// The VPCs of one region, their subnets and groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// The project: part of every id emul derives
    /// ([`resource_id`]), for groups and rules created later too.
    pub project: String,
    /// The account that owns everything (`ownerId`).
    pub owner: String,
    /// The region (AZ names and ARNs).
    pub region: String,
    /// The VPCs: the topology's first (the one emul runs), then those
    /// CreateVpc made; without a topology, the region's default VPC first.
    pub vpcs: Vec<Vpc>,
    /// The subnets of every VPC, in topology order, then in creation order.
    pub subnets: Vec<Subnet>,
    /// The security groups of every VPC, in topology order, then in
    /// creation order.
    pub groups: Vec<SecurityGroup>,
    /// How many resources the API has made: the next one's id derives from
    /// it, so ids are never handed out twice.
    pub created: u64,
    /// Groups ModifyNetworkInterfaceAttribute gave running ENIs, by
    /// logical ENI id (group names); they replace the ENI's own.
    pub eni_groups: std::collections::BTreeMap<String, Vec<String>>,
    /// The instances RunInstances made (control plane only,
    /// [`super::instances`]), terminated ones included.
    #[serde(default)]
    pub instances: Vec<super::instances::Instance>,
}

/// The VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-…`.
    pub id: String,
    /// Its primary IPv4 range.
    pub cidr: Ipv4Net,
    /// The region's default VPC (only without a topology).
    pub is_default: bool,
    /// `Name` = the project for the topology's VPC.
    pub tags: Vec<(String, String)>,
    /// Its DNS attributes (`DescribeVpcAttribute`/`ModifyVpcAttribute`):
    /// Terraform's `aws_vpc` reads and sets them.
    #[serde(default)]
    pub attributes: VpcAttributes,
}

/// A VPC's attributes as `ModifyVpcAttribute` sets them. They are kept and
/// shown; emul's VPC resolver answers whatever they say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcAttributes {
    /// `enableDnsSupport`: the Amazon-provided resolver answers (AWS: on in
    /// every new VPC).
    pub dns_support: bool,
    /// `enableDnsHostnames`: instances get DNS hostnames (AWS: on in a
    /// default VPC, off in one CreateVpc makes).
    pub dns_hostnames: bool,
    /// `enableNetworkAddressUsageMetrics` (AWS: off).
    pub address_usage_metrics: bool,
}

impl VpcAttributes {
    /// The attributes by their API names (`Attribute`), in AWS's order.
    pub const NAMES: [&'static str; 3] = [
        "enableDnsSupport",
        "enableDnsHostnames",
        "enableNetworkAddressUsageMetrics",
    ];

    /// The flag named `name` (one of [`Self::NAMES`]).
    pub fn flag(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "enableDnsSupport" => Some(&mut self.dns_support),
            "enableDnsHostnames" => Some(&mut self.dns_hostnames),
            "enableNetworkAddressUsageMetrics" => Some(&mut self.address_usage_metrics),
            _ => None,
        }
    }

    /// The value of the flag named `name`.
    pub fn get(self, name: &str) -> Option<bool> {
        let mut copy = self;
        copy.flag(name).copied()
    }

    /// AWS's attributes of a new VPC: `default` for a default VPC.
    pub fn new(default_vpc: bool) -> Self {
        VpcAttributes {
            dns_support: true,
            dns_hostnames: default_vpc,
            address_usage_metrics: false,
        }
    }
}

impl Default for VpcAttributes {
    fn default() -> Self {
        VpcAttributes::new(false)
    }
}

/// One subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// The topology's name, shown as the `Name` tag (a subnet made through
    /// the API: its id).
    pub name: String,
    /// Its range.
    pub cidr: Ipv4Net,
    /// `us-east-1a`.
    pub availability_zone: String,
    /// `use1-az1`.
    pub availability_zone_id: String,
    /// Routed to an internet gateway: public subnets map public IPs on launch.
    pub public: bool,
    /// One of the default VPC's subnets (`defaultForAz`).
    pub default_for_az: bool,
    /// Tags (`Name`).
    pub tags: Vec<(String, String)>,
}

impl Subnet {
    /// Addresses left for ENIs: the range minus AWS's five reserved ones
    /// (network, router, DNS, future use, broadcast).
    pub fn available_ip_count(&self) -> u64 {
        let size = 1u64 << (32 - u32::from(self.cidr.prefix_len()));
        size.saturating_sub(5)
    }
}

/// One security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// `GroupName`, unique in the VPC (the topology's name, or the one
    /// CreateSecurityGroup was given).
    pub name: String,
    /// `GroupDescription`.
    pub description: String,
    /// Its rules, inbound and outbound, in the order they were added: one
    /// per peer, as AWS stores them (each has its own `sgr-` id; the
    /// `IpPermission`s of DescribeSecurityGroups are built from them by
    /// [`SecurityGroup::permissions`]).
    pub rules: Vec<GroupRule>,
    /// Tags (`Name` for the topology's groups).
    pub tags: Vec<(String, String)>,
    /// The `default` group AWS made with its VPC (not the topology's).
    pub aws_default: bool,
}

/// One `IpPermission`: a protocol and port range with its peers (the view
/// DescribeSecurityGroups and its filters show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `tcp`, `udp`, `icmp` or `-1`.
    pub protocol: String,
    /// `FromPort` (absent for `-1`; ICMP type).
    pub from_port: Option<i32>,
    /// `ToPort` (absent for `-1`; ICMP code).
    pub to_port: Option<i32>,
    /// IPv4 peers with their descriptions.
    pub ipv4: Vec<(Ipv4Net, Option<String>)>,
    /// IPv6 peers with their descriptions.
    pub ipv6: Vec<(Ipv6Net, Option<String>)>,
    /// Peer groups (`sg-…` ids) with their descriptions.
    pub groups: Vec<(String, Option<String>)>,
}

/// `<prefix>-` + 17 hex digits of the SHA-256 of `project/kind/name`.
pub fn resource_id(prefix: &str, project: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{project}/{prefix}/{name}").as_bytes());
    format!("{prefix}-{}", &hex::encode(digest)[..17])
}

/// The `eni-` id of the ENI with logical id `logical`
/// (`eni/ecs/<cluster>/<service>/<task>`, `eni/rds/<db>`, ...): what the
/// EC2 API and ECS's task attachments both show.
pub fn eni_id(project: &str, logical: &str) -> String {
    resource_id("eni", project, logical)
}

/// An address's private DNS name as EC2 gives it: `ip-10-0-1-5.ec2.internal`
/// in us-east-1, `ip-10-0-1-5.<region>.compute.internal` elsewhere.
pub fn private_dns_name(region: &str, ip: std::net::Ipv4Addr) -> String {
    let host = format!("ip-{}", ip.to_string().replace('.', "-"));
    if region == "us-east-1" {
        format!("{host}.ec2.internal")
    } else {
        format!("{host}.{region}.compute.internal")
    }
}

/// The AZ id of `az` (`us-east-1a` → `use1-az1`): AWS numbers zones per
/// account; emul numbers them by letter.
pub fn availability_zone_id(az: &str) -> String {
    let (region, letter) = az.split_at(az.len().saturating_sub(1));
    let number = letter
        .chars()
        .next()
        .filter(char::is_ascii_lowercase)
        .map_or(0, |c| u32::from(c) - u32::from('a') + 1);
    format!("{}-az{number}", region_code(region))
}

/// `us-east-1` → `use1`, `ap-northeast-1` → `apne1`, `eu-central-1` → `euc1`.
pub fn region_code(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    match parts.as_slice() {
        [geo, direction, number] => {
            let d: String = match *direction {
                "northeast" => "ne".into(),
                "northwest" => "nw".into(),
                "southeast" => "se".into(),
                "southwest" => "sw".into(),
                other => other.chars().take(1).collect(),
            };
            format!("{geo}{d}{number}")
        }
        _ => region.replace('-', ""),
    }
}

/// The zones of `region` as DescribeAvailabilityZones lists them: AWS's
/// letters for the region (six in us-east-1, `a` and `c` in us-west-1,
/// three elsewhere) plus any zone the topology's subnets name.
pub fn availability_zones(region: &str, named: &[String]) -> Vec<String> {
    let letters: &[char] = match region {
        "us-east-1" => &['a', 'b', 'c', 'd', 'e', 'f'],
        "us-west-1" => &['a', 'c'],
        _ => &['a', 'b', 'c'],
    };
    let mut zones: Vec<String> = letters.iter().map(|l| format!("{region}{l}")).collect();
    for z in named {
        if !zones.contains(z) {
            zones.push(z.clone());
        }
    }
    zones.sort();
    zones
}

impl Network {
    /// The EC2 view of a validated topology.
    pub fn from_topology(t: &Topology) -> Network {
        let project = t.name.value.as_str();
        let vpc_id = resource_id("vpc", project, "vpc");
        let group_id = |name: &str| resource_id("sg", project, name);
        let subnets = t
            .vpc
            .subnets
            .iter()
            .map(|s| Subnet {
                id: resource_id("subnet", project, &s.name),
                vpc_id: vpc_id.clone(),
                name: s.name.value.clone(),
                cidr: s.cidr_block.value,
                availability_zone: s.availability_zone.value.clone(),
                availability_zone_id: availability_zone_id(&s.availability_zone),
                public: s.public,
                default_for_az: false,
                tags: vec![("Name".into(), s.name.value.clone())],
            })
            .collect();
        let groups = t
            .security_groups
            .iter()
            .map(|g| {
                let own = g.name.value.as_str();
                let id = group_id(own);
                let mut rules = Vec::new();
                for r in &g.ingress {
                    rules.extend(topology_rules(project, &id, false, r, own, &group_id));
                }
                match &g.egress {
                    Some(egress) => {
                        for r in egress {
                            rules.extend(topology_rules(project, &id, true, r, own, &group_id));
                        }
                    }
                    // An omitted `egress` is AWS's default rule, which has
                    // no description.
                    None => rules.push(GroupRule::new(
                        project,
                        &id,
                        true,
                        RuleSpec::allow_all_egress(),
                    )),
                }
                SecurityGroup {
                    id,
                    vpc_id: vpc_id.clone(),
                    name: own.to_string(),
                    description: g.description.clone(),
                    rules,
                    tags: vec![("Name".into(), own.to_string())],
                    aws_default: false,
                }
            })
            .collect::<Vec<SecurityGroup>>();
        let mut groups = groups;
        // Every VPC has a group named `default`; the topology may declare
        // its own.
        if !groups.iter().any(|g| g.name == "default") {
            groups.push(default_group(project, &vpc_id, group_id("default")));
        }
        Network {
            project: project.to_string(),
            owner: t.account_id.value.clone(),
            region: t.region.value.clone(),
            vpcs: vec![Vpc {
                id: vpc_id,
                cidr: t.vpc.cidr_block.value,
                is_default: false,
                tags: vec![("Name".into(), project.to_string())],
                // emul's VPC resolver names the topology's ENIs, as a VPC
                // with both DNS attributes on does.
                attributes: VpcAttributes::new(true),
            }],
            subnets,
            groups,
            created: 0,
            eni_groups: Default::default(),
            instances: Vec::new(),
        }
    }

    /// The first VPC: the topology's, or the default VPC.
    pub fn home_vpc(&self) -> &Vpc {
        &self.vpcs[0]
    }

    /// The VPC with id `id`.
    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.iter().find(|v| v.id == id)
    }

    /// The VPC with id `id`, to change.
    pub fn vpc_mut(&mut self, id: &str) -> Option<&mut Vpc> {
        self.vpcs.iter_mut().find(|v| v.id == id)
    }

    /// The VPC a call means: `VpcId` when given (it must exist), else the
    /// first VPC (the default VPC, or the topology's, which stands in for
    /// it).
    pub fn vpc_or_home(&self, id: Option<&str>) -> Result<&Vpc, crate::gateway::AwsError> {
        match id {
            Some(id) => self.vpc(id).ok_or_else(|| super::errors::vpc_not_found(id)),
            None => Ok(self.home_vpc()),
        }
    }

    /// The group with id `id`.
    pub fn group(&self, id: &str) -> Option<&SecurityGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The group named `name`, the first VPC's before others' (names are
    /// unique in a VPC).
    pub fn group_named(&self, name: &str) -> Option<&SecurityGroup> {
        self.vpcs
            .iter()
            .find_map(|v| self.group_named_in(&v.id, name))
    }

    /// The group named `name` in VPC `vpc`.
    pub fn group_named_in(&self, vpc: &str, name: &str) -> Option<&SecurityGroup> {
        self.groups
            .iter()
            .find(|g| g.vpc_id == vpc && g.name == name)
    }

    /// The name of group `id`, or the id itself for a group that is gone.
    pub fn group_name(&self, id: &str) -> String {
        self.group(id)
            .map_or_else(|| id.to_string(), |g| g.name.clone())
    }
}

/// The group AWS makes with every VPC: `default`, admitting all traffic
/// from its own members, all traffic out.
pub fn default_group(project: &str, vpc_id: &str, id: String) -> SecurityGroup {
    let all_from_self = RuleSpec {
        peer: RulePeer::Group(id.clone()),
        ..RuleSpec::allow_all_egress()
    };
    SecurityGroup {
        rules: vec![
            GroupRule::new(project, &id, false, all_from_self),
            GroupRule::new(project, &id, true, RuleSpec::allow_all_egress()),
        ],
        id,
        vpc_id: vpc_id.to_string(),
        name: "default".into(),
        description: "default VPC security group".into(),
        tags: vec![],
        aws_default: true,
    }
}

/// A topology rule as AWS stores it: one rule per peer (`self` and group
/// names become the peer groups' ids), each with the rule's description.
fn topology_rules(
    project: &str,
    group: &str,
    egress: bool,
    r: &SgRule,
    own: &str,
    group_id: &dyn Fn(&str) -> String,
) -> Vec<GroupRule> {
    let protocol = match *r.protocol {
        IpProtocol::Tcp => "tcp",
        IpProtocol::Udp => "udp",
        IpProtocol::Icmp => "icmp",
        IpProtocol::All => "-1",
    };
    let (from_port, to_port) = match (*r.protocol, r.port_range()) {
        (IpProtocol::All, _) => (None, None),
        (_, PortRange::All) => (Some(-1), Some(-1)),
        (_, PortRange::Range(a, b)) => (Some(i32::from(a)), Some(i32::from(b))),
    };
    let mut peers: Vec<RulePeer> = r
        .cidr_blocks
        .iter()
        .map(|c| RulePeer::Cidr4(c.value))
        .collect();
    peers.extend(r.ipv6_cidr_blocks.iter().map(|c| RulePeer::Cidr6(c.value)));
    peers.extend(
        r.security_groups
            .iter()
            .map(|g| RulePeer::Group(group_id(g))),
    );
    if r.self_ {
        peers.push(RulePeer::Group(group_id(own)));
    }
    peers
        .into_iter()
        .map(|peer| {
            let spec = RuleSpec {
                protocol: protocol.into(),
                from_port,
                to_port,
                peer,
                description: r.description.clone(),
            };
            GroupRule::new(project, group, egress, spec)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_long_form_and_distinct() {
        let a = resource_id("subnet", "shop", "private-1a");
        assert_eq!(a, resource_id("subnet", "shop", "private-1a"));
        assert_ne!(a, resource_id("subnet", "shop", "private-1b"));
        assert_ne!(a, resource_id("subnet", "other", "private-1a"));
        assert!(
            a.starts_with("subnet-") && a.len() == "subnet-".len() + 17,
            "{a}"
        );
    }

    #[test]
    fn zone_ids_follow_aws_region_codes() {
        assert_eq!(availability_zone_id("us-east-1a"), "use1-az1");
        assert_eq!(availability_zone_id("us-west-2c"), "usw2-az3");
        assert_eq!(availability_zone_id("ap-northeast-1a"), "apne1-az1");
        assert_eq!(availability_zone_id("eu-central-1b"), "euc1-az2");
        assert_eq!(
            availability_zones("us-west-1", &["us-west-1b".into()]),
            ["us-west-1a", "us-west-1b", "us-west-1c"]
        );
        assert_eq!(availability_zones("us-east-1", &[]).len(), 6);
    }
}
