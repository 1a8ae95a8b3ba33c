#!/usr/bin/env bash
# Builds emul's images from Debian packages, with no registry:
#   emul/postgres:15 (bookworm), emul/postgres:17 (trixie), emul/redis:7, emul/testapp:latest,
#   emul/pause:latest, emul/netpolicy:latest, emul/agent:latest, emul/emul:latest (emul itself)
# Each is a FROM-scratch image (binaries + their ldd closure, copied out of a cached debootstrap
# rootfs), built with `docker build` from a tar context, so nothing is ever pulled.
# Every image carries io.emul.managed=true, io.emul.image.kind and io.emul.image.recipe (sha256
# of the files that define it); an image whose recipe label already matches is skipped.
#
# Usage: scripts/build-images.sh [--force] [--only NAME[,NAME...]] [--no-pg17] [--list]
#   NAME is a tag (emul/redis:7 or redis:7) or a kind (postgres, redis, testapp, pause, netpolicy, agent,
#   emul).
# Env:   EMUL_IMAGE_CACHE (default /var/cache/emul-images), EMUL_DEBIAN_MIRROR,
#        CARGO_TARGET_DIR (where the test app, the agent and emul are compiled).
# Needs root (debootstrap, chroot) and a Docker engine. See scripts/README.md.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES_ROOT="$REPO_ROOT/scripts/images"
CACHE_DIR=${EMUL_IMAGE_CACHE:-/var/cache/emul-images}
# shellcheck source=/dev/null # lib/rootfs.sh is checked on its own
source "$IMAGES_ROOT/lib/rootfs.sh"

# tag  kind  debian-suite ("-": none)  argument for the recipe (major version)
IMAGES=(
  "emul/postgres:15     postgres  bookworm 15"
  "emul/postgres:17     postgres  trixie   17"
  "emul/redis:7         redis     bookworm 7"
  "emul/testapp:latest  testapp   bookworm -"
  "emul/pause:latest    pause     -        -"
  "emul/netpolicy:latest netpolicy bookworm -"
  "emul/agent:latest    agent     bookworm -"
  "emul/emul:latest     emul      bookworm -"
)

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

force=0 only="" skip_pg17=0 list=0
while (($#)); do
  case $1 in
    --force) force=1 ;;
    --only) only=${2:?--only needs a list of tags or kinds}; shift ;;
    --only=*) only=${1#--only=} ;;
    --no-pg17) skip_pg17=1 ;;
    --list) list=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-images.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

selected() { # tag kind
  [[ $skip_pg17 == 1 && $1 == emul/postgres:17 ]] && return 1
  [[ -z $only ]] && return 0
  local item; IFS=, read -ra items <<<"$only"
  for item in "${items[@]}"; do [[ $item == "$1" || "emul/$item" == "$1" || $item == "$2" ]] && return 0; done
  return 1
}

if [[ -n $only ]]; then
  IFS=, read -ra wanted <<<"$only"
  for item in "${wanted[@]}"; do
    printf '%s\n' "${IMAGES[@]}" | awk -v i="$item" '$1 == i || $1 == "emul/" i || $2 == i { found = 1 } END { exit !found }' \
      || { echo "build-images.sh: --only $item matches no image (see --list)" >&2; exit 2; }
  done
fi

if ((list)); then printf '%s\n' "${IMAGES[@]}" | awk '{print $1}'; exit 0; fi

# --- prerequisites -------------------------------------------------------------------------------
[[ $(id -u) == 0 ]] || die "must run as root (debootstrap and chroot build the Debian root filesystems)"
command -v docker >/dev/null || die "the docker CLI is not installed"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
[[ -x /bin/busybox ]] && /bin/busybox --list 2>/dev/null | grep -qx setpriv && file -L /bin/busybox 2>/dev/null | grep -q static \
  || missing+=(busybox-static)
command -v file >/dev/null || missing+=(file)
if ((${#missing[@]})); then
  log "installing build prerequisites: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi
file -L /bin/busybox | grep -q 'statically linked' || die "/bin/busybox is not static; install busybox-static"

# One build at a time per cache directory: two helpers running this script at once would
# otherwise rebuild the same rootfs and stage directories under each other.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
  log "another build-images.sh is using $CACHE_DIR; waiting for it"
  flock 9
fi

# --- recipe hashes -------------------------------------------------------------------------------
# The files that define an image: its directory under scripts/images/, the shared helpers when it
# is cut from a Debian rootfs, the rustc version when compiled, and the test app's or the agent's
# sources.
recipe_hash() { # kind suite arg
  local kind=$1 suite=$2 arg=$3
  {
    echo "kind=$kind suite=$suite arg=$arg"
    (cd "$IMAGES_ROOT" && find "$kind" -type f | LC_ALL=C sort | xargs sha256sum)
    [[ $suite != - ]] && (cd "$IMAGES_ROOT" && sha256sum lib/rootfs.sh)
    case $kind in
      pause|netpolicy) rustc -V ;;
      testapp)
        rustc -V
        (cd "$REPO_ROOT" && { find fixtures/apps/testapp -path fixtures/apps/testapp/tests -prune -o -type f -print; echo Cargo.toml; echo Cargo.lock; } \
          | LC_ALL=C sort | xargs sha256sum) ;;
      agent)
        rustc -V
        (cd "$REPO_ROOT" && { find agent -path agent/tests -prune -o -type f -print; echo Cargo.toml; echo Cargo.lock; } \
          | LC_ALL=C sort | xargs sha256sum) ;;
      emul)
        rustc -V
        (cd "$REPO_ROOT" && { find emulator -path emulator/tests -prune -o -path emulator/benches -prune -o -type f -print; echo Cargo.toml; echo Cargo.lock; } \
          | LC_ALL=C sort | xargs sha256sum) ;;
    esac
  } | sha256sum | cut -d' ' -f1
}

image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
image_mb() { docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%.1f MB", $1/1000000}'; }

# --- build one image -----------------------------------------------------------------------------
build_one() { # tag kind suite arg recipe
  local tag=$1 kind=$2 suite=$3 arg=$4 recipe=$5
  local work="$CACHE_DIR/build/${tag//[\/:]/_}"
  rm -rf "$work"; mkdir -p "$work/context"
  (
    set -euo pipefail
    # shellcheck disable=SC2034 # ARG and ROOTFS are read by stage.sh and lib/rootfs.sh
    IMAGE_DIR="$IMAGES_ROOT/$kind" ARG=$arg PKG_VERSION="" ROOTFS=""
    # shellcheck disable=SC2034
    if [[ $suite != - ]]; then ROOTFS=$(ensure_rootfs "$suite"); fi
    # shellcheck source=/dev/null
    source "$IMAGE_DIR/stage.sh"
    stage_image
    tar -C "$STAGE" --numeric-owner -cf "$work/context/rootfs.tar" .
    sed -e "s|@ARG@|$arg|g" -e "s|@PKG_VERSION@|$PKG_VERSION|g" "$IMAGE_DIR/Dockerfile" >"$work/context/Dockerfile"
    local labels=(--label io.emul.managed=true --label "io.emul.image.kind=$kind"
                  --label "io.emul.image.recipe=$recipe" --label "io.emul.image.version=$PKG_VERSION")
    # The engine major (postgres 15/17, redis 7) lets the runtime map a requested version.
    [[ $arg != - ]] && labels+=(--label "io.emul.image.major=$arg")
    DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$tag" "${labels[@]}" \
      "$work/context" >"$work/docker-build.log" 2>&1 || { cat "$work/docker-build.log" >&2; die "docker build of $tag failed"; }
  ) || { local status=$?; rm -rf "$work"; return "$status"; }
  # (`set -e` does not apply inside the caller's `if`, so the failure above must be returned.)
  rm -rf "$work"
}

# --- main ----------------------------------------------------------------------------------------
summary=()
failed=0
total_start=$(date +%s)
for spec in "${IMAGES[@]}"; do
  read -r tag kind suite arg <<<"$spec"
  selected "$tag" "$kind" || continue
  start=$(date +%s.%N)
  recipe=$(recipe_hash "$kind" "$suite" "$arg")
  if ((!force)) && [[ $(image_label "$tag" io.emul.image.recipe) == "$recipe" ]]; then
    log "$tag: up to date (recipe ${recipe:0:12}), skipped"
    status=skipped
  else
    log "$tag: building (recipe ${recipe:0:12})"
    old_id=$(image_id "$tag")
    if (STAGE="$CACHE_DIR/build/${tag//[\/:]/_}/rootfs" build_one "$tag" "$kind" "$suite" "$arg" "$recipe"); then
      status=built
      new_id=$(image_id "$tag")
      # The replaced image would linger as <none>; remove it unless a container still uses it.
      if [[ -n $old_id && $old_id != "$new_id" ]]; then docker rmi "$old_id" >/dev/null 2>&1 || true; fi
    else
      status=FAILED; failed=1
    fi
  fi
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  if [[ $status == FAILED ]]; then size=-; else size=$(image_mb "$tag"); fi
  summary+=("$(printf '%-24s %10s  %-8s %7ss' "$tag" "$size" "$status" "$secs")")
done

printf '\n%-24s %10s  %-8s %8s\n' IMAGE SIZE STATUS TIME
printf '%s\n' "${summary[@]}"
printf 'total %ss\n' "$(( $(date +%s) - total_start ))"
exit "$failed"
