# shellcheck shell=bash disable=SC2034,SC2016 # PKG_VERSION is read by build-images.sh; dpkg-query formats are literal
# emul/postgres:<major> — the server, initdb, pg_ctl, psql, pg_isready and pg_basebackup (Multi-AZ standbys) from Debian's
# postgresql-<major>, with their ldd closure, share/ files, tzdata and the C.UTF-8 locale, on a
# FROM-scratch image with dash for the entrypoint and a static busybox for small tools. libLLVM (JIT only, ~105 MB) is
# left out, so new clusters get jit = off in postgresql.conf.
# Globals: ROOTFS (Debian rootfs), STAGE (output dir), ARG (major version), IMAGE_DIR (this dir).
stage_image() {
  local major=$ARG bin=/usr/lib/postgresql/$ARG/bin
  [[ -x "$ROOTFS$bin/postgres" ]] || die "postgresql-$major is not installed in $ROOTFS"
  new_stage "$STAGE"
  copy_elf "$bin/postgres" "$bin/initdb" "$bin/pg_ctl" "$bin/psql" "$bin/pg_isready" "$bin/pg_basebackup" /usr/bin/setpriv
  ln -s postgres "$STAGE$bin/postmaster"
  local modules
  modules=$(cd "$ROOTFS" && find "usr/lib/postgresql/$major/lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' | sed 's|^|/|' | sort)
  # shellcheck disable=SC2086 # one path per word
  copy_elf $modules
  copy_tree "/usr/share/postgresql/$major"
  rm -rf "$STAGE/usr/share/postgresql/$major/man"
  copy_tree /usr/share/zoneinfo
  copy_tree /usr/lib/locale/C.utf8
  # Like the official image: new clusters listen on every address of the container. And JIT is
  # off because its provider (llvmjit + libLLVM) is not in the image.
  local sample="$STAGE/usr/share/postgresql/$major/postgresql.conf.sample"
  sed -i -e "s/^#listen_addresses = 'localhost'/listen_addresses = '*'/" -e 's/^#jit = on\b/jit = off/' "$sample"
  grep -q "^listen_addresses = '\*'" "$sample" || die "could not set listen_addresses in $sample"
  grep -q "^jit = off" "$sample" || die "could not set jit = off in $sample"
  add_dash
  add_busybox cat chmod chown cp date echo env find grep gunzip gzip head id ln ls mkdir mktemp mv \
    printf ps rm sed sleep sort tail tee touch tr uname wc xargs xzcat zcat
  add_user postgres 999 /var/lib/postgresql
  mkdir -p "$STAGE/var/lib/postgresql/data" "$STAGE/run/postgresql" "$STAGE/docker-entrypoint-initdb.d" "$STAGE/usr/local/bin"
  chown -R 999:999 "$STAGE/var/lib/postgresql" "$STAGE/run/postgresql"
  chmod 1777 "$STAGE/var/lib/postgresql/data"
  chmod 3777 "$STAGE/run/postgresql"
  install -m 755 "$IMAGE_DIR/docker-entrypoint.sh" "$STAGE/usr/local/bin/docker-entrypoint.sh"
  install -m 755 "$IMAGE_DIR/locale" "$STAGE/usr/bin/locale"
  PKG_VERSION=$(chroot "$ROOTFS" dpkg-query -W -f '${Version}' "postgresql-$major")
}
