//! The pure half of reconcile: what exists (found by label) versus the plan.
//!
//! Kept: same config hash and running. Replaced: different hash, not
//! running, or living in an ENI / network that is itself replaced. Orphans:
//! labelled with the project but not in the plan, or a second object
//! claiming a resource id (a leftover of some accident). Volumes are never
//! replaced or orphaned here: they hold data.

use std::collections::{BTreeMap, BTreeSet};

use super::docker::ObjectInfo;
use super::plan::{NetworkSpec, Plan};

/// The outcome of comparing the engine with a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Existing containers (pause and workload) by resource id.
    pub containers: BTreeMap<String, ObjectInfo>,
    /// Existing networks by resource id.
    pub networks: BTreeMap<String, ObjectInfo>,
    /// Existing named volumes by resource id.
    pub volumes: BTreeMap<String, ObjectInfo>,
    /// Networks that match the plan and stay.
    pub keep_networks: BTreeSet<String>,
    /// ENI and container resources to create (or remove and create again).
    pub replace: BTreeSet<String>,
    /// Containers to remove for good.
    pub orphan_containers: Vec<ObjectInfo>,
    /// Networks to remove for good.
    pub orphan_networks: Vec<ObjectInfo>,
}

impl Diff {
    /// Whether `up` has nothing to write.
    pub fn is_noop(&self, plan: &Plan) -> bool {
        self.replace.is_empty()
            && self.orphan_containers.is_empty()
            && self.orphan_networks.is_empty()
            && self.keep_networks.len() == plan.networks.len()
            && plan
                .volumes
                .iter()
                .all(|v| self.volumes.contains_key(&v.id))
    }

    /// The plan's networks that must be created (missing or drifted).
    pub fn networks_to_make<'p>(&self, plan: &'p Plan) -> Vec<&'p NetworkSpec> {
        plan.networks
            .iter()
            .filter(|n| !self.keep_networks.contains(&n.id))
            .collect()
    }
}

fn index(objs: Vec<ObjectInfo>, extra: &mut Vec<ObjectInfo>) -> BTreeMap<String, ObjectInfo> {
    let mut map = BTreeMap::new();
    for o in objs {
        match o.resource().map(String::from) {
            Some(r) if !map.contains_key(&r) => {
                map.insert(r, o);
            }
            _ => extra.push(o),
        }
    }
    map
}

/// Compares what the engine has (listed by project label) with `plan`.
pub fn diff(
    plan: &Plan,
    pause_image: &str,
    containers: Vec<ObjectInfo>,
    networks: Vec<ObjectInfo>,
    volumes: Vec<ObjectInfo>,
) -> Diff {
    let mut d = Diff::default();
    d.containers = index(containers, &mut d.orphan_containers);
    d.networks = index(networks, &mut d.orphan_networks);
    d.volumes = index(volumes, &mut Vec::new());
    let matches = |o: Option<&ObjectInfo>, hash: &str, must_run: bool| {
        o.is_some_and(|o| o.config_hash() == Some(hash) && (!must_run || o.state == "running"))
    };
    for n in &plan.networks {
        if matches(d.networks.get(&n.id), &plan.network_hash(n), false) {
            d.keep_networks.insert(n.id.clone());
        }
    }
    for e in &plan.enis {
        let ok = d.keep_networks.contains(&e.network)
            && matches(
                d.containers.get(&e.id),
                &plan.eni_hash(e, pause_image),
                true,
            );
        if !ok {
            d.replace.insert(e.id.clone());
        }
    }
    for c in &plan.containers {
        let ok = !d.replace.contains(&c.eni)
            && matches(
                d.containers.get(&c.id),
                &plan.container_hash(c, pause_image),
                true,
            );
        if !ok {
            d.replace.insert(c.id.clone());
        }
    }
    let desired: BTreeSet<&str> = plan
        .enis
        .iter()
        .map(|e| e.id.as_str())
        .chain(plan.containers.iter().map(|c| c.id.as_str()))
        .collect();
    // ECS task containers (and their ENIs) belong to the scheduler, which
    // starts and stops them; the plan never lists them, so they are not
    // orphans (`runtime::tasks` marks them with this config hash).
    let extra: Vec<ObjectInfo> = d
        .containers
        .iter()
        .filter(|(r, o)| {
            !desired.contains(r.as_str()) && o.config_hash() != Some(super::tasks::TASK_CONFIG_HASH)
        })
        .map(|(_, o)| o.clone())
        .collect();
    d.orphan_containers.extend(extra);
    let extra: Vec<ObjectInfo> = d
        .networks
        .iter()
        .filter(|(r, _)| plan.network(r).is_none())
        .map(|(_, o)| o.clone())
        .collect();
    d.orphan_networks.extend(extra);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::naming::{LABEL_CONFIG_HASH, LABEL_RESOURCE};
    use crate::runtime::plan::tests::sample;
    use std::collections::HashMap;

    const PAUSE: &str = "emul/pause:latest";

    fn obj(resource: &str, hash: &str, state: &str) -> ObjectInfo {
        ObjectInfo {
            id: format!("id-{resource}"),
            name: format!("name-{resource}"),
            labels: HashMap::from([
                (LABEL_RESOURCE.to_string(), resource.to_string()),
                (LABEL_CONFIG_HASH.to_string(), hash.to_string()),
            ]),
            state: state.to_string(),
        }
    }

    /// What the engine holds right after a successful `up` of `plan`.
    fn observed(plan: &Plan) -> (Vec<ObjectInfo>, Vec<ObjectInfo>) {
        let mut cs: Vec<ObjectInfo> = plan
            .enis
            .iter()
            .map(|e| obj(&e.id, &plan.eni_hash(e, PAUSE), "running"))
            .collect();
        cs.extend(
            plan.containers
                .iter()
                .map(|c| obj(&c.id, &plan.container_hash(c, PAUSE), "running")),
        );
        let ns = plan
            .networks
            .iter()
            .map(|n| obj(&n.id, &plan.network_hash(n), ""))
            .collect();
        (cs, ns)
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn everything_matching_is_a_noop() {
        let p = sample();
        let (cs, ns) = observed(&p);
        let d = diff(&p, PAUSE, cs, ns, vec![]);
        assert!(d.is_noop(&p), "{d:?}");
        assert!(d.networks_to_make(&p).is_empty());
    }

    #[test]
    fn nothing_existing_creates_everything() {
        let p = sample();
        let d = diff(&p, PAUSE, vec![], vec![], vec![]);
        assert_eq!(d.replace, set(&["eni/a", "eni/b", "ecs/a", "ecs/b"]));
        assert_eq!(d.networks_to_make(&p).len(), 1);
    }

    #[test]
    fn a_changed_container_is_replaced_alone() {
        let p = sample();
        let (cs, ns) = observed(&p);
        let mut q = p.clone();
        q.containers[1].env.insert("X".into(), "1".into());
        let d = diff(&q, PAUSE, cs, ns, vec![]);
        assert_eq!(d.replace, set(&["ecs/b"]));
        assert!(d.orphan_containers.is_empty());
    }

    #[test]
    fn a_stopped_eni_takes_its_workloads_with_it() {
        let p = sample();
        let (mut cs, ns) = observed(&p);
        cs.iter_mut()
            .find(|o| o.resource() == Some("eni/a"))
            .unwrap()
            .state = "exited".into();
        let d = diff(&p, PAUSE, cs, ns, vec![]);
        assert_eq!(d.replace, set(&["eni/a", "ecs/a"]));
    }

    #[test]
    fn a_created_but_never_started_container_is_replaced() {
        let p = sample();
        let (mut cs, ns) = observed(&p);
        cs.iter_mut()
            .find(|o| o.resource() == Some("ecs/b"))
            .unwrap()
            .state = "created".into();
        assert_eq!(diff(&p, PAUSE, cs, ns, vec![]).replace, set(&["ecs/b"]));
    }

    #[test]
    fn a_drifted_network_replaces_everything_inside() {
        let p = sample();
        let (cs, mut ns) = observed(&p);
        ns[0].labels.insert(LABEL_CONFIG_HASH.into(), "old".into());
        let d = diff(&p, PAUSE, cs, ns, vec![]);
        assert_eq!(d.replace, set(&["eni/a", "eni/b", "ecs/a", "ecs/b"]));
        assert_eq!(d.networks_to_make(&p).len(), 1);
        assert!(d.orphan_networks.is_empty(), "replaced, not orphaned");
    }

    #[test]
    fn orphans_and_duplicates_are_removed() {
        let p = sample();
        let (mut cs, mut ns) = observed(&p);
        cs.push(obj("ecs/gone", "h", "running"));
        let mut dup = cs[0].clone();
        dup.id = "another-id".into();
        cs.push(dup);
        ns.push(obj("vpc/old", "h", ""));
        let d = diff(&p, PAUSE, cs, ns, vec![]);
        let orphans: BTreeSet<&str> = d.orphan_containers.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(orphans, BTreeSet::from(["id-ecs/gone", "another-id"]));
        assert_eq!(d.orphan_networks.len(), 1);
        assert!(d.replace.is_empty());
    }
}
