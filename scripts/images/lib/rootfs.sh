# shellcheck shell=bash
# Shared helpers for scripts/build-images.sh: Debian root filesystems (debootstrap, cached) and
# "ldd closure" staging of binaries into small FROM-scratch images. Sourced, not executed.
# Part of every distro image's recipe hash: change it and those images rebuild.

# shellcheck disable=SC2034 # read through ${!name} in ensure_rootfs
# Packages installed into each suite's cached rootfs. The images copy binaries out of these.
# curl and wget are for the test app's image: ECS health checks are written with them.
SUITE_PACKAGES_bookworm="postgresql-15 redis-server redis-tools nftables iptables iproute2 netbase curl wget"
SUITE_PACKAGES_trixie="postgresql-17"
# Bump when ensure_rootfs's way of preparing a rootfs changes (forces the package layer to rebuild).
ROOTFS_LAYOUT_VERSION=1
DEBIAN_MIRROR="${EMUL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${EMUL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] error: %s\n' "$*" >&2; exit 1; }

# Runs a command inside rootfs $1 with /proc mounted in a private mount namespace, so nothing
# leaks into the host's mount table even if the command fails.
in_rootfs() {
  local root=$1; shift
  # shellcheck disable=SC2016 # $0 and $@ belong to the inner sh
  unshare -m -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"
}

# ensure_rootfs SUITE: prints the path of a rootfs for SUITE with SUITE_PACKAGES_<suite>
# installed. The bare debootstrap (the slow part, ~1 min) is kept as <suite>.base; the package
# layer is rebuilt from it whenever the package list or ROOTFS_LAYOUT_VERSION changes.
ensure_rootfs() {
  local suite=$1 dir="$CACHE_DIR/rootfs"
  local packages_var="SUITE_PACKAGES_$suite"
  local packages=${!packages_var}
  local want
  want=$(printf '%s\n%s\n' "$packages" "$ROOTFS_LAYOUT_VERSION" | sha256sum | cut -d' ' -f1)
  mkdir -p "$dir"
  if [[ -f "$dir/$suite.stamp" && "$(cat "$dir/$suite.stamp")" == "$want" && -d "$dir/$suite" ]]; then
    printf '%s\n' "$dir/$suite"; return
  fi
  if [[ ! -d "$dir/$suite.base" ]]; then
    log "debootstrap $suite (minbase) into $dir/$suite.base (once; about a minute)"
    rm -rf "$dir/$suite.base.tmp"
    debootstrap --variant=minbase "$suite" "$dir/$suite.base.tmp" "$DEBIAN_MIRROR" >"$dir/$suite.debootstrap.log" 2>&1 \
      || die "debootstrap $suite failed; see $dir/$suite.debootstrap.log"
    mv "$dir/$suite.base.tmp" "$dir/$suite.base"
  fi
  log "installing into the $suite rootfs: $packages"
  rm -rf "${dir:?}/$suite" "$dir/$suite.stamp" "$dir/$suite.tmp"
  cp -a "$dir/$suite.base" "$dir/$suite.tmp"
  local r="$dir/$suite.tmp"
  # No service may start inside the chroot; no cluster may be auto-created by postgresql-common.
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"; chmod 755 "$r/usr/sbin/policy-rc.d"
  mkdir -p "$r/etc/postgresql-common/createcluster.d"
  echo 'create_main_cluster = false' >"$r/etc/postgresql-common/createcluster.d/emul.conf"
  # Skip docs, man pages and translations: nothing in the images needs them.
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n' \
    >"$r/etc/dpkg/dpkg.cfg.d/emul-nodoc"
  cat >"$r/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR $suite main
deb $DEBIAN_MIRROR $suite-updates main
deb $DEBIAN_SECURITY_MIRROR $suite-security main
SOURCES
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  in_rootfs "$r" env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $packages && apt-get clean" \
    >"$dir/$suite.apt.log" 2>&1 || die "apt-get install in the $suite rootfs failed; see $dir/$suite.apt.log"
  mv "$r" "$dir/$suite"
  echo "$want" >"$dir/$suite.stamp"
  printf '%s\n' "$dir/$suite"
}

# --- staging a FROM-scratch root filesystem -----------------------------------------------------
# STAGE (the directory being filled) and ROOTFS (the Debian rootfs copied from) are globals set
# by the caller, so the helpers below read like a recipe.

# new_stage DIR: an empty merged-/usr skeleton, with /var/run -> /run (Postgres puts its socket
# in /var/run/postgresql) and a world-writable /tmp.
new_stage() {
  STAGE=$1
  rm -rf "$STAGE"; mkdir -p "$STAGE"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc,run,tmp,var}
  ln -s usr/bin "$STAGE/bin"; ln -s usr/sbin "$STAGE/sbin"; ln -s usr/lib "$STAGE/lib"; ln -s usr/lib64 "$STAGE/lib64"
  ln -s ../run "$STAGE/var/run"
  chmod 1777 "$STAGE/tmp"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' \
    >"$STAGE/etc/nsswitch.conf"
}

# canonical PATH: PATH's directory resolved inside ROOTFS (merged /usr: /lib -> /usr/lib ...).
canonical_dir() { chroot "$ROOTFS" /usr/bin/realpath -e "$1"; }

# copy_path PATH: copies PATH from ROOTFS into STAGE at its canonical location, following and
# copying each symlink in a chain (soname links, /etc/alternatives, redis-server -> redis-check-rdb).
copy_path() {
  local p=$1 dir base hops=0
  while (( hops++ < 16 )); do
    dir=$(canonical_dir "$(dirname "$p")") || die "missing in rootfs: $p"
    base=$(basename "$p")
    mkdir -p "$STAGE$dir"
    if [[ ! -e "$STAGE$dir/$base" && ! -L "$STAGE$dir/$base" ]]; then
      cp -a "$ROOTFS$dir/$base" "$STAGE$dir/$base" || die "cannot copy $p from the rootfs"
    fi
    [[ -L "$ROOTFS$dir/$base" ]] || return 0
    local target; target=$(readlink "$ROOTFS$dir/$base")
    case $target in /*) p=$target ;; *) p=$dir/$target ;; esac
  done
  die "symlink loop at $1"
}

# copy_elf FILE...: copies each ELF file and every shared library `ldd` (run inside the rootfs)
# says it needs, including the ELF interpreter.
copy_elf() {
  local f libs
  for f in "$@"; do copy_path "$f"; done
  libs=$(for f in "$@"; do chroot "$ROOTFS" /usr/bin/ldd "$f"; done \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
  for f in $libs; do copy_path "$f"; done
}

# copy_tree DIR: copies a whole directory (data files: share/, zoneinfo, locales).
copy_tree() {
  local dir; dir=$(canonical_dir "$1") || die "missing in rootfs: $1"
  mkdir -p "$STAGE$(dirname "$dir")"
  cp -a "$ROOTFS$dir" "$STAGE$(dirname "$dir")/"
}

# add_dash: Debian's dash as /bin/sh. Not busybox's sh: the Debian busybox-static shell runs its
# own applets in preference to real binaries (`ip` would be busybox's, not iproute2's;
# `setpriv` busybox's, which lacks --reuid), which breaks scripts that expect the real tools.
add_dash() {
  copy_elf /usr/bin/dash
  ln -sf dash "$STAGE/usr/bin/sh"
}

# add_busybox APPLET...: the static busybox from the host's busybox-static package as
# /usr/bin/busybox, plus a symlink per applet (entrypoint scripts need sh, chown, setpriv, ...).
add_busybox() {
  install -m 755 /bin/busybox "$STAGE/usr/bin/busybox"
  local a
  for a in "$@"; do [[ -e "$STAGE/usr/bin/$a" ]] || ln -s busybox "$STAGE/usr/bin/$a"; done
}

# add_user NAME UID HOME: /etc/passwd and /etc/group entries (root is always present), so tools
# that look up the effective user (initdb, psql) find one.
add_user() {
  local name=$1 uid=$2 home=$3
  [[ -f "$STAGE/etc/passwd" ]] || printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$STAGE/etc/passwd"
  [[ -f "$STAGE/etc/group" ]] || printf 'root:x:0:\nnogroup:x:65534:\n' >"$STAGE/etc/group"
  printf '%s:x:%s:%s:%s:%s:/bin/sh\n' "$name" "$uid" "$uid" "$name" "$home" >>"$STAGE/etc/passwd"
  printf '%s:x:%s:\n' "$name" "$uid" >>"$STAGE/etc/group"
}
