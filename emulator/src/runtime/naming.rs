//! Deterministic Docker names and the `io.emul.*` labels.
//!
//! Names derive from the project and the logical resource id only, so a
//! crashed `up` followed by another `up` finds (and reuses or replaces) what
//! the first one made instead of creating duplicates.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::plan::Kind;

/// Label: the project a Docker object belongs to.
pub const LABEL_PROJECT: &str = "io.emul.project";
/// Label: the logical resource id (`rds/main-db`, `eni/...`, `vpc/main`).
pub const LABEL_RESOURCE: &str = "io.emul.resource";
/// Label: the kind (`network|pause|rds|elasticache|task|alb|helper|volume`).
pub const LABEL_KIND: &str = "io.emul.kind";
/// Label: sha256 of the object's canonical spec; reconcile compares it.
pub const LABEL_CONFIG_HASH: &str = "io.emul.config-hash";
/// Label: the emul version that made the object.
pub const LABEL_VERSION: &str = "io.emul.version";
/// Label: on networks, the VPC CIDR (for humans and `emul status`).
pub const LABEL_CIDR: &str = "io.emul.cidr";

/// The Docker name of a project's object: `emul-<project>-<resource>`, with
/// `/` turned into `.` and anything Docker refuses into `-`.
pub fn object_name(project: &str, resource: &str) -> String {
    let clean: String = resource
        .chars()
        .map(|c| match c {
            '/' => '.',
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' => c,
            _ => '-',
        })
        .collect();
    format!("emul-{project}-{clean}")
}

/// The Linux bridge interface name of a VPC network: `em-` + 12 hex digits of
/// sha256(project/resource); 15 characters, the IFNAMSIZ limit. Deterministic
/// so host-side rules and humans can find it.
pub fn bridge_name(project: &str, resource: &str) -> String {
    let d = Sha256::digest(format!("{project}/{resource}").as_bytes());
    format!("em-{}", &hex::encode(d)[..12])
}

/// The full label set of an object.
pub fn labels(project: &str, resource: &str, kind: Kind, hash: &str) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_PROJECT.into(), project.into()),
        (LABEL_RESOURCE.into(), resource.into()),
        (LABEL_KIND.into(), kind.as_str().into()),
        (LABEL_CONFIG_HASH.into(), hash.into()),
        (LABEL_VERSION.into(), env!("CARGO_PKG_VERSION").into()),
    ])
}

/// The `label=` filter value selecting a project's objects.
pub fn project_filter(project: &str) -> String {
    format!("{LABEL_PROJECT}={project}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_and_docker_safe() {
        assert_eq!(object_name("shop", "rds/main-db"), "emul-shop-rds.main-db");
        assert_eq!(
            object_name("shop", "ecs/api/task 1"),
            "emul-shop-ecs.api.task-1"
        );
        let b = bridge_name("shop", "vpc/main");
        assert_eq!(b.len(), 15);
        assert_eq!(b, bridge_name("shop", "vpc/main"));
        assert_ne!(b, bridge_name("shop2", "vpc/main"));
    }

    #[test]
    fn labels_carry_the_contract_keys() {
        let l = labels("shop", "rds/db", Kind::Rds, "abc");
        assert_eq!(l[LABEL_PROJECT], "shop");
        assert_eq!(l[LABEL_RESOURCE], "rds/db");
        assert_eq!(l[LABEL_KIND], "rds");
        assert_eq!(l[LABEL_CONFIG_HASH], "abc");
        assert!(l.contains_key(LABEL_VERSION));
    }
}
