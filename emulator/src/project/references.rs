//! Endpoint references in ECS environment values (`${rds.main-db.address}`,
//! see `topology::model::references`) → the text they stand for in this
//! project, as Terraform renders `aws_db_instance.main.address` into a task
//! definition.
//!
//! The names are the ones the plan gives the data stores' ENIs
//! ([`datastores::rds_endpoint`], [`datastores::elasticache_endpoints`]), so
//! a resolved address always resolves inside the VPC; the ports are the
//! topology's.

use super::Project;
use crate::runtime::datastores;
use crate::topology::model::references::Reference;

/// The value of `r` in `project`, or `None` when the resource or the
/// attribute does not exist (a validated topology has none such).
pub fn resolve(project: &Project, r: &Reference) -> Option<String> {
    let t = &project.topology;
    let suffix = datastores::endpoint_suffix(&project.name);
    match r.resource_type.as_str() {
        "rds" => {
            let d = t.rds_instance(&r.name)?;
            let address = datastores::rds_endpoint(&d.name, &suffix, project.region());
            match r.attribute.as_str() {
                "address" => Some(address),
                "port" => Some(d.port.to_string()),
                "endpoint" => Some(format!("{address}:{}", *d.port)),
                _ => None,
            }
        }
        "elasticache" => {
            let c = t.elasticache_cluster(&r.name)?;
            let (primary, reader) =
                datastores::elasticache_endpoints(&c.name, &suffix, project.region());
            match r.attribute.as_str() {
                "primary_endpoint_address" => Some(primary),
                "reader_endpoint_address" => Some(reader),
                "port" => Some(c.port.to_string()),
                _ => None,
            }
        }
        "ecr" => {
            let repo = t.ecr_repositories.iter().find(|e| *e.name == *r.name)?;
            // Terraform's `repository_url`; the task launcher pulls such
            // names from emul's registry.
            match r.attribute.as_str() {
                "repository_url" => Some(format!(
                    "{}.dkr.ecr.{}.amazonaws.com/{}",
                    project.account(),
                    project.region(),
                    *repo.name
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fixture;
    use crate::project::plan;

    #[test]
    fn wechat_references_resolve_to_the_endpoints_the_plan_names() {
        let p = fixture("wechat.yaml");
        let pp = plan::build(&p, &|_| Ok("pw".into())).unwrap();
        let reference = |path: &str| {
            let v = crate::topology::model::references::parse(&format!("${{{path}}}")).unwrap();
            match &v[0].0 {
                crate::topology::model::references::Part::Ref(r) => resolve(&p, r),
                other => panic!("{other:?}"),
            }
        };
        let suffix = datastores::endpoint_suffix("wechat");
        let db = format!("wechat-db.{suffix}.us-east-1.rds.amazonaws.com");
        assert_eq!(reference("rds.wechat-db.address"), Some(db.clone()));
        assert_eq!(reference("rds.wechat-db.port"), Some("5432".into()));
        assert_eq!(
            reference("rds.wechat-db.endpoint"),
            Some(format!("{db}:5432"))
        );
        let primary = format!("master.wechat-redis.{suffix}.use1.cache.amazonaws.com");
        let reader = format!("replica.wechat-redis.{suffix}.use1.cache.amazonaws.com");
        assert_eq!(
            reference("elasticache.wechat-redis.primary_endpoint_address"),
            Some(primary.clone())
        );
        assert_eq!(
            reference("elasticache.wechat-redis.reader_endpoint_address"),
            Some(reader.clone())
        );
        assert_eq!(
            reference("elasticache.wechat-redis.port"),
            Some("6379".into())
        );
        assert_eq!(reference("rds.nope.address"), None);
        assert_eq!(reference("rds.wechat-db.primary_endpoint_address"), None);
        assert_eq!(reference("s3.wechat-db.address"), None);
        // The plan's endpoints are the same names, and ENIs answer to them.
        assert_eq!(pp.endpoints[0].endpoint, db);
        assert_eq!(pp.endpoints[1].endpoint, primary);
        assert_eq!(pp.endpoints[1].reader_endpoint.as_deref(), Some(&*reader));
    }

    /// Every reference in every fixture resolves; each address it yields is
    /// a DNS alias of an ENI the plan creates (so it resolves in the VPC),
    /// and each port is the data store's.
    #[test]
    fn every_fixture_reference_resolves_to_a_name_the_vpc_answers() {
        let mut seen = 0;
        for f in [
            "wechat.yaml",
            "fckdoomscroll.yaml",
            "prod-infra.yaml",
            "rayman.yaml",
            "social-flow.yaml",
        ] {
            let p = fixture(f);
            let pp = plan::build(&p, &|_| Ok("pw".into())).unwrap();
            let aliases: Vec<&str> = pp
                .plan
                .enis
                .iter()
                .flat_map(|e| e.aliases.iter().map(String::as_str))
                .collect();
            for s in p.topology.services() {
                for c in &s.task_definition.container_definitions {
                    for (k, v) in &c.environment {
                        for r in v.references() {
                            seen += 1;
                            let got = resolve(&p, r)
                                .unwrap_or_else(|| panic!("{f}: {} {}", **k, r.path()));
                            if r.attribute.ends_with("port") {
                                assert!(got.parse::<u16>().is_ok(), "{f}: {got}");
                            } else {
                                let host = got.split(':').next().unwrap();
                                assert!(aliases.contains(&host), "{f}: {host} not in {aliases:?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(seen >= 12, "the fixtures use references ({seen})");
    }
}
