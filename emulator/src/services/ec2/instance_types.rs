//! Instance types: which names RunInstances accepts and the vCPUs and
//! memory each has (pure). ECS reads the latter when a container instance
//! registers without `totalResources`: what the ECS agent would report on
//! that type (`vCPUs × 1024` CPU units, the memory in MiB).
//!
//! The table holds AWS's figures (DescribeInstanceTypes' `DefaultVCpus` and
//! `MemoryInfo.SizeInMiB`) for the burstable and previous-generation types
//! whose sizes follow no rule, and the rule of the current families: `large`
//! = 2 vCPUs, `xlarge` = 4, `Nxlarge` = 4N, with 2 (compute, `c`), 4
//! (general purpose, `m` and the rest) or 8 (memory, `r`) GiB per vCPU. A
//! well-formed name outside both is accepted and sized by the same rule
//! (4 GiB per vCPU): emul runs no VM, so a type AWS may have added since
//! is not refused.

/// The capacity of one instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceType {
    /// `DefaultVCpus`.
    pub vcpus: u32,
    /// `MemoryInfo.SizeInMiB`.
    pub memory_mib: u64,
}

/// AWS's default when RunInstances names no type.
pub const DEFAULT: &str = "m1.small";

/// Types whose sizes follow no family rule: (name, vCPUs, MiB).
const LISTED: &[(&str, u32, u64)] = &[
    ("t1.micro", 1, 627),
    ("m1.small", 1, 1740),
    ("m1.medium", 1, 3840),
    ("m1.large", 2, 7680),
    ("m1.xlarge", 4, 15360),
    ("m2.xlarge", 2, 17510),
    ("m2.2xlarge", 4, 35020),
    ("m2.4xlarge", 8, 70041),
    ("m3.medium", 1, 3840),
    ("m3.large", 2, 7680),
    ("m3.xlarge", 4, 15360),
    ("m3.2xlarge", 8, 30720),
    ("c1.medium", 2, 1740),
    ("c1.xlarge", 8, 7168),
    ("c3.large", 2, 3840),
    ("c3.xlarge", 4, 7680),
    ("c3.2xlarge", 8, 15360),
    ("c3.4xlarge", 16, 30720),
    ("c3.8xlarge", 32, 61440),
    ("c4.large", 2, 3840),
    ("c4.xlarge", 4, 7680),
    ("c4.2xlarge", 8, 15360),
    ("c4.4xlarge", 16, 30720),
    ("c4.8xlarge", 36, 61440),
    ("r3.large", 2, 15360),
    ("r3.xlarge", 4, 31232),
    ("r3.2xlarge", 8, 62464),
    ("r4.large", 2, 15616),
    ("r4.xlarge", 4, 31232),
    ("r4.2xlarge", 8, 62464),
    ("t2.nano", 1, 512),
    ("t2.micro", 1, 1024),
    ("t2.small", 1, 2048),
    ("t2.medium", 2, 4096),
    ("t2.large", 2, 8192),
    ("t2.xlarge", 4, 16384),
    ("t2.2xlarge", 8, 32768),
];

/// Burstable families of the current generation: two vCPUs up to `large`.
const BURSTABLE: &[&str] = &["t3", "t3a", "t4g"];

/// Current families by GiB per vCPU.
const COMPUTE_PREFIX: char = 'c';
const MEMORY_PREFIX: char = 'r';

/// Whether `name` has the shape of an instance type (`family.size`).
pub fn well_formed(name: &str) -> bool {
    let Some((family, size)) = name.split_once('.') else {
        return false;
    };
    family.starts_with(|c: char| c.is_ascii_lowercase())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !size.is_empty()
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The capacity of `name`; `None` when it is not well formed or its size
/// is not one the rule knows (`metal`, ...).
pub fn lookup(name: &str) -> Option<InstanceType> {
    if let Some((_, vcpus, memory_mib)) = LISTED.iter().find(|(n, _, _)| *n == name) {
        return Some(InstanceType {
            vcpus: *vcpus,
            memory_mib: *memory_mib,
        });
    }
    if !well_formed(name) {
        return None;
    }
    let (family, size) = name.split_once('.')?;
    if BURSTABLE.contains(&family) {
        let (vcpus, gib_tenths) = match size {
            "nano" => (2, 5),
            "micro" => (2, 10),
            "small" => (2, 20),
            "medium" => (2, 40),
            "large" => (2, 80),
            "xlarge" => (4, 160),
            "2xlarge" => (8, 320),
            _ => return None,
        };
        return Some(InstanceType {
            vcpus,
            memory_mib: gib_tenths * 1024 / 10,
        });
    }
    let vcpus: u32 = match size {
        "medium" => 1,
        "large" => 2,
        "xlarge" => 4,
        n => 4 * n.strip_suffix("xlarge")?.parse::<u32>().ok()?,
    };
    let gib_per_vcpu = if family.starts_with(COMPUTE_PREFIX) {
        2
    } else if family.starts_with(MEMORY_PREFIX) {
        8
    } else {
        4
    };
    Some(InstanceType {
        vcpus,
        memory_mib: u64::from(vcpus) * gib_per_vcpu * 1024,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_and_ruled_types_have_aws_figures() {
        let t = |n| lookup(n).map(|t| (t.vcpus, t.memory_mib));
        assert_eq!(t("m1.small"), Some((1, 1740)));
        assert_eq!(t("t2.micro"), Some((1, 1024)));
        assert_eq!(t("t3.medium"), Some((2, 4096)));
        assert_eq!(t("t3.nano"), Some((2, 512)));
        assert_eq!(t("m5.large"), Some((2, 8192)));
        assert_eq!(t("c5.4xlarge"), Some((16, 32768)));
        assert_eq!(t("r6g.xlarge"), Some((4, 32768)));
        assert_eq!(t("m6g.medium"), Some((1, 4096)));
        assert_eq!(t("m5.metal"), None);
        assert_eq!(t("nonsense"), None);
        assert!(well_formed("x2idn.16xlarge"));
        assert!(!well_formed("M5.large") && !well_formed("m5.") && !well_formed("m5"));
    }
}
