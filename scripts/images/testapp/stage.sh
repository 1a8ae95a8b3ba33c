# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/testapp — the test application (fixtures/apps/testapp) built as a static-pie glibc binary
# (crt-static), plus what ECS `CMD-SHELL` health checks and `docker exec` use: Debian's curl and
# GNU wget (with their ldd closure from the bookworm rootfs), Debian's dash as /bin/sh, and a static
# busybox for the small tools. Not busybox's wget: the static busybox 1.35 of bookworm crashes (SIGSEGV, exit 139)
# on `wget -T N`, the timeout flag health checks are written with.
# Globals: ROOTFS (Debian rootfs), STAGE, REPO_ROOT.
stage_image() {
  new_stage "$STAGE"
  local target_dir=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
  (cd "$REPO_ROOT" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked \
    -p emul-testapp --bin testapp --target x86_64-unknown-linux-gnu) >&2 || die "cargo build of the test app failed"
  mkdir -p "$STAGE/usr/local/bin"
  install -m 755 "$target_dir/x86_64-unknown-linux-gnu/release/testapp" "$STAGE/usr/local/bin/testapp"
  strip "$STAGE/usr/local/bin/testapp" 2>/dev/null || :
  copy_elf /usr/bin/curl /usr/bin/wget
  # dash, not busybox, as /bin/sh: busybox's shell runs its own applets before any binary on
  # PATH, so `sh -c "wget …"` would still be busybox's wget.
  add_dash
  add_busybox cat echo env grep hostname id ls nc ps sleep
  add_user testapp 10001 /nonexistent
  PKG_VERSION=$(cd "$REPO_ROOT" && sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
}
