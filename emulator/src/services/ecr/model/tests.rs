//! Model rules: names, manifests, digests, push/immutability, deletes.

use super::manifest::{self, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use super::names::{self, EcrImageName, ImageRef};
use super::repository::{ImageFailure, Push};
use super::{CreateRequest, ImageId, Mutability, Region};
use crate::services::ecr::errors::EcrError;

const ACCT: &str = "000000000000";

fn region_with(name: &str, mutability: Mutability) -> Region {
    let mut r = Region::default();
    r.create(
        CreateRequest {
            name: name.into(),
            mutability,
            ..Default::default()
        },
        ACCT,
        "us-east-1",
        1.0,
    )
    .unwrap();
    r
}

fn push(digest: &str, tag: Option<&str>) -> Push {
    Push {
        digest: digest.into(),
        manifest: format!("{{\"d\":\"{digest}\"}}"),
        media_type: DOCKER_MANIFEST.into(),
        artifact_media_type: None,
        size: 10,
        tag: tag.map(String::from),
    }
}

fn d(n: u8) -> String {
    format!("sha256:{}", hex::encode([n; 32]))
}

#[test]
fn repository_names_follow_ecrs_pattern() {
    for ok in ["ab", "app", "team/app", "a.b_c-d/e2", "my-app/v2/x"] {
        assert!(names::check_repository_name(ok).is_ok(), "{ok}");
    }
    for bad in ["App", "a//b", "-a", "a-", "a..b", "a/", "/a", "a b"] {
        let e = names::check_repository_name(bad).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterException", "{bad}");
    }
    let e = names::check_repository_name("a").unwrap_err();
    assert_eq!(e.code(), "ValidationException");
    assert!(e.to_string().contains("length greater than or equal to 2"));
}

#[test]
fn tags_and_digests() {
    assert!(names::is_tag("v1.2-rc_3"));
    assert!(!names::is_tag(".v1"));
    assert!(!names::is_tag(&"a".repeat(129)));
    assert!(names::is_digest(&d(1)));
    assert!(!names::is_digest("sha256:ABC"));
    assert_eq!(
        names::digest_of(b""),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn ecr_image_uris_parse() {
    assert_eq!(
        names::parse_ecr_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1"),
        Some(EcrImageName {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            repository: "team/app".into(),
            reference: ImageRef::Tag("v1".into()),
        })
    );
    let digest = names::parse_ecr_image(&format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@{}",
        d(7)
    ))
    .unwrap();
    assert_eq!(digest.reference, ImageRef::Digest(d(7)));
    let latest =
        names::parse_ecr_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/app").unwrap();
    assert_eq!(latest.reference, ImageRef::Tag("latest".into()));
    assert_eq!(names::parse_ecr_image("nginx:1.27"), None);
    assert_eq!(names::parse_ecr_image("emul/testapp:latest"), None);
    assert_eq!(
        names::parse_ecr_image("12345.dkr.ecr.us-east-1.amazonaws.com/app:v1"),
        None
    );
}

#[test]
fn manifests_parse_by_body_header_or_shape() {
    let m = format!(
        r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{}","size":7}},"layers":[{{"mediaType":"x","digest":"{}","size":100}}]}}"#,
        d(1),
        d(2)
    );
    let parsed = manifest::parse(m.as_bytes(), None).unwrap();
    assert_eq!(parsed.media_type, DOCKER_MANIFEST);
    assert_eq!(parsed.image_size(), 107);
    assert_eq!(parsed.blobs().count(), 2);
    // OCI manifests may omit mediaType: the header (or the shape) decides.
    let oci = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":7}},"layers":[]}}"#,
        d(1)
    );
    assert_eq!(
        manifest::parse(oci.as_bytes(), None).unwrap().media_type,
        OCI_MANIFEST
    );
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":300}}]}}"#,
        d(3)
    );
    let parsed = manifest::parse(index.as_bytes(), Some(OCI_INDEX)).unwrap();
    assert!(parsed.is_index());
    assert!(manifest::parse(b"{\"schemaVersion\":1}", None).is_err());
    assert!(
        manifest::parse(m.as_bytes(), Some(OCI_MANIFEST)).is_err(),
        "type mismatch"
    );
    assert!(manifest::parse(b"not json", None).is_err());
}

#[test]
fn create_twice_and_delete_non_empty() {
    let mut r = region_with("app", Mutability::Mutable);
    let e = r
        .create(
            CreateRequest {
                name: "app".into(),
                ..Default::default()
            },
            ACCT,
            "us-east-1",
            2.0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "RepositoryAlreadyExistsException");
    r.repository_mut("app", ACCT)
        .unwrap()
        .push(push(&d(1), Some("v1")), 3.0)
        .unwrap();
    let e = r.delete("app", false, ACCT).unwrap_err();
    assert_eq!(
        e,
        EcrError::RepositoryNotEmpty {
            name: "app".into(),
            registry: ACCT.into()
        }
    );
    r.delete("app", true, ACCT).unwrap();
    assert_eq!(
        r.repository("app", ACCT).unwrap_err().code(),
        "RepositoryNotFoundException"
    );
}

#[test]
fn immutable_tags_cannot_move_but_may_be_pushed_again() {
    let mut r = region_with("app", Mutability::Immutable);
    let repo = r.repository_mut("app", ACCT).unwrap();
    repo.push(push(&d(1), Some("v1")), 1.0).unwrap();
    repo.push(push(&d(1), Some("v1")), 2.0).unwrap();
    let e = repo.push(push(&d(2), Some("v1")), 3.0).unwrap_err();
    assert_eq!(e.code(), "ImageTagAlreadyExistsException");
    assert_eq!(repo.image_tags["v1"], d(1));
    // A mutable repository moves the tag; the old image stays, untagged.
    let mut r = region_with("app", Mutability::Mutable);
    let repo = r.repository_mut("app", ACCT).unwrap();
    repo.push(push(&d(1), Some("v1")), 1.0).unwrap();
    repo.push(push(&d(2), Some("v1")), 2.0).unwrap();
    assert_eq!(repo.image_tags["v1"], d(2));
    assert!(repo.tags_of(&d(1)).is_empty());
    assert_eq!(repo.images[&d(1)].pushed_at, 1.0);
}

#[test]
fn deleting_the_last_tag_deletes_the_image() {
    let mut r = region_with("app", Mutability::Mutable);
    let repo = r.repository_mut("app", ACCT).unwrap();
    repo.push(push(&d(1), Some("a")), 1.0).unwrap();
    repo.push(push(&d(1), Some("b")), 1.0).unwrap();
    let tag = |t: &str| ImageId {
        digest: None,
        tag: Some(t.into()),
    };
    repo.delete_image(&tag("a")).unwrap();
    assert!(repo.images.contains_key(&d(1)));
    repo.delete_image(&tag("b")).unwrap();
    assert!(repo.images.is_empty());
    assert_eq!(repo.delete_image(&tag("b")), Err(ImageFailure::NotFound));
    assert_eq!(
        repo.delete_image(&ImageId::default()),
        Err(ImageFailure::MissingDigestAndTag)
    );
    // By digest: every tag goes with it.
    repo.push(push(&d(2), Some("x")), 1.0).unwrap();
    repo.push(push(&d(2), Some("y")), 1.0).unwrap();
    let gone = repo
        .delete_image(&ImageId {
            digest: Some(d(2)),
            tag: None,
        })
        .unwrap();
    assert_eq!(gone.len(), 2);
    assert!(repo.image_tags.is_empty());
    assert_eq!(
        ImageId {
            digest: None,
            tag: Some("v9".into())
        }
        .render(),
        "{imageDigest:'null', imageTag:'v9'}"
    );
}
