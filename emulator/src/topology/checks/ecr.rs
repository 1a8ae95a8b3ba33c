//! ECR repositories: names follow ECR's rules (2–256 characters, lowercase
//! components joined by `/`) and are unique.

use super::duplicates;
use crate::services::ecr::model::names::{REPOSITORY_NAME_PATTERN, is_repository_name};
use crate::topology::{Diagnostic, Topology};

/// Checks every `ecr_repositories` entry.
pub fn check(t: &Topology, out: &mut Vec<Diagnostic>) {
    duplicates(
        "ECR repository",
        t.ecr_repositories.iter().map(|r| &r.name),
        out,
    );
    for r in &t.ecr_repositories {
        let name = r.name.as_str();
        if name.is_empty() {
            continue;
        }
        if !(2..=256).contains(&name.len()) || !is_repository_name(name) {
            out.push(Diagnostic::new(
                r.name.span,
                format!("`{name}` is not a valid ECR repository name"),
                format!(
                    "ECR repository names are 2 to 256 characters matching {REPOSITORY_NAME_PATTERN}: lowercase letters and digits, separated by `.`, `_`, `-` or `/`"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::topology;

    const BASE: &str = "name: p\nvpc:\n  cidr_block: 10.0.0.0/16\n  subnets: [{ name: a, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }]\n";

    fn errors(extra: &str) -> Vec<String> {
        let src = format!("{BASE}{extra}");
        match topology::parse_str(&src) {
            Ok(_) => vec![],
            Err(e) => e
                .iter()
                .map(|d| format!("{}:{} {}", d.span.line, d.span.column, d.message))
                .collect(),
        }
    }

    #[test]
    fn names_are_checked_with_their_position() {
        assert_eq!(
            errors(
                "ecr_repositories:\n  - name: team/app\n    image_tag_mutability: IMMUTABLE\n    scan_on_push: true\n"
            ),
            Vec::<String>::new()
        );
        let e = errors("ecr_repositories:\n  - name: App\n");
        assert_eq!(e, ["6:11 `App` is not a valid ECR repository name"]);
        let e = errors("ecr_repositories:\n  - name: app\n  - name: app\n");
        assert_eq!(e, ["7:11 duplicate ECR repository name `app`"]);
        let e = errors("ecr_repositories:\n  - name: app\n    image_tag_mutability: FROZEN\n");
        assert_eq!(e.len(), 1, "{e:?}");
    }

    fn with_image(image: &str) -> String {
        format!(
            "{BASE}ecr_repositories:\n  - name: app\necs_cluster:\n  name: c\n  services:\n    - name: web\n      subnets: [a]\n      task_definition:\n        cpu: 256\n        memory: 512\n        container_definitions:\n          - name: app\n            image: {image}\n"
        )
    }

    #[test]
    fn images_reference_repositories_by_name() {
        let ok = with_image("\"${ecr.app.repository_url}:v1\"");
        assert!(
            topology::parse_str(&ok).is_ok(),
            "{:?}",
            topology::parse_str(&ok).err()
        );
        let src = with_image("\"${ecr.apx.repository_url}:v1\"");
        let d = topology::parse_str(&src).unwrap_err();
        let line = src.lines().count() as u32;
        let column = src.lines().last().unwrap().find("apx").unwrap() as u32 + 1;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].span.line, d[0].span.column), (line, column));
        assert!(
            d[0].message.starts_with("unknown ECR repository `apx`"),
            "{}",
            d[0].message
        );
        assert_eq!(
            d[0].hint,
            "did you mean `app`? defined ECR repositories: app"
        );
        let d = topology::parse_str(&with_image("\"${ecr.app.url}:v1\"")).unwrap_err();
        assert!(
            d[0].message
                .starts_with("unknown ECR repository attribute `url`"),
            "{}",
            d[0].message
        );
    }
}
