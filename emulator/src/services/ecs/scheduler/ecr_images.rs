//! ECR image names in task definitions: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`
//! (or `@sha256:…`, or the loopback registry's own `127.0.0.1:<port>/<repo>:<tag>`)
//! run what was pushed to emul's registry.
//!
//! In order: an image with exactly that name in the local store runs as is
//! (a `docker tag` of a local build); else, when emul's registry knows the
//! name, the image is pulled from it under the loopback name with the
//! registry's credentials and the container runs that; an ECR name the
//! registry does not have stops the task with ECS's `CannotPullContainerError`.

use super::EcsDeps;

/// Rewrites `image` to what the container runs, pulling it first when it
/// comes from emul's registry; `Err` is the task's stopped reason.
pub(super) async fn resolve(deps: &EcsDeps, image: &mut String) -> Result<(), String> {
    let Some(source) = &deps.images else {
        return Ok(());
    };
    // Cheap check first: most images are not ECR's.
    let Some(located) = source.locate(image) else {
        return Ok(());
    };
    if matches!(deps.engine.image_defaults(image).await, Ok(Some(_))) {
        return Ok(());
    }
    let pull = located?;
    deps.engine
        .pull_with_credentials(&pull.reference, &pull.username, &pull.password, &pull.server)
        .await
        .map_err(|e| {
            format!(
                "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {image}: {e}"
            )
        })?;
    tracing::info!(image = %image, pulled = %pull.reference, "ECR image pulled from emul's registry");
    *image = pull.reference;
    Ok(())
}
