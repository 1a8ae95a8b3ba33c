#!/usr/bin/env bash
# Times `emul up -d --wait` (cold: fresh data volumes) and a no-change
# `emul up -d --wait` for the data stores of the wechat seed fixture, next to
# `docker-compose up` + waiting for every healthcheck (docker-compose v1 has
# no `--wait`) of the same containers (scripts/bench/docker-compose.yml), in the same run.
#
#   scripts/bench-up.sh [ROUNDS]        (default 3)
#
# Needs the images from scripts/build-images.sh. Uses $CARGO_TARGET_DIR/debug/emul
# (built if missing; EMUL_BIN overrides). Cleans up everything it made on exit.
set -euo pipefail
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
EMUL=${EMUL_BIN:-$TARGET/debug/emul}
[ -x "$EMUL" ] || (cd "$ROOT" && cargo build -q -p emul)
COMPOSE="docker-compose -p emulbench -f $ROOT/scripts/bench/docker-compose.yml"
WORK=$(mktemp -d)
TOPO=$WORK/wechat-bench.yaml
PORT=${BENCH_PORT:-14599}

# The wechat fixture: its own name and CIDR, Single-AZ (compose runs no standby).
sed -e 's/^name: wechat$/name: emul-bench/' -e 's/10\.0\./10.93./g' \
    -e 's/^    multi_az: true$/    multi_az: false/' \
    "$ROOT/fixtures/topologies/wechat.yaml" > "$TOPO"

cleanup() {
  "$EMUL" down --volumes --topology "$TOPO" >/dev/null 2>&1 || true
  $COMPOSE down -v >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }

compose_wait() {
  local deadline=$(( $(date +%s) + 180 ))
  while :; do
    local ids states
    ids=$($COMPOSE ps -q)
    states=$(docker inspect --format '{{.State.Health.Status}}' $ids | sort -u | tr '\n' ' ')
    [ "$states" = "healthy " ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { echo "compose: not healthy: $states" >&2; return 1; }
    sleep 0.1
  done
}

emul_up() { "$EMUL" up -d --wait --pull never --label io.emul.test=1 --port "$PORT" --topology "$TOPO" >/dev/null 2>&1; }

printf '%-6s %-28s %10s\n' round measurement seconds
declare -a E_COLD E_NOOP C_COLD C_NOOP
for r in $(seq 1 "$ROUNDS"); do
  cleanup_round() { "$EMUL" down --volumes --topology "$TOPO" >/dev/null 2>&1 || true; $COMPOSE down -v >/dev/null 2>&1 || true; }
  cleanup_round
  t0=$(now); emul_up; t1=$(now); E_COLD+=("$(secs "$t0" "$t1")")
  t0=$(now); emul_up; t1=$(now); E_NOOP+=("$(secs "$t0" "$t1")")
  "$EMUL" down --volumes --topology "$TOPO" >/dev/null 2>&1
  t0=$(now); $COMPOSE up -d >/dev/null 2>&1; compose_wait; t1=$(now); C_COLD+=("$(secs "$t0" "$t1")")
  t0=$(now); $COMPOSE up -d >/dev/null 2>&1; compose_wait; t1=$(now); C_NOOP+=("$(secs "$t0" "$t1")")
  $COMPOSE down -v >/dev/null 2>&1
  printf '%-6s %-28s %10s\n' "$r" "emul up -d --wait (cold)" "${E_COLD[-1]}"
  printf '%-6s %-28s %10s\n' "$r" "emul up (no change)" "${E_NOOP[-1]}"
  printf '%-6s %-28s %10s\n' "$r" "compose up + healthy (cold)" "${C_COLD[-1]}"
  printf '%-6s %-28s %10s\n' "$r" "compose up (no change)" "${C_NOOP[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ec=$(median "${E_COLD[@]}"); en=$(median "${E_NOOP[@]}")
cc=$(median "${C_COLD[@]}"); cn=$(median "${C_NOOP[@]}")
echo
echo "median of $ROUNDS rounds:"
printf '  cold:      emul %6.2fs   compose %6.2fs   emul/compose %.2f\n' "$ec" "$cc" "$(echo "$ec / $cc" | bc -l)"
printf '  no change: emul %6.2fs   compose %6.2fs   emul/compose %.2f\n' "$en" "$cn" "$(echo "$en / $cn" | bc -l)"
