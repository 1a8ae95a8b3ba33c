//! Topology → [`runtime::Plan`](crate::runtime::Plan) (pure).
//!
//! What a project runs before ECS, the ALB and security groups join in:
//! - the VPC: one network (`vpc/main`) with the VPC CIDR and every subnet;
//! - each RDS instance through [`datastores::rds_postgres`]: the primary in
//!   its DB subnet group's first subnet, a Multi-AZ standby in the second,
//!   the master password read from its secret (or the RDS-managed one),
//!   parameter-group settings as server settings;
//! - each ElastiCache replication group through
//!   [`datastores::elasticache_redis`]: `num_cache_clusters - 1` replicas,
//!   nodes spread over the cache subnet group, the AUTH token from its
//!   secret, parameter-group settings;
//! - one ENI per ALB, `eni/alb/<name>`, in the ALB's first subnet: a pause
//!   container whose namespace the ALB data plane creates its upstream
//!   sockets in (design point 1). Its security groups are in
//!   [`Project::eni_security_groups`].
//!
//! Secrets are read through a caller-supplied resolver, so this file never
//! touches the store; [`super::secrets::resolve`] is the real one.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use super::Project;
use super::secrets::SecretError;
use crate::runtime::datastores::{self, DatastoreError, ElastiCacheRedis, RdsPostgres};
use crate::runtime::{EniRequest, NetworkSpec, Plan, PlanError, Resources, Secret};
use crate::topology::decode::{FreeMap, Scalar};
use crate::topology::model::secrets::{SecretSource, ValueFrom};
use crate::topology::span::Spanned;

/// The logical id of the VPC network.
pub const VPC_NETWORK: &str = "vpc/main";

/// A data store's addresses, for `emul up`'s summary and `emul status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Endpoint {
    /// `rds` or `elasticache`.
    pub kind: String,
    /// The topology name (`wechat-db`).
    pub name: String,
    /// Writer / primary endpoint DNS name (resolves inside the VPC).
    pub endpoint: String,
    /// Reader endpoint (ElastiCache).
    pub reader_endpoint: Option<String>,
    /// The port clients use.
    pub port: u16,
    /// Logical container ids serving it (primary first).
    pub containers: Vec<String>,
}

/// The translated project.
#[derive(Debug, Clone)]
pub struct ProjectPlan {
    /// What `reconcile::up` makes true.
    pub plan: Plan,
    /// Every data store's endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// Why a topology does not translate.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    /// A referenced secret could not be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A data store cannot be built.
    #[error(transparent)]
    Datastore(#[from] DatastoreError),
    /// The plan is inconsistent (IPs exhausted, bad names).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Something the runtime does not emulate yet.
    #[error("{0}")]
    Unsupported(String),
}

fn subnet_cidr(project: &Project, name: &Spanned<String>) -> Result<Ipv4Net, TranslateError> {
    project
        .topology
        .subnet(name)
        .map(|s| *s.cidr_block)
        .ok_or_else(|| TranslateError::Unsupported(format!("unknown subnet {}", **name)))
}

fn parameters(p: &FreeMap<Scalar>) -> BTreeMap<String, String> {
    p.iter()
        .map(|(k, v)| (k.value.clone(), v.as_text()))
        .collect()
}

/// Translates `project` into a plan, reading secrets through `secret`.
pub fn build(
    project: &Project,
    secret: &dyn Fn(&ValueFrom) -> Result<String, SecretError>,
) -> Result<ProjectPlan, TranslateError> {
    let t = &project.topology;
    let vpc = NetworkSpec {
        id: VPC_NETWORK.into(),
        cidr: *t.vpc.cidr_block,
        subnets: t.vpc.subnets.iter().map(|s| *s.cidr_block).collect(),
    };
    let suffix = datastores::endpoint_suffix(&project.name);
    let (mut enis, mut containers, mut volumes, mut endpoints) = (vec![], vec![], vec![], vec![]);

    for d in &t.rds_instances {
        let port = u16::try_from(*d.port).map_err(|_| {
            TranslateError::Unsupported(format!("RDS instance {}: port {}", *d.name, *d.port))
        })?;
        let password = match (&d.master_password_secret, *d.manage_master_user_password) {
            (Some(vf), _) => secret(vf)?,
            (None, true) => {
                let managed = t
                    .secrets
                    .iter()
                    .find(|s| matches!(&s.source, SecretSource::RdsManaged(i) if **i == *d.name))
                    .ok_or_else(|| TranslateError::Unsupported(format!("RDS instance {} manages its password but no `rds_managed` secret names it", *d.name)))?;
                let vf = ValueFrom::parse(&format!("{}:password::", *managed.name))
                    .map_err(|(m, _)| TranslateError::Unsupported(m))?;
                secret(&vf)?
            }
            (None, false) => {
                return Err(TranslateError::Unsupported(format!(
                    "RDS instance {} has no master password source",
                    *d.name
                )));
            }
        };
        let subnets: Vec<Ipv4Net> = d
            .subnets
            .iter()
            .map(|s| subnet_cidr(project, s))
            .collect::<Result<_, _>>()?;
        let parts = datastores::rds_postgres(&RdsPostgres {
            id: d.name.value.clone(),
            engine_version: d.engine_version.value.clone(),
            username: d.username.value.clone(),
            password: Secret(password),
            db_name: d
                .db_name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| "postgres".into()),
            parameters: parameters(&d.parameters),
            multi_az: d.multi_az,
            port,
            network: VPC_NETWORK.into(),
            subnet: subnets[0],
            standby_subnet: subnets.get(1).copied(),
            region: project.region().into(),
            suffix: suffix.clone(),
            resources: Resources::default(),
        })?;
        endpoints.push(Endpoint {
            kind: "rds".into(),
            name: d.name.value.clone(),
            endpoint: parts.endpoint.clone(),
            reader_endpoint: None,
            port,
            containers: parts.containers.iter().map(|c| c.id.clone()).collect(),
        });
        enis.extend(parts.enis);
        containers.extend(parts.containers);
        volumes.extend(parts.volumes);
    }

    for c in &t.elasticache_clusters {
        let port = u16::try_from(*c.port).map_err(|_| {
            TranslateError::Unsupported(format!(
                "ElastiCache cluster {}: port {}",
                *c.name, *c.port
            ))
        })?;
        let auth_token = match &c.auth_token_secret {
            Some(vf) => Some(Secret(secret(vf)?)),
            None => None,
        };
        let subnets: Vec<Ipv4Net> = c
            .subnets
            .iter()
            .map(|s| subnet_cidr(project, s))
            .collect::<Result<_, _>>()?;
        let parts = datastores::elasticache_redis(&ElastiCacheRedis {
            id: c.name.value.clone(),
            engine_version: c.engine_version.value.clone(),
            replicas: u32::try_from((*c.num_cache_clusters - 1).max(0)).unwrap_or(0),
            port,
            auth_token,
            parameters: parameters(&c.parameters),
            network: VPC_NETWORK.into(),
            subnets,
            region: project.region().into(),
            suffix: suffix.clone(),
            resources: Resources::default(),
        })?;
        endpoints.push(Endpoint {
            kind: "elasticache".into(),
            name: c.name.value.clone(),
            endpoint: parts.endpoint.clone(),
            reader_endpoint: parts.reader_endpoint.clone(),
            port,
            containers: parts.containers.iter().map(|c| c.id.clone()).collect(),
        });
        enis.extend(parts.enis);
        containers.extend(parts.containers);
        volumes.extend(parts.volumes);
    }

    for lb in &t.load_balancers {
        let first = lb.subnets.first().ok_or_else(|| {
            TranslateError::Unsupported(format!("load balancer {} has no subnet", *lb.name))
        })?;
        enis.push(EniRequest {
            id: Project::alb_eni(&lb.name),
            network: VPC_NETWORK.into(),
            subnet: subnet_cidr(project, first)?,
            ip: None,
            aliases: vec![],
        });
    }

    let mut plan = Plan::build(&project.name, vec![vpc], enis, containers, volumes)?;
    // Each ALB's agent opens its upstream connections and hands them over
    // through a directory it shares with the daemon, which the daemon sets
    // where it runs (`runtime::placement`, `runtime::agent::BrokerClient`).
    plan.brokered_enis = t
        .load_balancers
        .iter()
        .map(|lb| Project::alb_eni(&lb.name))
        .collect();
    Ok(ProjectPlan { plan, endpoints })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fixture;
    use crate::runtime::Readiness;

    /// A resolver over fixed values: `<secret>` or `<secret>:<key>`.
    fn fixed(vf: &ValueFrom) -> Result<String, SecretError> {
        Ok(match &vf.json_key {
            Some(k) => format!("value-of-{}:{k}", vf.secret),
            None => format!("value-of-{}", vf.secret),
        })
    }

    #[test]
    fn wechat_translates_with_ips_in_their_subnets() {
        let p = fixture("wechat.yaml");
        let pp = build(&p, &fixed).unwrap();
        let plan = &pp.plan;
        assert_eq!(plan.project, "wechat");
        assert_eq!(plan.networks.len(), 1);
        assert_eq!(plan.networks[0].cidr.to_string(), "10.0.0.0/16");
        let ids: Vec<&str> = plan.enis.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "eni/rds/wechat-db",
                "eni/rds/wechat-db/standby",
                "eni/elasticache/wechat-redis/001",
                "eni/elasticache/wechat-redis/002",
                "eni/alb/wechat-alb"
            ]
        );
        let subnet_of = |id: &str| plan.eni(id).unwrap().subnet.to_string();
        assert_eq!(subnet_of("eni/rds/wechat-db"), "10.0.10.0/24");
        assert_eq!(subnet_of("eni/rds/wechat-db/standby"), "10.0.20.0/24");
        assert_eq!(
            subnet_of("eni/elasticache/wechat-redis/002"),
            "10.0.20.0/24"
        );
        assert_eq!(subnet_of("eni/alb/wechat-alb"), "10.0.1.0/24");
        for e in &plan.enis {
            assert!(e.subnet.contains(&e.ip), "{} {}", e.id, e.ip);
            // AWS reserves the first four and the last address.
            let host = u32::from(e.ip) - u32::from(e.subnet.network());
            assert!(host >= 4, "{} {}", e.id, e.ip);
        }
        // Every ENI the plan makes has its security groups recorded.
        let sgs = p.eni_security_groups();
        for e in &plan.enis {
            assert!(sgs.contains_key(&e.id), "{}", e.id);
        }
        let containers: Vec<&str> = plan.containers.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            containers,
            [
                "rds/wechat-db",
                "rds/wechat-db/standby",
                "elasticache/wechat-redis/001",
                "elasticache/wechat-redis/002"
            ]
        );
        // The master password comes from the secret the topology names.
        let db = plan.container("rds/wechat-db").unwrap();
        assert_eq!(
            db.env["POSTGRES_PASSWORD"],
            "value-of-wechat/database:password"
        );
        assert_eq!(db.env["POSTGRES_USER"], "wechat_admin");
        assert_eq!(db.env["POSTGRES_DB"], "wechat");
        assert!(
            matches!(&db.readiness, Readiness::Postgres { user, .. } if user == "wechat_admin")
        );
        assert!(db.image.candidates[0].reference.ends_with(":15"));
        // Redis: no AUTH in wechat; the replica follows the primary.
        let replica = plan.container("elasticache/wechat-redis/002").unwrap();
        assert!(replica.cmd.contains(&"--replicaof".to_string()));
        assert!(!replica.cmd.contains(&"--requirepass".to_string()));
        assert_eq!(pp.endpoints.len(), 2);
        assert!(
            pp.endpoints[0]
                .endpoint
                .ends_with(".us-east-1.rds.amazonaws.com")
        );
        assert!(pp.endpoints[1].endpoint.starts_with("master.wechat-redis."));
        assert!(plan.volumes.iter().any(|v| v.id == "rds/wechat-db/data"));
    }

    #[test]
    fn every_seed_translates_and_every_store_is_present() {
        for f in [
            "wechat.yaml",
            "fckdoomscroll.yaml",
            "prod-infra.yaml",
            "rayman.yaml",
            "social-flow.yaml",
        ] {
            let p = fixture(f);
            let pp = build(&p, &fixed).unwrap_or_else(|e| panic!("{f}: {e}"));
            for d in &p.topology.rds_instances {
                assert!(
                    pp.plan.container(&format!("rds/{}", *d.name)).is_some(),
                    "{f}"
                );
                if let Some(vf) = &d.master_password_secret {
                    let c = pp.plan.container(&format!("rds/{}", *d.name)).unwrap();
                    assert_eq!(c.env["POSTGRES_PASSWORD"], fixed(vf).unwrap(), "{f}");
                }
            }
            for c in &p.topology.elasticache_clusters {
                for n in 1..=*c.num_cache_clusters {
                    let id = format!("elasticache/{}/{n:03}", *c.name);
                    let spec = pp.plan.container(&id).unwrap_or_else(|| panic!("{f} {id}"));
                    if let Some(vf) = &c.auth_token_secret {
                        let tok = fixed(vf).unwrap();
                        assert!(spec.cmd.contains(&tok), "{f}: {id} AUTH");
                    }
                    for (k, v) in c.parameters.iter() {
                        let flag = format!("--{}", k.value);
                        let pos = spec.cmd.iter().position(|a| *a == flag).unwrap();
                        assert_eq!(spec.cmd[pos + 1], v.as_text(), "{f}");
                    }
                }
            }
            for lb in &p.topology.load_balancers {
                let eni = pp.plan.eni(&Project::alb_eni(&lb.name)).unwrap();
                let first = p.topology.subnet(&lb.subnets[0]).unwrap();
                assert_eq!(eni.subnet, *first.cidr_block, "{f}");
            }
            for e in &pp.plan.enis {
                assert!(e.subnet.contains(&e.ip));
            }
        }
    }

    #[test]
    fn rds_managed_password_comes_from_the_managed_secret() {
        let p = super::super::secrets::tests::managed_fixture();
        let pp = build(&p, &fixed).unwrap();
        let db = pp.plan.container("rds/wechat-db").unwrap();
        assert_eq!(
            db.env["POSTGRES_PASSWORD"],
            "value-of-wechat/db-managed:password"
        );
    }

    #[test]
    fn a_failing_secret_is_reported() {
        let p = fixture("wechat.yaml");
        let err = build(&p, &|vf| {
            Err(SecretError::Resolve {
                reference: vf.raw.clone(),
                message: "gone".into(),
            })
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "wechat/database:password::: gone");
    }
}
