//! Endpoint references in container environment values
//! (`${rds.main-db.address}`, see `model::references`): the resource type is
//! `rds` or `elasticache`, the named resource exists in this file, and the
//! attribute is one that resource type has. Each problem points at the word
//! that is wrong, with a hint listing what exists.

use super::dangling;
use crate::topology::model::references::{RESOURCE_TYPES, Reference};
use crate::topology::{Diagnostic, Topology};

/// Checks every reference of every container of every service.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    for s in t.services() {
        for c in &s.task_definition.container_definitions {
            for (_, value) in &c.environment {
                for r in value.references() {
                    reference(t, r, out);
                }
            }
            for r in c.image.references() {
                reference(t, r, out);
            }
        }
    }
}

fn reference(t: &Topology, r: &Reference, out: &mut Vec<Diagnostic>) {
    let Some((_, attributes)) = RESOURCE_TYPES
        .iter()
        .find(|(kind, _)| *kind == r.resource_type.as_str())
    else {
        let kinds: Vec<&str> = RESOURCE_TYPES.iter().map(|(k, _)| *k).collect();
        out.push(Diagnostic::new(
            r.resource_type.span,
            format!(
                "unknown resource type `{}` in `${{{}}}`",
                *r.resource_type,
                r.path()
            ),
            format!(
                "a reference starts with {}: `${{rds.<instance>.address}}`, `${{elasticache.<replication group>.primary_endpoint_address}}`; `$${{` is a literal `${{`",
                kinds
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
        return;
    };
    let (kind, names): (&str, Vec<&str>) = match r.resource_type.as_str() {
        "rds" => (
            "RDS instance",
            t.rds_instances.iter().map(|d| d.name.as_str()).collect(),
        ),
        "ecr" => (
            "ECR repository",
            t.ecr_repositories.iter().map(|r| r.name.as_str()).collect(),
        ),
        _ => (
            "ElastiCache cluster",
            t.elasticache_clusters
                .iter()
                .map(|c| c.name.as_str())
                .collect(),
        ),
    };
    let before = out.len();
    dangling(kind, &r.name, &names, out);
    if out.len() > before {
        return;
    }
    if !attributes.contains(&r.attribute.as_str()) {
        let hint = match crate::topology::decode::suggest(&r.attribute, attributes) {
            Some(s) => format!(
                "did you mean `{s}`? {kind} attributes: {}",
                attributes.join(", ")
            ),
            None => format!("{kind} attributes: {}", attributes.join(", ")),
        };
        out.push(Diagnostic::new(
            r.attribute.span,
            format!(
                "unknown {kind} attribute `{}` in `${{{}}}`",
                *r.attribute,
                r.path()
            ),
            hint,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::topology::checks::testing::{BASE, problems_in};

    /// A topology with one RDS instance `db`, one ElastiCache group `cache`
    /// and a service whose container has `env` as its environment.
    fn with_env(env: &str) -> String {
        format!(
            "{BASE}secrets:\n  - {{ name: pw, secret_string: a-password-long-enough }}\nrds_instances:\n  - {{ name: db, engine_version: '15', username: u, master_password_secret: pw, subnets: [a, b] }}\nelasticache_clusters:\n  - {{ name: cache, engine_version: '7.0', subnets: [a, b] }}\necs_cluster:\n  name: c\n  services:\n    - name: web\n      subnets: [a]\n      task_definition:\n        cpu: 256\n        memory: 512\n        container_definitions:\n          - name: app\n            image: img\n            environment:\n{env}"
        )
    }

    fn problems(env: &str) -> Vec<String> {
        problems_in(&with_env(env))
    }

    #[test]
    fn known_references_validate() {
        let env = "              - { name: A, value: \"${rds.db.address}\" }\n              - { name: B, value: \"${rds.db.port}\" }\n              - { name: C, value: \"${rds.db.endpoint}\" }\n              - { name: D, value: \"redis://${elasticache.cache.primary_endpoint_address}:${elasticache.cache.port}\" }\n              - { name: E, value: \"${elasticache.cache.reader_endpoint_address}\" }\n              - { name: F, value: \"$${NOT_A_REFERENCE}\" }\n";
        assert_eq!(problems(env), Vec::<String>::new());
        // The mapping form, with a plain (unquoted) value in block style.
        let env = "              DB_HOST: ${rds.db.address}\n";
        assert_eq!(problems(env), Vec::<String>::new());
    }

    #[test]
    fn unknown_names_point_into_the_value_with_a_hint() {
        let line = with_env("").lines().count() + 1;
        // (environment line, the text the error must point at, message).
        let cases = [
            (
                "              - { name: A, value: \"${rds.dbx.address}\" }\n",
                "dbx.address",
                "unknown RDS instance `dbx`",
            ),
            (
                "              - { name: A, value: \"${rds.db.host}\" }\n",
                "host}",
                "unknown RDS instance attribute `host` in `${rds.db.host}`",
            ),
            (
                "              - { name: A, value: \"x=${elasticache.cache.primary_endpoint}\" }\n",
                "primary_endpoint}",
                "unknown ElastiCache cluster attribute `primary_endpoint`",
            ),
            (
                "              - { name: A, value: \"${redis.cache.port}\" }\n",
                "redis.",
                "unknown resource type `redis` in `${redis.cache.port}`",
            ),
            (
                "              - { name: A, value: \"${elasticache.db.port}\" }\n",
                "db.port",
                "unknown ElastiCache cluster `db`",
            ),
            (
                "              A: ${rds.db.adress}\n",
                "adress",
                "unknown RDS instance attribute `adress`",
            ),
            (
                "              - { name: A, value: \"ok ${HOME}\" }\n",
                "${HOME}",
                "`${HOME}` is not a reference of the form",
            ),
            (
                "              - { name: A, value: \"${rds.db.port\" }\n",
                "${rds",
                "unclosed `${` in an environment value",
            ),
        ];
        for (env, at, message) in cases {
            let column = env.find(at).unwrap() + 1;
            let want = format!("{line}:{column} {message}");
            let got = problems(env);
            assert!(
                got.len() == 1 && got[0].starts_with(&want),
                "{env}: want {want:?}, got {got:#?}"
            );
        }
    }

    #[test]
    fn hints_list_what_exists() {
        let src = with_env("              - { name: A, value: \"${rds.dbb.address}\" }\n");
        let d = crate::topology::parse_str(&src).unwrap_err();
        assert_eq!(d[0].hint, "did you mean `db`? defined RDS instances: db");
        let src = with_env("              - { name: A, value: \"${rds.db.adress}\" }\n");
        let d = crate::topology::parse_str(&src).unwrap_err();
        assert_eq!(
            d[0].hint,
            "did you mean `address`? RDS instance attributes: address, port, endpoint"
        );
        let src = with_env("              - { name: A, value: \"${elasticache.cache.x}\" }\n");
        let d = crate::topology::parse_str(&src).unwrap_err();
        assert_eq!(
            d[0].hint,
            "ElastiCache cluster attributes: primary_endpoint_address, reader_endpoint_address, port"
        );
    }
}
