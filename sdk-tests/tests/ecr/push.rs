//! Pushing through the registry (the OCI distribution API as Docker speaks
//! it) and seeing the result through ECR: DescribeImages, ListImages,
//! BatchGetImage, BatchDeleteImage, tag immutability, durability.

use aws_sdk_ecr::types::{ImageIdentifier, ImageTagMutability, ListImagesFilter, TagStatus};
use sdk_tests::{Emul, ServeOptions};

use super::{DOCKER_MANIFEST, Registry, digest, start};

fn by_tag(tag: &str) -> ImageIdentifier {
    ImageIdentifier::builder().image_tag(tag).build()
}

#[tokio::test]
async fn a_push_becomes_an_image_in_describe_images() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let reg = Registry::of(&emul).await;
    let layer = vec![42u8; 100_000];
    let (d, manifest) = reg.push_image("app", "v1", &layer).await;

    let images = ecr
        .describe_images()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let detail = &images.image_details()[0];
    assert_eq!(detail.image_digest(), Some(d.as_str()));
    assert_eq!(detail.image_tags(), ["v1"]);
    assert_eq!(detail.image_manifest_media_type(), Some(DOCKER_MANIFEST));
    assert_eq!(
        detail.artifact_media_type(),
        Some("application/vnd.docker.container.image.v1+json")
    );
    let config_len =
        serde_json::from_str::<serde_json::Value>(&manifest).unwrap()["config"]["size"]
            .as_i64()
            .unwrap();
    assert_eq!(detail.image_size_in_bytes(), Some(100_000 + config_len));
    assert!(detail.image_pushed_at().is_some());

    // The manifest comes back byte for byte, by tag and by digest.
    let got = ecr
        .batch_get_image()
        .repository_name("app")
        .image_ids(by_tag("v1"))
        .image_ids(by_tag("missing"))
        .send()
        .await
        .unwrap();
    assert_eq!(got.images()[0].image_manifest(), Some(manifest.as_str()));
    assert_eq!(
        got.images()[0].image_id().unwrap().image_digest(),
        Some(d.as_str())
    );
    assert_eq!(
        got.failures()[0].failure_code().unwrap().as_str(),
        "ImageNotFound"
    );
    assert_eq!(
        got.failures()[0].failure_reason(),
        Some("Requested image not found")
    );
    let r = reg
        .send(
            "GET",
            &format!("/v2/app/manifests/{d}"),
            &[("accept", DOCKER_MANIFEST)],
            vec![],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, manifest.as_bytes());
    assert_eq!(r.header("content-type"), Some(DOCKER_MANIFEST));
    // An Accept header that excludes the type finds nothing.
    let r = reg
        .send(
            "GET",
            "/v2/app/manifests/v1",
            &[("accept", "application/vnd.oci.image.index.v1+json")],
            vec![],
        )
        .await;
    assert_eq!(r.status, 404);
    // The layer streams back with its digest.
    let layer_digest = digest(&layer);
    let r = reg
        .send("GET", &format!("/v2/app/blobs/{layer_digest}"), &[], vec![])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), layer.len());
    assert_eq!(digest(&r.body), layer_digest);
    let r = reg
        .send(
            "HEAD",
            &format!("/v2/app/blobs/{layer_digest}"),
            &[],
            vec![],
        )
        .await;
    assert_eq!(r.header("content-length"), Some("100000"));

    // The tag moves on a mutable repository; the old image stays untagged.
    let (d2, _) = reg.push_image("app", "v1", b"second layer").await;
    let untagged = ecr
        .list_images()
        .repository_name("app")
        .filter(
            ListImagesFilter::builder()
                .tag_status(TagStatus::Untagged)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(untagged.image_ids().len(), 1);
    assert_eq!(untagged.image_ids()[0].image_digest(), Some(d.as_str()));
    let tagged = ecr
        .list_images()
        .repository_name("app")
        .filter(
            ListImagesFilter::builder()
                .tag_status(TagStatus::Tagged)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.image_ids()[0].image_digest(), Some(d2.as_str()));
    assert_eq!(tagged.image_ids()[0].image_tag(), Some("v1"));

    let r = reg.send("GET", "/v2/app/tags/list", &[], vec![]).await;
    assert_eq!(r.json(), serde_json::json!({"name": "app", "tags": ["v1"]}));
    let r = reg.send("GET", "/v2/_catalog", &[], vec![]).await;
    assert_eq!(r.json(), serde_json::json!({"repositories": ["app"]}));

    let deleted = ecr
        .batch_delete_image()
        .repository_name("app")
        .image_ids(ImageIdentifier::builder().image_digest(&d).build())
        .image_ids(by_tag("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.image_ids()[0].image_digest(), Some(d.as_str()));
    assert_eq!(
        deleted.failures()[0].failure_code().unwrap().as_str(),
        "ImageNotFound"
    );
    let left = ecr
        .describe_images()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(left.image_details().len(), 1);
}

#[tokio::test]
async fn immutable_tags_cannot_be_pushed_over() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("frozen")
        .image_tag_mutability(ImageTagMutability::Immutable)
        .send()
        .await
        .unwrap();
    let reg = Registry::of(&emul).await;
    let (d, manifest) = reg.push_image("frozen", "v1", b"one").await;
    // The same manifest again is fine (docker push of an unchanged image).
    let r = reg
        .send(
            "PUT",
            "/v2/frozen/manifests/v1",
            &[("content-type", DOCKER_MANIFEST)],
            manifest.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201);
    // Another image under the same tag is refused with ECR's message.
    let config = reg.monolithic("frozen", b"{\"os\":\"linux\"}").await;
    let other = serde_json::json!({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 14, "digest": config},
        "layers": []})
    .to_string();
    let r = reg
        .send(
            "PUT",
            "/v2/frozen/manifests/v1",
            &[("content-type", DOCKER_MANIFEST)],
            other.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["code"], "TAG_INVALID");
    assert_eq!(
        r.json()["errors"][0]["message"],
        "The image tag 'v1' already exists in the 'frozen' repository and cannot be overwritten because the repository is immutable."
    );
    let images = ecr
        .describe_images()
        .repository_name("frozen")
        .send()
        .await
        .unwrap();
    assert_eq!(images.image_details().len(), 1);
    assert_eq!(images.image_details()[0].image_digest(), Some(d.as_str()));
}

#[tokio::test]
async fn the_registry_checks_digests_blobs_and_names() {
    let emul = start();
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let reg = Registry::of(&emul).await;
    // A blob whose bytes do not match the digest is refused.
    let wrong = digest(b"something else");
    let r = reg
        .send(
            "POST",
            &format!("/v2/app/blobs/uploads/?digest={wrong}"),
            &[],
            b"bytes".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["code"], "DIGEST_INVALID");
    let r = reg
        .send("HEAD", &format!("/v2/app/blobs/{wrong}"), &[], vec![])
        .await;
    assert_eq!(r.status, 404);
    // A manifest naming a blob never pushed.
    let m = serde_json::json!({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "x", "size": 1, "digest": wrong}, "layers": []})
    .to_string();
    let r = reg
        .send(
            "PUT",
            "/v2/app/manifests/v1",
            &[("content-type", DOCKER_MANIFEST)],
            m.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["code"], "MANIFEST_BLOB_UNKNOWN");
    // ECR never creates a repository on push.
    let r = reg
        .send("POST", "/v2/other/blobs/uploads/", &[], vec![])
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errors"][0]["code"], "NAME_UNKNOWN");
    assert_eq!(
        r.json()["errors"][0]["message"],
        "The repository with name 'other' does not exist in the registry with id '000000000000'"
    );
    // Cross-repository mount of a stored blob.
    ecr.create_repository()
        .repository_name("copy")
        .send()
        .await
        .unwrap();
    let d = reg.monolithic("app", b"shared layer").await;
    let r = reg
        .send(
            "POST",
            &format!("/v2/copy/blobs/uploads/?mount={d}&from=app"),
            &[],
            vec![],
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/copy/blobs/{d}").as_str())
    );
    // An OCI index over a pushed manifest, by digest.
    let (child, _) = reg.push_image("app", "amd64", b"amd64 layer").await;
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": DOCKER_MANIFEST, "digest": child, "size": 10,
                       "platform": {"architecture": "amd64", "os": "linux"}}]})
    .to_string();
    let r = reg
        .send(
            "PUT",
            "/v2/app/manifests/multi",
            &[("content-type", "application/vnd.oci.image.index.v1+json")],
            index.clone().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let images = ecr
        .describe_images()
        .repository_name("app")
        .image_ids(ImageIdentifier::builder().image_tag("multi").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        images.image_details()[0].image_manifest_media_type(),
        Some("application/vnd.oci.image.index.v1+json")
    );
    assert_eq!(
        images.image_details()[0].image_digest(),
        Some(digest(index.as_bytes()).as_str())
    );
}

#[tokio::test]
async fn pushed_images_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        state_dir: Some(dir.path().to_path_buf()),
        registry_port: Some(0),
        ..ServeOptions::default()
    };
    let emul = Emul::start_with(options.clone());
    let ecr = emul.ecr_client("us-east-1").await;
    ecr.create_repository()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    let reg = Registry::of(&emul).await;
    let (d, manifest) = reg.push_image("app", "v1", b"durable layer").await;
    let password = reg.auth.clone();
    drop(emul);
    let emul = Emul::start_with(options);
    let reg = Registry::of(&emul).await;
    // The password is kept, so a `docker login` stays valid.
    assert_eq!(reg.auth, password);
    let r = reg.send("GET", "/v2/app/manifests/v1", &[], vec![]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, manifest.as_bytes());
    let layer = digest(b"durable layer");
    let r = reg
        .send("GET", &format!("/v2/app/blobs/{layer}"), &[], vec![])
        .await;
    assert_eq!(&r.body[..], b"durable layer");
    let ecr = emul.ecr_client("us-east-1").await;
    let images = ecr
        .describe_images()
        .repository_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(images.image_details()[0].image_digest(), Some(d.as_str()));
}
