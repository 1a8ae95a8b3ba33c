# shellcheck shell=bash disable=SC2034 # PKG_VERSION is read by build-images.sh
# emul/emul — the workspace's `emul` binary (cargo build --release, the build the README's quick
# start makes) and its ldd closure out of the Debian rootfs of the same suite as the build host,
# nothing else: no shell, no recipes (emul in a container uses images that exist or pulls official
# ones; it cannot debootstrap). Globals: ROOTFS (Debian rootfs), STAGE, REPO_ROOT.
stage_image() {
  new_stage "$STAGE"
  local target_dir=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
  (cd "$REPO_ROOT" && cargo build --release --locked -p emul --bin emul) >&2 || die "cargo build of emul failed"
  # ldd runs in the rootfs, so the closure is the rootfs's libraries, as for the packaged binaries.
  install -D -m 755 "$target_dir/release/emul" "$ROOTFS/usr/local/bin/emul"
  copy_elf /usr/local/bin/emul
  rm -f "$ROOTFS/usr/local/bin/emul"
  strip "$STAGE/usr/local/bin/emul" 2>/dev/null || :
  mkdir -p "$STAGE/root" "$STAGE/run/emul-agents" "$STAGE/var/lib/emul"
  printf 'root:x:0:0:root:/root:/usr/local/bin/emul\n' >"$STAGE/etc/passwd"
  printf 'root:x:0:\n' >"$STAGE/etc/group"
  PKG_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/Cargo.toml" | head -1)
}
