# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/redis:7 — redis-server and redis-cli from Debian's redis-server/redis-tools with their
# ldd closure, on a FROM-scratch image with dash for the entrypoint and a static busybox for small tools.
# Globals: ROOTFS, STAGE, ARG (major), IMAGE_DIR.
stage_image() {
  new_stage "$STAGE"
  PKG_VERSION=$(chroot "$ROOTFS" dpkg-query -W -f '${Version}' redis-server)
  [[ "${PKG_VERSION#*:}" == "$ARG".* ]] || die "Debian's redis-server is $PKG_VERSION, not $ARG.x"
  # redis-server is a symlink to redis-check-rdb (behaviour chosen by argv[0]); copy_path keeps it.
  copy_elf /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/setpriv
  ln -s redis-check-rdb "$STAGE/usr/bin/redis-check-aof"
  add_dash
  add_busybox cat chown echo env find id ls mkdir ps rm sleep
  add_user redis 999 /data
  mkdir -p "$STAGE/data" "$STAGE/usr/local/bin"
  chown 999:999 "$STAGE/data"
  install -m 755 "$IMAGE_DIR/docker-entrypoint.sh" "$STAGE/usr/local/bin/docker-entrypoint.sh"
}
