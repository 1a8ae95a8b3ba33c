# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/netpolicy — nft, iptables (nft backend: xtables-nft-multi and its extensions), iproute2
# (ip, ss), a static tcp-probe, and a static busybox shell. Runs one-shot as
# `--network container:<pause> --cap-add NET_ADMIN` to load security-group rulesets.
# Globals: ROOTFS, STAGE, IMAGE_DIR.
stage_image() {
  new_stage "$STAGE"
  copy_elf /usr/sbin/nft /usr/sbin/xtables-nft-multi /usr/bin/ip /usr/bin/ss
  local ext
  ext=$(cd "$ROOTFS" && find usr/lib/x86_64-linux-gnu/xtables -name '*.so' | sed 's|^|/|' | sort)
  # shellcheck disable=SC2086 # one path per word
  copy_elf $ext
  local t
  for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
           iptables-nft iptables-nft-save iptables-nft-restore ip6tables-nft ip6tables-nft-save ip6tables-nft-restore; do
    ln -s xtables-nft-multi "$STAGE/usr/sbin/$t"
  done
  for t in /etc/protocols /etc/services /etc/ethertypes; do [[ -e "$ROOTFS$t" ]] && copy_path "$t"; done
  [[ -d "$ROOTFS/usr/share/iproute2" ]] && copy_tree /usr/share/iproute2
  [[ -d "$ROOTFS/etc/iproute2" ]] && copy_tree /etc/iproute2
  rustc --edition 2024 -C opt-level=s -C panic=abort -C strip=symbols -C target-feature=+crt-static \
    --target x86_64-unknown-linux-gnu -o "$STAGE/usr/bin/tcp-probe" "$IMAGE_DIR/tcp-probe.rs" || die "rustc tcp-probe.rs failed"
  add_dash
  add_busybox awk cat cut date echo env false grep head hostname id kill ln ls mkdir nc nslookup \
    printf ps rm sed seq sleep sort tail tee test timeout tr true uniq wc xargs
  ln -s busybox "$STAGE/usr/bin/["
  PKG_VERSION=$(chroot "$ROOTFS" dpkg-query -W -f '${Version}' nftables)
}
