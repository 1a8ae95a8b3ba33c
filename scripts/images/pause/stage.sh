# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/pause — one static binary (pause.rs, compiled with rustc, crt-static), nothing else.
# Globals: STAGE, IMAGE_DIR.
stage_image() {
  new_stage "$STAGE"
  rustc --edition 2024 -C opt-level=s -C panic=abort -C strip=symbols -C target-feature=+crt-static \
    --target x86_64-unknown-linux-gnu -o "$STAGE/pause" "$IMAGE_DIR/pause.rs" || die "rustc pause.rs failed"
  PKG_VERSION=1
}
