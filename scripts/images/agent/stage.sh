# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/agent — the workspace's static `emul-agent` (crate agent/, built with cargo, crt-static, as the
# test app is) and Debian's nft with its ldd closure (as in emul/netpolicy), nothing else: no shell.
# Globals: ROOTFS (Debian rootfs), STAGE, REPO_ROOT.
stage_image() {
  new_stage "$STAGE"
  local target_dir=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
  (cd "$REPO_ROOT" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked \
    -p emul-agent --bin emul-agent --target x86_64-unknown-linux-gnu) >&2 || die "cargo build of emul-agent failed"
  install -m 755 "$target_dir/x86_64-unknown-linux-gnu/release/emul-agent" "$STAGE/emul-agent"
  strip "$STAGE/emul-agent" 2>/dev/null || :
  copy_elf /usr/sbin/nft
  local t
  for t in /etc/protocols /etc/services /etc/ethertypes; do [[ -e "$ROOTFS$t" ]] && copy_path "$t"; done
  PKG_VERSION=$(chroot "$ROOTFS" dpkg-query -W -f '${Version}' nftables)
}
