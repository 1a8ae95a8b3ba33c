#!/usr/bin/env bash
# Benchmark: push and pull of a ~100 MB image through emul's ECR registry
# with the stock Docker CLI, against moving the same image with
# `docker save | docker load` in the same run (the no-registry baseline).
#
# Builds emul in release mode, starts `emul serve --registry-port`, creates
# the repository (GetAuthorizationToken / CreateRepository over plain HTTP
# JSON, no AWS CLI needed), logs Docker in, builds a FROM-scratch image with
# one layer of SIZE_MB random (incompressible) bytes, then times:
#   push   docker push (gzip + upload + digest check + fsync'd blob)
#   pull   docker pull after removing the image locally
#   save   docker save to a file; load: docker load of it after removing the image
# and prints each, push+pull, save+load and the ratio. Figures only.
#
# Usage: scripts/bench-ecr.sh [SIZE_MB] [REGISTRY_PORT]
#   SIZE_MB        the layer's size (default 100)
#   REGISTRY_PORT  loopback port of the registry (default 25210)
set -euo pipefail

SIZE_MB="${1:-100}"
PORT="${2:-25210}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"

echo "==> building emul (release)" >&2
cargo build --release --quiet -p emul --bin emul
EMUL="$TARGET/release/emul"

WORK="$(mktemp -d -t emul-bench-ecr.XXXXXX)"
EMUL_PID=""
IMAGE="emul-bench/ecr:${SIZE_MB}mb"
REMOTE="127.0.0.1:$PORT/bench:${SIZE_MB}mb"
cleanup() {
  docker rmi -f "$IMAGE" "$REMOTE" >/dev/null 2>&1 || true
  [ -n "$EMUL_PID" ] && kill "$EMUL_PID" 2>/dev/null && wait "$EMUL_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$EMUL" serve --bind 127.0.0.1 --port 0 --registry-port "$PORT" --state-dir "$WORK/state" \
  >"$WORK/emul.out" 2>"$WORK/emul.err" &
EMUL_PID=$!
for _ in $(seq 1 300); do
  grep -q '^emul ready: ' "$WORK/emul.out" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^emul ready: //p' "$WORK/emul.out")"
[ -n "$URL" ] || { echo "emul did not start:" >&2; cat "$WORK/emul.err" >&2; exit 1; }

ecr() { # ecr OPERATION JSON: one ECR call (any credentials are accepted without --strict-auth)
  curl -sf "$URL/" -H "X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.$1" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00' \
    -d "$2"
}
ecr CreateRepository '{"repositoryName":"bench"}' >/dev/null
TOKEN="$(ecr GetAuthorizationToken '{}' | sed -n 's/.*"authorizationToken":"\([^"]*\)".*/\1/p')"
export DOCKER_CONFIG="$WORK/docker"
mkdir -p "$DOCKER_CONFIG"
echo "$TOKEN" | base64 -d | cut -d: -f2- | docker login --username AWS --password-stdin "127.0.0.1:$PORT" >/dev/null

echo "==> building a FROM-scratch image with one ${SIZE_MB} MB random layer" >&2
mkdir -p "$WORK/ctx"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$WORK/ctx/blob"
printf 'FROM scratch\nCOPY blob /blob\n' >"$WORK/ctx/Dockerfile"
docker build -q -t "$IMAGE" "$WORK/ctx" >/dev/null
docker tag "$IMAGE" "$REMOTE"

secs() { # secs COMMAND...: wall seconds of one command (output discarded)
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
push=$(secs docker push "$REMOTE")
docker rmi -f "$IMAGE" "$REMOTE" >/dev/null
pull=$(secs docker pull "$REMOTE")
docker tag "$REMOTE" "$IMAGE"
save=$(secs docker save -o "$WORK/image.tar" "$IMAGE")
docker rmi -f "$IMAGE" "$REMOTE" >/dev/null
load=$(secs docker load -i "$WORK/image.tar")

printf 'machine: %s cores, %s; docker %s; layer %s MB random\n' "$(nproc)" "$(uname -sr)" \
  "$(docker version -f '{{.Server.Version}}')" "$SIZE_MB"
printf '%-28s %8.2f s\n' "docker push (emul registry)" "$push" "docker pull (emul registry)" "$pull" \
  "docker save (to a file)" "$save" "docker load (from the file)" "$load"
printf '%-28s %8.2f s\n' "push + pull" "$(echo "$push + $pull" | bc -l)" "save + load" "$(echo "$save + $load" | bc -l)"
printf 'ratio (push+pull)/(save+load): %.2f\n' "$(echo "($push + $pull) / ($save + $load)" | bc -l)"
